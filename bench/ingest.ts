/**
 * ingest: camera feeds, measured end to end on this machine with the real pieces: GStreamer's RTSP
 * server as the camera, the server's ffmpeg and mediasoup, Debian's Chromium as the viewer.
 *
 * - added_latency_ms: the /clock camera writes the wall-clock time (ms) into each frame, as 32 blocks
 *   along its top edge, just before encoding it. In the browser, for each frame about to be shown
 *   (requestVideoFrameCallback) the page draws it onto a canvas, reads the blocks back and takes
 *   Date.now() minus that time. Camera and browser share this machine's clock, so no sync is needed.
 *   The figure includes the camera's own encode (x264 zerolatency) and RTSP send, the server's pull
 *   (passthrough) and forwarding, and the browser's jitter buffer and decode: camera-to-screen.
 * - first_frame_ms: from the Watch click (in the page) to the first decoded frame of that feed, with
 *   no pull running before (FEED_IDLE_STOP_S=0 stops it as soon as the feed is closed). The camera's
 *   encoder runs all along (one shared pipeline, held open by a bystander client, as a real camera's
 *   never stops), so a pull joins mid-GOP: with the 1 s GOP it waits 0-1 s for a key frame, as it
 *   would with a real camera. The codec probe result is kept between pulls, so only the first probes.
 * - cpu_pct_per_passthrough / _transcode: CPU time of the feed's ffmpeg process over a fixed window
 *   (utime+stime from /proc/PID/stat), as % of one core; the mediasoup workers' share is reported apart.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Page } from 'puppeteer-core';
import { joinAs, launchBrowser } from '../test/helpers/browser.js';
import { clickFeedButton, createSource, ffmpegChildren, listSources, waitFeedFrames } from '../test/helpers/feeds.js';
import { startRtspCamera } from '../test/helpers/rtsp-camera.js';
import { login, startServer } from '../test/helpers/server-process.js';
import { waitFor } from '../test/helpers/wait.js';
import { machine, summary, writeResult } from './stats.js';

const ROOM = 'city-consultation';
const CLK_TCK = 100;
const CPU_WINDOW_MS = 10_000;

export async function benchIngest(samples = Number(process.env['BENCH_SAMPLES'] ?? 15)): Promise<void> {
  const camera = await startRtspCamera(undefined, { shared: true });
  // Bystanders keep the camera's encoders running between our pulls.
  const bystanders = (['clock', 'h265'] as const).map((m) =>
    spawn('ffmpeg', ['-loglevel', 'quiet', '-rtsp_transport', 'tcp', '-i', camera.url(m), '-map', '0:v', '-c', 'copy', '-f', 'null', '-'], { stdio: 'ignore' }),
  );
  const server = await startServer({ env: { FEED_IDLE_STOP_S: '0' } });
  const chromium = await launchBrowser();
  try {
    const token = await login(server.url, 'commander', 'commander123');
    for (const [id, mount] of [['cam-clock', 'clock'], ['cam-h265', 'h265']] as const) {
      const res = await createSource(server.url, token, { id, name: id, orgUnitId: 'city', kind: 'cctv', ingest: 'rtsp', url: camera.url(mount) });
      if (res.status !== 201) throw new Error(`create ${id}: ${res.status}`);
    }
    const page = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    await waitFor('joined', () => page.evaluate(() => (window as unknown as { __diag: { state(): string } }).__diag.state() === 'online'), 20_000);

    const firstFrame: number[] = [];
    for (let i = 0; i < samples; i++) {
      await waitFor('no pull running', async () => (await ffmpegChildren(server.pid)).length === 0, 15_000, 50);
      const ms = await timeToFirstFrame(page, 'cam-clock');
      firstFrame.push(ms);
      process.stdout.write(`  first frame ${i + 1}/${samples}: ${Math.round(ms)} ms\n`);
      await clickFeedButton(page, 'cam-clock');
      await waitFor('feed gone', async () => (await page.$('[data-peer="feed-cam-clock"]')) === null, 10_000);
    }

    await clickFeedButton(page, 'cam-clock');
    await waitFeedFrames(page, 'cam-clock', 50, 30_000);
    const latency = await frameLatencies(page, 'feed-cam-clock', 250);
    process.stdout.write(`  latency: ${latency.length} frames read\n`);
    const passthrough = await cpuOfFeed(server.pid, token, server.url, 'cam-clock');
    await clickFeedButton(page, 'cam-clock');

    await waitFor('no pull running', async () => (await ffmpegChildren(server.pid)).length === 0, 15_000, 50);
    await clickFeedButton(page, 'cam-h265');
    await waitFeedFrames(page, 'cam-h265', 50, 30_000);
    const transcode = await cpuOfFeed(server.pid, token, server.url, 'cam-h265');

    const result = {
      added_latency_ms: summary(latency),
      first_frame_ms: summary(firstFrame),
      cpu_pct_per_passthrough: passthrough.ffmpeg,
      cpu_pct_per_transcode: transcode.ffmpeg,
      cpu_pct_media_workers: { passthrough: passthrough.workers, transcode: transcode.workers },
      stream: '640x360 25 fps H.264 High (passthrough) / H.265 Main → H.264 baseline (transcode), camera GOP 1 s',
      latency_method: 'wall-clock ms drawn into each frame by the camera, read back from the canvas at requestVideoFrameCallback; Date.now() minus it',
      machine: machine(),
    };
    console.table({
      'camera → screen (ms)': result.added_latency_ms,
      'Watch → first frame (ms)': result.first_frame_ms,
    });
    console.table({ 'CPU % of one core': { passthrough: passthrough.ffmpeg, transcode: transcode.ffmpeg, 'workers (passthrough)': passthrough.workers } });
    const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(`goals: latency p95 < 300 ms ${goal(result.added_latency_ms.p95 < 300)}; first frame p95 < 2000 ms ${goal(result.first_frame_ms.p95 < 2000)}; passthrough < 2 % ${goal(passthrough.ffmpeg < 2)}`);
    console.log(`written: ${await writeResult('ingest', result)}`);
  } finally {
    await chromium.close();
    await server.stop();
    for (const b of bystanders) b.kill('SIGKILL');
    await camera.kill();
  }
}

/** Clicks Watch inside the page and polls its receive stats there, so the driver's round trips do not count. */
function timeToFirstFrame(page: Page, sourceId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const diag = (window as unknown as { __diag: { stats(): Promise<{ name: string; framesDecoded: number }[]> } }).__diag;
    const t0 = performance.now();
    (document.querySelector(`[data-feed="${id}"] button.watch`) as HTMLButtonElement).click();
    for (;;) {
      const row = (await diag.stats()).find((s) => s.name === `feed:${id}`);
      if (row && row.framesDecoded > 0) return performance.now() - t0;
      if (performance.now() - t0 > 20_000) throw new Error('no frame in 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  }, sourceId);
}

/** Reads the camera's time out of `count` presented frames and returns now − that, per frame. */
function frameLatencies(page: Page, peerId: string, count: number): Promise<number[]> {
  return page.evaluate(
    (pid, n) =>
      new Promise<number[]>((resolve, reject) => {
        const video = document.querySelector(`[data-peer="${pid}"] video`) as HTMLVideoElement | null;
        if (!video) return reject(new Error('no feed video'));
        const canvas = document.createElement('canvas');
        canvas.width = 640;
        canvas.height = 40;
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        const out: number[] = [];
        const onFrame = () => {
          const now = Date.now();
          ctx.drawImage(video, 0, 0, video.videoWidth, 40, 0, 0, 640, 40);
          const pixels = ctx.getImageData(0, 0, 640, 40).data;
          let stamp = 0;
          for (let bit = 0; bit < 32; bit++) {
            const x = bit * 20 + 10;
            const lum = pixels[(20 * 640 + x) * 4]!;
            stamp = stamp * 2 + (lum > 128 ? 1 : 0);
          }
          const delay = (now % 2 ** 31) - stamp;
          if (delay >= 0 && delay < 10_000) out.push(delay);
          if (out.length >= n) resolve(out);
          else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
        setTimeout(() => reject(new Error(`only ${out.length} frames read`)), 60_000);
      }),
    peerId,
    count,
  );
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function childPids(parent: number, name: string): Promise<number[]> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('pgrep', ['-P', String(parent), '-x', name], (_err, stdout) => resolve(stdout.split('\n').filter(Boolean).map(Number)));
  });
}

/** % of one core used by the feed's ffmpeg, and by all media workers together, over CPU_WINDOW_MS. */
async function cpuOfFeed(serverPid: number, token: string, url: string, sourceId: string): Promise<{ ffmpeg: number; workers: number }> {
  await waitFor('live', async () => (await listSources(url, token)).find((s) => s.id === sourceId)?.feed.state === 'live', 20_000);
  const [ffmpegPid] = await ffmpegChildren(serverPid);
  if (!ffmpegPid) throw new Error('no ffmpeg');
  const workers = await childPids(serverPid, 'mediasoup-worke');
  const sum = async (pids: number[]) => (await Promise.all(pids.map(cpuTicks))).reduce((a, b) => a + b, 0);
  const [f0, w0, t0] = [await cpuTicks(ffmpegPid), await sum(workers), Date.now()];
  await new Promise((r) => setTimeout(r, CPU_WINDOW_MS));
  const [f1, w1, t1] = [await cpuTicks(ffmpegPid), await sum(workers), Date.now()];
  const pct = (ticks: number) => Math.round(((ticks / CLK_TCK) * 1000 * 100 * 100) / (t1 - t0)) / 100;
  return { ffmpeg: pct(f1 - f0), workers: pct(w1 - w0) };
}
