/**
 * The forwarding ramp of the load benchmark: add viewers of a fixed set of publishers step by step and
 * measure, per step, loss at the viewers and the worker's CPU per forwarded packet.
 */
import { z } from 'zod';
import { CpuMeter } from './proc-stats.js';
import type { Vp8Clip } from './vp8-clip.js';

export const PUBLISHERS = 10;
const VIEWERS_PER_STEP = 5;
const MAX_VIEWERS = Number(process.env['LOAD_MAX_VIEWERS'] ?? 80);
const SETTLE_MS = 2000;
const MEASURE_MS = 5000;
export const LOSS_LIMIT_PCT = 0.5;
const JOIN_PARALLELISM = 4;

export const Step = z.object({
  consumers: z.number(),
  workerCores: z.number(),
  generatorCores: z.number(),
  lossPct: z.number(),
  /** Packets the viewers received per second over the window. */
  packetsPerSecond: z.number(),
  /** Worker CPU per forwarded packet: robust to a generator that falls behind now and then. */
  workerUsPerPacket: z.number(),
});
export type Step = z.infer<typeof Step>;

export const Ramp = z.object({
  steps: z.array(Step),
  streamsPerCore: z.number(),
  method: z.enum(['measured', 'extrapolated']),
});
export type Ramp = z.infer<typeof Ramp>;

export interface Viewer {
  resetStats(): void;
  stats(): { received: number; lost: number };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += JOIN_PARALLELISM) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(JOIN_PARALLELISM, count - i) }, (_, k) => make(i + k)))));
  }
  return out;
}

/** RTP packets a second of one stream of the clip. */
export function packetRate(clip: Vp8Clip): number {
  const packets = clip.frames.reduce((n, f) => n + f.payloads.length, 0);
  return (packets * clip.fps) / clip.frames.length;
}

/** One measuring window: loss over every viewer, worker and generator CPU. */
export async function measure(viewers: Viewer[], workerPids: number[], consumers: number): Promise<Step> {
  await sleep(SETTLE_MS);
  for (const v of viewers) v.resetStats();
  const worker = new CpuMeter(() => workerPids);
  const generator = new CpuMeter(() => [process.pid]);
  await Promise.all([worker.begin(), generator.begin()]);
  await sleep(MEASURE_MS);
  const [workerCores, generatorCores] = await Promise.all([worker.cores(), generator.cores()]);
  let received = 0;
  let lost = 0;
  for (const v of viewers) {
    const s = v.stats();
    received += s.received;
    lost += s.lost;
  }
  const packetsPerSecond = received / (MEASURE_MS / 1000);
  return {
    consumers,
    workerCores,
    generatorCores,
    lossPct: received + lost === 0 ? 100 : (100 * lost) / (received + lost),
    packetsPerSecond: Math.round(packetsPerSecond),
    workerUsPerPacket: packetsPerSecond === 0 ? 0 : Number(((workerCores * 1e6) / packetsPerSecond).toFixed(1)),
  };
}

/** Adds viewers until loss passes the limit, the worker saturates, or the generator runs out. */
export async function ramp(
  label: string,
  addViewers: (n: number) => Promise<Viewer[]>,
  consumers: () => number,
  workerPids: number[],
  streamPacketRate: number,
): Promise<Ramp> {
  const steps: Step[] = [];
  const viewers: Viewer[] = [];
  while (viewers.length < MAX_VIEWERS) {
    viewers.push(...(await addViewers(VIEWERS_PER_STEP)));
    const step = await measure(viewers, workerPids, consumers());
    steps.push(step);
    console.log(
      `${label}: ${step.consumers} streams, ${step.packetsPerSecond} packets/s, worker ${(step.workerCores * 100).toFixed(0)} % (${step.workerUsPerPacket} µs a packet), generator ${(step.generatorCores * 100).toFixed(0)} %, loss ${step.lossPct.toFixed(2)} %`,
    );
    if (step.lossPct >= LOSS_LIMIT_PCT || step.workerCores >= 0.95 || step.generatorCores >= 0.9) break;
  }
  const passing = steps.filter((s) => s.lossPct < LOSS_LIMIT_PCT);
  const best = passing.at(-1);
  if (!best) return { steps, streamsPerCore: 0, method: 'measured' };
  const saturated = best.workerCores >= 0.85 || passing.length < steps.length;
  return {
    steps,
    streamsPerCore: Math.round(saturated ? best.consumers : 1e6 / (best.workerUsPerPacket * streamPacketRate)),
    method: saturated ? 'measured' : 'extrapolated',
  };
}


/**
 * Streams per core for two ramps over the same loads: the worker's cost per packet falls as load rises
 * (fixed costs spread thinner), so each side's cost is averaged, packet-weighted, over the steps both
 * passed under the loss limit. A ramp that saturated its worker keeps its measured figure.
 */
export function compareAtCommonLoads(a: Ramp, b: Ramp, streamPacketRate: number): { a: number; b: number; steps: number[] } {
  const passed = (r: Ramp) => new Set(r.steps.filter((s) => s.lossPct < LOSS_LIMIT_PCT).map((s) => s.consumers));
  const inA = passed(a);
  const common = [...passed(b)].filter((c) => inA.has(c));
  const figure = (r: Ramp) => {
    if (r.method === 'measured') return r.streamsPerCore;
    const steps = r.steps.filter((s) => common.includes(s.consumers) && s.lossPct < LOSS_LIMIT_PCT);
    const cores = steps.reduce((n, s) => n + s.workerCores, 0);
    const packets = steps.reduce((n, s) => n + s.packetsPerSecond, 0);
    return cores === 0 ? 0 : Math.round(packets / cores / streamPacketRate);
  };
  return { a: figure(a), b: figure(b), steps: common };
}
