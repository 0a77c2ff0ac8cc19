/**
 * ptt: push-to-talk figures beside the 3GPP TS 22.179 MCPTT KPIs, on the real server and Chromium.
 * - access: Space pressed → "granted" seen by the same page (floor idle), both instants taken in the page.
 * - mouth-to-ear: the talker's page sends a generated 1 kHz tone instead of its microphone and notes
 *   when each burst starts; the listener's page notes when sound arrives on the received track. Both
 *   use the same analyser polling, and wall clocks (performance.timeOrigin + now) of one machine.
 * - late entry: a member already logged in (room list shown) clicks Enter while someone talks →
 *   first sound of the talker in that page.
 */
import os from 'node:os';
import type { Page } from 'puppeteer-core';
import { joinAs, launchBrowser } from '../test/helpers/browser.js';
import { startServer } from '../test/helpers/server-process.js';
import { waitFor } from '../test/helpers/wait.js';
import { machine, summary, writeResult } from './stats.js';

const ROOM = 'tg-city';
const KPI = { access: 300, mouthToEar: 300, lateEntry: 350 };
const GOAL = { access: 50, mouthToEar: 150, lateEntry: 350 };

type Diag = {
  marks: Record<string, number>;
  state(): string;
  ptt(): { status: string; holder: unknown; log: { at: number; status: string }[] } | null;
  probe: {
    useToneAsMic(): Promise<void>;
    toneBurst(ms: number): void;
    sentOnsets(): number[];
    listen(): void;
    heardOnsets(): number[];
    wall(perfMs: number): number;
  };
};
const diag = <T>(page: Page, fn: (d: Diag, arg: number) => T | Promise<T>, arg = 0): Promise<T> =>
  page.evaluate((f, a) => new Function('d', 'a', `return (${f})(d, a)`)((window as unknown as { __diag: Diag }).__diag, a), fn.toString(), arg) as Promise<T>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchPtt(samples = Number(process.env['BENCH_SAMPLES'] ?? 30)): Promise<void> {
  // Long bursts: the talker holds the floor through a whole series.
  const loadBefore = os.loadavg()[0]!;
  const server = await startServer({ env: { PTT_MAX_BURST_S: '3600' } });
  const chromium = await launchBrowser();
  try {
    const talker = await joinAs(chromium.browser, server.url, 'field01', 'field123', ROOM);
    const listener = await joinAs(chromium.browser, server.url, 'field02', 'field123', ROOM);
    for (const page of [talker, listener]) await waitFor('online', () => diag(page, (d) => d.state() === 'online'), 15_000);

    // Access time: press on an idle floor → grant seen.
    const access: number[] = [];
    for (let i = 0; i < samples; i++) {
      await talker.keyboard.down('Space');
      const ms = await waitFor('granted', () => diag(talker, (d) => {
        const log = d.ptt()!.log;
        const press = log.filter((e) => e.status === 'requesting').at(-1);
        const grant = log.filter((e) => e.status === 'granted').at(-1);
        return press && grant && grant.at >= press.at ? grant.at - press.at : undefined;
      }), 5_000, 5);
      access.push(ms);
      await talker.keyboard.up('Space');
      await waitFor('floor idle', () => diag(listener, (d) => d.ptt()!.holder === null), 5_000, 5);
      await sleep(100);
    }
    process.stdout.write(`  access: ${access.map(Math.round).join(' ')}\n`);

    // Mouth-to-ear: tone bursts from the talker, who holds the floor.
    await diag(talker, (d) => d.probe.useToneAsMic());
    await talker.keyboard.down('Space');
    await waitFor('granted', () => diag(talker, (d) => d.ptt()!.status === 'granted'), 5_000);
    await diag(listener, (d) => d.probe.listen());
    await sleep(1000);
    for (let i = 0; i < samples + 2; i++) {
      await diag(talker, (d, ms) => d.probe.toneBurst(ms), 200);
      await sleep(600);
    }
    await sleep(500);
    const sent = await diag(talker, (d) => d.probe.sentOnsets());
    const heard = await diag(listener, (d) => d.probe.heardOnsets());
    const mouthToEar = sent
      .map((s) => (heard.find((h) => h >= s && h - s < 500) ?? NaN) - s)
      .filter((v) => Number.isFinite(v))
      .slice(2); // the first bursts also wake the encoder and jitter buffer from silence
    process.stdout.write(`  mouth-to-ear: ${mouthToEar.map(Math.round).join(' ')} (sent ${sent.length}, heard ${heard.length})\n`);
    if (process.env['BENCH_DEBUG']) process.stdout.write(`  sent ${sent.map((s) => Math.round(s - sent[0]!)).join(' ')}\n  heard ${heard.map((h) => Math.round(h - sent[0]!)).join(' ')}\n`);

    // Late entry: the talker keeps talking; a logged-in member enters the talk group.
    await diag(talker, (d) => d.probe.toneBurst(3_600_000));
    const lateEntry: number[] = [];
    for (let i = 0; i < Math.min(samples, 20); i++) {
      const context = await chromium.browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 720 });
      await page.goto(server.url);
      await page.type('input[name=username]', 'field03');
      await page.type('input[name=password]', 'field123');
      await page.click('#login-form button[type=submit]');
      const enter = `[data-room="${ROOM}"] button`;
      await page.waitForSelector(enter, { timeout: 10_000 });
      await sleep(500); // the device loads while the list shows, as for a person reading it
      await diag(page, (d) => d.probe.listen());
      await page.click(enter);
      const ms = await waitFor('talker heard', () => diag(page, (d) => {
        const first = d.probe.heardOnsets()[0];
        const entered = d.marks['enterRoom'];
        return first !== undefined && entered !== undefined ? first - d.probe.wall(entered) : undefined;
      }), 10_000, 10);
      lateEntry.push(ms);
      const m = await diag(page, (d) => d.marks);
      const steps = ['joinSent', 'joined', 'deviceLoaded', 'transports', 'firstAudioConsumer', 'firstAudioResumed'];
      process.stdout.write(`    ${steps.map((k) => `${k} ${Math.round((m[k] ?? NaN) - (m['enterRoom'] ?? 0))}`).join(' ')}\n`);
      await context.close();
      process.stdout.write(`  late entry ${i + 1}: ${Math.round(ms)} ms\n`);
    }
    await talker.keyboard.up('Space');

    const result = {
      access_ms: summary(access),
      mouth_to_ear_ms: summary(mouthToEar),
      late_entry_ms: summary(lateEntry),
      machine: machine(),
      // These figures swing with CPU contention on a small machine: say how busy it was.
      load_average_1m: { start: Number(loadBefore.toFixed(1)), end: Number(os.loadavg()[0]!.toFixed(1)) },
    };
    const row = (name: string, s: { p50: number; p95: number; n: number }, kpi: number, goal: number) => ({
      'p50 ms': s.p50, 'p95 ms': s.p95, n: s.n, '3GPP KPI (ms)': `< ${kpi}`, 'goal p95 (ms)': `< ${goal}`,
      met: s.p95 < goal && s.p95 < kpi ? 'yes' : 'NO',
    });
    console.table({
      'access (KPI 1)': row('access', result.access_ms, KPI.access, GOAL.access),
      'mouth-to-ear (KPI 3)': row('m2e', result.mouth_to_ear_ms, KPI.mouthToEar, GOAL.mouthToEar),
      'late call entry (KPI 4)': row('late', result.late_entry_ms, KPI.lateEntry, GOAL.lateEntry),
    });
    console.log(`written: ${await writeResult('ptt', result)}`);
  } finally {
    await chromium.close();
    await server.stop();
  }
}
