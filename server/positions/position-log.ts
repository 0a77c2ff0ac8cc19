import type { Redis } from 'ioredis';
import type { PublicUser } from '../../protocol/http.js';
import { LatestPosition, Position } from '../../protocol/signalling.js';

/**
 * Positions reported in a room (an incident's room above all), kept in order in a Redis stream per
 * room for replay, with each user's latest fix in a hash for the map. A device numbers its fixes; one
 * already stored (a resend after a lost reply) is not stored again.
 */
export class PositionLog {
  constructor(private readonly redis: Redis) {}

  /** Stores the new ones among `positions` and returns them, plus the highest seq now stored. */
  async record(roomId: string, user: PublicUser, positions: Position[]): Promise<{ fresh: Position[]; acceptedUpTo: number }> {
    const seqKey = `positions:seq:${roomId}`;
    const stored = Number((await this.redis.hget(seqKey, user.id)) ?? -1);
    const fresh = [...positions].sort((a, b) => a.seq - b.seq).filter((p, i, all) => p.seq > stored && (i === 0 || p.seq !== all[i - 1]!.seq));
    if (fresh.length === 0) return { fresh, acceptedUpTo: stored };
    const last = fresh.at(-1)!;
    const tx = this.redis.multi();
    for (const p of fresh) {
      tx.xadd(`positions:${roomId}`, 'MAXLEN', '~', '1000000', '*', 'user', user.id, 'name', user.displayName, 'unit', user.orgUnitId, 'fix', JSON.stringify(p));
    }
    tx.hset(`positions:last:${roomId}`, user.id, JSON.stringify({ user: { id: user.id, displayName: user.displayName, orgUnitId: user.orgUnitId }, position: last }));
    tx.hset(seqKey, user.id, String(last.seq));
    await tx.exec();
    return { fresh, acceptedUpTo: last.seq };
  }

  /** Everyone's latest fix in the room, for a map opened mid-incident. */
  async latest(roomId: string): Promise<LatestPosition[]> {
    const all = await this.redis.hgetall(`positions:last:${roomId}`);
    return Object.values(all).flatMap((raw) => {
      const parsed = LatestPosition.safeParse(JSON.parse(raw));
      return parsed.success ? [parsed.data] : [];
    });
  }
}
