import { Router, type Request } from 'express';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { CreateRoomRequest, LoginRequest, type ClientConfig, type LoginResponse, type RoomInfo } from '../../protocol/http.js';
import type { AccountStore } from '../auth/account-store.js';
import type { TokenService } from '../auth/token-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics } from '../metrics.js';
import type { OrgTree } from '../org/org-tree.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { RoomStore } from '../rooms/room-store.js';
import type { Presence } from '../signalling/presence.js';
import { RateLimiter } from '../signalling/rate-limiter.js';
import { wallLayoutRoutes } from '../wall/wall-layout-routes.js';
import { recordingRoutes } from '../recording/recording-routes.js';
import type { RecordingStore } from '../recording/recording-store.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { roomRefusal } from '../rooms/room-access.js';
import { requireAuth, requireRole, type AuthedRequest } from './auth-middleware.js';
import { parseBody } from './http-errors.js';

export interface ApiDeps {
  /** In a cluster: users connected to any node, with the rooms they are in. */
  clusterPresence?: () => Promise<Map<string, string[]>> | undefined;
  accounts: AccountStore;
  tokens: TokenService;
  roomStore: RoomStore;
  rooms: RoomManager;
  orgTree: () => OrgTree;
  audit: AuditLog;
  metrics: Metrics;
  /** What every room router offers; clients load it while they log in. */
  routerCapabilities: unknown;
  redis: Redis;
  presence: Presence;
  clientConfig: ClientConfig;
  recordingStore: RecordingStore;
  /** DATA_DIR/recordings */
  recordingsRoot: string;
  incidents: IncidentStore;
  /** Each room's dialable SIP number, when the SIP gateway runs. */
  roomNumbers: { numberOf(roomId: string): Promise<string> } | undefined;
}

export function apiRoutes(deps: ApiDeps): Router {
  const { accounts, tokens, roomStore, rooms, orgTree, audit, metrics } = deps;
  const router = Router();
  const loginLimiters = new Map<string, RateLimiter>();
  setInterval(() => {
    for (const [ip, limiter] of loginLimiters) if (limiter.isIdle()) loginLimiters.delete(ip);
  }, 60_000).unref();

  router.post('/login', async (req, res) => {
    const ip = req.ip ?? 'unknown';
    const limiter = loginLimiters.get(ip) ?? new RateLimiter(1, 30);
    loginLimiters.set(ip, limiter);
    if (!limiter.take()) throw new AppError(ErrorCode.RateLimited, 'too many login attempts; wait a moment');
    const { username, password } = parseBody(LoginRequest, req.body);
    const user = await accounts.authenticate(username, password);
    if (!user) {
      metrics.logins.inc({ outcome: 'denied' });
      await audit.record({ actor: username, action: 'auth.login', target: username, outcome: 'denied', detail: { ip } });
      throw new AppError(ErrorCode.Unauthenticated, 'wrong username or password');
    }
    metrics.logins.inc({ outcome: 'ok' });
    await audit.record({ actor: username, action: 'auth.login', target: username, outcome: 'ok', detail: { ip } });
    const body: LoginResponse = { ...tokens.issue(user), user };
    res.json(body);
  });

  const userOf = (req: Request) => (req as AuthedRequest).user;
  router.use(requireAuth(tokens));
  router.use(wallLayoutRoutes({ redis: deps.redis, audit }));
  router.use(recordingRoutes({ recordingStore: deps.recordingStore, roomStore, orgTree, audit, tokens, recordingsRoot: deps.recordingsRoot }));
  router.get('/config', (_req, res) => {
    res.json(deps.clientConfig);
  });

  // The people a user may reach, with whether they are connected and where: the console's roster.
  router.get('/roster', async (req, res) => {
    const user = userOf(req);
    const tree = orgTree();
    const people = user.incidentId ? [] : (await accounts.all()).filter((a) => tree.canAccess(user.orgUnitId, a.orgUnitId));
    const elsewhere = await deps.clusterPresence?.()?.catch(() => undefined);
    res.json({
      people: people.map((p) => {
        const here = deps.presence.status(p.id);
        const there = elsewhere?.get(p.id);
        return there ? { user: p, online: true, roomIds: [...new Set([...here.roomIds, ...there])] } : { user: p, ...here };
      }),
    });
  });

  router.get('/me', (req, res) => {
    res.json({ user: userOf(req) });
  });

  router.get('/media/capabilities', (_req, res) => {
    res.json({ routerRtpCapabilities: deps.routerCapabilities });
  });

  router.get('/org', (req, res) => {
    res.json({ units: orgTree().visibleTo(userOf(req).orgUnitId) });
  });

  router.get('/rooms', async (req, res) => {
    const tree = orgTree();
    const user = userOf(req);
    const numbers = deps.roomNumbers;
    const visible: RoomInfo[] = await Promise.all((await roomStore.all())
      .filter((r) => !roomRefusal(user, r, tree))
      .map(async (r) => ({
        id: r.id, name: r.name, orgUnitId: r.orgUnitId, mode: r.mode, layout: r.layout, participants: rooms.live(r.id)?.size ?? 0,
        ...(r.incidentId ? { incidentId: r.incidentId } : {}),
        ...(numbers ? { sipNumber: await numbers.numberOf(r.id) } : {}),
      })));
    res.json({ rooms: visible.sort((a, b) => a.id.localeCompare(b.id)) });
  });

  router.post('/rooms', requireRole('admin', 'commander'), async (req, res) => {
    const user = userOf(req);
    const room = parseBody(CreateRoomRequest, req.body);
    const tree = orgTree();
    if (!tree.get(room.orgUnitId)) throw new AppError(ErrorCode.BadRequest, `no unit ${room.orgUnitId}`);
    // Rooms are created for one's own unit or one below it.
    if (!tree.isAncestorOrSelf(user.orgUnitId, room.orgUnitId)) {
      await audit.record({ actor: user.username, action: 'room.create', target: room.id, outcome: 'denied' });
      throw new AppError(ErrorCode.Forbidden, `unit ${room.orgUnitId} is outside your organisation`);
    }
    if (room.incidentId !== undefined) {
      const incident = await deps.incidents.get(room.incidentId);
      if (!incident || !tree.canAccess(user.orgUnitId, incident.orgUnitId)) throw new AppError(ErrorCode.NotFound, `no incident ${room.incidentId}`);
      if (incident.status !== 'active') throw new AppError(ErrorCode.InvalidState, `incident ${room.incidentId} is closed`);
    }
    if (!(await roomStore.create({ ...room, createdBy: user.username }))) {
      throw new AppError(ErrorCode.InvalidState, `room ${room.id} exists`);
    }
    await audit.record({ actor: user.username, action: 'room.create', target: room.id, outcome: 'ok', detail: room });
    res.status(201).json({ room: { ...room, participants: 0 } });
  });

  return router;
}
