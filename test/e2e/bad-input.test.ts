import jwt from 'jsonwebtoken';
import type { Page } from 'puppeteer-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, receiveStats, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { login, mediaOverview, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const JWT_SECRET = 'test-secret-0123456789abcdef';
const ROOM = 'county-01-room';

interface ErrorReply { ok: false; error: { code: string; message: string } }

describe('bad input gets a clear error while a room keeps working', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let watcher: Page;
  let framesBefore = 0;
  const sockets: Socket[] = [];
  /** [time, frames decoded from the publisher] sampled while the bad input goes in. */
  const samples: [number, number][] = [];
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();

  const framesFromPublisher = async () => (await receiveStats(watcher)).find((s) => s.name === 'field03')?.framesDecoded ?? 0;

  beforeAll(async () => {
    server = await startServer({ env: { JWT_SECRET } });
    chromium = await launchBrowser();
    await joinAs(chromium.browser, server.url, 'field03', 'field123', ROOM);
    watcher = await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    await waitDecodingFrom(watcher, ['field03'], 20_000);
    framesBefore = await framesFromPublisher();
    sampler = (async () => {
      for (let i = 0; sampling && i < 2000; i++) {
        samples.push([Date.now(), await framesFromPublisher()]);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await chromium?.close();
    await server?.stop();
  });

  const connect = (auth: Record<string, unknown>): Promise<{ socket: Socket; error?: { code: string } }> =>
    new Promise((resolve) => {
      const socket = io(server.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (err) => resolve({ socket, error: (err as Error & { data: { code: string } }).data }));
    });

  const request = (socket: Socket, payload: unknown): Promise<ErrorReply | { ok: true }> =>
    socket.timeout(5000).emitWithAck('request', payload) as Promise<ErrorReply | { ok: true }>;

  it('refuses a socket with no token, an expired token and a forged token', async () => {
    expect((await connect({})).error?.code).toBe('UNAUTHENTICATED');
    const claims = { typ: 'session', usr: 'county01', name: 'x', unit: 'county-01', role: 'operator' };
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, JWT_SECRET, { subject: 'u-county01' });
    expect((await connect({ token: expired })).error?.code).toBe('TOKEN_EXPIRED');
    const forged = jwt.sign(claims, 'not-the-server-secret-000000', { subject: 'u-county01', expiresIn: 600 });
    expect((await connect({ token: forged })).error?.code).toBe('INVALID_TOKEN');
    const unsigned = jwt.sign({ ...claims, role: 'admin' }, '', { algorithm: 'none', subject: 'u-county01' } as jwt.SignOptions);
    expect((await connect({ token: unsigned })).error?.code).toBe('INVALID_TOKEN');
    expect((await connect({ token: 'garbage' })).error?.code).toBe('INVALID_TOKEN');
  });

  it('answers malformed and oversized messages with BAD_REQUEST and MESSAGE_TOO_LARGE', async () => {
    const { socket } = await connect({ token: await login(server.url, 'county02', 'county123') });
    const code = async (payload: unknown) => ((await request(socket, payload)) as ErrorReply).error?.code;
    expect(await code('just a string')).toBe('BAD_REQUEST');
    expect(await code({ method: 'noSuchMethod', data: {} })).toBe('BAD_REQUEST');
    expect(await code({ method: 'joinRoom', data: { roomId: 42 } })).toBe('BAD_REQUEST');
    expect(await code({ method: 'joinRoom', data: { roomId: '../../etc/passwd' } })).toBe('BAD_REQUEST');
    expect(await code({ method: 'produce', data: { transportId: 'x', kind: 'video', rtpParameters: {}, source: 'camera' } })).toBe('NOT_IN_ROOM');
    expect(await code({ method: 'joinRoom', data: { roomId: 'x'.repeat(200_000) } })).toBe('MESSAGE_TOO_LARGE');
    // The socket is still usable after all of that.
    expect(await code({ method: 'joinRoom', data: { roomId: 'no-such-room' } })).toBe('NOT_FOUND');
  });

  it('refuses joining a room outside the caller organisation (and audits it)', async () => {
    const { socket } = await connect({ token: await login(server.url, 'county02', 'county123') });
    const reply = (await request(socket, { method: 'joinRoom', data: { roomId: ROOM } })) as ErrorReply;
    expect(reply.error.code).toBe('FORBIDDEN');
    const admin = await login(server.url, 'admin', 'admin123');
    const audit = (await (await fetch(`${server.url}/api/admin/audit?limit=50`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      entries: { actor: string; action: string; target: string; outcome: string }[];
    };
    expect(audit.entries).toContainEqual(expect.objectContaining({ actor: 'county02', action: 'room.join', target: ROOM, outcome: 'denied' }));
  });

  it('two joins at once on one socket leave no stray peer behind', async () => {
    const admin = await login(server.url, 'admin', 'admin123');
    const { socket } = await connect({ token: await login(server.url, 'county01', 'county123') });
    const join = { method: 'joinRoom', data: { roomId: ROOM } };
    const replies = await Promise.all([request(socket, join), request(socket, join)]);
    expect(replies.every((r) => r.ok)).toBe(true);
    expect((await mediaOverview(server.url, admin)).rooms.find((r) => r.id === ROOM)?.peers).toBe(3);
    socket.close();
    await waitFor('the socket to leave', async () => (await mediaOverview(server.url, admin)).rooms.find((r) => r.id === ROOM)?.peers === 2, 5_000);
  });

  it('a rejoin removes the same user\'s stale peer, and never another user\'s', async () => {
    const admin = await login(server.url, 'admin', 'admin123');
    const peersInRoom = async () => (await mediaOverview(server.url, admin)).rooms.find((r) => r.id === ROOM)?.peers;
    const token = await login(server.url, 'county01', 'county123');
    const stale = await connect({ token });
    const first = (await request(stale.socket, { method: 'joinRoom', data: { roomId: ROOM } })) as { ok: true; data: { peerId: string; peers: { id: string; user: { username: string } }[] } };
    expect(await peersInRoom()).toBe(3);
    // Another user's peer named as "previous" is left alone (field03 keeps publishing: see the last test).
    const publisherPeer = first.data.peers.find((p) => p.user.username === 'field03')!.id;
    const other = await connect({ token: await login(server.url, 'township0101', 'township123') });
    expect((await request(other.socket, { method: 'joinRoom', data: { roomId: ROOM, previousPeerId: publisherPeer } })).ok).toBe(true);
    expect(await peersInRoom()).toBe(4);
    other.socket.close();
    // The same user reconnecting on a new socket replaces the peer its old socket still holds.
    const fresh = await connect({ token });
    expect((await request(fresh.socket, { method: 'joinRoom', data: { roomId: ROOM, previousPeerId: first.data.peerId } })).ok).toBe(true);
    await waitFor('stale peer gone', async () => (await peersInRoom()) === 3, 5_000);
    stale.socket.close();
    fresh.socket.close();
    await waitFor('back to the two browsers', async () => (await peersInRoom()) === 2, 5_000);
  });

  it('a room is created with a layout, which the list and the join reply carry; an unknown layout is refused', async () => {
    const commander = await login(server.url, 'commander', 'commander123');
    const create = (body: unknown) =>
      fetch(`${server.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${commander}` }, body: JSON.stringify(body) });
    const bad = await create({ id: 'consult-bad', name: '会商', orgUnitId: 'city', layout: 'mosaic' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorReply).error.code).toBe('BAD_REQUEST');
    const made = await create({ id: 'consult-new', name: '分级会商', orgUnitId: 'city', layout: 'consultation' });
    expect(made.status).toBe(201);
    const rooms = (await (await fetch(`${server.url}/api/rooms`, { headers: { authorization: `Bearer ${commander}` } })).json()) as { rooms: { id: string; layout: string }[] };
    expect(rooms.rooms.find((r) => r.id === 'consult-new')?.layout).toBe('consultation');
    expect(rooms.rooms.find((r) => r.id === 'consult-bad')).toBeUndefined();
    expect(rooms.rooms.find((r) => r.id === ROOM)?.layout).toBe('gallery');
    const { socket } = await connect({ token: commander });
    const joined = await request(socket, { method: 'joinRoom', data: { roomId: 'consult-new' } });
    expect(joined).toMatchObject({ ok: true, data: { layout: 'consultation', audibleSpeakers: { peerIds: [], lastN: 6 }, spotlight: null } });

    // Only a commander (or admin) pins the spotlight, only on a member present; a pinned member who leaves is unpinned.
    const operator = (await connect({ token: await login(server.url, 'county01', 'county123') })).socket;
    const operatorJoin = (await request(operator, { method: 'joinRoom', data: { roomId: 'consult-new' } })) as { ok: true; data: { peerId: string } };
    const pins: (string | null)[] = [];
    socket.on('notification', (n: { type: string; data: { peerId: string | null } }) => n.type === 'spotlight' && pins.push(n.data.peerId));
    expect(((await request(operator, { method: 'pinSpotlight', data: { peerId: operatorJoin.data.peerId } })) as ErrorReply).error.code).toBe('FORBIDDEN');
    expect(((await request(socket, { method: 'pinSpotlight', data: { peerId: 'nobody' } })) as ErrorReply).error.code).toBe('NOT_FOUND');
    expect(((await request(socket, { method: 'pinSpotlight', data: { peerId: 42 } })) as ErrorReply).error.code).toBe('BAD_REQUEST');
    expect((await request(socket, { method: 'pinSpotlight', data: { peerId: operatorJoin.data.peerId } })).ok).toBe(true);
    expect(await request(operator, { method: 'leaveRoom', data: {} })).toMatchObject({ ok: true });
    await waitFor('unpinned when the pinned member left', () => pins.length === 2, 5_000);
    expect(pins).toEqual([operatorJoin.data.peerId, null]);
    operator.close();
    socket.close();
  });

  it('a guest who joined an incident by its link reaches that incident only', async () => {
    const commander = await login(server.url, 'commander', 'commander123');
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    const { incident } = (await (await post('/api/incidents', { name: '测试事件', orgUnitId: 'city' }, commander)).json()) as { incident: { id: string; roomId: string } };
    const { url } = (await (await post(`/api/incidents/${incident.id}/join-link`, {}, commander)).json()) as { url: string };
    const joinToken = decodeURIComponent(url.split('#join=')[1]!);
    // A join token is not a session: it opens nothing by itself.
    expect((await connect({ token: joinToken })).error?.code).toBe('INVALID_TOKEN');
    const guest = (await (await post('/api/incidents/join', { joinToken, displayName: '李强' })).json()) as { token: string };
    const rooms = (await (await fetch(`${server.url}/api/rooms`, { headers: { authorization: `Bearer ${guest.token}` } })).json()) as { rooms: { id: string }[] };
    expect(rooms.rooms.map((r) => r.id)).toEqual([incident.roomId]);
    const { socket } = await connect({ token: guest.token });
    expect(((await request(socket, { method: 'joinRoom', data: { roomId: ROOM } })) as ErrorReply).error.code).toBe('FORBIDDEN');
    expect((await request(socket, { method: 'joinRoom', data: { roomId: incident.roomId } })).ok).toBe(true);
    // Guests cannot hand out links; a closed incident takes no one new.
    expect((await post(`/api/incidents/${incident.id}/join-link`, {}, guest.token)).status).toBe(403);
    expect((await post(`/api/incidents/${incident.id}/close`, {}, commander)).ok).toBe(true);
    expect((await post('/api/incidents/join', { joinToken, displayName: '王五' })).status).toBe(403);
    expect((await post('/api/incidents/join', { joinToken: 'garbage', displayName: '王五' })).status).toBe(401);
    socket.close();
  });

  it('answers bad HTTP calls with clear errors', async () => {
    const post = (body: string) => fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bad = await post('{not json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorReply).error.code).toBe('BAD_REQUEST');
    const wrong = await post(JSON.stringify({ username: 'county01', password: 'wrong' }));
    expect(wrong.status).toBe(401);
    const huge = await post(JSON.stringify({ username: 'a', password: 'p'.repeat(100_000) }));
    expect(huge.status).toBe(413);
    const unknown = await fetch(`${server.url}/api/no-such-route`, { headers: { authorization: `Bearer ${await login(server.url, 'county01', 'county123')}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorReply).error.code).toBe('NOT_FOUND');
    const noToken = await fetch(`${server.url}/api/rooms`);
    expect(noToken.status).toBe(401);
    const forged = await fetch(`${server.url}/api/rooms`, { headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(((await forged.json()) as ErrorReply).error.code).toBe('INVALID_TOKEN');
  });

  it('kept decoding the publisher throughout', async () => {
    await waitFor('3 s of samples', () => samples.length > 1 && samples.at(-1)![0] - samples[0]![0] >= 3_000, 10_000);
    sampling = false;
    await sampler;
    // Frames kept rising the whole time: no gap of more than 1.5 s without a new decoded frame.
    let lastRise = samples[0]![0];
    let longestStall = 0;
    for (let i = 1; i < samples.length; i++) {
      if (samples[i]![1] > samples[i - 1]![1]) lastRise = samples[i]![0];
      longestStall = Math.max(longestStall, samples[i]![0] - lastRise);
    }
    expect(longestStall).toBeLessThan(1_500);
    expect(samples.at(-1)![1]).toBeGreaterThan(framesBefore);
    expect(server.process.exitCode).toBeNull();
  });
});
