/**
 * join: login → first decoded remote frame, as a person experiences it. A publisher sits in the room;
 * each sample is a fresh browser context that opens a room link, submits the login form and waits
 * for the first frame of the publisher's video to be presented (requestVideoFrameCallback).
 * Both instants are taken inside the page (performance.now()), so driver overhead is excluded.
 */
import { joinAs, launchBrowser } from '../test/helpers/browser.js';
import { startServer } from '../test/helpers/server-process.js';
import { waitFor } from '../test/helpers/wait.js';
import { machine, summary, writeResult } from './stats.js';

const ROOM = 'city-consultation';

export async function benchJoin(samples = Number(process.env['BENCH_SAMPLES'] ?? 25)): Promise<void> {
  const server = await startServer();
  const chromium = await launchBrowser();
  try {
    await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const context = await chromium.browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 720 });
      await page.goto(`${server.url}/?room=${ROOM}`);
      await page.type('input[name=username]', 'county01');
      await page.type('input[name=password]', 'county123');
      await page.click('#login-form button[type=submit]');
      const ms = await waitFor(
        'first remote frame',
        () => page.evaluate(() => {
          const m = (window as unknown as { __diag: { marks: Record<string, number> } }).__diag.marks;
          return m['firstRemoteFrame'] !== undefined && m['loginSubmitted'] !== undefined ? m['firstRemoteFrame'] - m['loginSubmitted'] : undefined;
        }),
        15_000,
        20,
      );
      times.push(ms);
      const m = await page.evaluate(() => (window as unknown as { __diag: { marks: Record<string, number> } }).__diag.marks);
      const rel = (k: string) => Math.round((m[k] ?? NaN) - (m['loginSubmitted'] ?? 0));
      const steps = ['loggedIn', 'connected', 'localMedia', 'joined', 'deviceLoaded', 'transports', 'consumeReply', 'firstVideoConsumer', 'firstRemoteFrame'];
      process.stdout.write(`    ${steps.map((k) => `${k} ${rel(k)}`).join(' ')}\n`);
      await context.close();
      process.stdout.write(`  join ${i + 1}/${samples}: ${Math.round(ms)} ms\n`);
    }
    const result = { join_to_first_frame_ms: summary(times), machine: machine() };
    console.table({ 'login → first remote frame (ms)': result.join_to_first_frame_ms });
    console.log(`goal: p95 < 1000 ms on loopback — ${result.join_to_first_frame_ms.p95 < 1000 ? 'met' : 'NOT met'}`);
    console.log(`written: ${await writeResult('join', result)}`);
  } finally {
    await chromium.close();
    await server.stop();
  }
}
