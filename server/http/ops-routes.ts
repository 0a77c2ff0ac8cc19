import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { TokenService } from '../auth/token-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import { setRouterGauges, type Metrics } from '../metrics.js';
import type { FeedManager } from '../feeds/feed-manager.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { WorkerPool } from '../../media/worker-pool.js';

/** Health, Prometheus metrics and a media overview for operators. */
/** This node's view of the cluster (admin overview). */
export interface ClusterOverview {
  nodeId: string;
  nodes: { id: string; url: string }[];
  pipes: { inbound: number; outbound: number };
  /** Room id → the node arbitrating it (floor, active speaker), for the rooms open on this node. */
  arbiters: Record<string, string>;
}

export function opsRoutes(deps: { metrics: Metrics; metricsToken: string | undefined; tokens: TokenService; rooms: RoomManager; pool: WorkerPool; audit: AuditLog; feedDeps: { feeds: FeedManager }; cluster?: () => ClusterOverview | undefined }): Router {
  const { metrics, metricsToken, tokens, rooms, pool, audit } = deps;
  const requireAdmin = (authorization: string | undefined) => {
    const header = authorization ?? '';
    if (tokens.verify(header.startsWith('Bearer ') ? header.slice(7) : undefined).role !== 'admin') {
      throw new AppError(ErrorCode.Forbidden, 'admins only');
    }
  };
  const router = Router();

  router.get('/healthz', (_req, res) => {
    const live = pool.workers().filter((w) => !w.worker.closed).length;
    res.status(live > 0 ? 200 : 503).json({ ok: live > 0, mediaWorkers: live });
  });

  // Scraped with METRICS_TOKEN, or read by an admin with their login token.
  router.get('/metrics', async (req, res) => {
    const header = req.headers.authorization ?? '';
    const bearer = header.startsWith('Bearer ') ? header.slice(7) : '';
    const isScraper = metricsToken !== undefined && bearer.length === metricsToken.length && timingSafeEqual(Buffer.from(bearer), Buffer.from(metricsToken));
    if (!isScraper && tokens.verify(bearer || undefined).role !== 'admin') {
      throw new AppError(ErrorCode.Forbidden, 'metrics need METRICS_TOKEN or an admin');
    }
    metrics.liveRooms.set(rooms.liveRooms().length);
    metrics.roomParticipants.set(rooms.liveRooms().reduce((n, r) => n + r.size, 0));
    setRouterGauges(metrics, pool, rooms.liveRooms());
    metrics.feedPulls.reset();
    for (const [state, n] of Object.entries(deps.feedDeps.feeds.countByState())) metrics.feedPulls.set({ state }, n);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/api/admin/audit', async (req, res) => {
    requireAdmin(req.headers.authorization);
    const limit = Math.min(1000, Math.max(1, Number(req.query['limit']) || 100));
    res.json({ entries: await audit.recent(limit) });
  });

  router.get('/api/admin/media', (req, res) => {
    requireAdmin(req.headers.authorization);
    res.json({
      workers: pool.workers().map((w) => ({ index: w.index, pid: w.worker.pid, routers: w.routers, peers: w.peers, closed: w.worker.closed })),
      rooms: rooms.liveRooms().map((r) => ({
        id: r.id, peers: r.size, remotePeers: r.remotePeerCount(), consumers: r.consumerCount(), workerPid: r.workerPid,
        // Everything open in the room's router, including SIP legs and the SIP mixer.
        router: r.routerCounts(), sipCalls: r.sipCount(), activeSpeaker: r.activeSpeaker,
        // The workers the room spans, its home router first.
        routers: r.mediaRouters(),
      })),
      ...(deps.cluster ? { cluster: deps.cluster() } : {}),
    });
  });

  return router;
}
