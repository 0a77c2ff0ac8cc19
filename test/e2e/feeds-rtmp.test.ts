import { spawn, type ChildProcess } from 'node:child_process';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { clickFeedButton, createSource, listSources, waitFeedFrames } from '../helpers/feeds.js';
import { freePortRange } from '../helpers/ports.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';

const KEY = 'drone-7f3a9c2e41b8d605';

/** What a DJI app does: push H.264 over RTMP to live/<stream key>. */
function push(port: number, key: string): ChildProcess {
  return spawn('ffmpeg', [
    '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
    '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`,
  ], { stdio: 'ignore' });
}

const exitOf = (p: ChildProcess, ms: number) =>
  new Promise<number | string | null>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve(p.exitCode ?? p.signalCode);
    const timer = setTimeout(() => resolve('running'), ms);
    p.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });

describe('drone RTMP push with stream keys', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let viewer: Page;
  let rtmpPort: number;
  const pushers: ChildProcess[] = [];

  beforeAll(async () => {
    rtmpPort = await freePortRange(1);
    // One media worker: the drone's router and the room's share it, as on a one-core server.
    server = await startServer({ workers: 1, env: { RTMP_PORT: String(rtmpPort), RTMP_HOST: '127.0.0.1', FEED_RETRY_BASE_MS: '500', FEED_RETRY_MAX_S: '2' } });
    const token = await login(server.url, 'commander', 'commander123');
    const res = await createSource(server.url, token, { id: 'drone-1', name: '无人机 1', orgUnitId: 'city', kind: 'drone', ingest: 'rtmp', streamKey: KEY });
    expect(res.status).toBe(201);
    const listed = JSON.stringify(await listSources(server.url, token));
    expect(listed).not.toContain(KEY);
    chromium = await launchBrowser();
    viewer = await joinAs(chromium.browser, server.url, 'commander', 'commander123', 'city-consultation');
  });

  afterAll(async () => {
    for (const p of pushers) p.kill('SIGKILL');
    await chromium?.close();
    await server?.stop();
  });

  it('refuses a push with a wrong key', async () => {
    const wrong = push(rtmpPort, 'not-the-right-key-0000');
    pushers.push(wrong);
    const exit = await exitOf(wrong, 20_000);
    expect(exit).not.toBe('running');
    expect(exit).not.toBe(0);
  });

  it('takes a push with the right key, and viewers see it', async () => {
    const right = push(rtmpPort, KEY);
    pushers.push(right);
    await clickFeedButton(viewer, 'drone-1');
    await waitFeedFrames(viewer, 'drone-1', 25, 40_000);
    expect(right.exitCode).toBeNull();
    expect(server.logs.join('\n')).not.toContain(KEY);
  });
});
