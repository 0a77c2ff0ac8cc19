import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { RequestData, ResponseData } from '../../protocol/signalling.js';
import type { HandlerDeps } from './request-handlers.js';
import type { Session } from './session.js';

type Handler<M extends keyof ResponseData> = (session: Session, data: RequestData<M>) => Promise<ResponseData[M]>;

/** Who leads a consultation picks its spotlight: commanders and admins (not guests). */
export function createSpotlightHandlers({ audit }: HandlerDeps) {
  const pinSpotlight: Handler<'pinSpotlight'> = async (session, { peerId }) => {
    const { room } = session.inRoom();
    const { role, incidentId } = session.user;
    if ((role !== 'commander' && role !== 'admin') || incidentId !== undefined) {
      await audit.record({ actor: session.user.username, action: 'room.spotlight', target: room.id, outcome: 'denied' });
      throw new AppError(ErrorCode.Forbidden, 'only commanders and admins pin the spotlight');
    }
    room.pinSpotlight(peerId);
    await audit.record({ actor: session.user.username, action: 'room.spotlight', target: room.id, outcome: 'ok', detail: { peerId } });
    return {};
  };
  return { pinSpotlight };
}
