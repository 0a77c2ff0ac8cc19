import type { Redis } from 'ioredis';
import { Router, type Request } from 'express';
import { WallLayout } from '../../protocol/http.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuthedRequest } from '../http/auth-middleware.js';
import { parseBody } from '../http/http-errors.js';
import { JsonHash } from '../store/json-hash.js';

/** Each user's video-wall layout (split and what is in each tile), kept across reloads and devices. */
export function wallLayoutRoutes(deps: { redis: Redis; audit: AuditLog }): Router {
  const layouts = new JsonHash(deps.redis, 'wall-layouts', WallLayout);
  const router = Router();
  const userOf = (req: Request) => (req as AuthedRequest).user;

  router.get('/me/wall', async (req, res) => {
    res.json({ layout: (await layouts.get(userOf(req).id)) ?? null });
  });

  router.put('/me/wall', async (req, res) => {
    const user = userOf(req);
    const layout = parseBody(WallLayout, req.body);
    await layouts.set(user.id, layout);
    await deps.audit.record({ actor: user.username, action: 'wall.layout', target: user.id, outcome: 'ok', detail: { preset: layout.preset } });
    res.json({ layout });
  });

  return router;
}
