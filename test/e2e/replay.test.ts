import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../protocol/recording.js';
import { launchBrowser, loginAt, type TestBrowser } from '../helpers/browser.js';
import { api, joinWithoutMedia, request, sleep } from '../helpers/recording.js';
import { login, projectRoot, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

/** Enters a room straight from a link (?room=), as an incident's responders do. */
async function enterRoom(chromium: TestBrowser, url: string, username: string, password: string, roomId: string): Promise<Page> {
  const page = await loginAt(chromium.browser, url, username, password, { path: `/?room=${roomId}` });
  await page.waitForSelector('#gallery', { timeout: 15_000 });
  return page;
}

describe('replay page', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let token: string;
  let incidentId: string;
  let admin: { socket: Socket };
  let recordings: Recording[];

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    token = await login(server.url, 'commander', 'commander123');
    // Recorded from the start by the incident's own flag (the server's policy is manual).
    const res = await api(server.url, token, '/api/incidents', { method: 'POST', body: { name: '化工园区泄漏', orgUnitId: 'city', recording: true } });
    incidentId = ((await res.json()) as { incident: { id: string } }).incident.id;
    const room = `inc-${incidentId}`;
    admin = await joinWithoutMedia(server.url, 'admin', 'admin123', room);
    const first = await enterRoom(chromium, server.url, 'county01', 'county123', room);
    await sleep(2_500);
    // The second person's tracks start later: their offsets on the incident's clock differ.
    const second = await enterRoom(chromium, server.url, 'police', 'dept123', room);
    await sleep(1_000);
    await request(admin.socket, 'reportPositions', { positions: [{ seq: 1, lat: 35.1, lon: 118.3, at: Date.now() }] });
    await request(admin.socket, 'dispatchMessage', { to: { kind: 'all' }, text: '封锁下风向道路' });
    await request(admin.socket, 'placeMarker', { lat: 35.12, lon: 118.33, note: '泄漏点' });
    await sleep(2_000);
    await request(admin.socket, 'reportPositions', { positions: [{ seq: 2, lat: 35.2, lon: 118.4, at: Date.now() }] });
    await sleep(7_000);
    const stop = await api(server.url, token, `/api/incidents/${incidentId}/recording/stop`, { method: 'POST' });
    expect(stop.status).toBe(200);
    recordings = ((await stop.json()) as { stopped: Recording[] }).stopped;
    await first.close();
    await second.close();
  }, 120_000);

  afterAll(async () => {
    admin?.socket.close();
    await chromium?.close();
    await server?.stop();
  });

  it('plays two chosen tracks in sync on the incident clock and shows the timeline events and positions', async () => {
    expect(recordings).toHaveLength(1);
    console.info('tracks:', JSON.stringify(recordings[0]!.tracks.map((t) => [t.userId, t.kind, t.startedAt, t.endReason])));
    const tracks = recordings[0]!.tracks;
    const audio = tracks.findIndex((t) => t.kind === 'audio' && t.userId === 'u-county01');
    const video = tracks.findIndex((t) => t.kind === 'video' && t.userId === 'u-dept01');
    expect(audio).toBeGreaterThanOrEqual(0);
    expect(video).toBeGreaterThanOrEqual(0);
    expect(tracks[video]!.startedAt - tracks[audio]!.startedAt).toBeGreaterThan(1_500);

    const page = await loginAt(chromium.browser, server.url, 'commander', 'commander123');
    await (await page.waitForSelector(`[data-replay="${incidentId}"]`))!.click();
    await page.waitForSelector('#replay');
    // The events are drawn on the scrubber and listed.
    const types = await page.$$eval('#tl-strip .tl-mark', (marks) => marks.map((m) => (m as HTMLElement).dataset['type']));
    for (const type of ['join', 'message', 'marker', 'recording']) expect(types).toContain(type);
    expect(await page.$eval('#tl-list li[data-type="message"]', (li) => li.textContent)).toContain('封锁下风向道路');

    const id = recordings[0]!.id;
    await page.click(`input[data-track="${id}:${audio}"]`);
    await page.click(`input[data-track="${id}:${video}"]`);
    await waitFor('tracks loaded', () => page.$$eval('#replay-media [data-track]', (els) => els.length === 2 && els.every((e) => (e as HTMLMediaElement).readyState >= 2)), 15_000);
    await page.click('#replay-play');
    // Play through the point where the second track starts and on for some seconds.
    await waitFor('both tracks playing', () => page.$$eval('#replay-media [data-track]', (els) => els.every((e) => !(e as HTMLMediaElement).paused && (e as HTMLMediaElement).currentTime > 2)), 20_000, 100);
    await sleep(3_000);
    const positions = await page.$$eval('#replay-media [data-track]', (els) =>
      els.map((e) => ({ key: (e as HTMLElement).dataset['track']!, at: (e as HTMLMediaElement).currentTime * 1000 + Number((e as HTMLElement).dataset['offset']), paused: (e as HTMLMediaElement).paused })));
    console.info('replay positions on the incident clock:', JSON.stringify(positions));
    expect(positions.every((p) => !p.paused)).toBe(true);
    // Both tracks at the same moment of the incident: the media elements' times differ by exactly their offsets.
    expect(Math.abs(positions[0]!.at - positions[1]!.at)).toBeLessThan(100);

    // Positions and markers replayed on the map up to the scrubber's time.
    await waitFor('position on the map', () => page.$eval('[data-user-marker="u-admin"]', (el) => (el as HTMLElement).dataset['lat']).catch(() => undefined), 10_000);
    await page.$eval('#replay-scrubber', (el) => {
      const input = el as HTMLInputElement;
      input.value = input.max;
      input.dispatchEvent(new Event('input'));
    });
    await waitFor('the last fix on the map', async () => (await page.$eval('[data-user-marker="u-admin"]', (el) => (el as HTMLElement).dataset['lat'])) === '35.2', 5_000);
    expect(await page.$$eval('[data-shared-marker]', (els) => els.map((e) => (e as HTMLElement).dataset['lat']))).toEqual(['35.12']);
    await mkdir(path.join(projectRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(projectRoot, 'test-artifacts/replay.png') });
    // Back to the incident list; a replay link to an incident that is not there says so and goes back.
    await page.click('#replay-back');
    await page.waitForSelector(`[data-replay="${incidentId}"]`);
    await page.evaluate(() => (location.hash = '#/replay/no-such-incident'));
    await waitFor('a clear message', () => page.$$eval('.toast', (els) => els.some((e) => e.textContent?.includes('no incident no-such-incident'))), 10_000);
    await page.waitForSelector(`[data-replay="${incidentId}"]`);
    await (await page.waitForSelector(`[data-replay="${incidentId}"]`))!.click();
    await page.waitForSelector('#replay-play');
    // The page is in English too.
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#replay-play')?.textContent === 'Play' || document.querySelector('#replay-play')?.textContent === 'Pause');
  }, 90_000);
});
