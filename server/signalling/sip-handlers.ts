import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import type { RequestData, ResponseData } from '../../protocol/signalling.js';
import type { HandlerDeps } from './request-handlers.js';
import type { Session } from './session.js';

type Handler<M extends keyof ResponseData> = (session: Session, data: RequestData<M>) => Promise<ResponseData[M]>;

/** Dialling out and hanging up SIP calls change who is in a room: commanders and admins only. */
export const canDial = (user: PublicUser) => (user.role === 'commander' || user.role === 'admin') && user.incidentId === undefined;

/** dialOut and hangUp: checked here (role, org tree), done by the SIP gateway, audited either way. */
export function createSipHandlers({ sip, roomStore, orgTree, audit, sipElsewhere }: HandlerDeps) {
  const deny = async (session: Session, action: string, target: string, message: string): Promise<never> => {
    await audit.record({ actor: session.user.username, action, target, outcome: 'denied' });
    throw new AppError(ErrorCode.Forbidden, message);
  };
  const gateway = () => {
    if (!sip) throw new AppError(ErrorCode.InvalidState, 'the SIP gateway is off (SIP_ENABLED)');
    return sip;
  };

  const dialOut: Handler<'dialOut'> = async (session, { roomId, target, trunk }) => {
    const definition = await roomStore.get(roomId);
    if (!definition) throw new AppError(ErrorCode.NotFound, `no room ${roomId}`);
    if (!canDial(session.user)) await deny(session, 'sip.dialOut', roomId, 'only commanders and admins dial out');
    if (!orgTree().canAccess(session.user.orgUnitId, definition.orgUnitId)) await deny(session, 'sip.dialOut', roomId, `room ${roomId} is outside your organisation`);
    const peerId = await gateway().dialOut(definition, target, trunk, session.user);
    await audit.record({ actor: session.user.username, action: 'sip.dialOut', target: roomId, outcome: 'ok', detail: { peerId, target, ...(trunk ? { trunk } : {}) } });
    return { peerId };
  };

  const hangUp: Handler<'hangUp'> = async (session, { peerId }) => {
    const { room } = session.inRoom();
    if (!canDial(session.user)) await deny(session, 'sip.hangUp', room.id, 'only commanders and admins hang up calls');
    // A call another node's gateway carries (cluster) is ended there; this node has authorised it.
    const elsewhere = sipElsewhere?.();
    const ended = room.remoteNodeOf(peerId) && elsewhere ? await elsewhere.hangUp(room, peerId) : (sip?.hangUp(room.id, peerId) ?? false);
    if (!ended) throw new AppError(ErrorCode.NotFound, `no SIP call ${peerId} in this room`);
    await audit.record({ actor: session.user.username, action: 'sip.hangUp', target: room.id, outcome: 'ok', detail: { peerId } });
    return {};
  };

  return { dialOut, hangUp };
}
