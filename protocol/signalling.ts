/**
 * The socket.io wire protocol between the web client and the server (see docs/PROTOCOL.md).
 * Requests go out as `request` events with an acknowledgement; the server pushes `notification` events.
 * Every message is validated with these schemas on the receiving side.
 */
import { z } from 'zod';
import type { types as ms } from 'mediasoup-client';
import type { ErrorBody } from './errors.js';
import { FeedState } from './feeds.js';
import { Id, PublicUser, RoomLayout, RoomMode } from './http.js';
import type { Recording, RecordingAlert, RecordingState } from './recording.js';

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
/** mediasoup's own structures are checked in depth by mediasoup itself; here only their shape. */
const opaque = <T>() => z.custom<T>(isPlainObject, { message: 'expected an object' });

export const MediaSource = z.enum(['mic', 'camera', 'screen']);
export type MediaSource = z.infer<typeof MediaSource>;
export const TransportDirection = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirection>;

export const ProducerInfo = z.object({
  id: z.string(),
  kind: z.enum(['audio', 'video']),
  source: MediaSource,
  paused: z.boolean(),
});
export type ProducerInfo = z.infer<typeof ProducerInfo>;

/** A SIP participant's call, as the roster shows it. */
export const SipCallInfo = z.object({
  state: z.enum(['ringing', 'connected', 'ended']),
  direction: z.enum(['in', 'out']),
  /** The dialled number (incoming) or the target (outgoing). */
  number: z.string(),
  /** The caller's name or number as its phone gave it. */
  display: z.string().optional(),
  /** satellite / radio / pbx: through a trunk of that kind; device: a phone registered with an account. */
  kind: z.enum(['satellite', 'radio', 'pbx', 'device']),
  trunk: z.string().optional(),
});
export type SipCallInfo = z.infer<typeof SipCallInfo>;

export const PeerInfo = z.object({
  id: z.string(),
  user: PublicUser,
  producers: z.array(ProducerInfo),
  /** Set when the peer is a camera feed brought into the room (its user is the source, not a person). */
  feed: z.object({ sourceId: Id }).merge(FeedState).optional(),
  /** Set when the peer is a SIP call (satellite phone, radio gateway, SIP device). */
  sip: SipCallInfo.optional(),
});
export type PeerInfo = z.infer<typeof PeerInfo>;

export const Position = z.object({
  seq: z.number().int().nonnegative(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracy: z.number().nonnegative().max(1e6).optional(),
  /** When the device took the fix (ms since epoch): positions queued offline keep their own time. */
  at: z.number().int().positive(),
});
export type Position = z.infer<typeof Position>;

export const DispatchTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: Id }),
  z.object({ kind: z.literal('unit'), orgUnitId: Id }),
  z.object({ kind: z.literal('all') }),
]);
export type DispatchTarget = z.infer<typeof DispatchTarget>;

export const Sender = z.object({ id: z.string(), displayName: z.string(), orgUnitId: z.string() });

export const DispatchMessage = z.object({ id: z.string(), from: Sender, to: DispatchTarget, text: z.string(), at: z.number() });
export type DispatchMessage = z.infer<typeof DispatchMessage>;

export const MapMarker = z.object({
  id: z.string(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  note: z.string().max(200),
  by: Sender,
  at: z.number(),
});
export type MapMarker = z.infer<typeof MapMarker>;

export const LatestPosition = z.object({ user: Sender, position: Position });
export type LatestPosition = z.infer<typeof LatestPosition>;
/** A talk group's floor as every member sees it. `burstEndsAt`: ms since the epoch when the burst is cut. */
export const FloorHolder = z.object({
  peerId: z.string(),
  name: z.string(),
  unit: z.string(),
  priority: z.number(),
  emergency: z.boolean(),
});
export type FloorHolder = z.infer<typeof FloorHolder>;
export const FloorState = z.object({
  holder: FloorHolder.nullable(),
  queue: z.array(z.string()),
  burstEndsAt: z.number().nullable(),
});
export type FloorState = z.infer<typeof FloorState>;

/**
 * Whose audio a member of a large room receives: the last `lastN` distinct active speakers, most recent
 * first. A room with at most `lastN` audio producers besides the member's own is heard whole.
 */
export interface AudibleSpeakers {
  peerIds: string[];
  lastN: number;
}

export const FloorDenyReason = z.enum(['listen-only', 'queue-full']);
export const FloorRevokeReason = z.enum(['preempted', 'time-limit']);
export type FloorRevokeReason = z.infer<typeof FloorRevokeReason>;
export const FloorOutcome = z.discriminatedUnion('result', [
  z.object({ result: z.literal('granted') }),
  z.object({ result: z.literal('queued'), position: z.number().int().positive() }),
  z.object({ result: z.literal('denied'), reason: FloorDenyReason }),
]);
export type FloorOutcome = z.infer<typeof FloorOutcome>;

/** Every request: its data schema and its reply type. */
export const requestSchemas = {
  /** previousPeerId: the caller's own peer from before a reconnect, removed at once instead of timing out. */
  joinRoom: z.object({ roomId: Id, previousPeerId: z.string().max(64).optional() }),
  setRtpCapabilities: z.object({ rtpCapabilities: opaque<ms.RtpCapabilities>() }),
  createTransport: z.object({ direction: TransportDirection }),
  connectTransport: z.object({ transportId: z.string(), dtlsParameters: opaque<ms.DtlsParameters>() }),
  restartIce: z.object({ transportId: z.string() }),
  produce: z.object({
    transportId: z.string(),
    kind: z.enum(['audio', 'video']),
    rtpParameters: opaque<ms.RtpParameters>(),
    source: MediaSource,
  }),
  closeProducer: z.object({ producerId: z.string() }),
  setProducerPaused: z.object({ producerId: z.string(), paused: z.boolean() }),
  /** displayHeight: how tall the video will be shown, so the first layer sent already fits. */
  consume: z.object({ producerId: z.string(), displayHeight: z.number().int().min(0).max(8192).optional() }),
  setConsumerPaused: z.object({ consumerId: z.string(), paused: z.boolean() }),
  closeConsumer: z.object({ consumerId: z.string() }),
  setConsumerDisplaySize: z.object({
    consumerId: z.string(),
    width: z.number().int().min(0).max(8192),
    height: z.number().int().min(0).max(8192),
  }),
  leaveRoom: z.object({}),
  /** Positions in the order they were taken; seq rises per device, so a resend after a lost reply is harmless. */
  reportPositions: z.object({ positions: z.array(Position).min(1).max(500) }),
  /** Text to one person, a unit (and the units below it) or everyone in the room. */
  dispatchMessage: z.object({ to: DispatchTarget, text: z.string().trim().min(1).max(1000) }),
  placeMarker: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180), note: z.string().trim().max(200) }),
  removeMarker: z.object({ markerId: z.string().max(64) }),
  /** What a console needs on entering: shared markers, everyone's latest position, recent messages. */
  roomSnapshot: z.object({}),
  /** Rings a person (on any device they are connected with) to join the caller's room. */
  callUser: z.object({ userId: Id }),
  answerCall: z.object({ callId: z.string().max(64), accept: z.boolean() }),
  cancelCall: z.object({ callId: z.string().max(64) }),
  /** Brings a video source into the caller's room; its pull runs while anyone watches it. */
  watchFeed: z.object({ sourceId: Id }),
  unwatchFeed: z.object({ sourceId: Id }),
  /** Talk groups only. emergency: overrides every priority and cannot be pre-empted. */
  requestFloor: z.object({ emergency: z.boolean().default(false) }),
  /** Lets go of the floor, or leaves the queue. */
  releaseFloor: z.object({}),
  /** Commanders, operators, admins: records every producer of the caller's room until stopRecording. */
  startRecording: z.object({}),
  stopRecording: z.object({}),
  /**
   * Commanders and admins: calls out into a room. target: a number (with trunk: through that trunk),
   * a registered device's user name, or a sip: URI on this server's domain or a trunk's host.
   */
  dialOut: z.object({
    roomId: Id,
    target: z.string().trim().min(1).max(200),
    trunk: z.string().max(32).optional(),
  }),
  /** Commanders and admins: ends a SIP participant's call. */
  hangUp: z.object({ peerId: z.string().max(64) }),
  /** Commanders and admins: puts a member in the consultation spotlight for everyone (null: back to automatic). */
  pinSpotlight: z.object({ peerId: z.string().max(64).nullable() }),
} as const;

export type RequestMethod = keyof typeof requestSchemas;
export type RequestData<M extends RequestMethod> = z.infer<(typeof requestSchemas)[M]>;

export interface TransportParams {
  transportId: string;
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  dtlsParameters: ms.DtlsParameters;
}

export interface ResponseData {
  joinRoom: {
    peerId: string;
    routerRtpCapabilities: ms.RtpCapabilities;
    peers: PeerInfo[];
    mode: RoomMode;
    layout: RoomLayout;
    audibleSpeakers: AudibleSpeakers;
    /** The member a commander pinned in the spotlight, if any. */
    spotlight: string | null;
    /** The floor now (talk groups), so a member joining mid-burst sees who talks at once. */
    floor: FloorState | null;
  };
  setRtpCapabilities: Record<string, never>;
  createTransport: TransportParams;
  connectTransport: Record<string, never>;
  restartIce: { iceParameters: ms.IceParameters };
  produce: { producerId: string };
  closeProducer: Record<string, never>;
  setProducerPaused: Record<string, never>;
  consume: {
    consumerId: string;
    producerId: string;
    peerId: string;
    kind: 'audio' | 'video';
    rtpParameters: ms.RtpParameters;
    producerPaused: boolean;
  };
  setConsumerPaused: Record<string, never>;
  closeConsumer: Record<string, never>;
  setConsumerDisplaySize: { spatialLayer: number };
  leaveRoom: Record<string, never>;
  /** Every position up to this seq is stored: the sender drops them from its queue. */
  reportPositions: { acceptedUpTo: number };
  dispatchMessage: { message: DispatchMessage; delivered: number };
  placeMarker: { marker: MapMarker };
  removeMarker: Record<string, never>;
  roomSnapshot: { markers: MapMarker[]; positions: LatestPosition[]; messages: DispatchMessage[] };
  callUser: { callId: string; ringingDevices: number };
  answerCall: { roomId: string; roomName: string };
  cancelCall: Record<string, never>;
  watchFeed: { peerId: string };
  unwatchFeed: Record<string, never>;
  requestFloor: FloorOutcome;
  releaseFloor: Record<string, never>;
  startRecording: { recording: Recording };
  stopRecording: { recording: Recording };
  dialOut: { peerId: string };
  hangUp: Record<string, never>;
  pinSpotlight: Record<string, never>;
}

export type CallOutcome = 'declined' | 'missed' | 'cancelled' | 'answered-elsewhere';

export const RequestEnvelope = z.object({ method: z.string(), data: z.unknown() });

export type Reply<M extends RequestMethod> = { ok: true; data: ResponseData[M] } | { ok: false; error: ErrorBody };

/** Server → client pushes. */
export interface NotificationData {
  peerJoined: { peer: PeerInfo };
  peerLeft: { peerId: string };
  producerAdded: { peerId: string; producer: ProducerInfo };
  producerRemoved: { peerId: string; producerId: string };
  producerPaused: { peerId: string; producerId: string; paused: boolean };
  consumerClosed: { consumerId: string };
  /** Dynacast: the highest simulcast layer anyone consumes of the caller's producer; -1: nobody, send nothing. */
  producerLayers: { producerId: string; maxSpatialLayer: number };
  activeSpeaker: { peerId: string | null };
  /** The last-N active speakers changed: a new one, one of them speaking again (order), or one leaving. */
  audibleSpeakers: AudibleSpeakers;
  /** A commander pinned a member in the spotlight, or unpinned (null); a pinned member who leaves is unpinned. */
  spotlight: { peerId: string | null };
  /** The room's media was rebuilt (a media worker died): join again with the same producers. */
  roomReset: { reason: string };
  positions: { peerId: string; user: { id: string; displayName: string; orgUnitId: string }; positions: Position[] };
  message: DispatchMessage;
  markers: { markers: MapMarker[] };
  incomingCall: { callId: string; from: { id: string; displayName: string; orgUnitId: string }; roomId: string; roomName: string };
  callAnswered: { callId: string; by: { id: string; displayName: string } };
  callEnded: { callId: string; outcome: CallOutcome };
  /** A feed peer's pull changed state (starting, live, retrying with reason, failed with reason). */
  feedState: { peerId: string; sourceId: string; feed: FeedState };
  /** The talk group's floor changed (grant, release, queue, revoke). */
  floorState: FloorState;
  /** To the member who lost the floor without letting go. */
  floorRevoked: { reason: FloorRevokeReason; byPeerId?: string };
  /** The room's recording started or stopped; also sent to a member on joining a room being recorded. */
  recordingState: { recording: RecordingState };
  /** Recording stopped by itself (the disk is full): an alert for the console's banner. */
  recordingAlert: RecordingAlert;
  /** A SIP participant's call changed state (ringing → connected → ended). */
  sipState: { peerId: string; sip: SipCallInfo };
  /** A SIP participant pressed a key (RFC 4733 event or SIP INFO). */
  dtmf: { peerId: string; digit: string };
}
export type NotificationType = keyof NotificationData;
export type Notification = { [T in NotificationType]: { type: T; data: NotificationData[T] } }[NotificationType];

/** Largest request the server reads; bigger ones are answered MESSAGE_TOO_LARGE. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export const SocketEvent = { Request: 'request', Notification: 'notification' } as const;
