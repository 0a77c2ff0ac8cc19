import path from 'node:path';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { Id, type PublicUser } from '../../protocol/http.js';
import type { Recording } from '../../protocol/recording.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenService } from '../auth/token-service.js';
import { type AuthedRequest } from '../http/auth-middleware.js';
import { parseBody } from '../http/http-errors.js';
import type { OrgTree } from '../org/org-tree.js';
import type { RoomStore } from '../rooms/room-store.js';
import type { RecordingStore } from './recording-store.js';

export interface RecordingRouteDeps {
  recordingStore: RecordingStore;
  roomStore: RoomStore;
  orgTree: () => OrgTree;
  audit: AuditLog;
  tokens: TokenService;
  /** DATA_DIR/recordings */
  recordingsRoot: string;
}

const RecordingsQuery = z.object({ roomId: Id });
const TrackParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/), index: z.coerce.number().int().min(0).max(10_000) });

/** Whether the user may see a room's recordings: their unit reaches the room. Guests (join links) never. */
export async function mayReadRoom(deps: Pick<RecordingRouteDeps, 'roomStore' | 'orgTree'>, user: PublicUser, roomId: string): Promise<boolean> {
  const room = await deps.roomStore.get(roomId);
  if (!room || user.incidentId !== undefined) return false;
  return deps.orgTree().canAccess(user.orgUnitId, room.orgUnitId);
}

/** A track's file on disk; never outside the recordings folder, whatever the metadata says. */
export function trackPath(root: string, recording: Recording, index: number): string {
  const track = recording.tracks[index];
  if (!track) throw new AppError(ErrorCode.NotFound, `recording ${recording.id} has no track ${index}`);
  const file = path.resolve(root, track.file);
  if (!file.startsWith(path.resolve(root) + path.sep)) throw new AppError(ErrorCode.NotFound, 'no such track file');
  return file;
}

/**
 * GET /api/recordings?roomId=: a room's recordings (metadata). Behind requireAuth.
 * GET /api/recordings/:id/tracks/:index: a track's file, with Range, for <video>/<audio>; those cannot send
 * headers, so the token may come as ?access_token= here (this route only).
 */
export function recordingRoutes(deps: RecordingRouteDeps): Router {
  const { recordingStore, roomStore } = deps;
  const router = Router();
  router.get('/recordings', async (req: Request, res) => {
    const user = (req as AuthedRequest).user;
    const { roomId } = parseBody(RecordingsQuery, req.query);
    const room = await roomStore.get(roomId);
    if (!room) throw new AppError(ErrorCode.NotFound, `no room ${roomId}`);
    if (!(await mayReadRoom(deps, user, roomId))) throw new AppError(ErrorCode.Forbidden, user.incidentId ? 'guests cannot review recordings' : `room ${roomId} is outside your organisation`);
    res.json({ recordings: await recordingStore.forRoom(roomId) });
  });
  return router;
}

/** The media route, mounted before the header-only requireAuth. */
export function recordingMediaRoutes(deps: RecordingRouteDeps): Router {
  const router = Router();
  router.get('/recordings/:id/tracks/:index', async (req: Request, res) => {
    const header = req.headers.authorization;
    const query = typeof req.query['access_token'] === 'string' ? req.query['access_token'] : undefined;
    const user = deps.tokens.verify(header?.startsWith('Bearer ') ? header.slice(7) : query);
    const { id, index } = parseBody(TrackParams, req.params);
    const recording = await deps.recordingStore.get(id).catch(() => undefined);
    // Out of reach and missing look alike.
    if (!recording || !(await mayReadRoom(deps, user, recording.roomId))) throw new AppError(ErrorCode.NotFound, `no recording ${id}`);
    const file = trackPath(deps.recordingsRoot, recording, index);
    res.setHeader('content-type', file.endsWith('.webm') ? 'video/webm' : 'video/x-matroska');
    res.sendFile(file, { acceptRanges: true, cacheControl: false }, (err) => {
      if (err && !res.headersSent) res.status(404).json({ error: { code: ErrorCode.NotFound, message: 'track file missing' } });
    });
  });
  return router;
}
