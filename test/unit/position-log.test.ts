import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicUser } from '../../protocol/http.js';
import { PositionLog } from '../../server/positions/position-log.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

const user: PublicUser = { id: 'u-field01', username: 'field01', displayName: '救援队员一', orgUnitId: 'team-rescue-1', role: 'responder' };
const fix = (seq: number) => ({ seq, lat: 35 + seq / 1000, lon: 118, at: 1_700_000_000_000 + seq });

describe('PositionLog (real Redis)', () => {
  let fx: RedisFixture;
  beforeAll(async () => {
    fx = await startRedis();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('stores fixes in seq order and a resend of stored ones is not stored twice', async () => {
    const log = new PositionLog(fx.redis);
    expect(await log.record('r1', user, [fix(2), fix(1)])).toEqual({ fresh: [fix(1), fix(2)], acceptedUpTo: 2 });
    expect(await log.record('r1', user, [fix(1), fix(2), fix(3), fix(3)])).toEqual({ fresh: [fix(3)], acceptedUpTo: 3 });
    expect(await log.record('r1', user, [fix(2)])).toEqual({ fresh: [], acceptedUpTo: 3 });
    const stream = await fx.redis.xrange('positions:r1', '-', '+');
    expect(stream.map(([, f]) => JSON.parse(f[f.indexOf('fix') + 1]!).seq)).toEqual([1, 2, 3]);
    const last = JSON.parse((await fx.redis.hget('positions:last:r1', user.id))!);
    expect(last.position.seq).toBe(3);
  });

  it('keeps each room and each user apart', async () => {
    const log = new PositionLog(fx.redis);
    expect((await log.record('r2', user, [fix(1)])).acceptedUpTo).toBe(1);
    expect((await log.record('r2', { ...user, id: 'u-other' }, [fix(1)])).fresh).toHaveLength(1);
  });
});
