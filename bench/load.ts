/**
 * load: what the server forwards per core, against a plain mediasoup router, and what a consultation
 * room of many endpoints costs. Endpoints are lightweight (bench/load/): real ICE, DTLS and SRTP from
 * this process, pre-encoded VP8 at 300 kbps, received packets counted from RTP headers, no decoding.
 * This process is the generator: its CPU is measured apart from the server's.
 *
 * - streams_per_core: forwarded video streams (consumers) one mediasoup worker carries through the
 *   project's rooms with under 0.5 % loss, ramping viewers of 10 publishers. Where the worker is not
 *   saturated before the generator runs out, it is one core divided by the worker's measured CPU per
 *   forwarded packet times a stream's packet rate ("extrapolated"), the cost averaged over the loads
 *   both this ramp and the baseline's passed, so the two figures compare like with like.
 * - baseline_streams_per_core: the same ramp against a plain mediasoup router with default settings.
 * - the consultation room: LOAD_ENDPOINTS endpoints (default 60) all publishing; the first shows 16
 *   tiles (city), the next 15 show 9 (counties), the rest show the city's spotlight (townships).
 *   server_cores_for_207 takes the measured cost per consumer (from the ramp) and per publishing
 *   endpoint (from this room) to the city's 207 endpoints.
 */
import os from 'node:os';
import { login, mediaOverview, startServer, type RunningServer } from '../test/helpers/server-process.js';
import { baselineInChild } from './load/baseline-child.js';
import { LiteEndpoint } from './load/lite-endpoint.js';
import { createCertificate, type LiteCertificate } from './load/lite-transport.js';
import { Pacer } from './load/pacer.js';
import { rssMb } from './load/proc-stats.js';
import { LOSS_LIMIT_PCT, PUBLISHERS, compareAtCommonLoads, inBatches, measure, packetRate, ramp, sleep, type Ramp } from './load/ramp.js';
import { loadVp8Clip, type Vp8Clip } from './load/vp8-clip.js';
import { machine, percentile, writeResult } from './stats.js';

async function projectRamp(server: RunningServer, clip: Vp8Clip, cert: LiteCertificate, workerPids: number[]): Promise<Ramp> {
  const token = await login(server.url, 'commander', 'commander123');
  const pacer = new Pacer(clip);
  const all: LiteEndpoint[] = [];
  const join = async (publish: boolean) => {
    const e = await LiteEndpoint.connect(server.url, token, cert);
    all.push(e);
    await e.join('county-01-room', publish);
    return e;
  };
  try {
    const publishers = await inBatches(PUBLISHERS, () => join(true));
    for (const p of publishers) pacer.add(p);
    pacer.start();
    return await ramp(
      'rooms',
      (n) =>
        inBatches(n, async () => {
          const v = await join(false);
          for (const p of publishers) await v.show(p.producerId!, 360);
          return v;
        }),
      () => all.reduce((n, e) => n + e.consumerCount, 0),
      workerPids,
      packetRate(clip),
    );
  } finally {
    pacer.stop();
    for (const e of all) e.close();
  }
}

/** Tiles each endpoint shows in the consultation layout, by its place in the join order. */
function tilesFor(index: number): number {
  if (index === 0) return 16;
  if (index <= 15) return 9;
  return 1;
}

function consultationConsumers(endpoints: number): number {
  let n = 0;
  for (let i = 0; i < endpoints; i++) n += Math.min(tilesFor(i), endpoints - 1);
  return n;
}

async function consultation(server: RunningServer, clip: Vp8Clip, cert: LiteCertificate, serverPids: number[], endpoints: number) {
  const token = await login(server.url, 'commander', 'commander123');
  const rssBefore = (await Promise.all(serverPids.map(rssMb))).reduce((a, b) => a + b, 0);
  const pacer = new Pacer(clip);
  const all: LiteEndpoint[] = [];
  try {
    const joined = await inBatches(endpoints, async () => {
      const e = await LiteEndpoint.connect(server.url, token, cert);
      all.push(e);
      await e.join('city-consultation', true);
      pacer.add(e);
      return e;
    });
    pacer.start();
    // The spotlight is the city's (first) endpoint; counties and the city page through the others.
    const producers = joined.map((e) => e.producerId!);
    await inBatches(endpoints, async (i) => {
      const e = joined[i]!;
      const others = producers.filter((_, k) => k !== i);
      for (const id of others.slice(0, tilesFor(i))) await e.show(id, tilesFor(i) === 1 ? 720 : 360);
    });
    const step = await measure(joined, serverPids, joined.reduce((n, e) => n + e.consumerCount, 0));
    const rssAfter = (await Promise.all(serverPids.map(rssMb))).reduce((a, b) => a + b, 0);
    return { step, joinMs: joined.map((e) => e.joinMs), memPerEndpoint: (rssAfter - rssBefore) / endpoints, lateFrames: pacer.lateFrames };
  } finally {
    pacer.stop();
    for (const e of all) e.close();
  }
}

export async function benchLoad(): Promise<void> {
  const endpoints = Number(process.env['LOAD_ENDPOINTS'] ?? 60);
  const clip = await loadVp8Clip({ kbps: 300, width: 640, height: 360, fps: 30, seconds: 10 });
  const cert = await createCertificate();
  const server = await startServer({ workers: 1 });
  try {
    const admin = await login(server.url, 'admin', 'admin123');
    const workerPids = (await mediaOverview(server.url, admin)).workers.map((w) => w.pid);
    const serverPids = [server.pid, ...workerPids];
    // The consultation first, on a fresh server, so its memory figure is its own.
    const room = await consultation(server, clip, cert, serverPids, endpoints);
    await sleep(1000);
    const rooms = await projectRamp(server, clip, cert, workerPids);
    const baseline = await baselineInChild();

    // Cost model for 207 endpoints: worker CPU per forwarded stream from the ramp; what remains of
    // the consultation room's CPU is per publishing endpoint (receiving, signalling, the node process).
    const best = rooms.steps.filter((s) => s.lossPct < LOSS_LIMIT_PCT).at(-1);
    const perConsumer = best ? best.workerCores / best.consumers : 0;
    const perEndpoint = Math.max(0, (room.step.workerCores - perConsumer * room.step.consumers) / endpoints);
    const cores207 = perEndpoint * 207 + perConsumer * consultationConsumers(207);

    const compared = compareAtCommonLoads(rooms, baseline, packetRate(clip));
    const result = {
      endpoints,
      loss_pct: Number(room.step.lossPct.toFixed(3)),
      server_cpu_pct_per_core: Number(((100 * room.step.workerCores) / os.cpus().length).toFixed(1)),
      join_p95_ms: Math.round(percentile(room.joinMs, 95)),
      mem_mb_per_endpoint: Number(room.memPerEndpoint.toFixed(2)),
      streams_per_core: compared.a,
      baseline_streams_per_core: compared.b,
      server_cores_for_207: Number(cores207.toFixed(2)),
      machine: machine(),
      notes: {
        streams_per_core: rooms.method === 'measured' ? 'measured' : `extrapolated from the worker's CPU per packet at ${compared.steps.join('/')} streams`,
        baseline_streams_per_core: baseline.method === 'measured' ? 'measured' : 'extrapolated, same loads',
        server_cores_for_207: endpoints >= 207 ? 'measured' : `extrapolated from ${endpoints} endpoints measured (cost per stream ${(perConsumer * 1000).toFixed(2)} mcore, per endpoint ${(perEndpoint * 1000).toFixed(2)} mcore)`,
        consultation_consumers: room.step.consumers,
        consultation_consumers_207: consultationConsumers(207),
        generator_cores: Number(room.step.generatorCores.toFixed(2)),
        generator_late_frames: room.lateFrames,
        ramp: rooms.steps,
        baseline_ramp: baseline.steps,
      },
    };
    console.table({
      endpoints: result.endpoints,
      'loss %': result.loss_pct,
      'server CPU % per core': result.server_cpu_pct_per_core,
      'join p95 ms': result.join_p95_ms,
      'MB per endpoint': result.mem_mb_per_endpoint,
      'streams per core': `${result.streams_per_core} (${rooms.method})`,
      'baseline streams per core': `${result.baseline_streams_per_core} (${baseline.method})`,
      'server cores for 207': result.server_cores_for_207,
    });
    console.log(`wrote ${await writeResult('load', result)}`);
  } finally {
    await server.stop();
  }
}
