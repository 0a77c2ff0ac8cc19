import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { RequestData, ResponseData } from '../../protocol/signalling.js';
import type { HandlerDeps } from './request-handlers.js';
import type { Session } from './session.js';

type Handler<M extends keyof ResponseData> = (session: Session, data: RequestData<M>) => Promise<ResponseData[M]>;

/** Calling one person into one's room: ring every device they are on, then answer, decline, cancel or miss. */
export function createCallHandlers({ presence, calls, orgTree, audit, callReach }: HandlerDeps) {
  const callUser: Handler<'callUser'> = async (session, { userId }) => {
    const { room } = session.inRoom();
    const devices = presence.sessionsOf(userId);
    // In a cluster the callee's devices may be on any node: they ring through the socket.io Redis adapter.
    const everywhere = await callReach?.()?.find(userId);
    const callee = devices[0]?.user ?? everywhere?.user;
    if (!callee) throw new AppError(ErrorCode.NotFound, 'that person is not connected now');
    const allowed = callee.incidentId ? callee.incidentId === room.definition.incidentId : orgTree().canAccess(callee.orgUnitId, room.definition.orgUnitId);
    if (!allowed) throw new AppError(ErrorCode.Forbidden, 'that person may not enter this room');
    const { id, displayName, orgUnitId } = session.user;
    const call = calls.ring({
      from: { id, displayName, orgUnitId },
      calleeId: userId,
      roomId: room.id,
      roomName: room.definition.name,
      notifyCaller: session.notify,
      notifyCallee: everywhere ? [everywhere.notify] : devices.map((d) => d.notify),
    });
    await audit.record({ actor: session.user.username, action: 'call.ring', target: callee.username, outcome: 'ok', detail: { callId: call.id, roomId: room.id } });
    return { callId: call.id, ringingDevices: everywhere?.devices ?? devices.length };
  };

  const answerCall: Handler<'answerCall'> = async (session, { callId, accept }) => {
    const call = calls.get(callId);
    if (!call) {
      // Rung from another node: answered there.
      const remote = await callReach?.()?.answer(callId, accept, session.user);
      if (!remote) throw new AppError(ErrorCode.NotFound, 'no such call ringing for you');
      await audit.record({ actor: session.user.username, action: accept ? 'call.accept' : 'call.decline', target: callId, outcome: 'ok', detail: { callId, remote: true } });
      return remote;
    }
    if (call.calleeId !== session.user.id) throw new AppError(ErrorCode.NotFound, 'no such call ringing for you');
    if (accept) calls.answered(callId, { id: session.user.id, displayName: session.user.displayName }, session.notify);
    else calls.end(callId, 'declined');
    await audit.record({ actor: session.user.username, action: accept ? 'call.accept' : 'call.decline', target: call.from.id, outcome: 'ok', detail: { callId } });
    return { roomId: call.roomId, roomName: call.roomName };
  };

  const cancelCall: Handler<'cancelCall'> = async (session, { callId }) => {
    const call = calls.get(callId);
    if (!call || call.from.id !== session.user.id) throw new AppError(ErrorCode.NotFound, 'no such call of yours');
    calls.end(callId, 'cancelled');
    return {};
  };

  return { callUser, answerCall, cancelCall };
}
