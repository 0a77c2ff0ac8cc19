import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MapMarker } from '../../protocol/signalling.js';
import { JsonHash } from '../store/json-hash.js';

/** Markers commanders place on a room's (an incident's) shared map. */
export class MarkerStore {
  constructor(private readonly redis: Redis) {}

  #hash(roomId: string) {
    return new JsonHash(this.redis, `markers:${roomId}`, MapMarker);
  }

  async place(roomId: string, marker: Omit<MapMarker, 'id' | 'at'>): Promise<MapMarker> {
    const placed: MapMarker = { ...marker, id: randomUUID(), at: Date.now() };
    await this.#hash(roomId).set(placed.id, placed);
    return placed;
  }

  async remove(roomId: string, markerId: string): Promise<boolean> {
    return (await this.redis.hdel(`markers:${roomId}`, markerId)) === 1;
  }

  async all(roomId: string): Promise<MapMarker[]> {
    return (await this.#hash(roomId).all()).sort((a, b) => a.at - b.at);
  }
}
