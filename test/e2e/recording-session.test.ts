import path from 'node:path';
import type { Page } from 'puppeteer-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../protocol/recording.js';
import type { TimelinePage } from '../../protocol/timeline.js';
import { launchBrowser, loginAt, type TestBrowser } from '../helpers/browser.js';
import { clickFeedButton, createSource, waitFeedFrames } from '../helpers/feeds.js';
import { api, joinWithoutMedia, probe, sleep } from '../helpers/recording.js';
import { startRtspCamera, type RtspCamera } from '../helpers/rtsp-camera.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const SESSION_S = 20;

/** The 20 s session: two browsers and one camera feed (H.264) in an incident, recorded as the incident. */
describe('a 20 s incident session with two browsers and a camera feed', () => {
  let camera: RtspCamera;
  let server: RunningServer;
  let chromium: TestBrowser;
  let token: string;
  let incidentId: string;
  let admin: { socket: Socket };
  let viewer: Page;
  let recording: Recording;

  beforeAll(async () => {
    camera = await startRtspCamera();
    server = await startServer({ env: { FEED_IDLE_STOP_S: '1' } });
    token = await login(server.url, 'commander', 'commander123');
    expect((await createSource(server.url, token, { id: 'cam-rec', name: '堤坝摄像机', orgUnitId: 'city', location: '测试', kind: 'cctv', ingest: 'rtsp', url: camera.url('h264') })).status).toBe(201);
    const res = await api(server.url, token, '/api/incidents', { method: 'POST', body: { name: '堤坝', orgUnitId: 'city' } });
    incidentId = ((await res.json()) as { incident: { id: string } }).incident.id;
    const room = `inc-${incidentId}`;
    admin = await joinWithoutMedia(server.url, 'admin', 'admin123', room);
    chromium = await launchBrowser();
    const enter = async (user: string, password: string) => {
      const page = await loginAt(chromium.browser, server.url, user, password, { path: `/?room=${room}` });
      await page.waitForSelector('#gallery', { timeout: 20_000 });
      return page;
    };
    viewer = await enter('county01', 'county123');
    await enter('police', 'dept123');
    await clickFeedButton(viewer, 'cam-rec');
    await waitFeedFrames(viewer, 'cam-rec', 25, 40_000);
  }, 120_000);

  afterAll(async () => {
    admin?.socket.close();
    await chromium?.close();
    await server?.stop();
    await camera?.kill();
  });

  it('records every producer; each file is readable with the expected codec and lasts as long as it was recorded (±1 s)', async () => {
    const started = await api(server.url, token, `/api/incidents/${incidentId}/recording/start`, { method: 'POST' });
    expect(started.status).toBe(200);
    await sleep(SESSION_S * 1000);
    const stopped = await api(server.url, token, `/api/incidents/${incidentId}/recording/stop`, { method: 'POST' });
    expect(stopped.status).toBe(200);
    const list = ((await stopped.json()) as { stopped: Recording[] }).stopped;
    expect(list).toHaveLength(1);
    recording = list[0]!;
    const summary = recording.tracks.map((t) => `${t.name}:${t.kind}:${t.codec}`).sort();
    console.info('tracks:', summary.join(', '));
    // Two people (opus + vp8 each) and the camera (H.264 passed through; its AAC audio as opus).
    expect(recording.tracks.filter((t) => t.codec === 'vp8')).toHaveLength(2);
    expect(recording.tracks.filter((t) => t.codec === 'h264')).toHaveLength(1);
    expect(recording.tracks.filter((t) => t.codec === 'opus')).toHaveLength(3);
    for (const track of recording.tracks) {
      const file = path.join(server.dataDir, 'recordings', track.file);
      const p = await probe(file);
      expect(p.codecs, track.file).toEqual([track.codec]);
      expect(track.file.endsWith(track.codec === 'h264' ? '.mkv' : '.webm')).toBe(true);
      const span = (track.stoppedAt! - track.startedAt) / 1000;
      console.info(`${track.file}: ${p.duration.toFixed(2)} s recorded for ${span.toFixed(2)} s`);
      expect(span, track.file).toBeGreaterThan(SESSION_S - 2);
      expect(Math.abs(p.duration - span), `${track.file}: ${p.duration} s vs ${span} s`).toBeLessThanOrEqual(1);
    }
  }, 90_000);

  it('the timeline has the feed started and, once closed, stopped', async () => {
    await clickFeedButton(viewer, 'cam-rec');
    await waitFor('feed stopped on the timeline', async () => {
      const page = (await (await api(server.url, token, `/api/incidents/${incidentId}/timeline?positions=0`)).json()) as TimelinePage;
      const feed = page.entries.filter((e) => e.type === 'feed').map((e) => (e.type === 'feed' ? `${e.action}:${e.name}` : ''));
      return feed.includes('started:堤坝摄像机') && feed.includes('stopped:堤坝摄像机');
    }, 20_000, 250);
  }, 30_000);
});
