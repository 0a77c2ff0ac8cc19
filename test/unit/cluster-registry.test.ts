/** Node liveness and node-to-node requests over a real Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterBus } from '../../server/cluster/cluster-bus.js';
import { NodeRegistry } from '../../server/cluster/node-registry.js';
import { waitFor } from '../helpers/wait.js';
import { silentLogger, startRedis, type RedisFixture } from './redis-fixture.js';

describe('cluster registry and bus', () => {
  let fixture: RedisFixture;

  beforeAll(async () => {
    fixture = await startRedis();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('a node whose heartbeat key expires is reported dead once, and is alive again when it beats again', async () => {
    const registry = new NodeRegistry(fixture.redis, { id: 'a', url: 'http://127.0.0.1:1', pipeIp: '127.0.0.1' }, { beatMs: 100, ttlMs: 1000 }, silentLogger);
    const down: string[] = [];
    registry.on('nodeDown', (id) => down.push(id));
    const ghost = JSON.stringify({ id: 'ghost', url: 'http://127.0.0.1:2', pipeIp: '127.0.0.1' });
    await fixture.redis.set('cluster:alive:ghost', ghost, 'PX', 500);
    // Garbage under a heartbeat key is not a node.
    await fixture.redis.set('cluster:alive:junk', '{"id":', 'PX', 5000);
    await registry.start();
    try {
      expect(registry.nodes().map((n) => n.id).sort()).toEqual(['a', 'ghost']);
      await waitFor('ghost reported dead', () => down.length > 0, 5000, 50);
      expect(down).toEqual(['ghost']);
      expect(registry.isAlive('ghost')).toBe(false);
      expect(registry.nodes().map((n) => n.id)).toEqual(['a']);
      await fixture.redis.set('cluster:alive:ghost', ghost, 'PX', 5000);
      await waitFor('ghost alive again', () => registry.isAlive('ghost'), 5000, 50);
      expect(registry.nodes().map((n) => n.id).sort()).toEqual(['a', 'ghost']);
      expect(down).toEqual(['ghost']);
    } finally {
      await registry.stop();
    }
    expect(await fixture.redis.exists('cluster:alive:a')).toBe(0);
  });

  it('tells when its own heartbeat had expired (a stall past the TTL), so the node can announce itself again', async () => {
    const registry = new NodeRegistry(fixture.redis, { id: 'stalled', url: 'http://127.0.0.1:3', pipeIp: '127.0.0.1' }, { beatMs: 100, ttlMs: 5000 }, silentLogger);
    let rejoined = 0;
    registry.on('rejoined', () => rejoined++);
    await registry.start();
    try {
      await new Promise((r) => setTimeout(r, 250));
      expect(rejoined).toBe(0);
      await fixture.redis.del('cluster:alive:stalled');
      await waitFor('rejoined', () => rejoined === 1, 5000, 50);
      expect(await fixture.redis.exists('cluster:alive:stalled')).toBe(1);
    } finally {
      await registry.stop();
    }
  });

  it('answers a request, carries a refusal back as an error, and times out when nobody answers', async () => {
    const a = await ClusterBus.start(fixture.redis, 'bus-a', silentLogger);
    const b = await ClusterBus.start(fixture.redis, 'bus-b', silentLogger);
    try {
      b.onRequest(async (body, from) => {
        if ((body as { n?: unknown }).n === 1) return { from, doubled: 2 };
        throw new Error('bad pipe request: n must be 1');
      });
      await expect(a.request('bus-b', { n: 1 })).resolves.toEqual({ from: 'bus-a', doubled: 2 });
      await expect(a.request('bus-b', { n: 'x' })).rejects.toThrow('bad pipe request: n must be 1');
      await expect(a.request('nobody', {}, 300)).rejects.toThrow('did not answer');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('routes requests by their type to the module that handles it, and one failing event handler does not stop the others', async () => {
    const a = await ClusterBus.start(fixture.redis, 'route-a', silentLogger);
    const b = await ClusterBus.start(fixture.redis, 'route-b', silentLogger);
    try {
      b.onRequest(async () => 'pipes');
      b.onRequest(async (body) => `floor ${(body as { type: string }).type}`, ['floorRequest', 'floorSync']);
      await expect(a.request('route-b', { type: 'floorSync' })).resolves.toBe('floor floorSync');
      await expect(a.request('route-b', { type: 'pipeConnect' })).resolves.toBe('pipes');
      await expect(a.request('route-b', null)).resolves.toBe('pipes');
      await expect(a.request('route-b', { type: 'toString' })).resolves.toBe('pipes');
      const seen: string[] = [];
      b.onEvent(() => {
        throw new Error('handler bug');
      });
      b.onEvent((event) => seen.push(event.type));
      a.publish({ type: 'roomOpened', node: 'route-a', roomId: 'r1' });
      a.publish({ type: 'activeSpeaker', node: 'route-a', roomId: 'r1', peerId: 'p1' });
      await waitFor('both events past the failing handler', () => seen.length === 2, 5000, 20);
      expect(seen).toEqual(['roomOpened', 'activeSpeaker']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
