import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import QRCode from 'qrcode';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { CreateIncidentRequest, JoinLinkRequest, JoinWithLinkRequest, type Incident, type JoinLinkResponse, type LoginResponse, type PublicUser } from '../../protocol/http.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenService } from '../auth/token-service.js';
import { requireAuth, requireRole, type AuthedRequest } from '../http/auth-middleware.js';
import { parseBody } from '../http/http-errors.js';
import type { OrgTree } from '../org/org-tree.js';
import type { RoomStore } from '../rooms/room-store.js';
import { RateLimiter } from '../signalling/rate-limiter.js';
import { IncidentAccess } from './incident-access.js';
import type { IncidentStore } from './incident-store.js';

export interface IncidentDeps {
  incidents: IncidentStore;
  roomStore: RoomStore;
  tokens: TokenService;
  orgTree: () => OrgTree;
  audit: AuditLog;
  /** Where phones reach the server (the LAN HTTPS address), for join links. */
  publicUrl: (req: Request) => string;
  /** After an incident is closed: its recordings stop. */
  onIncidentClosed?: (incident: Incident, by: string) => Promise<void>;
}

const newId = () => `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;

/**
 * Incidents: several run at once, each with its own room. Commanders open and close them and hand out
 * join links (QR codes) that let a responder without an account into that one incident.
 */
export function incidentRoutes(deps: IncidentDeps): Router {
  const { incidents, roomStore, tokens, orgTree, audit } = deps;
  const router = Router();
  const joinLimiter = new RateLimiter(2, 20);
  const userOf = (req: Request) => (req as AuthedRequest).user;

  const access = new IncidentAccess(incidents, roomStore, orgTree);
  const visible = (user: PublicUser) => access.visible(user);
  const incidentFor = (req: Request): Promise<Incident> => access.get(userOf(req), String(req.params['id']));

  // A responder with a join link gets a session for that incident only, ending when the link does.
  router.post('/join', async (req, res) => {
    if (!joinLimiter.take()) throw new AppError(ErrorCode.RateLimited, 'too many joins; wait a moment');
    const { joinToken, displayName } = parseBody(JoinWithLinkRequest, req.body);
    const { incidentId, expiresAt } = tokens.verifyJoin(joinToken);
    const incident = await incidents.get(incidentId);
    if (!incident || incident.status !== 'active') throw new AppError(ErrorCode.Forbidden, 'this incident is closed');
    const id = `guest-${randomBytes(6).toString('hex')}`;
    const user: PublicUser = { id, username: id, displayName, orgUnitId: incident.orgUnitId, role: 'responder', incidentId };
    const ttlS = Math.max(60, Math.floor((expiresAt - Date.now()) / 1000));
    await audit.record({ actor: id, action: 'incident.join', target: incidentId, outcome: 'ok', detail: { displayName } });
    const body: LoginResponse = { ...tokens.issue(user, ttlS), user };
    res.json(body);
  });

  router.use(requireAuth(tokens));

  router.get('/', async (req, res) => {
    res.json({ incidents: (await visible(userOf(req))).sort((a, b) => b.createdAt.localeCompare(a.createdAt)) });
  });

  router.post('/', requireRole('admin', 'commander'), async (req, res) => {
    const user = userOf(req);
    const { name, orgUnitId, recording } = parseBody(CreateIncidentRequest, req.body);
    const tree = orgTree();
    if (!tree.get(orgUnitId)) throw new AppError(ErrorCode.BadRequest, `no unit ${orgUnitId}`);
    if (!tree.isAncestorOrSelf(user.orgUnitId, orgUnitId)) {
      await audit.record({ actor: user.username, action: 'incident.open', target: name, outcome: 'denied' });
      throw new AppError(ErrorCode.Forbidden, `unit ${orgUnitId} is outside your organisation`);
    }
    const id = newId();
    const incident: Incident = { id, name, orgUnitId, roomId: `inc-${id}`, status: 'active', createdAt: new Date().toISOString(), createdBy: user.username, ...(recording !== undefined ? { recording } : {}) };
    await roomStore.create({ id: incident.roomId, name, orgUnitId, mode: 'conference', layout: 'gallery', createdBy: user.username, incidentId: id });
    await incidents.create(incident);
    await audit.record({ actor: user.username, action: 'incident.open', target: id, outcome: 'ok', detail: { name, orgUnitId, recording } });
    res.status(201).json({ incident });
  });

  router.post('/:id/close', requireRole('admin', 'commander'), async (req, res) => {
    const incident = { ...(await incidentFor(req)), status: 'closed' as const };
    await incidents.save(incident);
    await audit.record({ actor: userOf(req).username, action: 'incident.close', target: incident.id, outcome: 'ok' });
    await deps.onIncidentClosed?.(incident, userOf(req).username);
    res.json({ incident });
  });

  router.post('/:id/join-link', requireRole('admin', 'commander', 'operator'), async (req, res) => {
    const user = userOf(req);
    if (user.incidentId) throw new AppError(ErrorCode.Forbidden, 'guests cannot invite');
    const incident = await incidentFor(req);
    if (incident.status !== 'active') throw new AppError(ErrorCode.InvalidState, 'this incident is closed');
    const { ttlS } = parseBody(JoinLinkRequest, req.body ?? {});
    const { token, expiresAt } = tokens.issueJoin(incident.id, ttlS);
    // The token rides in the fragment: browsers never send it to servers or put it in referrers.
    const url = `${deps.publicUrl(req)}/field.html#join=${encodeURIComponent(token)}`;
    await audit.record({ actor: user.username, action: 'incident.join-link', target: incident.id, outcome: 'ok', detail: { ttlS } });
    const body: JoinLinkResponse = { url, expiresAt, qrSvg: await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    res.json(body);
  });

  return router;
}
