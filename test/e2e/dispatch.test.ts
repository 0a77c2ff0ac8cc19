import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../protocol/signalling.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'county-01-room';

interface Member { name: string; socket: Socket; inbox: Notification[] }

/** Members of a room on real sockets: who gets a dispatched message and who does not. */
describe('text dispatch', () => {
  let server: RunningServer;
  const members = new Map<string, Member>();

  const join = async (username: string, password: string): Promise<Member> => {
    const socket = io(server.url, { auth: { token: await login(server.url, username, password) }, transports: ['websocket'], forceNew: true });
    const member: Member = { name: username, socket, inbox: [] };
    socket.on('notification', (n: Notification) => member.inbox.push(n));
    const reply = (await socket.timeout(5000).emitWithAck('request', { method: 'joinRoom', data: { roomId: ROOM } })) as { ok: boolean };
    expect(reply.ok).toBe(true);
    members.set(username, member);
    return member;
  };
  const send = (from: string, data: unknown) =>
    members.get(from)!.socket.timeout(5000).emitWithAck('request', { method: 'dispatchMessage', data }) as Promise<{ ok: boolean; data?: { delivered: number }; error?: { code: string } }>;
  const received = (name: string, text: string) => members.get(name)!.inbox.some((n) => n.type === 'message' && n.data.text === text);

  beforeAll(async () => {
    server = await startServer();
    await join('county01', 'county123'); // county-01 (sender)
    await join('field03', 'field123'); // team-county-01, under county-01
    await join('township0101', 'township123'); // township-01-01, under county-01
    await join('commander', 'commander123'); // the city, above county-01
  });

  afterAll(async () => {
    for (const m of members.values()) m.socket.close();
    await server?.stop();
  });

  it('a dispatch to one unit reaches only that unit\'s members', async () => {
    const reply = await send('county01', { to: { kind: 'unit', orgUnitId: 'team-county-01' }, text: '救援队向北堤集结' });
    expect(reply).toMatchObject({ ok: true, data: { delivered: 1 } });
    await waitFor('delivery', () => received('field03', '救援队向北堤集结'), 5_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(received('township0101', '救援队向北堤集结')).toBe(false);
    expect(received('commander', '救援队向北堤集结')).toBe(false);
  });

  it('to one person reaches that person; to everyone reaches all but the sender', async () => {
    const townshipUser = 'u-township0101';
    expect((await send('county01', { to: { kind: 'user', userId: townshipUser }, text: '请报告水位' })).ok).toBe(true);
    await waitFor('to one', () => received('township0101', '请报告水位'), 5_000);
    expect(received('field03', '请报告水位')).toBe(false);
    expect((await send('county01', { to: { kind: 'all' }, text: '全体注意' })).data?.delivered).toBe(3);
    await waitFor('to all', () => ['field03', 'township0101', 'commander'].every((n) => received(n, '全体注意')), 5_000);
    expect(received('county01', '全体注意')).toBe(false);
  });

  it('a responder may answer one person but not order a unit', async () => {
    expect((await send('field03', { to: { kind: 'unit', orgUnitId: 'county-01' }, text: 'x' })).error?.code).toBe('FORBIDDEN');
    expect((await send('field03', { to: { kind: 'user', userId: 'u-county01' }, text: '收到' })).ok).toBe(true);
    await waitFor('answer', () => received('county01', '收到'), 5_000);
  });

  it('markers are shared with everyone in the room and kept for newcomers', async () => {
    const placed = (await members.get('county01')!.socket.timeout(5000).emitWithAck('request', { method: 'placeMarker', data: { lat: 35.11, lon: 118.36, note: '北堤管涌' } })) as { ok: boolean };
    expect(placed.ok).toBe(true);
    await waitFor('markers pushed', () => members.get('field03')!.inbox.some((n) => n.type === 'markers' && n.data.markers.some((m) => m.note === '北堤管涌')), 5_000);
    const snapshot = (await members.get('commander')!.socket.timeout(5000).emitWithAck('request', { method: 'roomSnapshot', data: {} })) as { data: { markers: { note: string }[]; messages: { text: string }[] } };
    expect(snapshot.data.markers.map((m) => m.note)).toContain('北堤管涌');
    expect(snapshot.data.messages.map((m) => m.text)).toContain('全体注意');
    const denied = (await members.get('field03')!.socket.timeout(5000).emitWithAck('request', { method: 'placeMarker', data: { lat: 35, lon: 118, note: 'x' } })) as { error: { code: string } };
    expect(denied.error.code).toBe('FORBIDDEN');
  });
});
