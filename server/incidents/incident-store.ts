import type { Redis } from 'ioredis';
import { Incident } from '../../protocol/http.js';
import { JsonHash } from '../store/json-hash.js';

/** Incidents in Redis. Each has its own room (`inc-<id>`), where its field units and commanders meet. */
export class IncidentStore {
  readonly #incidents: JsonHash<typeof Incident>;

  constructor(redis: Redis) {
    this.#incidents = new JsonHash(redis, 'incidents', Incident);
  }

  get(id: string): Promise<Incident | undefined> {
    return this.#incidents.get(id);
  }

  all(): Promise<Incident[]> {
    return this.#incidents.all();
  }

  create(incident: Incident): Promise<boolean> {
    return this.#incidents.setIfAbsent(incident.id, incident);
  }

  save(incident: Incident): Promise<void> {
    return this.#incidents.set(incident.id, incident);
  }
}
