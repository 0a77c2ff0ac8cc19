/**
 * sip: SIP gateway audio latency on loopback, real server, real Kamailio, real Chromium.
 * - A SIP "phone" is SIPp for the signalling (its SDP points at a UDP socket of this process, so SIPp
 *   itself sends no media) and this process for the RTP: PCMA frames every 20 ms, silence with 1 kHz
 *   bursts whose first packet's send time is noted (Date.now()).
 * - sip_to_browser: burst sent → onset heard in a Chromium member (tone-probe listen(), its wall clock).
 * - browser_to_sip: the member's page sends 1 kHz bursts instead of its microphone (tone-probe) → first
 *   loud PCMA frame arriving at this process's socket. Same machine, same clock for both ends.
 * legs_per_core comes from bench/sip-legs.ts (the mixer's own benchmark), run after the latency part.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import alawmulaw from 'alawmulaw';
import type { Page } from 'puppeteer-core';
import { buildRtp, parseRtp } from '../media/sip-audio/rtp-packet.js';
import { joinAs, launchBrowser } from '../test/helpers/browser.js';
import { freePortRange } from '../test/helpers/ports.js';
import { login, startServer } from '../test/helpers/server-process.js';
import { runScenario } from '../test/helpers/sipp.js';
import { waitFor } from '../test/helpers/wait.js';
import { measureLegsPerCore } from './sip-legs.js';
import { machine, summary, writeResult } from './stats.js';

const ROOM = 'city-consultation';
const PHONE_IP = '127.0.0.2';
const GOAL_P95_MS = 200;
const BURST_MS = 300;
const PERIOD_MS = 1200;

type Probe = { useToneAsMic(): Promise<void>; toneBurst(ms: number): void; sentOnsets(): number[]; listen(): void; heardOnsets(): number[]; wall(perfMs: number): number };
type Diag = { state(): string; probe: Probe };
const diag = <T>(page: Page, fn: (d: Diag, arg: number) => T | Promise<T>, arg = 0): Promise<T> =>
  page.evaluate((f, a) => new Function('d', 'a', `return (${f})(d, a)`)((window as unknown as { __diag: Diag }).__diag, a), fn.toString(), arg) as Promise<T>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIPp places the call with an SDP naming our socket, holds it for holdMs, then hangs up. */
function signallingOnly(mediaPort: number, holdMs: number): string {
  const common = `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]b[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      Contact: <sip:bench@[local_ip]:[local_port]>
      Max-Forwards: 70`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="signalling only">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${common}
      CSeq: 1 INVITE
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 1 1 IN IP4 ${PHONE_IP}
      s=-
      c=IN IP4 ${PHONE_IP}
      t=0 0
      m=audio ${mediaPort} RTP/AVP 8
      a=rtpmap:8 PCMA/8000
      a=ptime:20
    ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      [routes]
      ${common}
      CSeq: 1 ACK
      Content-Length: 0
    ]]></send>
  <pause milliseconds="${holdMs}"/>
  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      [routes]
      ${common}
      CSeq: 2 BYE
      Content-Length: 0
    ]]></send>
  <recv response="200"/>
</scenario>`;
}

/** 20 ms of 1 kHz tone (or silence) in A-law. */
function frame(index: number, loud: boolean): Uint8Array {
  const pcm = new Int16Array(160);
  if (loud) for (let i = 0; i < 160; i++) pcm[i] = Math.round(12000 * Math.sin((2 * Math.PI * 1000 * (index * 160 + i)) / 8000));
  return alawmulaw.alaw.encode(pcm);
}

function rms(payload: Buffer): number {
  const pcm = alawmulaw.alaw.decode(payload);
  let sum = 0;
  for (const v of pcm) sum += v * v;
  return Math.sqrt(sum / Math.max(1, pcm.length)) / 32768;
}

/** The mixer's own capacity benchmark (bench/sip-legs.ts): concurrent legs one core mixes with no gap. */
async function legsPerCore(): Promise<number | null> {
  if (process.env['BENCH_SIP_SKIP_LEGS']) return null;
  return (await measureLegsPerCore()).legs_per_core;
}

export async function benchSip(samples = Number(process.env['BENCH_SAMPLES'] ?? 20)): Promise<void> {
  const base = await freePortRange(3);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-sip-'));
  const settings = path.join(dir, 'sip.json');
  await writeFile(settings, JSON.stringify({ numbers: { 1001: ROOM }, trunks: [{ name: 'bench', address: PHONE_IP, kind: 'satellite' }] }));
  const loadBefore = os.loadavg()[0]!;
  const server = await startServer({
    env: { SIP_ENABLED: 'true', SIP_HOST: '127.0.0.1', SIP_PORT: String(base), SIP_WS_PORT: String(base + 1), SIP_TLS_PORT: String(base + 2), SIP_CONFIG: settings, SIP_RTP_IP: '127.0.0.1' },
  });
  const chromium = await launchBrowser();
  const socket = createSocket('udp4');
  const holdMs = (samples + 4) * PERIOD_MS * 2 + 10_000;
  const abort = new AbortController();
  try {
    await login(server.url, 'commander', 'commander123');
    const page = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    await waitFor('online', () => diag(page, (d) => d.state() === 'online'), 20_000);
    await diag(page, (d) => d.probe.useToneAsMic());
    await diag(page, (d) => d.probe.listen());

    let leg: RemoteInfo | undefined;
    const arrivals: { at: number; level: number }[] = [];
    socket.on('message', (msg, from) => {
      const rtp = parseRtp(msg);
      if (!rtp || rtp.payloadType !== 8) return;
      leg ??= from;
      arrivals.push({ at: Date.now(), level: rms(rtp.payload) });
    });
    await new Promise<void>((r) => socket.bind(0, PHONE_IP, r));
    const messages = path.join(dir, 'messages.log');
    const call = runScenario(signallingOnly(socket.address().port, holdMs), {
      proxy: `127.0.0.1:${base}`, service: '1001', localIp: PHONE_IP, timeoutS: Math.ceil(holdMs / 1000) + 30, signal: abort.signal, messageFile: messages,
    });
    // The leg's RTP port is in the 200 OK's SDP, which SIPp logs.
    const legPort = await waitFor('answer SDP', async () => {
      const text = await readFile(messages, 'utf8').catch(() => '');
      const m = /SIP\/2\.0 200[\s\S]*?m=audio (\d+)/.exec(text);
      return m ? Number(m[1]) : undefined;
    }, 15_000);

    // The phone's sender: a frame every 20 ms, paced against the clock, with bursts on demand.
    let seq = 0;
    let burstUntil = 0;
    const sentOnsets: number[] = [];
    const started = performance.now();
    let n = 0;
    let sending = true;
    const tick = () => {
      if (!sending) return;
      const now = Date.now();
      const loud = now < burstUntil;
      socket.send(buildRtp({ payloadType: 8, marker: false, sequenceNumber: seq++ & 0xffff, timestamp: (n * 160) >>> 0, ssrc: 0x5151, payload: frame(n, loud) }), leg?.port ?? legPort, '127.0.0.1');
      n++;
      setTimeout(tick, Math.max(0, started + n * 20 - performance.now()));
    };
    tick();
    await sleep(3000); // jitter buffers settle on silence first

    // SIP → browser.
    for (let i = 0; i < samples + 2; i++) {
      burstUntil = Date.now() + BURST_MS;
      sentOnsets.push(Date.now());
      await sleep(PERIOD_MS);
    }
    const heard = await diag(page, (d) => d.probe.heardOnsets());
    const sipToBrowser = sentOnsets
      .map((s) => (heard.find((h) => h >= s && h - s < 1000) ?? NaN) - s)
      .filter(Number.isFinite)
      .slice(2);
    process.stdout.write(`  sip→browser: ${sipToBrowser.map(Math.round).join(' ')} (sent ${sentOnsets.length}, heard ${heard.length})\n`);
    if (process.env['BENCH_DEBUG']) process.stdout.write(`  sent ${sentOnsets.map((x) => x - sentOnsets[0]!).join(' ')}\n  heard ${heard.map((x) => Math.round(x - sentOnsets[0]!)).join(' ')}\n`);

    // Browser → SIP (the phone stays silent).
    await sleep(1500);
    const fromIndex = arrivals.length;
    for (let i = 0; i < samples + 2; i++) {
      await diag(page, (d, ms) => d.probe.toneBurst(ms), BURST_MS);
      await sleep(PERIOD_MS);
    }
    await sleep(500);
    const browserSent = await diag(page, (d) => d.probe.sentOnsets());
    const heardAtPhone: number[] = [];
    let quietSince = 0;
    for (const a of arrivals.slice(fromIndex)) {
      if (a.level > 0.02) {
        if (a.at - quietSince > 200) heardAtPhone.push(a.at);
        quietSince = a.at;
      }
    }
    const recent = browserSent.slice(-(samples + 2));
    const browserToSip = recent
      .map((s) => (heardAtPhone.find((h) => h >= s && h - s < 1000) ?? NaN) - s)
      .filter(Number.isFinite)
      .slice(2);
    process.stdout.write(`  browser→sip: ${browserToSip.map(Math.round).join(' ')} (sent ${recent.length}, heard ${heardAtPhone.length})\n`);
    if (process.env['BENCH_DEBUG']) process.stdout.write(`  sent ${recent.map((x) => Math.round(x - recent[0]!)).join(' ')}\n  heard ${heardAtPhone.map((x) => Math.round(x - recent[0]!)).join(' ')}\n`);
    sending = false;
    abort.abort();
    await call;

    const result = {
      sip_to_browser_ms: summary(sipToBrowser),
      browser_to_sip_ms: summary(browserToSip),
      legs_per_core: await legsPerCore(),
      machine: machine(),
      load_average_1m: { start: Number(loadBefore.toFixed(1)), end: Number(os.loadavg()[0]!.toFixed(1)) },
    };
    console.table({
      'SIP → browser': { 'p50 ms': result.sip_to_browser_ms.p50, 'p95 ms': result.sip_to_browser_ms.p95, n: result.sip_to_browser_ms.n, 'goal p95': `< ${GOAL_P95_MS}`, met: result.sip_to_browser_ms.p95 < GOAL_P95_MS ? 'yes' : 'NO' },
      'browser → SIP': { 'p50 ms': result.browser_to_sip_ms.p50, 'p95 ms': result.browser_to_sip_ms.p95, n: result.browser_to_sip_ms.n, 'goal p95': `< ${GOAL_P95_MS}`, met: result.browser_to_sip_ms.p95 < GOAL_P95_MS ? 'yes' : 'NO' },
    });
    console.log(`legs per core: ${result.legs_per_core ?? 'n/a'} (goal ≥ 50)`);
    console.log(`written: ${await writeResult('sip', result)}`);
  } finally {
    abort.abort();
    socket.close();
    await chromium.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
