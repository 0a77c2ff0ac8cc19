import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createSocket } from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaresip, type Baresip } from '../helpers/baresip.js';
import { joinAs, launchBrowser, receiveStats, type TestBrowser } from '../helpers/browser.js';
import { freePortRange } from '../helpers/ports.js';
import { login, mediaOverview, startServer, type RunningServer } from '../helpers/server-process.js';
import { rawInvite, runUac, sendRawSip } from '../helpers/sipp.js';
import { waitFor } from '../helpers/wait.js';
import { dominantFrequency, readWav } from '../helpers/wav.js';

const ROOM = 'city-consultation';
const TALK_GROUP = 'tg-city';
const SAT_IP = '127.0.0.2';
const RADIO_IP = '127.0.0.7';
const RADIO_EVENT_IP = '127.0.0.8';
const RADIO_INFO_IP = '127.0.0.9';
const UNTRUSTED_IP = '127.0.0.3';
const FLOOD_IP = '127.0.0.5';
const BARESIP_IP = '127.0.0.6';

type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
interface Note { type: string; data: Record<string, unknown> }

async function connect(url: string, username: string, password: string, roomId?: string): Promise<{ socket: Socket; notes: Note[] }> {
  const socket = io(url, { auth: { token: await login(url, username, password) }, transports: ['websocket'], forceNew: true });
  const notes: Note[] = [];
  socket.on('notification', (n: Note) => notes.push(n));
  if (roomId) {
    const joined = await request(socket, 'joinRoom', { roomId });
    if (!joined.ok) throw new Error(`join: ${joined.error.message}`);
  }
  return { socket, notes };
}
const request = async <T = Record<string, unknown>>(socket: Socket, method: string, data: unknown): Promise<Reply<T>> =>
  (await socket.timeout(15_000).emitWithAck('request', { method, data })) as Reply<T>;

const energyFrom = async (page: Page, username: string) => (await receiveStats(page)).find((s) => s.name === username)?.audioEnergy ?? 0;
const routerOf = async (url: string, token: string, roomId: string) => (await mediaOverview(url, token)).rooms.find((r) => r.id === roomId);

describe('SIP gateway: satellite phones, SIP devices and radio in rooms', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let commanderPage: Page;
  let adminToken: string;
  let sipPort: number;
  let base: number;
  let settingsDir: string;

  beforeAll(async () => {
    // SIP, WebSocket, TLS, baresip's SIP and control ports, then the legs' RTP range.
    base = await freePortRange(64);
    sipPort = base;
    settingsDir = await mkdtemp(path.join(os.tmpdir(), 'sip-settings-'));
    const settings = path.join(settingsDir, 'sip.json');
    await writeFile(settings, JSON.stringify({
      numbers: { 1001: ROOM, 2001: TALK_GROUP },
      trunks: [
        { name: 'tiantong', address: SAT_IP, kind: 'satellite' },
        { name: 'radio370', address: RADIO_IP, kind: 'radio', keying: 'vox' },
        { name: 'radio-ev', address: RADIO_EVENT_IP, kind: 'radio', keying: 'rfc4733' },
        { name: 'radio-info', address: RADIO_INFO_IP, kind: 'radio', keying: 'info' },
      ],
    }));
    server = await startServer({
      env: {
        SIP_ENABLED: 'true', SIP_HOST: '127.0.0.1', SIP_PORT: String(sipPort), SIP_WS_PORT: String(base + 1), SIP_TLS_PORT: String(base + 2),
        SIP_DOMAIN: 'test.invalid', SIP_CONFIG: settings, SIP_RTP_IP: '127.0.0.1', SIP_KEEPALIVE_S: '5', SIP_RTP_TIMEOUT_S: '20',
        SIP_FLOOD_LIMIT: '10', PTT_MAX_BURST_S: '60', SIP_RTP_MIN_PORT: String(base + 8), SIP_RTP_MAX_PORT: String(base + 63),
      },
    });
    adminToken = await login(server.url, 'admin', 'admin123');
    chromium = await launchBrowser();
    commanderPage = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    await waitFor('commander online', () => commanderPage.evaluate(() => (window as unknown as { __diag: { state(): string } }).__diag.state() === 'online'), 20_000);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
    if (settingsDir) await rm(settingsDir, { recursive: true, force: true });
  });

  it('a satellite phone (SIPp playing G.711) calling the room number is heard by a Chromium member', async () => {
    const observer = await connect(server.url, 'field02', 'field123', ROOM);
    const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: SAT_IP, plays: 2, dtmf: '5', infoDigit: '7', timeoutS: 40 });
    // The caller shows in the roster as a SIP participant, and its audio has energy in the browser.
    await waitFor('SIP caller heard', async () => (await energyFrom(commanderPage, 'sip:13800138000')) > 0.01, 20_000, 200);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    expect(metrics).toMatch(/^ecs_sip_calls 1$/m);
    const tile = await commanderPage.waitForSelector('.tile[data-sip-state="connected"]', { timeout: 10_000 });
    expect(await tile!.evaluate((el) => el.textContent)).toContain('tiantong');
    const result = await call;
    expect(result.code, result.output).toBe(0);
    // Its keys reach the room: 5 as an RFC 4733 event, 7 as SIP INFO.
    const digits = observer.notes.filter((n) => n.type === 'dtmf').map((n) => n.data['digit']);
    observer.socket.close();
    expect(digits).toEqual(['5', '7']);
    await commanderPage.waitForSelector('.tile[data-sip-state]', { hidden: true, timeout: 10_000 });
    const room = await routerOf(server.url, adminToken, ROOM);
    expect(room?.sipCalls).toBe(0);
  }, 90_000);

  it('every room has a dial-in number on the room list, and dialling it reaches that room', async () => {
    const token = await login(server.url, 'commander', 'commander123');
    const { rooms } = (await (await fetch(`${server.url}/api/rooms`, { headers: { authorization: `Bearer ${token}` } })).json()) as { rooms: { id: string; sipNumber?: string }[] };
    expect(rooms.find((r) => r.id === ROOM)?.sipNumber).toBe('1001');
    const county = rooms.find((r) => r.id === 'county-01-room')?.sipNumber;
    expect(county).toMatch(/^\d+$/);
    expect(new Set(rooms.map((r) => r.sipNumber)).size).toBe(rooms.length);
    const observer = await connect(server.url, 'commander', 'commander123', 'county-01-room');
    try {
      const result = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: county!, localIp: SAT_IP, plays: 1, timeoutS: 30 });
      expect(result.code, result.output).toBe(0);
      expect(observer.notes.some((n) => n.type === 'peerJoined' && (n.data['peer'] as { sip?: { number: string } }).sip?.number === county)).toBe(true);
    } finally {
      observer.socket.close();
    }
  }, 60_000);

  it('rejects untrusted, malformed and flooding SIP while an established call keeps its audio', async () => {
    const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: SAT_IP, plays: 4, timeoutS: 60 });
    await waitFor('SIP caller heard', async () => (await energyFrom(commanderPage, 'sip:13800138000')) > 0.01, 20_000, 200);

    const untrusted = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: UNTRUSTED_IP, expectStatus: 403, timeoutS: 15 });
    expect(untrusted.code, untrusted.output).toBe(0);

    const malformed = 'INVITE sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.4:5099;branch=z9hG4bKm\r\nFrom: <sip:a@127.0.0.4>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: bad-1\r\nCSeq: x INVITE\r\nContent-Length: 0\r\n\r\n';
    const replies = await sendRawSip({ host: '127.0.0.1', port: sipPort }, '127.0.0.4', malformed, 1000);
    expect(replies.some((r) => r.startsWith('SIP/2.0 2'))).toBe(false);

    const flood = createSocket('udp4');
    const floodReplies: string[] = [];
    flood.on('message', (m) => floodReplies.push(m.toString()));
    await new Promise<void>((r) => flood.bind(0, FLOOD_IP, r));
    for (let n = 0; n < 100; n++) flood.send(rawInvite({ to: `127.0.0.1:${sipPort}`, from: FLOOD_IP, port: flood.address().port, number: '1001', n }), sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1500));
    flood.close();
    expect(floodReplies.length).toBeLessThan(100);

    // The call from the trunk still sends audio into the room after all that.
    const before = await energyFrom(commanderPage, 'sip:13800138000');
    await waitFor('audio still flowing', async () => (await energyFrom(commanderPage, 'sip:13800138000')) > before + 0.01, 10_000, 200);
    const result = await call;
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  it('a room recording records the SIP caller too', async () => {
    const commander = await connect(server.url, 'commander', 'commander123', ROOM);
    try {
      const started = await request(commander.socket, 'startRecording', {});
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const result = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: SAT_IP, plays: 1, timeoutS: 30 });
      expect(result.code, result.output).toBe(0);
      const stopped = await request<{ recording: { tracks: { userId: string; kind: string; codec: string; file: string }[] } }>(commander.socket, 'stopRecording', {});
      expect(stopped.ok, JSON.stringify(stopped)).toBe(true);
      const track = (stopped as { data: { recording: { tracks: { userId: string; kind: string; codec: string; file: string }[] } } }).data.recording.tracks.find((t) => t.userId === 'sip-13800138000');
      expect(track).toMatchObject({ kind: 'audio', codec: 'opus' });
      const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path.join(server.dataDir, 'recordings', track!.file)]);
      // The call lasted about 6 s (one play of g711a.pcap).
      expect(Number(stdout)).toBeGreaterThan(3);
    } finally {
      commander.socket.close();
    }
  }, 60_000);

  it('ends a call whose phone vanished without a BYE (keepalive OPTIONS unanswered, no RTP)', async () => {
    const observer = await connect(server.url, 'field02', 'field123', ROOM);
    const gone = new AbortController();
    const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: SAT_IP, plays: 6, timeoutS: 60, signal: gone.signal });
    try {
      const joined = await waitFor('SIP caller in the room', () => observer.notes.find((n) => n.type === 'sipState' && (n.data['sip'] as { state: string }).state === 'connected'), 20_000);
      gone.abort();
      await call;
      // Keepalive every 5 s, 8 s to answer: the server hangs up by itself.
      await waitFor('vanished caller removed', () => observer.notes.some((n) => n.type === 'peerLeft' && n.data['peerId'] === joined.data['peerId']), 30_000);
    } finally {
      observer.socket.close();
    }
  }, 60_000);

  describe('a registered SIP device (baresip)', () => {
    let baresip: Baresip;
    let commander: { socket: Socket; notes: Note[] };

    beforeAll(async () => {
      baresip = await startBaresip({
        registrar: `127.0.0.1:${sipPort}`, user: 'field01', password: 'field123', listenIp: BARESIP_IP, listenPort: base + 3, ctrlPort: base + 4, toneHz: 700,
      });
      await waitFor('baresip registered', () => baresip.registered(), 15_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${baresip.logs.join('')}\nevents: ${baresip.events.join(',')}`);
      });
      commander = await connect(server.url, 'commander', 'commander123', ROOM);
    }, 60_000);

    afterAll(async () => {
      commander?.socket.close();
      await baresip?.stop();
    });

    it('calls into a room: the Chromium member\'s fake-microphone tone reaches it and is found in its recording', async () => {
      await baresip.command('dial', `sip:1001@127.0.0.1:${sipPort}`);
      await waitFor('call established', () => baresip.events.includes('CALL_ESTABLISHED'), 15_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${baresip.logs.join('')}\nevents: ${baresip.events.join(',')}\n${server.logs.filter((l) => /sip|SIP/.test(l)).slice(-30).join('\n')}`);
      });
      // Both ways: the room hears baresip's 700 Hz sine too.
      await waitFor('baresip heard in the browser', async () => (await energyFrom(commanderPage, 'field01')) > 0.01, 15_000, 200);
      await new Promise((r) => setTimeout(r, 5000));
      await baresip.command('hangup');
      await waitFor('call closed', () => baresip.events.includes('CALL_CLOSED'), 10_000);
      const [wav] = await baresip.receivedWavs();
      expect(wav).toBeDefined();
      const tone = dominantFrequency(await readWav(wav!));
      // Chromium's fake microphone beeps at about 440 Hz (its BeepingSource), with harmonics.
      expect(tone, 'no sound in the recording').toBeDefined();
      expect(tone!.hz).toBeGreaterThanOrEqual(380);
      expect(tone!.hz).toBeLessThanOrEqual(480);
    }, 90_000);

    it('dial-out from the console and the API to the device: two-way audio, hang-up from either side leaves nothing behind', async () => {
      const idle = (await routerOf(server.url, adminToken, ROOM))!.router;
      for (const way of ['console', 'api'] as const) {
        baresip.events.length = 0;
        let peerId: string;
        if (way === 'console') {
          // The commander's room view: type the device's URI, press Dial out; the new peer is the caller.
          const mark = commander.notes.length;
          await commanderPage.type('#sip-target', 'sip:field01@test.invalid');
          await commanderPage.click('#sip-dial-button');
          const joined = await waitFor('SIP peer joined', () => commander.notes.slice(mark).find((n) => n.type === 'peerJoined' && (n.data['peer'] as { sip?: unknown }).sip), 10_000);
          peerId = (joined.data['peer'] as { id: string }).id;
        } else {
          const dialled = await request<{ peerId: string }>(commander.socket, 'dialOut', { roomId: ROOM, target: 'sip:field01@test.invalid' });
          expect(dialled.ok, JSON.stringify(dialled)).toBe(true);
          peerId = (dialled as { data: { peerId: string } }).data.peerId;
        }
        await waitFor('device answered', () => baresip.events.includes('CALL_ESTABLISHED'), 15_000).catch((err: Error) => {
          throw new Error(`${err.message}\n${baresip.logs.join('').slice(-3000)}\nevents: ${baresip.events.join(',')}\n${server.logs.filter((l) => /sip|SIP|kamailio/.test(l)).slice(-30).join('\n')}`);
        });
        await waitFor('connected state', () => commander.notes.some((n) => n.type === 'sipState' && n.data['peerId'] === peerId && (n.data['sip'] as { state: string }).state === 'connected'), 10_000);
        const before = await energyFrom(commanderPage, 'field01');
        await waitFor('device heard in the browser', async () => (await energyFrom(commanderPage, 'field01')) > before + 0.01, 15_000, 200);
        if (way === 'console') {
          // Hang-up from the server's side: the button on the caller's tile.
          await (await commanderPage.waitForSelector(`[data-hangup="${peerId}"]`, { timeout: 5000 }))!.click();
        } else {
          await baresip.command('hangup');
        }
        await waitFor('peer left', () => commander.notes.some((n) => n.type === 'peerLeft' && n.data['peerId'] === peerId), 15_000);
        await waitFor('device saw the end', () => baresip.events.includes('CALL_CLOSED'), 10_000);
        // The leg's transport, its producer, the browser's consumer of it and the mixer are all gone.
        const after = await waitFor('router back to idle', async () => {
          const r = (await routerOf(server.url, adminToken, ROOM))!.router;
          return r.transports === idle.transports && r.producers === idle.producers && r.consumers === idle.consumers ? r : undefined;
        }, 10_000, 200);
        expect(after).toEqual(idle);
      }
    }, 120_000);

    it('refuses dial-out from a member without the commander role', async () => {
      const field = await connect(server.url, 'field02', 'field123', ROOM);
      try {
        const reply = await request(field.socket, 'dialOut', { roomId: ROOM, target: 'sip:field01@test.invalid' });
        expect(reply.ok).toBe(false);
        expect((reply as { error: { code: string } }).error.code).toBe('FORBIDDEN');
        const hang = await request(field.socket, 'hangUp', { peerId: 'x' });
        expect((hang as { error: { code: string } }).error.code).toBe('FORBIDDEN');
        const bad = await request(commander.socket, 'dialOut', { roomId: ROOM, target: 'sip:someone@evil.example' });
        expect(bad.ok).toBe(false);
        // Dialling and hanging up are in the audit log, the refusals too.
        const res = await fetch(`${server.url}/api/admin/audit?limit=500`, { headers: { authorization: `Bearer ${adminToken}` } });
        const { entries } = (await res.json()) as { entries: { actor: string; action: string; outcome: string }[] };
        const seen = (actor: string, action: string, outcome: string) => entries.some((e) => e.actor === actor && e.action === action && e.outcome === outcome);
        expect(seen('field02', 'sip.dialOut', 'denied')).toBe(true);
        expect(seen('commander', 'sip.dialOut', 'ok')).toBe(true);
        expect(seen('commander', 'sip.hangUp', 'ok')).toBe(true);
      } finally {
        field.socket.close();
      }
    });
  });

  it('a radio gateway in a talk group: key-up (VOX) takes the floor, unkey releases it', async () => {
    const member = await connect(server.url, 'field02', 'field123', TALK_GROUP);
    try {
      const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '2001', localIp: RADIO_IP, plays: 1, timeoutS: 30 });
      const floors = () => member.notes.filter((n) => n.type === 'floorState').map((n) => (n.data['holder'] as { name: string } | null)?.name ?? null);
      await waitFor('radio holds the floor', () => floors().some((name) => name?.includes('radio370')), 15_000);
      const result = await call;
      expect(result.code, result.output).toBe(0);
      await waitFor('floor released', () => floors().at(-1) === null, 10_000);
    } finally {
      member.socket.close();
    }
  }, 60_000);

  it('a radio gateway keying by RFC 4733: speech alone does not take the floor, the key event does', async () => {
    const member = await connect(server.url, 'field02', 'field123', TALK_GROUP);
    try {
      // 6 s of speech without a key event, then an RFC 4733 event (dtmf_2833_1.pcap), then hang-up.
      const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '2001', localIp: RADIO_EVENT_IP, plays: 1, dtmf: '1', timeoutS: 30 });
      const holders = () => member.notes.filter((n) => n.type === 'floorState').map((n) => (n.data['holder'] as { name: string } | null)?.name ?? null);
      await waitFor('radio connected', () => member.notes.some((n) => n.type === 'sipState' && (n.data['sip'] as { state: string }).state === 'connected'), 15_000);
      await new Promise((r) => setTimeout(r, 4000));
      expect(holders().some((name) => name?.includes('radio-ev'))).toBe(false);
      await waitFor('key event takes the floor', () => holders().some((name) => name?.includes('radio-ev')), 15_000);
      await waitFor('released after the event', () => holders().at(-1) === null, 10_000);
      const result = await call;
      expect(result.code, result.output).toBe(0);
    } finally {
      member.socket.close();
    }
  }, 60_000);

  it('a radio gateway keying by SIP INFO: PTT on takes the floor, PTT off releases it', async () => {
    const member = await connect(server.url, 'field02', 'field123', TALK_GROUP);
    try {
      const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '2001', localIp: RADIO_INFO_IP, plays: 1, keyByInfo: { keyedMs: 2000 }, timeoutS: 30 });
      const holders = () => member.notes.filter((n) => n.type === 'floorState').map((n) => (n.data['holder'] as { name: string } | null)?.name ?? null);
      await waitFor('radio connected', () => member.notes.some((n) => n.type === 'sipState' && (n.data['sip'] as { state: string }).state === 'connected'), 15_000);
      await new Promise((r) => setTimeout(r, 3000));
      // Speech alone (VOX would key) does nothing on an INFO-keyed gateway.
      expect(holders().some((name) => name?.includes('radio-info'))).toBe(false);
      await waitFor('PTT on takes the floor', () => holders().some((name) => name?.includes('radio-info')), 15_000);
      await waitFor('PTT off releases it', () => holders().at(-1) === null, 10_000);
      const result = await call;
      expect(result.code, result.output).toBe(0);
    } finally {
      member.socket.close();
    }
  }, 60_000);

  it('a satellite phone in a talk group takes the floor with * and lets go when it hangs up', async () => {
    const member = await connect(server.url, 'field02', 'field123', TALK_GROUP);
    try {
      const call = runUac({ proxy: `127.0.0.1:${sipPort}`, service: '2001', localIp: SAT_IP, plays: 1, dtmf: '*', timeoutS: 30 });
      const holders = () => member.notes.filter((n) => n.type === 'floorState').map((n) => (n.data['holder'] as { name: string } | null)?.name ?? null);
      await waitFor('* takes the floor', () => holders().some((name) => name?.includes('tiantong')), 20_000);
      const result = await call;
      expect(result.code, result.output).toBe(0);
      await waitFor('released on hang-up', () => holders().at(-1) === null, 10_000);
    } finally {
      member.socket.close();
    }
  }, 60_000);
});
