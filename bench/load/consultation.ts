/**
 * The consultation room of the load benchmark: every endpoint publishes video and a microphone, and
 * receives what the consultation layout shows it (the city 16 tiles, each county 9, each township the
 * city's spotlight) plus the audio of the last-N speakers. Endpoints are dealt round-robin over the
 * nodes given (one node, or a cluster sharing Redis); CPU, memory, consumers, loss and join time are
 * measured per node, the generator's own CPU apart.
 */
import { login, mediaOverview, type RunningServer } from '../../test/helpers/server-process.js';
import { waitFor } from '../../test/helpers/wait.js';
import { consultationPageSize } from '../../web-client/src/ui/consultation-layout.js';
import { percentile } from '../stats.js';
import { AudioPacer } from './audio-pacer.js';
import { LiteEndpoint } from './lite-endpoint.js';
import type { LiteCertificate } from './lite-transport.js';
import { makeOpusClip } from './opus-clip.js';
import { Pacer } from './pacer.js';
import { CpuMeter, rssMb } from './proc-stats.js';
import { inBatches, sleep } from './ramp.js';
import type { Vp8Clip } from './vp8-clip.js';

export const CONSULTATION_ROOM = 'city-consultation';
/** Speakers each endpoint hears at once (the server's LAST_N_AUDIO default). */
export const LAST_N = Number(process.env['LAST_N_AUDIO'] ?? 6);
const SETTLE_MS = 3000;
const MEASURE_MS = 6000;

export interface NodeUnderTest {
  name: string;
  server: RunningServer;
  /** The node process and its mediasoup workers. */
  pids: number[];
}

export interface NodeFigures {
  node: string;
  endpoints: number;
  cpu_cores: number;
  rss_mb: number;
  mem_mb_per_endpoint: number;
  consumers: number;
  loss_pct: number;
  join_p95_ms: number;
}

export interface ConsultationRun {
  endpoints: number;
  nodes: NodeFigures[];
  /** Over all nodes. */
  cpuCores: number;
  lossPct: number;
  /** Packets the endpoints received per second, video and audio: what the server forwarded. */
  packetsPerSecond: number;
  joinMs: number[];
  memPerEndpointMb: number;
  /** Consumers the layout asks for (viewers' video and audio), summed over endpoints. */
  layoutConsumers: number;
  generatorCores: number;
  lateFrames: number;
}

/**
 * Tiles each endpoint shows: the web client's own rule for its unit's level, the city being the first
 * endpoint to join, the 15 counties the next, townships the rest.
 */
export function tilesFor(index: number): number {
  return consultationPageSize(index === 0 ? 'city' : index <= 15 ? 'county' : 'township');
}

/** Video and audio consumers of the layout for a room of this many endpoints. */
export function layoutConsumers(endpoints: number): { video: number; audio: number } {
  let video = 0;
  let audio = 0;
  for (let i = 0; i < endpoints; i++) {
    video += Math.min(tilesFor(i), endpoints - 1);
    // The speakers are among the first endpoints: one of them hears the other N-1.
    audio += Math.min(i < LAST_N ? LAST_N - 1 : LAST_N, endpoints - 1);
  }
  return { video, audio };
}

const totalRss = async (pids: number[]) => (await Promise.all(pids.map(rssMb))).reduce((a, b) => a + b, 0);

export async function runConsultation(nodes: NodeUnderTest[], clip: Vp8Clip, cert: LiteCertificate, endpoints: number): Promise<ConsultationRun> {
  const token = await login(nodes[0]!.server.url, 'commander', 'commander123');
  const admin = await login(nodes[0]!.server.url, 'admin', 'admin123');
  const nodeOf = (i: number) => nodes[i % nodes.length]!;
  const rssBefore = await Promise.all(nodes.map((n) => totalRss(n.pids)));
  const video = new Pacer(clip);
  const audio = new AudioPacer(makeOpusClip());
  const all: LiteEndpoint[] = [];
  try {
    const joined = await inBatches(endpoints, async (i) => {
      const e = await LiteEndpoint.connect(nodeOf(i).server.url, token, cert);
      all.push(e);
      await e.join(CONSULTATION_ROOM, true, { audio: true });
      video.add(e);
      // The first N talk (the city and counties), the rest send silence: the server's last N agree.
      audio.add(e, i < LAST_N ? -20 : -127);
      return e;
    });
    video.start();
    audio.start();
    // In a cluster each node pulls the others' producers as they are announced: wait for all of them.
    await waitFor('every producer on every node', async () => {
      const counts = await Promise.all(nodes.map(async (n) => (await mediaOverview(n.server.url, admin)).rooms.find((r) => r.id === CONSULTATION_ROOM)?.router.producers ?? 0));
      return counts.every((c) => c >= 2 * endpoints);
    }, 30_000);
    const videos = joined.map((e) => e.producerId!);
    const speakers = joined.slice(0, LAST_N);
    await inBatches(endpoints, async (i) => {
      const e = joined[i]!;
      const tiles = tilesFor(i);
      // The spotlight is the city's (first) endpoint; counties and the city page through the others.
      for (const id of videos.filter((_, k) => k !== i).slice(0, tiles)) await e.show(id, tiles === 1 ? 720 : 360);
      for (const s of speakers) if (s !== e) await e.show(s.audioProducerId!, 0);
    });
    await sleep(SETTLE_MS);
    for (const e of joined) e.resetStats();
    const meters = nodes.map((n) => new CpuMeter(() => n.pids));
    const generator = new CpuMeter(() => [process.pid]);
    await Promise.all([...meters.map((m) => m.begin()), generator.begin()]);
    await sleep(MEASURE_MS);
    const cores = await Promise.all(meters.map((m) => m.cores()));
    const generatorCores = await generator.cores();
    const rssAfter = await Promise.all(nodes.map((n) => totalRss(n.pids)));
    const figures: NodeFigures[] = await Promise.all(
      nodes.map(async (n, k) => {
        const mine = joined.filter((_, i) => nodeOf(i) === n);
        const received = mine.reduce((s, e) => s + e.stats().received, 0);
        const lost = mine.reduce((s, e) => s + e.stats().lost, 0);
        const room = (await mediaOverview(n.server.url, admin)).rooms.find((r) => r.id === CONSULTATION_ROOM);
        return {
          node: n.name,
          endpoints: mine.length,
          cpu_cores: Number(cores[k]!.toFixed(3)),
          rss_mb: Math.round(rssAfter[k]!),
          mem_mb_per_endpoint: Number(((rssAfter[k]! - rssBefore[k]!) / Math.max(1, mine.length)).toFixed(2)),
          consumers: room?.router.consumers ?? 0,
          loss_pct: Number((received + lost === 0 ? 100 : (100 * lost) / (received + lost)).toFixed(3)),
          join_p95_ms: Math.round(percentile(mine.map((e) => e.joinMs), 95)),
        };
      }),
    );
    const received = joined.reduce((s, e) => s + e.stats().received, 0);
    const lost = joined.reduce((s, e) => s + e.stats().lost, 0);
    const wanted = layoutConsumers(endpoints);
    return {
      endpoints,
      nodes: figures,
      cpuCores: cores.reduce((a, b) => a + b, 0),
      lossPct: received + lost === 0 ? 100 : (100 * lost) / (received + lost),
      packetsPerSecond: received / (MEASURE_MS / 1000),
      joinMs: joined.map((e) => e.joinMs),
      memPerEndpointMb: (rssAfter.reduce((a, b) => a + b, 0) - rssBefore.reduce((a, b) => a + b, 0)) / endpoints,
      layoutConsumers: wanted.video + wanted.audio,
      generatorCores,
      lateFrames: video.lateFrames,
    };
  } finally {
    video.stop();
    audio.stop();
    for (const e of all) e.close();
  }
}
