import { z } from 'zod';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { JsonHash } from '../../server/store/json-hash.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

const Thing = z.object({ id: z.string(), size: z.number().int() });

describe('JsonHash', () => {
  let fx: RedisFixture;
  beforeAll(async () => {
    fx = await startRedis();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('round-trips records and reports absent ones as undefined', async () => {
    const h = new JsonHash(fx.redis, 'things', Thing);
    await h.set('a', { id: 'a', size: 1 });
    expect(await h.get('a')).toEqual({ id: 'a', size: 1 });
    expect(await h.get('missing')).toBeUndefined();
    expect(await h.setIfAbsent('a', { id: 'a', size: 2 })).toBe(false);
    expect(await h.setIfAbsent('b', { id: 'b', size: 2 })).toBe(true);
    expect((await h.all()).sort((x, y) => x.id.localeCompare(y.id))).toEqual([{ id: 'a', size: 1 }, { id: 'b', size: 2 }]);
  });

  it('refuses to write a value that does not match the schema', async () => {
    const h = new JsonHash(fx.redis, 'things-w', Thing);
    await expect(h.set('x', { id: 'x', size: 1.5 })).rejects.toThrow();
    expect(await fx.redis.hexists('things-w', 'x')).toBe(0);
  });

  it('a record that fails the schema gives an error naming the key and field', async () => {
    const h = new JsonHash(fx.redis, 'things-c', Thing);
    await fx.redis.hset('things-c', 'bad', JSON.stringify({ id: 'bad', size: 'huge' }));
    await expect(h.get('bad')).rejects.toThrow('corrupt record things-c[bad]');
    await expect(h.get('bad')).rejects.toThrow(/size/);
    await expect(h.all()).rejects.toThrow('corrupt record things-c[bad]');
  });

  it('a record that is not JSON gives an error naming the key', async () => {
    const h = new JsonHash(fx.redis, 'things-j', Thing);
    await fx.redis.hset('things-j', 'broken', '{"id": "broken", size');
    await expect(h.get('broken')).rejects.toThrow('things-j[broken]');
  });
});
