import client from 'prom-client';

/** Prometheus metrics, one registry per server instance so tests can run several in one process. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new client.Counter({
      name: 'ecs_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    signallingRequests: new client.Counter({
      name: 'ecs_signalling_requests_total',
      help: 'Socket.io requests by method and outcome (ok or error code)',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    connectedSockets: new client.Gauge({ name: 'ecs_connected_sockets', help: 'Connected signalling sockets', registers: [registry] }),
    roomParticipants: new client.Gauge({ name: 'ecs_room_participants', help: 'Participants in live rooms', registers: [registry] }),
    liveRooms: new client.Gauge({ name: 'ecs_live_rooms', help: 'Rooms with media running', registers: [registry] }),
    workerDeaths: new client.Counter({ name: 'ecs_media_worker_deaths_total', help: 'mediasoup workers that died and were replaced', registers: [registry] }),
    feedPulls: new client.Gauge({ name: 'ecs_feed_pulls', help: 'Camera feed pulls by state (each holds at most one ffmpeg)', labelNames: ['state'] as const, registers: [registry] }),
    workerRouters: new client.Gauge({ name: 'ecs_media_worker_routers', help: 'Routers on each mediasoup worker', labelNames: ['worker'] as const, registers: [registry] }),
    workerPeers: new client.Gauge({ name: 'ecs_media_worker_peers', help: 'Room participants on each mediasoup worker', labelNames: ['worker'] as const, registers: [registry] }),
    roomRouters: new client.Gauge({ name: 'ecs_room_routers', help: 'Routers (workers) each live room spans', labelNames: ['room'] as const, registers: [registry] }),
    logins: new client.Counter({ name: 'ecs_logins_total', help: 'Login attempts by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Routers per worker and per room, set when Prometheus scrapes. */
export function setRouterGauges(
  metrics: Metrics,
  pool: { workers(): readonly { index: number; routers: number; peers: number; worker: { closed: boolean } }[] },
  rooms: readonly { id: string; mediaRouters(): readonly unknown[] }[],
): void {
  metrics.workerRouters.reset();
  metrics.workerPeers.reset();
  metrics.roomRouters.reset();
  for (const w of pool.workers()) {
    if (w.worker.closed) continue;
    metrics.workerRouters.set({ worker: String(w.index) }, w.routers);
    metrics.workerPeers.set({ worker: String(w.index) }, w.peers);
  }
  for (const room of rooms) metrics.roomRouters.set({ room: room.id }, room.mediaRouters().length);
}

/** Recording gauges, read when Prometheus scrapes: rooms being recorded, free space on the recording disk. */
export function registerRecordingMetrics(metrics: Metrics, source: { active: () => number; freeBytes: () => Promise<number> }): void {
  new client.Gauge({
    name: 'ecs_recordings_active', help: 'Rooms being recorded on this node', registers: [metrics.registry],
    collect() {
      this.set(source.active());
    },
  });
  new client.Gauge({
    name: 'ecs_recording_disk_free_bytes', help: 'Free bytes on the filesystem of DATA_DIR/recordings', registers: [metrics.registry],
    async collect() {
      this.set(await source.freeBytes().catch(() => Number.NaN));
    },
  });
}

/** Dynacast: simulcast layers publishers leave off because nobody consumes them (fewer packets in and out). */
export function registerDynacastMetrics(metrics: Metrics, pausedLayers: () => number): void {
  new client.Gauge({
    name: 'ecs_dynacast_paused_layers', help: 'Simulcast layers (encodings) publishers were told to stop sending, over live rooms', registers: [metrics.registry],
    collect() {
      this.set(pausedLayers());
    },
  });
}

/** With REDIS_URL: how many nodes this node sees alive, and its PipeTransports to them. */
export function registerClusterMetrics(metrics: Metrics, source: { nodes: () => number; pipes: () => { inbound: number; outbound: number }; arbitrated: () => number }): void {
  new client.Gauge({
    name: 'ecs_cluster_nodes', help: 'Live cluster nodes seen by this node (itself included)', registers: [metrics.registry],
    collect() {
      this.set(source.nodes());
    },
  });
  new client.Gauge({
    name: 'ecs_cluster_pipes', help: 'PipeTransports to other nodes, by direction', labelNames: ['direction'], registers: [metrics.registry],
    collect() {
      const { inbound, outbound } = source.pipes();
      this.set({ direction: 'inbound' }, inbound);
      this.set({ direction: 'outbound' }, outbound);
    },
  });
  new client.Gauge({
    name: 'ecs_cluster_arbitrated_rooms', help: 'Rooms whose floor and active speaker this node arbitrates (holds the lease of)', registers: [metrics.registry],
    collect() {
      this.set(source.arbitrated());
    },
  });
}
