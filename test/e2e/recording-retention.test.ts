import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../protocol/recording.js';
import { joinAs, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { api, joinWithoutMedia, request, sleep, type Note } from '../helpers/recording.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';

/** Retention of 5 s (RECORDING_RETENTION_DAYS accepts fractions), swept every second. */
describe('recording retention', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let commander: { socket: import('socket.io-client').Socket; notes: Note[] };

  beforeAll(async () => {
    server = await startServer({ env: { RECORDING_RETENTION_DAYS: String(5 / 86_400), RECORDING_SWEEP_S: '1' } });
    chromium = await launchBrowser();
    commander = await joinWithoutMedia(server.url, 'commander', 'commander123', ROOM);
    await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    await waitFor('two producers', () => commander.notes.filter((n) => n.type === 'producerAdded').length >= 2, 20_000);
  }, 60_000);

  afterAll(async () => {
    commander?.socket.close();
    await chromium?.close();
    await server?.stop();
  });

  it('deletes a recording, files and metadata, once it has been stopped longer than the retention; never a running one', async () => {
    const started = await request<{ recording: Recording }>(commander.socket, 'startRecording');
    if (!started.ok) throw new Error(started.error.message);
    // Running for longer than the retention: kept.
    await sleep(7_000);
    const token = await login(server.url, 'commander', 'commander123');
    const list = async () => ((await (await api(server.url, token, `/api/recordings?roomId=${ROOM}`)).json()) as { recordings: Recording[] }).recordings;
    expect((await list()).map((r) => r.id)).toEqual([started.data.recording.id]);
    const stopped = await request<{ recording: Recording }>(commander.socket, 'stopRecording');
    if (!stopped.ok) throw new Error(stopped.error.message);
    const dir = path.join(server.dataDir, 'recordings', ROOM, stopped.data.recording.id);
    expect(existsSync(path.join(server.dataDir, 'recordings', stopped.data.recording.tracks[0]!.file))).toBe(true);
    await waitFor('expired', async () => (await list()).length === 0, 15_000, 500);
    expect(existsSync(dir)).toBe(false);
    const admin = await login(server.url, 'admin', 'admin123');
    const audit = ((await (await api(server.url, admin, '/api/admin/audit?limit=50')).json()) as { entries: { actor: string; action: string; detail: Record<string, unknown> }[] }).entries;
    expect(audit.find((e) => e.action === 'recording.expire')).toMatchObject({ actor: 'system:retention', detail: { recordingId: stopped.data.recording.id } });
  }, 60_000);
});
