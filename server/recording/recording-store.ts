import type { Redis } from 'ioredis';
import { Recording } from '../../protocol/recording.js';
import { JsonHash } from '../store/json-hash.js';

/** Recordings' metadata: Redis hash `recordings`, recording id → Recording (validated on read). */
export class RecordingStore {
  readonly #hash: JsonHash<typeof Recording>;

  constructor(redis: Redis) {
    this.#hash = new JsonHash(redis, 'recordings', Recording);
  }

  get(id: string): Promise<Recording | undefined> {
    return this.#hash.get(id);
  }

  save(recording: Recording): Promise<void> {
    return this.#hash.set(recording.id, recording);
  }

  all(): Promise<Recording[]> {
    return this.#hash.all();
  }

  delete(id: string): Promise<boolean> {
    return this.#hash.delete(id);
  }

  /** An incident's recordings (tagged with it, or made in one of its rooms), oldest first. */
  async forIncident(incidentId: string, roomIds: string[]): Promise<Recording[]> {
    const rooms = new Set(roomIds);
    return (await this.#hash.all()).filter((r) => r.incidentId === incidentId || rooms.has(r.roomId)).sort((a, b) => a.startedAt - b.startedAt);
  }

  /** A room's recordings, newest first. */
  async forRoom(roomId: string): Promise<Recording[]> {
    return (await this.#hash.all()).filter((r) => r.roomId === roomId).sort((a, b) => b.startedAt - a.startedAt);
  }
}
