import express, { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { SourceStore } from './source-store.js';

/** What nginx-rtmp posts to on_publish (form-encoded); only the fields we use. */
const OnPublish = z.object({ app: z.string(), name: z.string().max(200), addr: z.string().optional() });

const isLoopback = (addr: string | undefined) => addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';

/**
 * Callbacks from our nginx RTMP child. Answered only on loopback: a 2xx lets a push in, anything else
 * makes nginx drop the pusher. The key is checked against the registry; the key itself is never logged.
 */
export function feedHooks(sources: SourceStore, audit: AuditLog): Router {
  const router = Router();
  router.post('/internal/rtmp/on-publish', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      res.status(403).end();
      return;
    }
    const parsed = OnPublish.safeParse(req.body);
    const source = parsed.success && parsed.data.app === 'live' ? await sources.byStreamKey(parsed.data.name) : undefined;
    const addr = parsed.success ? (parsed.data.addr ?? '') : '';
    await audit.record({
      actor: source ? `feed:${source.id}` : 'rtmp',
      action: 'feed.push',
      target: source?.id ?? 'unknown',
      outcome: source ? 'ok' : 'denied',
      detail: { addr },
    });
    res.status(source ? 200 : 403).end();
  });
  return router;
}
