import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { RequestData, RequestMethod, ResponseData } from '../../protocol/signalling.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { FeedManager } from '../feeds/feed-manager.js';
import type { SourceStore } from '../feeds/source-store.js';
import type { OrgTree } from '../org/org-tree.js';
import type { MessageLog } from '../dispatch/message-log.js';
import type { MarkerStore } from '../markers/marker-store.js';
import type { PositionLog } from '../positions/position-log.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { RoomStore } from '../rooms/room-store.js';
import { refusalMessage, roomRefusal } from '../rooms/room-access.js';
import type { CallRegistry } from '../calls/call-registry.js';
import { createCallHandlers } from './call-handlers.js';
import { createIncidentHandlers } from './incident-handlers.js';
import { createRecordingHandlers } from './recording-handlers.js';
import { createSpotlightHandlers } from './spotlight-handlers.js';
import { createSipHandlers } from './sip-handlers.js';
import type { ClusterSip } from '../cluster/cluster-sip.js';
import type { SipGateway } from '../sip/sip-gateway.js';
import type { RecordingManager } from '../recording/recording-manager.js';
import type { IncidentTimeline } from '../timeline/incident-timeline.js';
import type { Presence } from './presence.js';
import type { CallReach } from '../cluster/cluster-calls.js';
import type { Session } from './session.js';

export interface HandlerDeps {
  rooms: RoomManager;
  roomStore: RoomStore;
  orgTree: () => OrgTree;
  audit: AuditLog;
  positions: PositionLog;
  messages: MessageLog;
  markers: MarkerStore;
  presence: Presence;
  calls: CallRegistry;
  feeds: FeedManager;
  sources: SourceStore;
  recordings: RecordingManager;
  timeline: IncidentTimeline;
  /** In a cluster: calls to people connected to other nodes (unset on a single node). */
  callReach?: () => CallReach | undefined;
  /** Absent when SIP_ENABLED is off. */
  sip: SipGateway | undefined;
  /** In a cluster: SIP calls carried by other nodes' gateways (unset on a single node). */
  sipElsewhere?: () => ClusterSip | undefined;
}

export type RequestHandlers = {
  [M in RequestMethod]: (session: Session, data: RequestData<M>) => Promise<ResponseData[M]>;
};
type OtherMethods =
  | keyof ReturnType<typeof createIncidentHandlers>
  | keyof ReturnType<typeof createCallHandlers>
  | keyof ReturnType<typeof createRecordingHandlers>
  | keyof ReturnType<typeof createSipHandlers>
  | keyof ReturnType<typeof createSpotlightHandlers>;

const empty = {} as Record<string, never>;

/** Each request validated by the dispatcher arrives here and only calls into rooms and media. */
export function createRequestHandlers(deps: HandlerDeps): RequestHandlers {
  return { ...createRoomHandlers(deps), ...createIncidentHandlers(deps), ...createCallHandlers(deps), ...createRecordingHandlers(deps), ...createSipHandlers(deps), ...createSpotlightHandlers(deps) };
}

/** Joining, leaving, and the media requests of a room. */
function createRoomHandlers({ rooms, roomStore, orgTree, audit, feeds, sources, recordings, timeline }: HandlerDeps): Omit<RequestHandlers, OtherMethods> {
  const audited = (session: Session, action: string, target: string, detail?: Record<string, unknown>) =>
    audit.record({ actor: session.user.username, action, target, outcome: 'ok', ...(detail ? { detail } : {}) });

  const leave = async (session: Session): Promise<void> => {
    const { room, peer } = session;
    if (!room || !peer) return;
    session.room = undefined;
    session.peer = undefined;
    room.leave(peer.id);
    feeds.peerLeft(room.id, peer.id);
    rooms.closeIfEmpty(room);
    await audited(session, 'room.leave', room.id);
    void timeline.record(room.definition.incidentId, { type: 'leave', roomId: room.id, who: { id: session.user.id, name: session.user.displayName }, peerId: peer.id });
  };

  return {
    joinRoom: (session, { roomId, previousPeerId }) =>
      session.exclusive(async () => {
        const definition = await roomStore.get(roomId);
        if (!definition) throw new AppError(ErrorCode.NotFound, `no room ${roomId}`);
        const refusal = roomRefusal(session.user, definition, orgTree());
        if (refusal) {
          await audit.record({ actor: session.user.username, action: 'room.join', target: roomId, outcome: 'denied', detail: { reason: refusal } });
          throw new AppError(ErrorCode.Forbidden, refusalMessage(roomId, refusal));
        }
        await leave(session);
        const room = await rooms.open(definition);
        if (previousPeerId) room.replaceStalePeer(previousPeerId, session.user);
        const { peer, reply } = room.join(session.user, session.notify);
        session.room = room;
        session.peer = peer;
        await audited(session, 'room.join', roomId, { peerId: peer.id });
        void timeline.record(definition.incidentId, { type: 'join', roomId, who: { id: session.user.id, name: session.user.displayName }, peerId: peer.id });
        const recording = recordings.state(room.id);
        // After the reply, so the client knows the room when it hears of the recording.
        if (recording) setImmediate(() => session.notify({ type: 'recordingState', data: { recording } }));
        return reply;
      }),

    async setRtpCapabilities(session, { rtpCapabilities }) {
      session.inRoom().peer.media.setRtpCapabilities(rtpCapabilities as types.RtpCapabilities);
      return empty;
    },

    async createTransport(session, { direction }) {
      const transport = await session.inRoom().peer.media.createTransport(direction);
      return {
        transportId: transport.id,
        iceParameters: transport.iceParameters,
        iceCandidates: transport.iceCandidates as ResponseData['createTransport']['iceCandidates'],
        dtlsParameters: transport.dtlsParameters as ResponseData['createTransport']['dtlsParameters'],
      };
    },

    async connectTransport(session, { transportId, dtlsParameters }) {
      await session.inRoom().peer.media.connectTransport(transportId, dtlsParameters as types.DtlsParameters);
      return empty;
    },

    async restartIce(session, { transportId }) {
      return { iceParameters: await session.inRoom().peer.media.restartIce(transportId) };
    },

    async produce(session, data) {
      const { room, peer } = session.inRoom();
      const reply = await room.produce(peer, data);
      await audited(session, 'media.publish', room.id, { kind: data.kind, source: data.source, producerId: reply.producerId });
      return reply;
    },

    async closeProducer(session, { producerId }) {
      const { room, peer } = session.inRoom();
      peer.media.producer(producerId).close();
      await audited(session, 'media.unpublish', room.id, { producerId });
      return empty;
    },

    async setProducerPaused(session, { producerId, paused }) {
      const { room, peer } = session.inRoom();
      await room.setProducerPaused(peer, producerId, paused);
      await audited(session, paused ? 'media.mute' : 'media.unmute', room.id, { producerId });
      return empty;
    },

    async consume(session, { producerId, displayHeight }) {
      const { room, peer } = session.inRoom();
      return room.consume(peer, producerId, displayHeight);
    },

    async setConsumerPaused(session, { consumerId, paused }) {
      await session.inRoom().peer.media.setConsumerPaused(consumerId, paused);
      return empty;
    },

    async closeConsumer(session, { consumerId }) {
      session.inRoom().peer.media.closeConsumer(consumerId);
      return empty;
    },

    async setConsumerDisplaySize(session, { consumerId, height }) {
      return { spatialLayer: await session.inRoom().peer.media.setConsumerDisplaySize(consumerId, height) };
    },

    async watchFeed(session, { sourceId }) {
      const { room, peer } = session.inRoom();
      const source = await sources.get(sourceId);
      if (!source) throw new AppError(ErrorCode.NotFound, `no source ${sourceId}`);
      if (!orgTree().canAccess(session.user.orgUnitId, source.orgUnitId)) {
        await audit.record({ actor: session.user.username, action: 'feed.watch', target: sourceId, outcome: 'denied' });
        throw new AppError(ErrorCode.Forbidden, `source ${sourceId} is outside your organisation`);
      }
      const peerId = await feeds.watch(source, room, peer.id);
      await audited(session, 'feed.watch', sourceId, { room: room.id });
      return { peerId };
    },

    async unwatchFeed(session, { sourceId }) {
      const { room, peer } = session.inRoom();
      feeds.unwatch(sourceId, room.id, peer.id);
      await audited(session, 'feed.unwatch', sourceId, { room: room.id });
      return empty;
    },

    async requestFloor(session, { emergency }) {
      const { room, peer } = session.inRoom();
      const outcome = await room.requestFloor(peer, emergency);
      await audited(session, 'floor.request', room.id, { emergency, ...outcome });
      return outcome;
    },

    async releaseFloor(session) {
      const { room, peer } = session.inRoom();
      await room.releaseFloor(peer);
      await audited(session, 'floor.release', room.id);
      return empty;
    },

    leaveRoom: (session) =>
      session.exclusive(async () => {
        await leave(session);
        return empty;
      }),
  };
}
