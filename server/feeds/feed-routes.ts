import { Router, type Request } from 'express';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { CreateSourceRequest, SaveSourceRequest, type PublicSource } from '../../protocol/feeds.js';
import type { PublicUser } from '../../protocol/http.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenService } from '../auth/token-service.js';
import { requireAuth, requireRole, type AuthedRequest } from '../http/auth-middleware.js';
import { parseBody } from '../http/http-errors.js';
import type { OrgTree } from '../org/org-tree.js';
import type { FeedManager } from './feed-manager.js';
import { toPublic, type SourceStore, type StoredSource } from './source-store.js';

export interface FeedRouteDeps {
  sources: SourceStore;
  feeds: FeedManager;
  orgTree: () => OrgTree;
  audit: AuditLog;
  tokens: TokenService;
  /** rtmp://host:port/live, what drones push to; undefined when RTMP is off. */
  rtmpPushBase: () => string | undefined;
}

/** The video-source registry under /api/feeds. */
export function feedRoutes({ sources, feeds, orgTree, audit, tokens, rtmpPushBase }: FeedRouteDeps): Router {
  const router = Router();
  router.use('/feeds', requireAuth(tokens));
  const userOf = (req: Request) => (req as AuthedRequest).user;
  const publicOf = (s: StoredSource): PublicSource => toPublic(s, feeds.stateOf(s.id), rtmpPushBase());

  /** Sources are managed for one's own unit or one below it, as rooms are. */
  const checkUnit = async (user: PublicUser, unitId: string, action: string, target: string) => {
    const tree = orgTree();
    if (!tree.get(unitId)) throw new AppError(ErrorCode.BadRequest, `no unit ${unitId}`);
    if (!tree.isAncestorOrSelf(user.orgUnitId, unitId)) {
      await audit.record({ actor: user.username, action, target, outcome: 'denied' });
      throw new AppError(ErrorCode.Forbidden, `unit ${unitId} is outside your organisation`);
    }
  };
  const existing = async (req: Request, action: string): Promise<StoredSource> => {
    const id = String(req.params['id']);
    const source = await sources.get(id);
    if (!source) throw new AppError(ErrorCode.NotFound, `no source ${id}`);
    await checkUnit(userOf(req), source.orgUnitId, action, id);
    return source;
  };
  const auditDetail = (s: StoredSource) => ({ name: s.name, kind: s.kind, ingest: s.ingest, orgUnitId: s.orgUnitId });

  router.get('/feeds', async (req, res) => {
    const tree = orgTree();
    const user = userOf(req);
    const visible = (await sources.all()).filter((s) => tree.canAccess(user.orgUnitId, s.orgUnitId)).map(publicOf);
    res.json({ sources: visible.sort((a, b) => a.id.localeCompare(b.id)) });
  });

  router.post('/feeds', requireRole('admin', 'commander'), async (req, res) => {
    const user = userOf(req);
    const body = parseBody(CreateSourceRequest, req.body);
    await checkUnit(user, body.orgUnitId, 'feed.create', body.id);
    if (body.ingest === 'rtmp' && !body.streamKey) throw new AppError(ErrorCode.BadRequest, 'streamKey is required for an RTMP source');
    const stored = storedFrom(body.id, body, undefined, user.username);
    if (stored.streamKey && (await sources.byStreamKey(stored.streamKey))) throw new AppError(ErrorCode.InvalidState, 'that stream key is in use');
    if (!(await sources.create(stored))) throw new AppError(ErrorCode.InvalidState, `source ${body.id} exists`);
    await audit.record({ actor: user.username, action: 'feed.create', target: body.id, outcome: 'ok', detail: auditDetail(stored) });
    res.status(201).json({ source: publicOf(stored) });
  });

  router.put('/feeds/:id', requireRole('admin', 'commander'), async (req, res) => {
    const user = userOf(req);
    const before = await existing(req, 'feed.update');
    const body = parseBody(SaveSourceRequest, req.body);
    await checkUnit(user, body.orgUnitId, 'feed.update', before.id);
    const stored = storedFrom(before.id, body, before, before.createdBy);
    if (stored.ingest === 'rtmp' && !stored.streamKey) throw new AppError(ErrorCode.BadRequest, 'streamKey is required for an RTMP source');
    const holder = stored.streamKey ? await sources.byStreamKey(stored.streamKey) : undefined;
    if (holder && holder.id !== stored.id) throw new AppError(ErrorCode.InvalidState, 'that stream key is in use');
    await sources.update(stored);
    feeds.sourceChanged(stored.id, stored);
    await audit.record({ actor: user.username, action: 'feed.update', target: stored.id, outcome: 'ok', detail: auditDetail(stored) });
    res.json({ source: publicOf(stored) });
  });

  router.delete('/feeds/:id', requireRole('admin', 'commander'), async (req, res) => {
    const source = await existing(req, 'feed.delete');
    await sources.delete(source.id);
    feeds.sourceChanged(source.id, undefined);
    await audit.record({ actor: userOf(req).username, action: 'feed.delete', target: source.id, outcome: 'ok' });
    res.status(204).end();
  });

  return router;
}

/** The record to store; credentials left out of an update keep their stored values. */
function storedFrom(id: string, body: SaveSourceRequest, before: StoredSource | undefined, createdBy: string | undefined): StoredSource {
  const common = { id, name: body.name, orgUnitId: body.orgUnitId, location: body.location, kind: body.kind, ...(createdBy ? { createdBy } : {}) };
  if (body.ingest === 'rtmp') {
    const streamKey = body.streamKey ?? before?.streamKey;
    return { ...common, ingest: 'rtmp', ...(streamKey ? { streamKey } : {}) };
  }
  const password = body.password ?? before?.password ?? '';
  return { ...common, ingest: 'rtsp', url: body.url, transport: body.transport, username: body.username, password };
}
