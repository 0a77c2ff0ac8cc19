import path from 'node:path';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import express from 'express';
import type { Logger } from 'pino';
import { incidentRoutes, type IncidentDeps } from '../incidents/incident-routes.js';
import { incidentRecordingRoutes, type IncidentRecordingRouteDeps } from '../recording/incident-recording-routes.js';
import { recordingMediaRoutes } from '../recording/recording-routes.js';
import { timelineRoutes } from '../timeline/timeline-routes.js';
import { refuseGuests, requireAuth } from './auth-middleware.js';
import { apiRoutes, type ApiDeps } from './api-routes.js';
import { feedHooks } from '../feeds/feed-hooks.js';
import { feedRoutes, type FeedRouteDeps } from '../feeds/feed-routes.js';
import { errorHandler } from './http-errors.js';
import { clusterCors } from './cluster-cors.js';
import { opsRoutes, type ClusterOverview } from './ops-routes.js';
import type { WorkerPool } from '../../media/worker-pool.js';

export function createApp(
  deps: ApiDeps &
    IncidentDeps & { replay: IncidentRecordingRouteDeps } & { feedDeps: Omit<FeedRouteDeps, 'orgTree' | 'audit' | 'tokens'> } & { logger: Logger; metricsToken: string | undefined; pool: WorkerPool; webRoot: string; cluster?: () => ClusterOverview | undefined; allowedOrigins?: () => string[] },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'static';
      deps.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(feedHooks(deps.feedDeps.sources, deps.audit));
  if (deps.allowedOrigins) app.use('/api', clusterCors(deps.allowedOrigins));
  app.use(express.json({ limit: '16kb' }));
  app.use(opsRoutes(deps));
  app.use('/api/incidents', incidentRoutes(deps));
  // Incidents' recordings, timeline and export: its own routers, after incidentRoutes (which also matches /api/incidents).
  const reviewers = [requireAuth(deps.tokens), refuseGuests('guests cannot review or record an incident')];
  app.use('/api/incidents', ...reviewers, incidentRecordingRoutes(deps.replay), timelineRoutes(deps.replay));
  app.use('/api', recordingMediaRoutes({ ...deps, recordingsRoot: deps.recordingsRoot }));
  app.use('/api', apiRoutes(deps));
  app.use('/api', feedRoutes({ ...deps.feedDeps, orgTree: deps.orgTree, audit: deps.audit, tokens: deps.tokens }));
  app.use('/api', () => {
    throw new AppError(ErrorCode.NotFound, 'no such API route');
  });
  app.use(express.static(deps.webRoot, { index: 'index.html', maxAge: '1h' }));
  app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => res.sendFile(path.join(deps.webRoot, 'index.html')));
  app.use(errorHandler(deps.logger));
  return app;
}
