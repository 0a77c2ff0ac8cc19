import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceStore, toPublic, type StoredSource } from '../../server/feeds/source-store.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

const cam: StoredSource = { id: 'cam-1', name: '路口', orgUnitId: 'city', location: 'X', kind: 'cctv', ingest: 'rtsp', url: 'rtsp://10.0.0.5/ch1', transport: 'tcp', username: 'admin', password: 'Secret-pw-1' };
const drone: StoredSource = { id: 'drone-1', name: '无人机', orgUnitId: 'city', location: '', kind: 'drone', ingest: 'rtmp', streamKey: 'drone-key-0123456789' };

describe('SourceStore', () => {
  let fx: RedisFixture;
  let store: SourceStore;
  beforeAll(async () => {
    fx = await startRedis();
    store = new SourceStore(fx.redis);
    await store.create(cam);
    await store.create(drone);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('keeps credentials in Redis and leaves them out of the public view', async () => {
    expect((await store.get('cam-1'))?.password).toBe('Secret-pw-1');
    const shown = JSON.stringify([toPublic(cam, { state: 'idle' }, undefined), toPublic(drone, { state: 'idle' }, 'rtmp://10.0.0.1:1935/live')]);
    expect(shown).not.toContain('Secret-pw-1');
    expect(shown).not.toContain('drone-key-0123456789');
    expect(shown).toContain('"hasPassword":true');
    expect(shown).toContain('rtmp://10.0.0.1:1935/live/<stream key>');
  });

  it('finds an RTMP source by its stream key, and nothing by a wrong or partial one', async () => {
    expect((await store.byStreamKey('drone-key-0123456789'))?.id).toBe('drone-1');
    expect(await store.byStreamKey('drone-key-012345678')).toBeUndefined();
    expect(await store.byStreamKey('')).toBeUndefined();
  });

  it('does not create a source twice, and deletes', async () => {
    expect(await store.create(cam)).toBe(false);
    expect(await store.delete('cam-1')).toBe(true);
    expect(await store.get('cam-1')).toBeUndefined();
  });
});
