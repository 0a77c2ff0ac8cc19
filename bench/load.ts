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
 * - the consultation room (bench/load/consultation.ts): LOAD_ENDPOINTS endpoints (default 60) all
 *   publishing video and audio, each receiving its layout's tiles and the last-N speakers' audio, on
 *   one node; then LOAD_CLUSTER_ENDPOINTS (default 40) in the same room spread over two nodes sharing
 *   a Redis, for per-node figures. server_cores_for_207 takes the worker's measured cost per forwarded
 *   packet (from the ramp) and the rest of the room's cost per publishing endpoint to 207 endpoints.
 */
import os from 'node:os';
import { startRedis } from '../test/helpers/redis-server.js';
import { login, mediaOverview, startServer, type RunningServer } from '../test/helpers/server-process.js';
import { waitFor } from '../test/helpers/wait.js';
import { baselineInChild } from './load/baseline-child.js';
import { LAST_N, layoutConsumers, runConsultation, type ConsultationRun, type NodeUnderTest } from './load/consultation.js';
import { LiteEndpoint } from './load/lite-endpoint.js';
import { createCertificate, type LiteCertificate } from './load/lite-transport.js';
import { Pacer } from './load/pacer.js';
import { LOSS_LIMIT_PCT, PUBLISHERS, compareAtCommonLoads, inBatches, packetRate, ramp, sleep, type Ramp } from './load/ramp.js';
import { loadVp8Clip, type Vp8Clip } from './load/vp8-clip.js';
import { machine, percentile, writeResult } from './stats.js';

const AUDIO_PACKETS_PER_SECOND = 50;

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

async function nodeUnderTest(name: string, server: RunningServer): Promise<NodeUnderTest> {
  const admin = await login(server.url, 'admin', 'admin123');
  const workers = (await mediaOverview(server.url, admin)).workers.map((w) => w.pid);
  return { name, server, pids: [server.pid, ...workers] };
}

/** The consultation room over two nodes sharing one Redis: the per-node figures of a cluster. */
async function clusterConsultation(clip: Vp8Clip, cert: LiteCertificate, endpoints: number): Promise<ConsultationRun> {
  const redis = await startRedis();
  const servers: RunningServer[] = [];
  try {
    for (const id of ['node-1', 'node-2']) {
      servers.push(await startServer({ workers: 1, env: { REDIS_URL: redis.url, NODE_ID: id, CLUSTER_HEARTBEAT_MS: '500' } }));
    }
    const admin = await login(servers[0]!.url, 'admin', 'admin123');
    await waitFor('both nodes see each other', async () => (await mediaOverview(servers[1]!.url, admin)).cluster?.nodes.length === 2, 15_000);
    const nodes = await Promise.all(servers.map((s, i) => nodeUnderTest(`node-${i + 1}`, s)));
    return await runConsultation(nodes, clip, cert, endpoints);
  } finally {
    for (const s of servers) await s.stop();
    await redis.stop();
  }
}

export async function benchLoad(): Promise<void> {
  const endpoints = Number(process.env['LOAD_ENDPOINTS'] ?? 60);
  const clusterEndpoints = Number(process.env['LOAD_CLUSTER_ENDPOINTS'] ?? 40);
  const clip = await loadVp8Clip({ kbps: 300, width: 640, height: 360, fps: 30, seconds: 10 });
  const cert = await createCertificate();
  const server = await startServer({ workers: 1 });
  let room: ConsultationRun;
  let rooms: Ramp;
  try {
    const node = await nodeUnderTest('node-1', server);
    // The consultation first, on a fresh server, so its memory figure is its own.
    room = await runConsultation([node], clip, cert, endpoints);
    await sleep(1000);
    rooms = await projectRamp(server, clip, cert, node.pids.slice(1));
  } finally {
    await server.stop();
  }
  const baseline = await baselineInChild();
  const cluster = await clusterConsultation(clip, cert, clusterEndpoints);

  // Cost model for 207 endpoints: the worker's CPU per forwarded packet from the ramp; what remains of
  // the consultation room's CPU is per publishing endpoint (receiving, signalling, the node process).
  const best = rooms.steps.filter((s) => s.lossPct < LOSS_LIMIT_PCT).at(-1);
  const perPacket = best && best.packetsPerSecond > 0 ? best.workerCores / best.packetsPerSecond : 0;
  const perEndpoint = Math.max(0, (room.cpuCores - perPacket * room.packetsPerSecond) / endpoints);
  const wanted207 = layoutConsumers(207);
  const packets207 = wanted207.video * packetRate(clip) + wanted207.audio * AUDIO_PACKETS_PER_SECOND;
  const cores207 = perEndpoint * 207 + perPacket * packets207;

  const compared = compareAtCommonLoads(rooms, baseline, packetRate(clip));
  const result = {
    endpoints,
    loss_pct: Number(room.lossPct.toFixed(3)),
    server_cpu_pct_per_core: Number(((100 * room.cpuCores) / os.cpus().length).toFixed(1)),
    join_p95_ms: Math.round(percentile(room.joinMs, 95)),
    mem_mb_per_endpoint: Number(room.memPerEndpointMb.toFixed(2)),
    streams_per_core: compared.a,
    baseline_streams_per_core: compared.b,
    server_cores_for_207: Number(cores207.toFixed(2)),
    machine: machine(),
    per_node: room.nodes,
    cluster: { endpoints: cluster.endpoints, loss_pct: Number(cluster.lossPct.toFixed(3)), join_p95_ms: Math.round(percentile(cluster.joinMs, 95)), per_node: cluster.nodes },
    notes: {
      streams_per_core: rooms.method === 'measured' ? 'measured' : `extrapolated from the worker's CPU per packet at ${compared.steps.join('/')} streams`,
      baseline_streams_per_core: baseline.method === 'measured' ? 'measured' : 'extrapolated, same loads',
      server_cores_for_207:
        endpoints >= 207
          ? 'measured'
          : `extrapolated from ${endpoints} endpoints measured: ${(perPacket * 1e6).toFixed(1)} µs of worker CPU per forwarded packet, ${(perEndpoint * 1000).toFixed(2)} mcore per endpoint; 207 endpoints forward ${wanted207.video} video and ${wanted207.audio} audio streams (last ${LAST_N} speakers)`,
      consultation_packets_per_second: Math.round(room.packetsPerSecond),
      consultation_layout_consumers: room.layoutConsumers,
      generator_cores: Number(room.generatorCores.toFixed(2)),
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
  console.table(Object.fromEntries(cluster.nodes.map((n) => [n.node, n])));
  console.log(`wrote ${await writeResult('load', result)}`);
}
