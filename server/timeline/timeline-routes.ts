import { Router, type Request } from 'express';
import { TimelineQuery } from '../../protocol/timeline.js';
import type { AuthedRequest } from '../http/auth-middleware.js';
import { parseBody } from '../http/http-errors.js';
import type { IncidentAccess } from '../incidents/incident-access.js';
import type { IncidentTimeline } from './incident-timeline.js';

/** GET /api/incidents/:id/timeline?from=&to=&limit=&positions=: one page of the incident's timeline. Behind requireAuth. */
export function timelineRoutes({ access, timeline }: { access: IncidentAccess; timeline: IncidentTimeline }): Router {
  const router = Router();
  router.get('/:id/timeline', async (req: Request, res) => {
    const incident = await access.get((req as AuthedRequest).user, String(req.params['id']));
    const q = parseBody(TimelineQuery, req.query);
    res.json(await timeline.read(incident.id, await access.roomIds(incident), { from: q.from, to: q.to, limit: q.limit, positions: q.positions === '1' }));
  });
  return router;
}
