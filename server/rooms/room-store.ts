import type { Redis } from 'ioredis';
import { z } from 'zod';
import { Id, RoomLayout, RoomMode } from '../../protocol/http.js';
import { JsonHash } from '../store/json-hash.js';

export const RoomDefinition = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  /** Rooms stored before talk groups existed are conferences. */
  mode: RoomMode.default('conference'),
  layout: RoomLayout.default('gallery'),
  createdBy: z.string().optional(),
  /** Set on an incident's own room. */
  incidentId: Id.optional(),
});
export type RoomDefinition = z.infer<typeof RoomDefinition>;

/** Room definitions (which rooms exist and which unit owns each), in Redis. */
export class RoomStore {
  readonly #rooms: JsonHash<typeof RoomDefinition>;

  constructor(redis: Redis) {
    this.#rooms = new JsonHash(redis, 'rooms', RoomDefinition);
  }

  get(id: string): Promise<RoomDefinition | undefined> {
    return this.#rooms.get(id);
  }

  all(): Promise<RoomDefinition[]> {
    return this.#rooms.all();
  }

  /** false when a room with that id exists already. */
  create(room: RoomDefinition): Promise<boolean> {
    return this.#rooms.setIfAbsent(room.id, room);
  }
}
