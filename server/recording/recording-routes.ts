import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { Id } from '../../protocol/http.js';
import type { AuditLog } from '../audit/audit-log.js';
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
}

const RecordingsQuery = z.object({ roomId: Id });

/** GET /api/recordings?roomId=: a room's recordings (metadata), for users whose unit reaches the room. Mounted behind requireAuth. */
export function recordingRoutes({ recordingStore, roomStore, orgTree }: RecordingRouteDeps): Router {
  const router = Router();
  router.get('/recordings', async (req: Request, res) => {
    const user = (req as AuthedRequest).user;
    const { roomId } = parseBody(RecordingsQuery, req.query);
    const room = await roomStore.get(roomId);
    if (!room) throw new AppError(ErrorCode.NotFound, `no room ${roomId}`);
    if (user.incidentId !== undefined || !orgTree().canAccess(user.orgUnitId, room.orgUnitId)) {
      throw new AppError(ErrorCode.Forbidden, `room ${roomId} is outside your organisation`);
    }
    res.json({ recordings: await recordingStore.forRoom(roomId) });
  });
  return router;
}
