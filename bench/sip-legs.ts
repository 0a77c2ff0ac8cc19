/**
 * sip-legs: how many SIP legs one core mixes without audio gaps.
 *
 * Set-up, all real: one mediasoup worker and room router; one RoomAudioMixer in this process (the
 * "server side"); one room participant (ffmpeg sending an Opus tone into a PlainTransport producer,
 * consumed and decoded by the mixer like a browser's microphone); N PCMU legs. A child Node process
 * (sip-legs-peers.ts) plays the N SIP peers: each sends a G.711 tone every 20 ms to its leg and times
 * the packets coming back. So every leg's voice is decoded, encoded to Opus into the router, and
 * mixed into the other N-1 legs' mix-minus, which is encoded to G.711 and sent every 20 ms.
 *
 * For N in a ramp (10, 20, 40, 60, ...): warm up, then over a fixed window
 * - a leg has a gap when two of its packets arrive more than GAP_MS (60 ms) apart (or it stops),
 *   and the step has gaps when the mixer skipped a tick;
 * - CPU is the server side's: this process (process.cpuUsage: main thread, GC and libuv threads) plus
 *   the mediasoup worker (/proc utime+stime), as a fraction of one core over the window. The peers'
 *   process and ffmpeg are not counted.
 * The ramp stops at the first N with a gap in both of its two tries (ATTEMPTS).
 *
 * Definition: max_gap_free_legs = the largest N of the ramp with no gap on any leg and no skipped tick;
 * cpu_fraction = server-side CPU at that N, in cores, capped at 1;
 * legs_per_core = max_gap_free_legs / cpu_fraction, rounded down. That extrapolates linearly to a
 * fully used core when the ramp ended (or ran out) below it; the mixer is one Node thread, so one
 * core is also the most one room's mixer can use. On a machine shared with other work, gaps caused
 * by others' load count against us (the figure errs low, not high).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { supportedSipCodecs } from '../media/sip-audio/codecs.js';
import { createSipAudioMetrics } from '../media/sip-audio/metrics.js';
import { RoomAudioMixer } from '../media/sip-audio/room-audio-mixer.js';
import type { SipAudioLeg } from '../media/sip-audio/sip-audio-leg.js';
import { ffmpegToneProducer, quietLogger, startMedia } from '../test/helpers/sip-audio.js';
import { type FromPeersMessage, GAP_MS, type ToPeersMessage, fromPeersMessage } from './sip-legs-protocol.js';

export interface LegsPerCoreOptions {
  steps?: number[];
  warmupMs?: number;
  windowMs?: number;
  /** Progress lines (default: stdout). */
  log?: (line: string) => void;
}

export interface LegsStep {
  legs: number;
  /** 1, or 2 when the first try at this N had a gap (see ATTEMPTS). */
  attempt: number;
  legsWithGaps: number;
  maxGapMs: number;
  skippedTicks: number;
  /** Mixer ticks that ran more than 20 ms late (the mixer process was held up: ours or the machine's). */
  mixerTicksLate20ms: number;
  /** Server-side CPU in cores (this process + mediasoup worker) over the window. */
  cpu: number;
  cpuMixerProcess: number;
  cpuMediaWorker: number;
  /** How late the peers' own sender timer ran (ms): a large value means the peers, not the mixer, were starved. */
  peersMaxLateMs: number;
  /** Linux CPU pressure at the end of the window (% of the last 10 s some task waited for a CPU), or null. */
  cpuPressurePct: number | null;
}

export interface LegsPerCoreResult {
  legs_per_core: number;
  max_gap_free_legs: number;
  cpu_fraction_at_max: number;
  codec: string;
  gap_ms: number;
  window_ms: number;
  /** The machine's 1-minute load average at the start and the end: on a shared machine, what else ran. */
  load_average_1m: [number, number];
  steps: LegsStep[];
}

const CLK_TCK = 100;
/**
 * Tries per N. A capacity limit fails every time; a one-off stall of the whole (shared) machine fails
 * once. A step counts as gap-free when one of its tries was; both tries are in the result.
 */
const ATTEMPTS = 2;
const gapFree = (s: LegsStep): boolean => s.legsWithGaps === 0 && s.skippedTicks === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procCpuSeconds(pid: number): number {
  // /proc/PID/stat: fields after the parenthesised name; utime and stime are the 14th and 15th fields.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function cpuPressure(): number | null {
  try {
    const some = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return some ? Number(some[1]) : null;
  } catch {
    return null;
  }
}

function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The peers' child process, spoken to with validated messages. */
class Peers {
  readonly #child: ChildProcess;
  #waiting: ((m: FromPeersMessage) => void) | undefined;

  constructor() {
    this.#child = fork(new URL('./sip-legs-peers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (raw) => {
      const parsed = fromPeersMessage.safeParse(raw);
      if (parsed.success) this.#waiting?.(parsed.data);
      else process.stderr.write(`sip-legs: ignoring a bad message from the peers process: ${parsed.error.message}\n`);
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  send(m: ToPeersMessage): void {
    this.#child.send(m);
  }

  request<T extends FromPeersMessage['type']>(m: ToPeersMessage, type: T): Promise<Extract<FromPeersMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sip-legs peers: no ${type} reply`)), 30_000);
      this.#waiting = (reply) => {
        if (reply.type !== type) return;
        clearTimeout(timer);
        this.#waiting = undefined;
        resolve(reply as Extract<FromPeersMessage, { type: T }>);
      };
      this.send(m);
    });
  }

  close(): void {
    this.#child.kill();
  }
}

export async function measureLegsPerCore(opts: LegsPerCoreOptions = {}): Promise<LegsPerCoreResult> {
  const steps = opts.steps ?? [10, 20, 40, 60, 80, 100, 130, 160, 200];
  const warmupMs = opts.warmupMs ?? 1500;
  const windowMs = opts.windowMs ?? 5000;
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const codec = supportedSipCodecs.find((c) => c.name === 'PCMU')!;
  const loadAtStart = os.loadavg()[0]!;
  const media = await startMedia();
  const metrics = createSipAudioMetrics();
  const mixer = await RoomAudioMixer.create(media.router, { logger: quietLogger, metrics });
  const browser = await ffmpegToneProducer(media.router, 'browser', 440, 600);
  await mixer.addSource(browser.producer);
  const peers = new Peers();
  const workerPid = media.pool.workers()[0]!.worker.pid;
  const results: LegsStep[] = [];
  try {
    const runStep = async (n: number, attempt: number): Promise<LegsStep> => {
      const { ports } = await peers.request({ type: 'open', count: n }, 'opened');
      const legs: SipAudioLeg[] = [];
      for (let i = 0; i < n; i++) {
        const leg = await mixer.addLeg({ participantId: `sip-${i}`, codec, rtpIp: '127.0.0.1', rtpTimeoutMs: null });
        leg.setRemote('127.0.0.1', ports[i]!);
        legs.push(leg);
      }
      peers.send({ type: 'start', legPorts: legs.map((l) => l.rtpPort), payloadType: codec.payloadType });
      await sleep(warmupMs);
      peers.send({ type: 'measure' });
      const skipped0 = (await metrics.ticksSkipped.get()).values[0]?.value ?? 0;
      const late0 = await ticksLaterThan20ms(metrics);
      const t0 = performance.now();
      const own0 = processCpuSeconds();
      const worker0 = procCpuSeconds(workerPid);
      await sleep(windowMs);
      const wall = (performance.now() - t0) / 1000;
      const cpuMixerProcess = (processCpuSeconds() - own0) / wall;
      const cpuMediaWorker = (procCpuSeconds(workerPid) - worker0) / wall;
      const skippedTicks = ((await metrics.ticksSkipped.get()).values[0]?.value ?? 0) - skipped0;
      const mixerTicksLate20ms = (await ticksLaterThan20ms(metrics)) - late0;
      const report = await peers.request({ type: 'stop' }, 'report');
      for (const leg of legs) leg.close();
      const step: LegsStep = {
        legs: n,
        attempt,
        legsWithGaps: report.legs.filter((l) => l.gaps > 0).length,
        maxGapMs: Math.round(Math.max(...report.legs.map((l) => l.maxGapMs)) * 10) / 10,
        skippedTicks,
        mixerTicksLate20ms,
        cpu: round3(cpuMixerProcess + cpuMediaWorker),
        cpuMixerProcess: round3(cpuMixerProcess),
        cpuMediaWorker: round3(cpuMediaWorker),
        peersMaxLateMs: Math.round(report.senderMaxLateMs * 10) / 10,
        cpuPressurePct: cpuPressure(),
      };
      log(`  ${n} legs (try ${attempt}): ${step.legsWithGaps} with gaps (max ${step.maxGapMs} ms), ${skippedTicks} ticks skipped, ${mixerTicksLate20ms} > 20 ms late, peers' timer late up to ${step.peersMaxLateMs} ms, CPU pressure ${step.cpuPressurePct ?? '?'}%, CPU ${step.cpuMixerProcess} + worker ${step.cpuMediaWorker} cores`);
      await sleep(300);
      return step;
    };
    ramp: for (const n of steps) {
      for (let attempt = 1; ; attempt++) {
        const step = await runStep(n, attempt);
        results.push(step);
        if (gapFree(step)) break;
        if (attempt >= ATTEMPTS) break ramp;
      }
    }
  } finally {
    peers.close();
    mixer.close();
    browser.stop();
    media.close();
  }
  const best = [...results].reverse().find(gapFree);
  const cpu = best ? Math.min(1, best.cpu) : 1;
  return {
    legs_per_core: best ? Math.floor(best.legs / cpu) : 0,
    max_gap_free_legs: best?.legs ?? 0,
    cpu_fraction_at_max: best ? round3(cpu) : 0,
    codec: 'PCMU 20 ms, mix-minus of every leg and one Opus room participant',
    gap_ms: GAP_MS,
    window_ms: windowMs,
    load_average_1m: [round3(loadAtStart), round3(os.loadavg()[0]!)],
    steps: results,
  };
}

async function ticksLaterThan20ms(metrics: ReturnType<typeof createSipAudioMetrics>): Promise<number> {
  const { values } = await metrics.tickLateness.get();
  const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const within = values.find((v) => v.metricName?.endsWith('_bucket') && v.labels['le'] === 0.02)?.value ?? 0;
  return count - within;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
