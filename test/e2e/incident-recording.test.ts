import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../protocol/recording.js';
import type { TimelineEntry, TimelinePage } from '../../protocol/timeline.js';
import { launchBrowser, loginAt, openConsole, type TestBrowser } from '../helpers/browser.js';
import { api, joinWithoutMedia, probe, request, sleep } from '../helpers/recording.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

/** Recording per incident (policy and commands), the incident's timeline, and its export. */
describe('incident recording, timeline and export', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let token: string;
  let incidentId: string;
  let admin: { socket: Socket };

  const recordingsOf = async (): Promise<Recording[]> =>
    ((await (await api(server.url, token, `/api/incidents/${incidentId}/recordings`)).json()) as { recordings: Recording[] }).recordings;
  const timeline = async (query = ''): Promise<TimelinePage> => {
    const res = await api(server.url, token, `/api/incidents/${incidentId}/timeline${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as TimelinePage;
  };

  beforeAll(async () => {
    server = await startServer({ env: { RECORDING_POLICY: 'always' } });
    chromium = await launchBrowser();
    token = await login(server.url, 'commander', 'commander123');
    const res = await api(server.url, token, '/api/incidents', { method: 'POST', body: { name: '堤坝险情', orgUnitId: 'city' } });
    expect(res.status).toBe(201);
    incidentId = ((await res.json()) as { incident: { id: string } }).incident.id;
  }, 60_000);

  afterAll(async () => {
    admin?.socket.close();
    await chromium?.close();
    await server?.stop();
  });

  it('an always-on incident records its room from its first producer', async () => {
    admin = await joinWithoutMedia(server.url, 'admin', 'admin123', `inc-${incidentId}`);
    // No producer yet: nothing recorded.
    await sleep(1_000);
    expect(await recordingsOf()).toHaveLength(0);
    const page = await loginAt(chromium.browser, server.url, 'county01', 'county123', { path: `/?room=inc-${incidentId}` });
    await page.waitForSelector('#gallery', { timeout: 15_000 });
    const running = await waitFor('policy recording', async () => {
      const list = await recordingsOf();
      return list.find((r) => r.stoppedAt === null && r.tracks.length === 2);
    }, 20_000, 250);
    expect(running.startedBy).toBe('system:policy');
    expect(running.incidentId).toBe(incidentId);
    await request(admin.socket, 'reportPositions', { positions: [{ seq: 1, lat: 35.1, lon: 118.3, at: Date.now() }, { seq: 2, lat: 35.2, lon: 118.4, at: Date.now() }] });
    expect((await request(admin.socket, 'dispatchMessage', { to: { kind: 'all' }, text: '撤离下游群众' })).ok).toBe(true);
    expect((await request(admin.socket, 'placeMarker', { lat: 35.11, lon: 118.31, note: '决口点' })).ok).toBe(true);
    await sleep(4_000);

    // A commander stops the incident's recording: every room of it stops, files finalised.
    const stopRes = await api(server.url, token, `/api/incidents/${incidentId}/recording/stop`, { method: 'POST' });
    expect(stopRes.status).toBe(200);
    const stopped = (await stopRes.json()) as { incident: { recording: boolean }; stopped: Recording[] };
    expect(stopped.incident.recording).toBe(false);
    expect(stopped.stopped.map((r) => r.id)).toEqual([running.id]);
    for (const track of stopped.stopped[0]!.tracks) {
      const p = await probe(path.join(server.dataDir, 'recordings', track.file));
      expect(p.codecs).toEqual([track.codec]);
      expect(p.duration).toBeGreaterThan(3);
    }
    // ...and starts it again.
    const startRes = await api(server.url, token, `/api/incidents/${incidentId}/recording/start`, { method: 'POST' });
    expect(startRes.status).toBe(200);
    const started = (await startRes.json()) as { incident: { recording: boolean }; started: Recording[] };
    expect(started.incident.recording).toBe(true);
    expect(started.started).toHaveLength(1);
    expect(started.started[0]!.startedBy).toBe('commander');
    await sleep(4_000);
    // A second start while recording is not an error: nothing more starts.
    const again = (await (await api(server.url, token, `/api/incidents/${incidentId}/recording/start`, { method: 'POST' })).json()) as { started: Recording[] };
    expect(again.started).toHaveLength(0);
    await page.close();
    // The room closes when its last member leaves (the admin's socket stays): leave it too, the recording stops.
    await request(admin.socket, 'leaveRoom');
    await waitFor('recording stopped with the room', async () => (await recordingsOf()).every((r) => r.stoppedAt !== null) || undefined, 20_000, 250);
    const all = await recordingsOf();
    expect(all).toHaveLength(2);
    expect(all[1]!.stopReason).toBe('room closed');
  }, 90_000);

  it('a talk group created for the incident puts its floor grants and releases on the timeline', async () => {
    const tg = `tg-${incidentId}`;
    const created = await api(server.url, token, '/api/rooms', { method: 'POST', body: { id: tg, name: '堤坝对讲', orgUnitId: 'city', mode: 'ptt', incidentId } });
    expect(created.status).toBe(201);
    // An unknown incident is refused clearly.
    const unknown = await api(server.url, token, '/api/rooms', { method: 'POST', body: { id: 'tg-x', name: 'x', orgUnitId: 'city', incidentId: 'no-such' } });
    expect(unknown.status).toBe(404);
    const talker = await joinWithoutMedia(server.url, 'commander', 'commander123', tg);
    try {
      const granted = await request<{ result: string }>(talker.socket, 'requestFloor', { emergency: false });
      expect(granted.ok && granted.data.result).toBe('granted');
      expect((await request(talker.socket, 'releaseFloor')).ok).toBe(true);
      await waitFor('floor on the timeline', async () => {
        const floor = (await timeline('?positions=0')).entries.filter((e) => e.type === 'floor' && e.roomId === tg);
        return floor.map((e) => (e.type === 'floor' ? e.action : '')).join(',') === 'granted,released';
      }, 5_000, 200);
    } finally {
      talker.socket.close();
    }
  });

  it('the timeline has joins and leaves, the message, the marker, positions and recording starts and stops', async () => {
    const { entries, next } = await timeline();
    expect(next).toBeNull();
    const kinds = entries.map((e) => (e.type === 'recording' || e.type === 'marker' ? `${e.type}:${e.action}` : e.type));
    for (const k of ['join', 'leave', 'floor', 'message', 'marker:placed', 'position', 'recording:started', 'recording:stopped']) expect(kinds, k).toContain(k);
    expect(entries.filter((e) => e.type === 'recording' && e.action === 'started')).toHaveLength(2);
    expect(entries.filter((e) => e.type === 'recording' && e.action === 'stopped')).toHaveLength(2);
    expect(entries.filter((e) => e.type === 'position')).toHaveLength(2);
    const join = entries.find((e): e is Extract<TimelineEntry, { type: 'join' }> => e.type === 'join' && e.who.id === 'u-county01');
    expect(join, JSON.stringify(entries)).toBeDefined();
    const message = entries.find((e) => e.type === 'message');
    expect(message?.type === 'message' && message.text).toBe('撤离下游群众');
    // Oldest first.
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort((a, b) => a - b));

    // Pages of 3 put together are the whole timeline, each entry once.
    const paged: TimelineEntry[] = [];
    let from: number | null = 0;
    for (let i = 0; i < 50 && from !== null; i++) {
      const page = await timeline(`?from=${from}&limit=3`);
      expect(page.entries.length).toBeLessThanOrEqual(3);
      paged.push(...page.entries);
      from = page.next;
    }
    expect(from).toBeNull();
    expect(paged.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    // Without positions.
    expect((await timeline('?positions=0')).entries.some((e) => e.type === 'position')).toBe(false);
  });

  it('bad timeline queries and unreachable incidents get clear errors', async () => {
    const bad = await api(server.url, token, `/api/incidents/${incidentId}/timeline?limit=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    expect((await api(server.url, token, '/api/incidents/no-such/timeline')).status).toBe(404);
    // county02 sits beside county-01, not above the city: a city incident is in reach (the city is its ancestor),
    // a county-01 incident is not.
    const other = (await (await api(server.url, token, '/api/incidents', { method: 'POST', body: { name: '一区', orgUnitId: 'county-01' } })).json()) as { incident: { id: string } };
    const county02 = await login(server.url, 'county02', 'county123');
    expect((await api(server.url, county02, `/api/incidents/${other.incident.id}/timeline`)).status).toBe(404);
    expect((await api(server.url, county02, `/api/incidents/${other.incident.id}/export`)).status).toBe(404);
    expect((await api(server.url, county02, `/api/incidents/${other.incident.id}/recording/start`, { method: 'POST' })).status).toBe(404);
    // A responder may not start an incident's recording.
    const field = await login(server.url, 'field01', 'field123');
    expect((await api(server.url, field, `/api/incidents/${incidentId}/recording/start`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${server.url}/api/incidents/${incidentId}/timeline`)).status).toBe(401);
    // A guest who joined by the incident's link takes part but does not review it.
    const link = (await (await api(server.url, token, `/api/incidents/${incidentId}/join-link`, { method: 'POST', body: {} })).json()) as { url: string };
    const joinToken = decodeURIComponent(link.url.split('#join=')[1]!);
    const guest = ((await (await fetch(`${server.url}/api/incidents/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ joinToken, displayName: '志愿者' }) })).json()) as { token: string }).token;
    for (const route of ['timeline', 'recordings', 'export']) expect((await api(server.url, guest, `/api/incidents/${incidentId}/${route}`)).status, route).toBe(403);
    const [rec] = await recordingsOf();
    expect((await api(server.url, guest, `/api/recordings/${rec!.id}/tracks/0`)).status).toBe(404);
  });

  it('serves track files with Range to those who may see them', async () => {
    const [rec] = await recordingsOf();
    const url = `${server.url}/api/recordings/${rec!.id}/tracks/0`;
    expect((await fetch(url)).status).toBe(401);
    const whole = await fetch(`${url}?access_token=${encodeURIComponent(token)}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    const size = (await whole.arrayBuffer()).byteLength;
    const part = await fetch(url, { headers: { authorization: `Bearer ${token}`, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${size}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    expect((await api(server.url, token, `/api/recordings/${rec!.id}/tracks/99`)).status).toBe(404);
    expect((await api(server.url, token, `/api/recordings/${rec!.id}/tracks/-1`)).status).toBe(400);
    expect((await api(server.url, token, '/api/recordings/no-such/tracks/0')).status).toBe(404);
  });

  it('exports the incident as one zip: tracks, recordings.json and a timeline.json that parses', async () => {
    const res = await api(server.url, token, `/api/incidents/${incidentId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-export-'));
    try {
      const zip = path.join(dir, 'export.zip');
      await writeFile(zip, Buffer.from(await res.arrayBuffer()));
      await run('unzip', ['-q', zip, '-d', path.join(dir, 'x')]);
      const recordings = JSON.parse(await readFile(path.join(dir, 'x/recordings.json'), 'utf8')) as Recording[];
      expect(recordings).toHaveLength(2);
      const entries = JSON.parse(await readFile(path.join(dir, 'x/timeline.json'), 'utf8')) as TimelineEntry[];
      expect(entries.map((e) => e.id)).toEqual((await timeline()).entries.map((e) => e.id));
      const tracks = recordings.flatMap((r) => r.tracks);
      expect(tracks).toHaveLength(4);
      for (const track of tracks) {
        expect(track.endReason, track.file).not.toBe('no media recorded');
        const p = await probe(path.join(dir, 'x/tracks', track.file));
        expect(p.codecs).toEqual([track.codec]);
      }
    } finally {
      if (!process.env["KEEP_EXPORT"]) await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('closing an incident stops its recordings', async () => {
    const res = await api(server.url, token, '/api/incidents', { method: 'POST', body: { name: '关闭测试', orgUnitId: 'city', recording: false } });
    const id = ((await res.json()) as { incident: { id: string } }).incident.id;
    const member = await joinWithoutMedia(server.url, 'commander', 'commander123', `inc-${id}`);
    try {
      const started = (await (await api(server.url, token, `/api/incidents/${id}/recording/start`, { method: 'POST' })).json()) as { started: Recording[] };
      expect(started.started).toHaveLength(1);
      await waitFor('recordingState on', () => member.notes.some((n) => n.type === 'recordingState' && (n.data as { recording: unknown }).recording !== null), 5_000);
      expect((await api(server.url, token, `/api/incidents/${id}/close`, { method: 'POST' })).status).toBe(200);
      const list = ((await (await api(server.url, token, `/api/incidents/${id}/recordings`)).json()) as { recordings: Recording[] }).recordings;
      expect(list.map((r) => [r.stoppedBy, r.stopReason])).toEqual([['commander', 'incident closed']]);
      expect(member.notes.some((n) => n.type === 'recordingState' && (n.data as { recording: unknown }).recording === null)).toBe(true);
    } finally {
      member.socket.close();
    }
  });

  it('the console\'s record button records the whole incident', async () => {
    const res = await api(server.url, token, '/api/incidents', { method: 'POST', body: { name: '控制台录制', orgUnitId: 'city', recording: false } });
    const incident = ((await res.json()) as { incident: { id: string } }).incident;
    const page = await loginAt(chromium.browser, server.url, 'commander', 'commander123');
    try {
      await openConsole(page, incident.id);
      await page.click('#toggle-recording');
      await waitFor('REC shown', () => page.$eval('#rec-indicator', (el) => !(el as HTMLElement).hidden), 10_000);
      const flag = async () => ((await (await api(server.url, token, '/api/incidents')).json()) as { incidents: { id: string; recording?: boolean }[] }).incidents.find((i) => i.id === incident.id)?.recording;
      expect(await flag()).toBe(true);
      await sleep(2_000);
      await page.click('#toggle-recording');
      await waitFor('REC hidden', () => page.$eval('#rec-indicator', (el) => (el as HTMLElement).hidden), 20_000);
      expect(await flag()).toBe(false);
      const list = ((await (await api(server.url, token, `/api/incidents/${incident.id}/recordings`)).json()) as { recordings: Recording[] }).recordings;
      expect(list.map((r) => [r.startedBy, r.stoppedBy])).toEqual([['commander', 'commander']]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
