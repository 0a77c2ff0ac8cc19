/**
 * Node-to-node messages over Redis (several server processes sharing one Redis). Every message is
 * parsed with these schemas on arrival; one that does not parse is answered with an error and dropped.
 */
import { z } from 'zod';
import { PublicUser } from './http.js';
import { FloorOutcome, FloorState, MediaSource, PeerInfo } from './signalling.js';

const NodeId = z.string().min(1).max(128);
const RoomId = z.string().min(1).max(128);
const EntityId = z.string().min(1).max(64);

/** What each node keeps under its heartbeat key (expires when the node stops beating). */
export const ClusterNodeInfo = z.object({
  id: NodeId,
  /** Where browsers reach this node (HTTP and socket.io). */
  url: z.string().url(),
  /** The address this node's PipeTransports listen on, for the other nodes' media. */
  pipeIp: z.string().ip(),
});
export type ClusterNodeInfo = z.infer<typeof ClusterNodeInfo>;

/** Broadcast to every node: what changed among one node's local members of a room. */
export const RoomSpanEvent = z.discriminatedUnion('type', [
  /** Also sent again when a camera feed's or SIP call's state changes (feed, sip: as the roster shows them). */
  z.object({
    type: z.literal('peerJoined'),
    node: NodeId,
    roomId: RoomId,
    peer: z.object({ id: EntityId, user: PublicUser, feed: PeerInfo.shape.feed, sip: PeerInfo.shape.sip }),
  }),
  z.object({ type: z.literal('peerLeft'), node: NodeId, roomId: RoomId, peerId: EntityId }),
  z.object({ type: z.literal('producerAdded'), node: NodeId, roomId: RoomId, peerId: EntityId, producerId: EntityId }),
  z.object({ type: z.literal('producerMuted'), node: NodeId, roomId: RoomId, peerId: EntityId, producerId: EntityId, muted: z.boolean() }),
  z.object({ type: z.literal('producerRemoved'), node: NodeId, roomId: RoomId, peerId: EntityId, producerId: EntityId }),
  /** A node opened its room: the others announce their members of it again. */
  z.object({ type: z.literal('roomOpened'), node: NodeId, roomId: RoomId }),
  /** A room notification (dispatch message, marker, position) for a member connected to node `to`. */
  z.object({
    type: z.literal('notifyPeer'),
    node: NodeId,
    to: NodeId,
    roomId: RoomId,
    peerId: EntityId,
    notification: z.object({ type: z.string().min(1).max(64), data: z.unknown() }),
  }),
  /** A node's room closed: the others drop the pipes that fed it. */
  z.object({ type: z.literal('roomClosed'), node: NodeId, roomId: RoomId }),
  /** From the room's arbiter: its talk group's floor after a change; seq grows with each change. */
  z.object({ type: z.literal('floorState'), node: NodeId, roomId: RoomId, seq: z.number().int().nonnegative(), state: FloorState }),
  /** From the room's arbiter: its observer's dominant speaker, any node's member. */
  z.object({ type: z.literal('activeSpeaker'), node: NodeId, roomId: RoomId, peerId: EntityId }),
  /**
   * Dynacast across nodes: the highest simulcast layer this node's viewers want of a producer it pulls
   * from node `to` (-1: none), so the publisher there leaves unwatched layers off.
   */
  z.object({ type: z.literal('layerDemand'), node: NodeId, to: NodeId, roomId: RoomId, producerId: EntityId, maxSpatialLayer: z.number().int().min(-1).max(15) }),
]);
export type RoomSpanEvent = z.infer<typeof RoomSpanEvent>;

const RtpParameters = z.object({ codecs: z.array(z.record(z.unknown())).min(1) }).passthrough();

/** Asked of one node by another, and answered on the asker's reply channel. */
export const PipeRequest = z.discriminatedUnion('type', [
  /** The asker's PipeTransport for this room listens at ip:port; the answer is where the node's listens. */
  z.object({ type: z.literal('pipeConnect'), roomId: RoomId, ip: z.string().ip(), port: z.number().int().min(1).max(65535) }),
  /** A pipe consumer of one of the node's producers, on the transport made by pipeConnect. */
  z.object({ type: z.literal('pipeConsume'), roomId: RoomId, producerId: EntityId }),
]);
export type PipeRequest = z.infer<typeof PipeRequest>;

/** Asked of a room's arbiter by another node, for that node's own members (people and SIP calls). */
export const FloorRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('floorRequest'), roomId: RoomId, peerId: EntityId, emergency: z.boolean() }),
  z.object({ type: z.literal('floorRelease'), roomId: RoomId, peerId: EntityId }),
  /** The floor now, for a node that just learned who arbitrates. */
  z.object({ type: z.literal('floorSync'), roomId: RoomId }),
]);
export type FloorRequest = z.infer<typeof FloorRequest>;
export const FloorRequestReply = FloorOutcome;
export const FloorSyncReply = z.object({ seq: z.number().int().nonnegative(), state: FloorState, activeSpeaker: z.string().nullable() });
export type FloorSyncReply = z.infer<typeof FloorSyncReply>;

/** Asked of the node whose SIP gateway carries a call, by a node whose member (already authorised there) hangs it up. */
export const SipHangUpRequest = z.object({ type: z.literal('sipHangUp'), roomId: RoomId, peerId: EntityId });
export type SipHangUpRequest = z.infer<typeof SipHangUpRequest>;
export const SipHangUpReply = z.object({ hungUp: z.boolean() });
export type SipHangUpReply = z.infer<typeof SipHangUpReply>;

export const PipeConnectReply = z.object({ ip: z.string().ip(), port: z.number().int().min(1).max(65535) });
export const PipeConsumeReply = z.object({
  kind: z.enum(['audio', 'video']),
  rtpParameters: RtpParameters,
  /** Muted by its member; media gated at the source (mute, talk group) simply does not arrive. */
  muted: z.boolean(),
  source: MediaSource,
});

/** socket.io server-side event (Redis adapter): a callee on one node answers a call ringing on another. */
export const RemoteAnswer = z.object({ callId: z.string().min(1).max(64), accept: z.boolean(), by: PublicUser });
export const RemoteAnswerReply = z.object({ roomId: z.string(), roomName: z.string() }).nullable();

export const RequestEnvelope = z.object({ id: z.string().min(1).max(64), from: NodeId, body: z.unknown() });
export const ReplyEnvelope = z.union([
  z.object({ id: z.string(), ok: z.literal(true), data: z.unknown() }),
  z.object({ id: z.string(), ok: z.literal(false), error: z.string() }),
]);
export type ReplyEnvelope = z.infer<typeof ReplyEnvelope>;

export const clusterChannels = {
  events: 'cluster:events',
  requests: (nodeId: string) => `cluster:requests:${nodeId}`,
  replies: (nodeId: string) => `cluster:replies:${nodeId}`,
  /** Heartbeat key (a string with a TTL), not a channel. */
  alive: (nodeId: string) => `cluster:alive:${nodeId}`,
  /** A room's arbiter lease (value: node id, with a TTL renewed on the heartbeat), not a channel. */
  arbiter: (roomId: string) => `cluster:arbiter:${roomId}`,
};
