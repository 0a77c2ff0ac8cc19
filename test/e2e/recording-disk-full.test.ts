import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording, RecordingAlert } from '../../protocol/recording.js';
import { joinAs, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { api, joinWithoutMedia, lastPacketTime, probe, request, sleep, type Note } from '../helpers/recording.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const ROOM = 'city-consultation';

/**
 * The recordings folder on a 2 MB tmpfs (root mounts it): recording fills it up. Two ways to notice: free
 * space below the threshold (checked every 500 ms), or, with the check out of the way, ffmpeg failing on ENOSPC.
 */
describe.each([
  { how: 'the free-space check', env: { RECORDING_MIN_FREE_MB: '1', RECORDING_DISK_CHECK_MS: '500' }, trailer: true },
  { how: 'ffmpeg hitting ENOSPC', env: { RECORDING_MIN_FREE_MB: '0', RECORDING_DISK_CHECK_MS: '600000' }, trailer: false },
])('recording onto a disk that fills up, noticed by $how', ({ env, trailer }) => {
  let dataDir: string;
  let recordingsDir: string;
  let mounted = false;
  let server: RunningServer;
  let chromium: TestBrowser;
  let member: Page;
  let commander: { socket: Socket; notes: Note[] };
  let token: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-diskfull-'));
    recordingsDir = path.join(dataDir, 'recordings');
    await mkdir(recordingsDir);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', recordingsDir]);
    mounted = true;
    server = await startServer({ dataDir, env });
    chromium = await launchBrowser();
    commander = await joinWithoutMedia(server.url, 'commander', 'commander123', ROOM);
    member = await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    await waitFor('two producers', () => commander.notes.filter((n) => n.type === 'producerAdded').length >= 2, 20_000);
    token = await login(server.url, 'commander', 'commander123');
  }, 60_000);

  afterAll(async () => {
    commander?.socket.close();
    await chromium?.close();
    await server?.stop();
    if (mounted) await run('umount', [recordingsDir]).catch((err: unknown) => console.error('umount failed', err));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops cleanly with an alert when free space runs low; what was written stays readable', async () => {
    // A first, short recording: the "earlier files".
    const first = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    if (!first.ok) throw new Error(first.error.message);
    await sleep(3_000);
    const done = await request<{ recording: Recording }>(commander.socket, 'stopRecording');
    if (!done.ok) throw new Error(done.error.message);
    const earlier = await Promise.all(done.data.recording.tracks.map(async (t) => ({ track: t, probe: await probe(path.join(recordingsDir, t.file)) })));
    for (const { track, probe: p } of earlier) expect(p.codecs).toEqual([track.codec]);

    const second = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    if (!second.ok) throw new Error(second.error.message);
    const alert = await waitFor('disk-full alert', () => commander.notes.find((n) => n.type === 'recordingAlert')?.data as RecordingAlert | undefined, 90_000, 200);
    expect(alert).toMatchObject({ reason: 'disk-full', roomId: ROOM, recordingId: second.data.recording.id });
    expect(alert.freeBytes).toBeLessThan(1024 * 1024);
    // Off twice: after the first recording, and now.
    await waitFor('recordingState off', () => commander.notes.filter((n) => n.type === 'recordingState' && (n.data as { recording: unknown }).recording === null).length === 2, 10_000);
    // The console shows it as a banner.
    await waitFor('alert banner', () => member.$eval('#alert-banner', (el) => !(el as HTMLElement).hidden), 5_000);

    const listed = ((await (await api(server.url, token, `/api/recordings?roomId=${ROOM}`)).json()) as { recordings: Recording[] }).recordings;
    const stopped = listed.find((r) => r.id === second.data.recording.id)!;
    expect(stopped.stoppedBy).toBe('system:disk-full');
    expect(stopped.stopReason).toBe('disk full');
    expect(stopped.stoppedAt).not.toBeNull();
    // With the periodic check out of the way, it was a track's ffmpeg failing that stopped everything.
    if (!trailer) expect(stopped.tracks.some((t) => t.endReason?.startsWith('ffmpeg exited (1)')), JSON.stringify(stopped.tracks)).toBe(true);
    // Every file is readable: the earlier ones as they were, the cut ones up to where they stopped.
    for (const { track, probe: before } of earlier) {
      const now = await probe(path.join(recordingsDir, track.file));
      expect(now).toEqual(before);
    }
    for (const track of stopped.tracks) {
      const file = path.join(recordingsDir, track.file);
      const p = await probe(file);
      expect(p.codecs, track.file).toEqual([track.codec]);
      // Stopped above the floor, ffmpeg had room to write its trailer: a whole file with its duration.
      // Cut by ENOSPC, the file has no trailer but its clusters read up to where the disk ran out.
      if (trailer) expect(p.duration, track.file).toBeGreaterThan(1);
      else expect(await lastPacketTime(file), track.file).toBeGreaterThan(1);
    }
    // Prometheus sees the low disk and no recording running.
    const admin = await login(server.url, 'admin', 'admin123');
    const metrics = await (await api(server.url, admin, '/metrics')).text();
    expect(metrics).toMatch(/^ecs_recordings_active 0$/m);
    const free = Number(/^ecs_recording_disk_free_bytes (\S+)$/m.exec(metrics)?.[1]);
    expect(free).toBeLessThan(1024 * 1024);
    // Nothing starts on a full disk: a clear refusal.
    const refused = await request(commander.socket, 'startRecording');
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('BUSY');
      expect(refused.error.message).toMatch(/disk is full/);
    }
  }, 150_000);
});
