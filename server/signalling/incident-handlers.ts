import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import type { DispatchTarget, RequestData, ResponseData } from '../../protocol/signalling.js';
import type { HandlerDeps } from './request-handlers.js';
import type { Session } from './session.js';

type Handler<M extends keyof ResponseData> = (session: Session, data: RequestData<M>) => Promise<ResponseData[M]>;

const sender = (user: PublicUser) => ({ id: user.id, displayName: user.displayName, orgUnitId: user.orgUnitId });
const canCommand = (user: PublicUser) => user.role === 'commander' || user.role === 'operator' || user.role === 'admin';

/** What a room shares besides media: positions, dispatched text, map markers. */
export function createIncidentHandlers({ orgTree, audit, positions, messages, markers, timeline }: HandlerDeps) {
  const who = (session: Session) => ({ id: session.user.id, name: session.user.displayName });
  const audited = (session: Session, action: string, target: string, detail: Record<string, unknown>) =>
    audit.record({ actor: session.user.username, action, target, outcome: 'ok', detail });

  const reportPositions: Handler<'reportPositions'> = (session, data) =>
    session.exclusive(async () => {
      const { room, peer } = session.inRoom();
      const { fresh, acceptedUpTo } = await positions.record(room.id, session.user, data.positions);
      if (fresh.length > 0) room.notifyOthers(peer.id, { type: 'positions', data: { peerId: peer.id, user: sender(session.user), positions: fresh } });
      return { acceptedUpTo };
    });

  const dispatchMessage: Handler<'dispatchMessage'> = async (session, { to, text }) => {
    const { room } = session.inRoom();
    // Anyone may answer one person; orders to a unit or to everyone come from the command side.
    if (to.kind !== 'user' && !canCommand(session.user)) throw new AppError(ErrorCode.Forbidden, 'only commanders and operators dispatch to units or everyone');
    const tree = orgTree();
    const reaches = (target: DispatchTarget) => (user: PublicUser) =>
      target.kind === 'all' || (target.kind === 'user' ? user.id === target.userId : tree.isAncestorOrSelf(target.orgUnitId, user.orgUnitId));
    const message = await messages.append(room.id, sender(session.user), to, text);
    const delivered = room.notifyUsers((u) => u.id !== session.user.id && reaches(to)(u), { type: 'message', data: message });
    await audited(session, 'dispatch.message', room.id, { to, delivered, messageId: message.id });
    void timeline.record(room.definition.incidentId, { type: 'message', roomId: room.id, who: who(session), to, text });
    return { message, delivered };
  };

  const placeMarker: Handler<'placeMarker'> = async (session, { lat, lon, note }) => {
    const { room } = session.inRoom();
    if (!canCommand(session.user)) throw new AppError(ErrorCode.Forbidden, 'only commanders and operators place markers');
    const marker = await markers.place(room.id, { lat, lon, note, by: sender(session.user) });
    room.notifyUsers(() => true, { type: 'markers', data: { markers: await markers.all(room.id) } });
    await audited(session, 'map.marker.place', room.id, { markerId: marker.id, lat, lon, note });
    void timeline.record(room.definition.incidentId, { type: 'marker', roomId: room.id, who: who(session), action: 'placed', markerId: marker.id, lat, lon, note });
    return { marker };
  };

  const removeMarker: Handler<'removeMarker'> = async (session, { markerId }) => {
    const { room } = session.inRoom();
    if (!canCommand(session.user)) throw new AppError(ErrorCode.Forbidden, 'only commanders and operators remove markers');
    if (!(await markers.remove(room.id, markerId))) throw new AppError(ErrorCode.NotFound, `no marker ${markerId}`);
    room.notifyUsers(() => true, { type: 'markers', data: { markers: await markers.all(room.id) } });
    await audited(session, 'map.marker.remove', room.id, { markerId });
    void timeline.record(room.definition.incidentId, { type: 'marker', roomId: room.id, who: who(session), action: 'removed', markerId });
    return {};
  };

  const roomSnapshot: Handler<'roomSnapshot'> = async (session) => {
    const { room } = session.inRoom();
    const [markerList, latest, recent] = await Promise.all([markers.all(room.id), positions.latest(room.id), messages.recent(room.id, 50)]);
    const mine = (m: (typeof recent)[number]) => m.from.id === session.user.id || m.to.kind === 'all' || (m.to.kind === 'user' ? m.to.userId === session.user.id : orgTree().isAncestorOrSelf(m.to.orgUnitId, session.user.orgUnitId));
    return { markers: markerList, positions: latest, messages: canCommand(session.user) ? recent : recent.filter(mine) };
  };

  return { reportPositions, dispatchMessage, placeMarker, removeMarker, roomSnapshot };
}
