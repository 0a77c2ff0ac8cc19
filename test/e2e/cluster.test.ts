/**
 * Two server nodes sharing one Redis on loopback. Chromium A on node 1 and Chromium B on node 2 are in
 * the same room and decode each other (node 2 pipes A's media from node 1 and back). Node 1 is killed:
 * A reconnects through node 2 with the same token and decodes B again within 10 s, while node 2 drops
 * node 1's members and pipes once its heartbeat expires. A bad node-to-node request is refused.
 */
import { Redis } from 'ioredis';
import type { Page } from 'puppeteer-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { startRedis, type RunningRedis } from '../helpers/redis-server.js';
import { login, mediaOverview, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'county-01-room';
const NODE_TTL_MS = 3000;

describe('a room across two nodes, and failover when one dies', () => {
  let redis: RunningRedis;
  let node1: RunningServer;
  let node2: RunningServer;
  let chromium: TestBrowser;
  let pageA: Page;
  let pageB: Page;
  let admin2: string;

  const room2 = async () => (await mediaOverview(node2.url, admin2)).rooms.find((r) => r.id === ROOM);
  const peerIdOf = (page: Page) => page.evaluate(() => (window as unknown as { __diag: { peerId(): string } }).__diag.peerId());

  beforeAll(async () => {
    redis = await startRedis();
    const env = (id: string) => ({ REDIS_URL: redis.url, NODE_ID: id, CLUSTER_NODE_TTL_MS: String(NODE_TTL_MS), CLUSTER_HEARTBEAT_MS: '500' });
    node1 = await startServer({ env: env('node-1'), workers: 1 });
    node2 = await startServer({ env: env('node-2'), workers: 1 });
    // Logged in on node 1, used on node 2: the signing secret is shared through Redis.
    admin2 = await login(node1.url, 'admin', 'admin123');
    await waitFor('both nodes see each other', async () => (await mediaOverview(node2.url, admin2)).cluster?.nodes.length === 2, 10_000);
    chromium = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await chromium?.close();
    await node1?.stop();
    await node2?.stop();
    await redis?.stop();
  });

  it('lists every node to clients, and a token from node 1 works on node 2', async () => {
    const res = await fetch(`${node2.url}/api/config`, { headers: { authorization: `Bearer ${admin2}` } });
    expect(res.status).toBe(200);
    const config = (await res.json()) as { clusterNodes?: string[] };
    expect(config.clusterNodes?.[0]).toBe(node2.url);
    expect([...(config.clusterNodes ?? [])].sort()).toEqual([node1.url, node2.url].sort());
    expect((await mediaOverview(node2.url, admin2)).cluster?.nodeId).toBe('node-2');
    // socket.io on node 2 lets pages served by node 1 connect (failover), and no other origin.
    const handshake = (origin: string) => fetch(`${node2.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect((await handshake(node1.url)).headers.get('access-control-allow-origin')).toBe(node1.url);
    expect((await handshake('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a malformed pipe request over Redis with an error, and keeps running', async () => {
    const sub = new Redis(redis.url);
    const pub = new Redis(redis.url);
    try {
      const replies: unknown[] = [];
      sub.on('message', (_channel: string, text: string) => replies.push(JSON.parse(text)));
      await sub.subscribe('cluster:replies:tester');
      await pub.publish('cluster:requests:node-2', 'not json at all');
      await pub.publish('cluster:events', JSON.stringify({ type: 'peerJoined', node: 'tester', roomId: ROOM, peer: { id: 'x' } }));
      await pub.publish('cluster:requests:node-2', JSON.stringify({ id: 'r1', from: 'tester', body: { type: 'pipeConnect', roomId: ROOM, ip: 'not-an-ip', port: 99999 } }));
      await pub.publish('cluster:requests:node-2', JSON.stringify({ id: 'r2', from: 'tester', body: { type: 'pipeConsume', roomId: 'no-such-room', producerId: 'p' } }));
      await waitFor('two replies', () => replies.length >= 2, 5000);
      const byId = new Map(replies.map((r) => [(r as { id: string }).id, r as { ok: boolean; error?: string }]));
      expect(byId.get('r1')?.ok).toBe(false);
      expect(byId.get('r1')?.error).toMatch(/^bad pipe request: /);
      expect(byId.get('r1')?.error).toContain('ip');
      expect(byId.get('r1')?.error).toContain('port');
      expect(byId.get('r2')).toMatchObject({ ok: false });
      expect(byId.get('r2')?.error).toContain('not open on node node-2');
      expect(node2.process.exitCode).toBeNull();
      expect((await fetch(`${node2.url}/healthz`)).status).toBe(200);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  it('members on different nodes see each other join, and a dispatch and a call reach the other node\'s member', async () => {
    const connect = async (url: string, username: string, password: string) => {
      const socket = io(url, { auth: { token: await login(url, username, password) }, transports: ['websocket'], reconnection: false, forceNew: true });
      const heard: { type: string; data: unknown }[] = [];
      socket.on('notification', (n: { type: string; data: unknown }) => heard.push(n));
      return { socket, heard };
    };
    const request = (socket: Socket, method: string, data: unknown) =>
      socket.timeout(5000).emitWithAck('request', { method, data }) as Promise<{ ok: boolean; data?: Record<string, unknown>; error?: unknown }>;
    const one = await connect(node1.url, 'commander', 'commander123');
    const two = await connect(node2.url, 'county01', 'county123');
    try {
      const joined1 = await request(one.socket, 'joinRoom', { roomId: ROOM });
      expect(joined1.ok).toBe(true);
      // Node 2 opens the room after node 1: node 1 announces its member, who is in node 2's join reply or follows as peerJoined.
      const joined2 = await request(two.socket, 'joinRoom', { roomId: ROOM });
      expect(joined2.ok).toBe(true);
      const peerOne = joined1.data!['peerId'] as string;
      await waitFor('node 2 knows node 1\'s member', async () => {
        const inReply = (joined2.data!['peers'] as { id: string }[]).some((p) => p.id === peerOne);
        return inReply || two.heard.some((n) => n.type === 'peerJoined' && (n.data as { peer: { id: string } }).peer.id === peerOne);
      }, 5000);
      await waitFor('node 1 hears of node 2\'s member', () => one.heard.some((n) => n.type === 'peerJoined' && (n.data as { peer: { user: { username: string } } }).peer.user.username === 'county01'), 5000);
      // The roster on node 1 shows the member connected to node 2 as online, in the room.
      const roster = (await (await fetch(`${node1.url}/api/roster`, { headers: { authorization: `Bearer ${await login(node1.url, 'commander', 'commander123')}` } })).json()) as {
        people: { user: { username: string }; online: boolean; roomIds: string[] }[];
      };
      expect(roster.people.find((p) => p.user.username === 'county01')).toMatchObject({ online: true, roomIds: [ROOM] });
      expect(roster.people.find((p) => p.user.username === 'county02')).toMatchObject({ online: false });
      const sent = await request(two.socket, 'dispatchMessage', { to: { kind: 'all' }, text: '跨节点调度 across nodes' });
      expect(sent).toMatchObject({ ok: true, data: { delivered: 1 } });
      await waitFor('the message on node 1', () => one.heard.some((n) => n.type === 'message' && (n.data as { text: string }).text === '跨节点调度 across nodes'), 5000);
      expect(await room2()).toMatchObject({ peers: 1, remotePeers: 1 });

      // A call from node 1 rings the callee on node 2 (socket.io Redis adapter); the answer goes back to node 1.
      const calleeId = (one.heard.find((n) => n.type === 'peerJoined')!.data as { peer: { user: { id: string } } }).peer.user.id;
      const rung = await request(one.socket, 'callUser', { userId: calleeId });
      expect(rung).toMatchObject({ ok: true, data: { ringingDevices: 1 } });
      const callId = (rung.data as { callId: string }).callId;
      await waitFor('the call rings on node 2', () => two.heard.some((n) => n.type === 'incomingCall' && (n.data as { callId: string }).callId === callId), 5000);
      expect(await request(two.socket, 'answerCall', { callId: 'no-such-call', accept: true })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const answered = await request(two.socket, 'answerCall', { callId, accept: true });
      expect(answered).toMatchObject({ ok: true, data: { roomId: ROOM } });
      await waitFor('node 1 hears the answer', () => one.heard.some((n) => n.type === 'callAnswered' && (n.data as { callId: string }).callId === callId), 5000);
    } finally {
      one.socket.close();
      two.socket.close();
    }
    // Each node's room empties and closes; the other forgets its member.
    await waitFor('room closed on node 2', async () => (await room2()) === undefined, 10_000);
  });

  it('A on node 1 and B on node 2 decode each other through the pipes', async () => {
    pageA = await joinAs(chromium.browser, node1.url, 'field03', 'field123', ROOM);
    pageB = await joinAs(chromium.browser, node2.url, 'county01', 'county123', ROOM);
    await waitDecodingFrom(pageA, ['county01'], 40_000);
    await waitDecodingFrom(pageB, ['field03'], 40_000);
    const room = await room2();
    expect(room).toMatchObject({ peers: 1, remotePeers: 1 });
    const pipes = (await mediaOverview(node2.url, admin2)).cluster?.pipes;
    expect(pipes).toEqual({ inbound: 1, outbound: 1 });
    const metrics = await (await fetch(`${node2.url}/metrics`, { headers: { authorization: `Bearer ${admin2}` } })).text();
    expect(metrics).toMatch(/^ecs_cluster_nodes 2$/m);
    expect(metrics).toMatch(/^ecs_cluster_pipes\{direction="inbound"\} 1$/m);

    // A third node opening the room makes both announce their members again: nothing is piped twice.
    const routerOf = async (url: string) => (await mediaOverview(url, admin2)).rooms.find((r) => r.id === ROOM)?.router;
    const before = [await routerOf(node1.url), await routerOf(node2.url)];
    const pub = new Redis(redis.url);
    try {
      await pub.publish('cluster:events', JSON.stringify({ type: 'roomOpened', node: 'node-3', roomId: ROOM }));
    } finally {
      pub.disconnect();
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect([await routerOf(node1.url), await routerOf(node2.url)]).toEqual(before);
    expect((await mediaOverview(node2.url, admin2)).cluster?.pipes).toEqual({ inbound: 1, outbound: 1 });
  }, 120_000);

  it('node 2\'s media worker dies: its room is rebuilt and pulls node 1\'s media again', async () => {
    const workerPid = (await mediaOverview(node2.url, admin2)).workers[0]!.pid;
    const peerB = await peerIdOf(pageB);
    process.kill(workerPid, 'SIGKILL');
    await waitFor('a new worker on node 2', async () => (await mediaOverview(node2.url, admin2)).workers.some((w) => w.pid !== workerPid && !w.closed), 20_000);
    // B was told to rejoin (roomReset): what it decodes from now on came through the new pipes.
    await waitFor('B rejoined', async () => {
      const now = await peerIdOf(pageB);
      return now !== '' && now !== peerB;
    }, 20_000);
    await waitDecodingFrom(pageB, ['field03'], 30_000);
    await waitDecodingFrom(pageA, ['county01'], 30_000);
    expect((await mediaOverview(node2.url, admin2)).cluster?.pipes).toEqual({ inbound: 1, outbound: 1 });
  }, 90_000);

  it('node 1 is killed: A reconnects through node 2 and decodes B again within 10 s; node 1\'s peer and pipes go', async () => {
    const before = await peerIdOf(pageA);
    expect(before).not.toBe('');
    const killedAt = Date.now();
    node1.process.kill('SIGKILL');
    await waitFor('A rejoined on node 2', async () => {
      const now = await peerIdOf(pageA);
      return now !== '' && now !== before;
    }, 10_000, 100);
    await waitDecodingFrom(pageA, ['county01'], Math.max(1, 10_000 - (Date.now() - killedAt)));
    expect(Date.now() - killedAt).toBeLessThan(10_000);

    // Node 2 saw node 1's heartbeat expire: its member left the room, its pipes closed.
    await waitFor('node 1 forgotten', async () => (await mediaOverview(node2.url, admin2)).cluster?.nodes.length === 1, NODE_TTL_MS + 5000);
    await waitFor('no remote peers or pipes', async () => {
      const overview = await mediaOverview(node2.url, admin2);
      const room = overview.rooms.find((r) => r.id === ROOM);
      return room?.remotePeers === 0 && room.peers === 2 && overview.cluster?.pipes.inbound === 0 && overview.cluster.pipes.outbound === 0;
    }, 5000);
    // B now gets A from node 2 itself.
    await waitDecodingFrom(pageB, ['field03'], 20_000);
  }, 60_000);
});
