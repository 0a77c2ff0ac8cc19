import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../protocol/recording.js';
import { joinAs, launchBrowser, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { joinWithoutMedia as joinInRoom, lastPacketTime, probe, request as requestWith, sleep } from '../helpers/recording.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';
const request = <T>(socket: Socket, method: string) => requestWith<T>(socket, method);
const joinWithoutMedia = (url: string, username: string, password: string) => joinInRoom(url, username, password, ROOM);

/** Pids whose command line mentions `text` (the embedded redis-server a SIGKILLed server leaves behind). */
function pidsMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}


describe('recording a room', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  const sockets: Socket[] = [];
  let commander: { socket: Socket; notes: { type: string; data: unknown }[] };
  let member: Page;
  let police: Page;

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    const a = await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    const b = await joinAs(chromium.browser, server.url, 'police', 'dept123', ROOM);
    member = a;
    police = b;
    await Promise.all([waitDecodingFrom(a, ['police'], 20_000, { audio: true }), waitDecodingFrom(b, ['county01'], 20_000, { audio: true })]);
    commander = await joinWithoutMedia(server.url, 'commander', 'commander123');
    sockets.push(commander.socket);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await chromium?.close();
    const dataDir = server?.dataDir;
    await server?.stop();
    // The killed server's embedded redis-server outlives it.
    if (dataDir) for (const pid of pidsMentioning(`${dataDir}/redis/`)) process.kill(pid, 'SIGTERM');
  });

  it('a responder may not start a recording', async () => {
    const field = await joinWithoutMedia(server.url, 'field01', 'field123');
    sockets.push(field.socket);
    const reply = await request(field.socket, 'startRecording');
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.code).toBe('FORBIDDEN');
    field.socket.close();
  });

  it('records every producer to WebM (opus, vp8) for as long as it ran, with metadata in Redis', async () => {
    const started = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    expect(started.ok).toBe(true);
    await waitFor('recordingState on', () => commander.notes.some((n) => n.type === 'recordingState' && (n.data as { recording: unknown }).recording !== null), 5_000);
    // The operator's room view shows the red REC indicator and offers the stop button.
    await waitFor('REC shown', () => member.$eval('#rec-indicator', (el) => !(el as HTMLElement).hidden), 5_000);
    expect(await member.$eval('#toggle-recording', (el) => el.classList.contains('recording'))).toBe(true);
    await sleep(8_000);
    const stopped = await request<{ recording: Recording }>(commander.socket, 'stopRecording');
    if (!stopped.ok) throw new Error(stopped.error.message);
    const rec = stopped.data.recording;
    expect(rec.stoppedAt).not.toBeNull();
    expect(rec.tracks.map((t) => `${t.name}:${t.kind}:${t.codec}`).sort()).toHaveLength(4);
    expect(rec.tracks.filter((t) => t.codec === 'opus')).toHaveLength(2);
    expect(rec.tracks.filter((t) => t.codec === 'vp8')).toHaveLength(2);
    for (const track of rec.tracks) {
      expect(track.file).toMatch(new RegExp(`^${ROOM}/${rec.id}/[A-Za-z0-9._-]+-(audio|video)-\\d+\\.webm$`));
      const p = await probe(path.join(server.dataDir, 'recordings', track.file));
      expect(p.codecs).toEqual([track.codec]);
      const span = (track.stoppedAt! - track.startedAt) / 1000;
      expect(Math.abs(p.duration - span), `${track.file}: ${p.duration} s vs ${span} s`).toBeLessThanOrEqual(1.5);
    }
    await waitFor('recordingState off', () => commander.notes.some((n) => n.type === 'recordingState' && (n.data as { recording: unknown }).recording === null), 5_000);
    await waitFor('REC hidden', () => member.$eval('#rec-indicator', (el) => (el as HTMLElement).hidden), 5_000);

    const token = await login(server.url, 'commander', 'commander123');
    const res = await fetch(`${server.url}/api/recordings?roomId=${ROOM}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const listed = ((await res.json()) as { recordings: Recording[] }).recordings;
    expect(listed.map((r) => r.id)).toContain(rec.id);
    expect(listed.find((r) => r.id === rec.id)?.tracks).toHaveLength(4);
    // A unit beside the room's (county-01 is below city, so it reaches it); an unknown room is 404.
    const missing = await fetch(`${server.url}/api/recordings?roomId=no-such-room`, { headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(404);
  }, 60_000);

  it('a mic muted longer than ffmpeg waits (10 s) is still recorded after it is unmuted', async () => {
    const started = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    if (!started.ok) throw new Error(started.error.message);
    await sleep(1_000);
    await police.click('#toggle-mic');
    await sleep(13_000);
    await police.click('#toggle-mic');
    await sleep(4_000);
    const stopped = await request<{ recording: Recording }>(commander.socket, 'stopRecording');
    if (!stopped.ok) throw new Error(stopped.error.message);
    const rec = stopped.data.recording;
    const policeAudio = rec.tracks.filter((t) => t.kind === 'audio' && t.file.includes('/police-audio-'));
    console.info('police audio tracks:', JSON.stringify(policeAudio.map((t) => ({ file: t.file, endReason: t.endReason }))));
    // The track live at the stop covers the time after unmuting: its file has the last seconds.
    const live = policeAudio.find((t) => t.endReason === null);
    expect(live, JSON.stringify(policeAudio)).toBeDefined();
    const p = await probe(path.join(server.dataDir, 'recordings', live!.file));
    expect(p.codecs).toEqual(['opus']);
    expect(p.duration).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('files survive kill -9 of the server 15 s into a recording: everything up to 3 s before the kill is readable', async () => {
    const started = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    if (!started.ok) throw new Error(started.error.message);
    const rec = started.data.recording;
    expect(rec.tracks).toHaveLength(4);
    await sleep(15_000);
    process.kill(server.pid, 'SIGKILL');
    await sleep(2_000);
    // 2 s after the crash ffmpeg still waits for input; what it wrote so far is readable.
    for (const track of rec.tracks) {
      const file = path.join(server.dataDir, 'recordings', track.file);
      const p = await probe(file);
      expect(p.codecs).toEqual([track.codec]);
      expect(await lastPacketTime(file), track.file).toBeGreaterThanOrEqual(15 - 3);
    }
    // Its input gone, each ffmpeg ends on its read timeout (~10 s) and, having had SIGINT, writes its trailer.
    for (const track of rec.tracks) {
      const file = path.join(server.dataDir, 'recordings', track.file);
      const duration = await waitFor(`${track.file} finalised`, async () => {
        const d = (await probe(file)).duration;
        return Number.isFinite(d) ? d : undefined;
      }, 20_000, 500);
      expect(duration, track.file).toBeGreaterThanOrEqual(15 - 3);
    }
  }, 90_000);
});

describe('recording on server shutdown', () => {
  let server: RunningServer;
  let chromium: TestBrowser;

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('SIGTERM stops the recording: files finalised, metadata stopped by system:shutdown', async () => {
    server = await startServer({ dataDir: await mkdtemp(path.join(os.tmpdir(), 'ecs-rec-')) });
    chromium = await launchBrowser();
    // The commander first, so it hears of the member's producers as they come.
    const commander = await joinWithoutMedia(server.url, 'commander', 'commander123');
    await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    await waitFor('two producers', async () => {
      const list = commander.notes.filter((n) => n.type === 'producerAdded');
      return list.length >= 2;
    }, 20_000);
    const started = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    if (!started.ok) throw new Error(started.error.message);
    const rec = started.data.recording;
    expect(rec.tracks).toHaveLength(2);
    await sleep(5_000);
    const exited = new Promise((r) => server.process.once('exit', r));
    const t0 = Date.now();
    server.process.kill('SIGTERM');
    await exited;
    expect(Date.now() - t0).toBeLessThan(8_000);
    commander.socket.close();
    for (const track of rec.tracks) {
      const p = await probe(path.join(server.dataDir, 'recordings', track.file));
      expect(p.codecs).toEqual([track.codec]);
      expect(p.duration, track.file).toBeGreaterThanOrEqual(5 - 1.5);
    }
    // The metadata was finalised before the server exited: read it back from a restarted server.
    const again = await startServer({ dataDir: server.dataDir });
    try {
      const token = await login(again.url, 'commander', 'commander123');
      const res = await fetch(`${again.url}/api/recordings?roomId=${ROOM}`, { headers: { authorization: `Bearer ${token}` } });
      const listed = ((await res.json()) as { recordings: Recording[] }).recordings.find((r) => r.id === rec.id);
      expect(listed?.stoppedBy).toBe('system:shutdown');
      expect(listed?.stoppedAt).not.toBeNull();
      expect(listed?.tracks.every((t) => t.stoppedAt !== null)).toBe(true);
    } finally {
      await again.stop();
      await rm(server.dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
