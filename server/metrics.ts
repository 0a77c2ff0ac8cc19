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
    logins: new client.Counter({ name: 'ecs_logins_total', help: 'Login attempts by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

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
