import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import type { RequestData, ResponseData } from '../../protocol/signalling.js';
import type { HandlerDeps } from './request-handlers.js';
import type { Session } from './session.js';

type Handler<M extends keyof ResponseData> = (session: Session, data: RequestData<M>) => Promise<ResponseData[M]>;

export const canRecord = (user: PublicUser) => user.role === 'commander' || user.role === 'operator' || user.role === 'admin';

/** Starting and stopping the recording of the caller's room. */
export function createRecordingHandlers({ recordings, audit }: HandlerDeps) {
  const allowed = async (session: Session, action: string, roomId: string) => {
    if (canRecord(session.user) && session.user.incidentId === undefined) return;
    await audit.record({ actor: session.user.username, action, target: roomId, outcome: 'denied' });
    throw new AppError(ErrorCode.Forbidden, 'only commanders, operators and admins record');
  };

  const startRecording: Handler<'startRecording'> = async (session) => {
    const { room } = session.inRoom();
    await allowed(session, 'recording.start', room.id);
    return { recording: await recordings.start(room, session.user.username) };
  };

  const stopRecording: Handler<'stopRecording'> = async (session) => {
    const { room } = session.inRoom();
    await allowed(session, 'recording.stop', room.id);
    return { recording: await recordings.stop(room.id, session.user.username) };
  };

  return { startRecording, stopRecording };
}
