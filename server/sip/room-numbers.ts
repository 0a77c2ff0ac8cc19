import type { Redis } from 'ioredis';

const BY_ROOM = 'sip:room-numbers';
const BY_NUMBER = 'sip:number-rooms';
const COUNTER = 'sip:next-room-number';

/**
 * Every room's dialable number (phones dial digits, not room ids). A number from the settings' map
 * wins; otherwise a room gets the next free number from `base` the first time it is asked for, and
 * keeps it (Redis), so the numbers people write down stay valid across restarts.
 */
export class RoomNumbers {
  readonly #fixedByRoom = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly fixed: Readonly<Record<string, string>>,
    private readonly base = 6000,
  ) {
    for (const [number, roomId] of Object.entries(fixed)) if (!this.#fixedByRoom.has(roomId)) this.#fixedByRoom.set(roomId, number);
  }

  async numberOf(roomId: string): Promise<string> {
    const fixed = this.#fixedByRoom.get(roomId);
    if (fixed) return fixed;
    const kept = await this.redis.hget(BY_ROOM, roomId);
    if (kept) return kept;
    for (let tries = 0; tries < 1000; tries++) {
      const number = String(this.base + (await this.redis.incr(COUNTER)));
      if (this.fixed[number] !== undefined) continue;
      // Claim the number first, then the room; another node doing the same loses one of the two and moves on.
      if (!(await this.redis.hsetnx(BY_NUMBER, number, roomId))) continue;
      if (await this.redis.hsetnx(BY_ROOM, roomId, number)) return number;
      await this.redis.hdel(BY_NUMBER, number);
      return (await this.redis.hget(BY_ROOM, roomId))!;
    }
    throw new Error('no free room number');
  }

  /** The room a dialled number names: the map, then numbers given out, then a room id dialled as is. */
  async roomFor(dialled: string): Promise<string> {
    return this.fixed[dialled] ?? (await this.redis.hget(BY_NUMBER, dialled)) ?? dialled;
  }
}
