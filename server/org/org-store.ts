import type { Redis } from 'ioredis';
import { OrgUnit } from '../../protocol/http.js';
import { JsonHash } from '../store/json-hash.js';
import { OrgTree } from './org-tree.js';

export class OrgStore {
  readonly #units: JsonHash<typeof OrgUnit>;

  constructor(redis: Redis) {
    this.#units = new JsonHash(redis, 'org:units', OrgUnit);
  }

  seed(unit: OrgUnit): Promise<boolean> {
    return this.#units.setIfAbsent(unit.id, unit);
  }

  async loadTree(): Promise<OrgTree> {
    return new OrgTree(await this.#units.all());
  }
}
