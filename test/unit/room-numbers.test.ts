import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomNumbers } from '../../server/sip/room-numbers.js';
import { AccountStore } from '../../server/auth/account-store.js';
import { digestHa1 } from '../../server/auth/digest.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

describe('RoomNumbers', () => {
  let fx: RedisFixture;
  beforeAll(async () => {
    fx = await startRedis();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('gives every room a number once, keeps it, and skips numbers the map uses', async () => {
    const numbers = new RoomNumbers(fx.redis, { 6001: 'city-consultation' }, 6000);
    expect(await numbers.numberOf('city-consultation')).toBe('6001');
    const a = await numbers.numberOf('county-01-room');
    expect(a).toBe('6002');
    expect(await numbers.numberOf('county-01-room')).toBe(a);
    // Two nodes asking at once still give one room one number.
    const again = new RoomNumbers(fx.redis, {}, 6000);
    const [x, y] = await Promise.all([numbers.numberOf('county-02-room'), again.numberOf('county-02-room')]);
    expect(x).toBe(y);
    expect(await new RoomNumbers(fx.redis, {}, 6000).roomFor(a)).toBe('county-01-room');
    expect(await numbers.roomFor('6001')).toBe('city-consultation');
    // Not a number anyone was given: taken as a room id.
    expect(await numbers.roomFor('tg-city')).toBe('tg-city');
  });
});

describe('AccountStore SIP digest credentials', () => {
  let fx: RedisFixture;
  beforeAll(async () => {
    fx = await startRedis();
  });
  afterAll(async () => {
    await fx?.close();
  });

  const user = { id: 'u1', username: 'field09', displayName: 'F9', orgUnitId: 'city', role: 'responder' as const, password: 'pw-9' };

  it('stores HA1 for the realm on seed, and for a new realm at the next login', async () => {
    const store = new AccountStore(fx.redis, 'realm-a');
    await store.seed(user);
    expect(await store.digestCredentials()).toEqual([{ username: 'field09', ha1: digestHa1('field09', 'realm-a', 'pw-9') }]);
    const moved = new AccountStore(fx.redis, 'realm-b');
    expect(await moved.digestCredentials()).toEqual([]);
    const told: string[] = [];
    moved.onDigest = (username, ha1) => told.push(`${username}:${ha1}`);
    expect(await moved.authenticate('field09', 'wrong')).toBeUndefined();
    expect(told).toEqual([]);
    expect((await moved.authenticate('field09', 'pw-9'))?.username).toBe('field09');
    expect(told).toEqual([`field09:${digestHa1('field09', 'realm-b', 'pw-9')}`]);
    expect(JSON.stringify(await moved.all())).not.toContain('ha1');
  });
});
