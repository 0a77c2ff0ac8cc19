import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, receiveStats, type TestBrowser } from '../helpers/browser.js';
import { clickFeedButton, createSource, feedFrames, ffmpegChildren, listSources, waitFeedFrames } from '../helpers/feeds.js';
import { startRtspCamera, type RtspCamera } from '../helpers/rtsp-camera.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';
const CAMERA_USER = 'admin';
const CAMERA_PASSWORD = 'Cam-S3cret-pw';

describe('camera feeds: RTSP pull on demand, viewed in Chromium', () => {
  let camera: RtspCamera;
  let authCamera: RtspCamera;
  let server: RunningServer;
  let chromium: TestBrowser;
  let viewer: Page;
  let token: string;

  const stateOf = async (id: string) => (await listSources(server.url, token)).find((s) => s.id === id)?.feed;

  beforeAll(async () => {
    camera = await startRtspCamera();
    authCamera = await startRtspCamera({ user: CAMERA_USER, password: CAMERA_PASSWORD });
    server = await startServer({ env: { FEED_IDLE_STOP_S: '3', FEED_RETRY_BASE_MS: '500', FEED_RETRY_MAX_S: '2', FEED_MAX_PROCESSES: '3' } });
    token = await login(server.url, 'commander', 'commander123');
    const rtsp = (id: string, name: string, url: string, extra: Record<string, unknown> = {}) =>
      createSource(server.url, token, { id, name, orgUnitId: 'city', location: '测试', kind: 'cctv', ingest: 'rtsp', url, ...extra });
    expect((await rtsp('cam-h264', 'H.264 路口', camera.url('h264'))).status).toBe(201);
    expect((await rtsp('cam-h265', 'H.265 球机', camera.url('h265'), { transport: 'udp' })).status).toBe(201);
    expect((await rtsp('cam-auth', '密码正确', authCamera.url('h264'), { username: CAMERA_USER, password: CAMERA_PASSWORD })).status).toBe(201);
    expect((await rtsp('cam-wrong', '密码错误', authCamera.url('h264'), { username: CAMERA_USER, password: 'wrong-password' })).status).toBe(201);
    expect((await rtsp('cam-g711', 'G.711 枪机', camera.url('g711'))).status).toBe(201);
    expect((await rtsp('cam-404', '地址错误', `rtsp://127.0.0.1:${camera.port}/no-such-stream`)).status).toBe(201);
    chromium = await launchBrowser();
    viewer = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
    await camera?.kill();
    await authCamera?.kill();
  });

  it('keeps camera credentials on the server: not in replies, not in the log', async () => {
    const sources = await listSources(server.url, token);
    const auth = sources.find((s) => s.id === 'cam-auth');
    expect(auth).toMatchObject({ username: CAMERA_USER, hasPassword: true });
    expect(JSON.stringify(sources)).not.toContain(CAMERA_PASSWORD);
    expect(server.logs.join('\n')).not.toContain(CAMERA_PASSWORD);
  });

  it('registry: commanders manage sources of their units, others only see those the org tree lets them reach', async () => {
    const body = { name: '二区卡口', orgUnitId: 'county-02', location: '', kind: 'ptz-ball', ingest: 'rtsp', url: camera.url('h264'), username: 'u', password: 'Other-secret-9' };
    expect((await createSource(server.url, token, { id: 'cam-c2', ...body })).status).toBe(201);
    const county01 = await login(server.url, 'county01', 'county123');
    expect((await createSource(server.url, county01, { id: 'cam-x', ...body, orgUnitId: 'county-01' })).status).toBe(403);
    const seen = (await listSources(server.url, county01)).map((s) => s.id);
    expect(seen).toContain('cam-h264');
    expect(seen).not.toContain('cam-c2');
    expect((await fetch(`${server.url}/api/feeds`)).status).toBe(401);
    const put = await fetch(`${server.url}/api/feeds/cam-c2`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...body, name: '二区卡口（新）', password: undefined }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ source: { name: '二区卡口（新）', hasPassword: true } });
    expect((await fetch(`${server.url}/api/feeds/cam-c2`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    expect((await listSources(server.url, token)).map((s) => s.id)).not.toContain('cam-c2');
  });

  it('a commander adds a source from the console form; the list shows it, without its password', async () => {
    await viewer.waitForSelector('#feed-form', { timeout: 10_000 });
    const fill = async (name: string, value: string) => {
      await viewer.$eval(`#feed-form [name="${name}"]`, (el) => ((el as HTMLInputElement).value = ''));
      await viewer.type(`#feed-form [name="${name}"]`, value);
    };
    await fill('id', 'cam-form');
    await fill('name', '表单添加');
    await fill('url', camera.url('h264'));
    await fill('username', 'someone');
    await fill('password', 'Form-secret-7');
    await viewer.select('#feed-form [name="kind"]', 'body-camera');
    await viewer.$eval('#feed-form button[type=submit]', (el) => (el as HTMLButtonElement).click());
    await viewer.waitForSelector('[data-feed="cam-form"]', { timeout: 10_000 });
    const listed = (await listSources(server.url, token)).find((s) => s.id === 'cam-form');
    expect(listed).toMatchObject({ kind: 'body-camera', orgUnitId: 'city', hasPassword: true });
    expect(await viewer.content()).not.toContain('Form-secret-7');
  });

  it('runs no ffmpeg while nobody watches', async () => {
    expect(await ffmpegChildren(server.pid)).toEqual([]);
    expect((await stateOf('cam-h264'))?.state).toBe('idle');
  });

  it('pulls H.264 (passed through) and H.265 (transcoded) when watched; Chromium decodes both', async () => {
    await clickFeedButton(viewer, 'cam-h264');
    await clickFeedButton(viewer, 'cam-h265');
    await waitFeedFrames(viewer, 'cam-h264', 25, 30_000);
    await waitFeedFrames(viewer, 'cam-h265', 25, 30_000);
    const stats = await receiveStats(viewer);
    expect(stats.find((s) => s.name === 'feed:cam-h264')?.videoCodec).toBe('video/H264');
    // The camera's AAC arrives as Opus and is heard.
    await waitFor('feed audio', async () => ((await receiveStats(viewer)).find((s) => s.name === 'feed:cam-h264')?.audioEnergy ?? 0) > 0, 10_000);
    expect(stats.find((s) => s.name === 'feed:cam-h265')?.frameWidth).toBe(640);
    expect(await stateOf('cam-h264')).toMatchObject({ state: 'live', mode: 'passthrough' });
    expect(await stateOf('cam-h265')).toMatchObject({ state: 'live', mode: 'transcode' });
    expect((await ffmpegChildren(server.pid)).length).toBe(2);
  });

  it('a camera that goes away and comes back is shown again with no action', async () => {
    await camera.kill();
    await viewer.waitForSelector('[data-peer="feed-cam-h264"][data-feed-state="retrying"]', { timeout: 20_000 });
    await camera.start();
    await waitFor('live again', async () => (await stateOf('cam-h264'))?.state === 'live', 30_000, 200);
    await waitFeedFrames(viewer, 'cam-h264', 25, 30_000);
    await waitFeedFrames(viewer, 'cam-h265', 25, 30_000);
  });

  it('stops the pull a set time after the last viewer leaves', async () => {
    await clickFeedButton(viewer, 'cam-h264');
    await clickFeedButton(viewer, 'cam-h265');
    await waitFor('feed tiles gone', async () => (await viewer.$('[data-peer^="feed-"]')) === null, 10_000);
    // The delay (3 s here) keeps them running for a viewer who comes straight back.
    expect((await ffmpegChildren(server.pid)).length).toBeGreaterThan(0);
    await waitFor('no ffmpeg left', async () => (await ffmpegChildren(server.pid)).length === 0, 20_000, 200);
    expect((await stateOf('cam-h264'))?.state).toBe('idle');
  });

  it('turns G.711 audio into Opus', async () => {
    await clickFeedButton(viewer, 'cam-g711');
    await waitFeedFrames(viewer, 'cam-g711', 10, 30_000);
    await waitFor('G.711 audio heard', async () => ((await receiveStats(viewer)).find((s) => s.name === 'feed:cam-g711')?.audioEnergy ?? 0) > 0, 10_000);
    await clickFeedButton(viewer, 'cam-g711');
  });

  it('pulls a camera that asks for digest credentials', async () => {
    await clickFeedButton(viewer, 'cam-auth');
    await waitFeedFrames(viewer, 'cam-auth', 25, 30_000);
    await clickFeedButton(viewer, 'cam-auth');
  });

  it('wrong credentials and a wrong URL give clear errors on the tile and in the list', async () => {
    await clickFeedButton(viewer, 'cam-wrong');
    await clickFeedButton(viewer, 'cam-404');
    await waitFor('unauthorized', async () => (await stateOf('cam-wrong'))?.reason === 'unauthorized', 20_000, 200);
    await waitFor('not found', async () => (await stateOf('cam-404'))?.reason === 'not-found', 20_000, 200);
    await viewer.waitForSelector('[data-peer="feed-cam-wrong"][data-feed-state="failed"]', { timeout: 10_000 });
    const tileText = await viewer.$eval('[data-peer="feed-cam-wrong"] .placeholder', (el) => el.textContent ?? '');
    expect(tileText).toContain('用户名或密码错误');
    await waitFor('list shows the reason', () => viewer.$eval('[data-feed="cam-404"] .state', (el) => (el.textContent ?? '').includes('地址不存在')), 10_000);
    expect(await feedFrames(viewer, 'cam-wrong')).toBe(0);
  });

  it('refuses a pull beyond the process limit with a clear message; failing sources hold one process each at most', async () => {
    // cam-wrong and cam-404 still hold two of the three pulls allowed here.
    await clickFeedButton(viewer, 'cam-h264');
    await waitFeedFrames(viewer, 'cam-h264', 10, 30_000);
    await clickFeedButton(viewer, 'cam-h265');
    await waitFor('capacity message', () => viewer.$eval('#feed-error', (el) => (el.textContent ?? '').includes('同时拉流数已达上限')), 10_000);
    expect((await ffmpegChildren(server.pid)).length).toBeLessThanOrEqual(3);
    expect((await stateOf('cam-h265'))?.state).toBe('idle');
  });
});
