import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import type { FeedState } from '../../protocol/feeds.js';
import type { ProducerAppData } from '../../media/media-participant.js';
import type { FloorOutcome, FloorState, MediaSource, Notification, PeerInfo, RequestData, ResponseData, SipCallInfo } from '../../protocol/signalling.js';
import { Dynacast } from '../../media/dynacast.js';
import { MediaRoom, type RoomRouterInfo } from '../../media/media-room.js';
import type { WorkerPool } from '../../media/worker-pool.js';
import type { FloorEvent } from '../ptt/floor-control.js';
import { TalkGroup, type PttDeps } from '../ptt/talk-group.js';
import { AudibleSpeakers } from './audible-speakers.js';
import { Peer, type Notify } from './peer.js';
import { RemotePeer } from './remote-peer.js';
import type { RoomDefinition } from './room-store.js';
import { SipPeer } from './sip-peer.js';
import { TypedEmitter } from '../../media/typed-emitter.js';

export interface RoomOptions {
  /** How many of the latest active speakers a member of a large room hears. */
  lastNAudio?: number;
}
const DEFAULT_LAST_N_AUDIO = 6;

/** A producer in the room with whose it is (a person's, or a camera feed's). */
export interface RoomProducer {
  producer: types.Producer<ProducerAppData>;
  peerId: string;
  user: PublicUser;
}

type RoomEvents = {
  /** A producer was added (a person published, or a feed's track was piped in); it closes by itself. */
  producer: [RoomProducer];
  /** A member joined or left through this node's signalling (not a feed, not another node's member). */
  localPeerJoined: [Peer];
  localPeerLeft: [peerId: string];
  localProducerMuted: [{ peerId: string; producerId: string; muted: boolean }];
  /** The talk group's floor changed (after its media was gated). */
  floor: [FloorState];
  /** The room's active speaker: this node's observer, or the room's arbiter node's in a cluster. */
  activeSpeaker: [peerId: string];
  /** A camera feed or SIP call here joined or changed state (for the other nodes of a cluster). */
  socketlessPeer: [PeerInfo];
  socketlessPeerLeft: [peerId: string];
  /**
   * The room's media was rebuilt on another worker: media made outside the peers (SIP legs) is gone,
   * and so is what was piped in from other nodes.
   */
  mediaRebuilt: [];
  closed: [];
};

/** The node arbitrating a room spanning nodes, as seen from the others: its floor takes their members' requests. */
export interface RemoteArbiter {
  requestFloor(peerId: string, emergency: boolean): Promise<FloorOutcome>;
  releaseFloor(peerId: string): Promise<void>;
}

const FREE_FLOOR: FloorState = { holder: null, queue: [], burstEndsAt: null };

/**
 * A live room: its peers and its media. When the media worker under it dies, the room rebuilds its
 * media on a live worker and tells every peer to publish and subscribe again (roomReset).
 * A room in PTT mode is a talk group: its audio producers are paused at the server except the floor
 * holder's, so only the holder is forwarded, and a member who joins mid-burst simply consumes it.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly #peers = new Map<string, Peer>();
  /** Camera feeds shown in this room: peers without a socket, whose producers are piped in. */
  readonly #feeds = new Map<string, FeedPeer>();
  /** Members connected to other nodes of the cluster. */
  readonly #remotes = new Map<string, RemotePeer>();
  /** Carries a notification to a member on another node (set by the cluster). */
  #relay: ((node: string, peerId: string, notification: Notification) => void) | undefined;
  /** SIP calls in this room: peers without a socket, each with one audio producer from its leg. */
  readonly #sips = new Map<string, SipPeer>();
  #media: MediaRoom;
  #closed = false;
  #activeSpeaker: string | null = null;
  readonly #talkGroup: TalkGroup | undefined;
  /** Gate changes run one after another, in the order the floor changed. */
  #gating: Promise<void> = Promise.resolve();
  /** Tells publishers which simulcast layers anyone consumes; recorders and pipes call demandFull on it. */
  readonly dynacast = new Dynacast();
  readonly #audible: AudibleSpeakers;
  /** Whom a commander put in the consultation spotlight. */
  #pinned: string | null = null;
  /** Set while another node arbitrates this room (cluster): the floor and active speaker are its. */
  #arbiter: RemoteArbiter | undefined;
  /** The floor as the arbiter last told it (only read while #arbiter is set). */
  #remoteFloor: FloorState = FREE_FLOOR;

  private constructor(
    readonly definition: RoomDefinition,
    media: MediaRoom,
    private readonly pool: WorkerPool,
    private readonly logger: Logger,
    ptt: PttDeps,
    options: RoomOptions,
  ) {
    super();
    this.#media = media;
    this.#attach(media);
    if (definition.mode === 'ptt') this.#talkGroup = new TalkGroup(definition.id, ptt, (events) => this.#onFloorChange(events));
    this.#audible = new AudibleSpeakers(options.lastNAudio ?? DEFAULT_LAST_N_AUDIO);
    this.on('activeSpeaker', (peerId) => {
      if (this.#audible.spoke(peerId)) this.#broadcast({ type: 'audibleSpeakers', data: this.#audible.state() });
    });
  }

  static async open(definition: RoomDefinition, pool: WorkerPool, logger: Logger, ptt: PttDeps, options: RoomOptions = {}): Promise<Room> {
    return new Room(definition, await MediaRoom.create(pool), pool, logger.child({ room: definition.id }), ptt, options);
  }

  get id(): string {
    return this.definition.id;
  }

  /** People and SIP calls: a room with a caller waiting stays open. */
  get size(): number {
    return this.#peers.size + this.#sips.size;
  }

  get mode(): RoomDefinition['mode'] {
    return this.definition.mode;
  }

  get activeSpeaker(): string | null {
    return this.#activeSpeaker;
  }

  get workerPid(): number {
    return this.#media.workerPid;
  }

  consumerCount(): number {
    return this.#media.consumerCount();
  }

  routerCounts(): { transports: number; producers: number; consumers: number } {
    return this.#media.routerCounts();
  }

  /** The routers the room spans, the home one first. */
  mediaRouters(): RoomRouterInfo[] {
    return this.#media.routers();
  }

  /** SIP calls in the room now. */
  sipCount(): number {
    return this.#sips.size;
  }

  join(user: PublicUser, notify: Notify): { peer: Peer; reply: ResponseData['joinRoom'] } {
    if (this.#closed) throw new AppError(ErrorCode.InvalidState, 'room closed');
    const id = randomUUID();
    const peer = new Peer(id, user, notify, this.#newParticipant(id));
    const others = [...this.#peers.values(), ...this.#remotes.values()].map((p) => p.info());
    this.#peers.set(id, peer);
    this.#talkGroup?.add(id, user);
    this.#broadcast({ type: 'peerJoined', data: { peer: peer.info() } }, id);
    this.emit('localPeerJoined', peer);
    // The observer only speaks on a change: a newcomer is told who is speaking now.
    const speaking = this.#activeSpeaker;
    if (speaking && (this.#peers.has(speaking) || this.#remotes.has(speaking) || this.#sips.has(speaking))) setImmediate(() => peer.notify({ type: 'activeSpeaker', data: { peerId: speaking } }));
    return {
      peer,
      reply: {
        peerId: id,
        routerRtpCapabilities: this.#media.rtpCapabilities as WireCapabilities,
        peers: others,
        mode: this.definition.mode,
        layout: this.definition.layout,
        audibleSpeakers: this.#audible.state(),
        spotlight: this.#pinned,
        floor: this.floorState(),
      },
    };
  }

  /** A reconnecting user's old peer, whose socket the server has not yet seen go. */
  replaceStalePeer(peerId: string, user: PublicUser): void {
    if (this.#peers.get(peerId)?.user.id === user.id) this.leave(peerId);
  }

  leave(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.media.close();
    this.#media.removeParticipant(peerId);
    this.#broadcast({ type: 'peerLeft', data: { peerId } });
    this.#forgetMember(peerId);
    this.#talkGroup?.remove(peerId);
    this.emit('localPeerLeft', peerId);
  }

  isLocalPeer(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** A member this node runs: connected here, or a camera feed or SIP call pulled here. */
  isOwnPeer(peerId: string): boolean {
    return this.#peers.has(peerId) || this.#feeds.has(peerId) || this.#sips.has(peerId);
  }

  // --- Members on other nodes (cluster): like feeds, peers without a socket here whose producers are piped in.

  /** A member of another node joins; told again (a feed's or SIP call's new state), only its state changes. */
  addRemotePeer(node: string, peerId: string, user: PublicUser, shown: Pick<PeerInfo, 'feed' | 'sip'> = {}): void {
    if (this.#closed || this.#peers.has(peerId)) return;
    const known = this.#remotes.get(peerId);
    if (known) {
      if (known.node !== node) return;
      if (shown.feed && JSON.stringify(shown.feed) !== JSON.stringify(known.shown.feed)) {
        const { sourceId, ...feed } = shown.feed;
        this.#broadcast({ type: 'feedState', data: { peerId, sourceId, feed } });
      }
      if (shown.sip && JSON.stringify(shown.sip) !== JSON.stringify(known.shown.sip)) this.#broadcast({ type: 'sipState', data: { peerId, sip: shown.sip } });
      known.shown = shown;
      return;
    }
    const remote = new RemotePeer(peerId, user, node, shown);
    this.#remotes.set(peerId, remote);
    // Every node's talk group knows every member: whichever node arbitrates has their priorities.
    this.#talkGroup?.add(peerId, user);
    this.#broadcast({ type: 'peerJoined', data: { peer: remote.info() } });
  }

  /** The node a member of another node is connected to (or, for a SIP call or feed, runs it). */
  remoteNodeOf(peerId: string): string | undefined {
    return this.#remotes.get(peerId)?.node;
  }

  isRemotePeerOf(peerId: string, node: string): boolean {
    return this.#remotes.get(peerId)?.node === node;
  }

  /** Whether a local member muted this producer (not a talk group's gating). */
  isMutedLocally(peerId: string, producerId: string): boolean {
    return this.#peers.get(peerId)?.muted.has(producerId) ?? false;
  }

  /**
   * A remote member muted or unmuted: told to the clients here. The piped producer itself is not paused:
   * the owner's node already stops its media at the source, and resumes it there.
   */
  setRemoteMuted(peerId: string, producerId: string, muted: boolean): void {
    const remote = this.#remotes.get(peerId);
    if (!remote?.producers.has(producerId)) return;
    if (muted) remote.muted.add(producerId);
    else remote.muted.delete(producerId);
    this.#broadcast({ type: 'producerPaused', data: { peerId, producerId, paused: muted } });
  }

  remotePeerCount(): number {
    return this.#remotes.size;
  }

  relayToRemotePeers(relay: (node: string, peerId: string, notification: Notification) => void): void {
    this.#relay = relay;
  }

  /** A notification relayed from another node for one of this node's members. */
  notifyLocalPeer(peerId: string, notification: Notification): void {
    this.#peers.get(peerId)?.notify(notification);
  }

  hasRemoteProducer(peerId: string, producerId: string): boolean {
    return this.#remotes.get(peerId)?.producers.has(producerId) ?? false;
  }

  hasRemotePeer(peerId: string): boolean {
    return this.#remotes.has(peerId);
  }

  addRemoteProducer(peerId: string, producer: types.Producer<ProducerAppData>, muted = false): void {
    const remote = this.#remotes.get(peerId);
    if (!remote || producer.closed || remote.producers.has(producer.id)) {
      producer.close();
      return;
    }
    // Every node watches every person's audio; only the arbiter's choice is the room's active speaker.
    this.#media.adoptPipedProducer(producer, { observeSpeaker: !remote.shown.feed });
    remote.producers.set(producer.id, producer);
    if (muted) remote.muted.add(producer.id);
    producer.observer.on('close', () => {
      remote.producers.delete(producer.id);
      remote.muted.delete(producer.id);
      if (this.#remotes.get(peerId) === remote) this.#broadcast({ type: 'producerRemoved', data: { peerId, producerId: producer.id } });
    });
    this.#broadcast({ type: 'producerAdded', data: { peerId, producer: { ...producerInfo(producer, producer.appData.source), paused: muted } } });
    this.emit('producer', { producer, peerId, user: remote.user });
  }

  removeRemoteProducer(peerId: string, producerId: string): void {
    this.#remotes.get(peerId)?.producers.get(producerId)?.close();
  }

  removeRemotePeer(peerId: string): void {
    const remote = this.#remotes.get(peerId);
    if (!remote) return;
    this.#remotes.delete(peerId);
    for (const producer of remote.producers.values()) producer.close();
    this.#broadcast({ type: 'peerLeft', data: { peerId } });
    this.#forgetMember(peerId);
    this.#talkGroup?.remove(peerId);
  }

  /** The node is gone (or its room closed): its members leave this room. */
  removeRemotePeersOf(node: string): void {
    for (const remote of [...this.#remotes.values()]) if (remote.node === node) this.removeRemotePeer(remote.id);
  }

  peers(): PeerInfo[] {
    return [...this.#peers.values(), ...this.#feeds.values(), ...this.#sips.values(), ...this.#remotes.values()].map((p) => p.info());
  }

  get router(): types.Router {
    return this.#media.router;
  }

  hasFeed(peerId: string): boolean {
    return this.#feeds.has(peerId);
  }

  /** A camera feed enters the room as a peer; its producers follow as its pull starts. */
  addFeed(peerId: string, user: PublicUser, sourceId: string, state: FeedState): void {
    if (this.#closed || this.#feeds.has(peerId)) return;
    const feed = new FeedPeer(peerId, user, sourceId, state);
    this.#feeds.set(peerId, feed);
    this.#broadcast({ type: 'peerJoined', data: { peer: feed.info() } });
    this.emit('socketlessPeer', feed.info());
  }

  addFeedProducer(peerId: string, producer: types.Producer<ProducerAppData>): void {
    const feed = this.#feeds.get(peerId);
    if (!feed || producer.closed) {
      producer.close();
      return;
    }
    // A camera's microphone counts as a speaker like anyone, so a large room hears it when it is loud.
    this.#media.adoptPipedProducer(producer, { observeSpeaker: true });
    feed.producers.set(producer.id, producer);
    producer.observer.on('close', () => {
      feed.producers.delete(producer.id);
      if (this.#feeds.get(peerId) === feed) {
        this.#broadcast({ type: 'producerRemoved', data: { peerId, producerId: producer.id } });
      }
    });
    this.#broadcast({ type: 'producerAdded', data: { peerId, producer: producerInfo(producer, producer.appData.source) } });
    this.emit('producer', { producer, peerId, user: feed.user });
  }

  /** Every producer now in the room: people's, feeds' and SIP calls'. */
  producers(): RoomProducer[] {
    return [
      ...[...this.#peers.values()].flatMap((peer) => peer.media.producers().map((producer) => ({ producer, peerId: peer.id, user: peer.user }))),
      ...[...this.#feeds.values()].flatMap((feed) => [...feed.producers.values()].map((producer) => ({ producer, peerId: feed.id, user: feed.user }))),
      ...[...this.#remotes.values()].flatMap((r) => [...r.producers.values()].map((producer) => ({ producer, peerId: r.id, user: r.user }))),
      ...[...this.#sips.values()].flatMap((sip) => (sip.producer && !sip.producer.closed ? [{ producer: sip.producer, peerId: sip.id, user: sip.user }] : [])),
    ];
  }

  hasSipPeer(peerId: string): boolean {
    return this.#sips.has(peerId);
  }

  /** A SIP call enters the room (ringing or answered); in a talk group it is a member like anyone. */
  addSipPeer(peerId: string, user: PublicUser, call: SipCallInfo): void {
    if (this.#closed) throw new AppError(ErrorCode.InvalidState, 'room closed');
    const sip = new SipPeer(peerId, user, call);
    this.#sips.set(peerId, sip);
    this.#talkGroup?.add(peerId, user);
    this.#broadcast({ type: 'peerJoined', data: { peer: sip.info() } });
    this.emit('socketlessPeer', sip.info());
  }

  /** The call's leg producer, made in this room's router: consumed, recorded and gated like a person's microphone. */
  async addSipProducer(peerId: string, producer: types.Producer<ProducerAppData>): Promise<void> {
    const sip = this.#sips.get(peerId);
    if (!sip || producer.closed) {
      producer.close();
      return;
    }
    sip.producer = producer;
    this.#media.adoptPipedProducer(producer, { observeSpeaker: true });
    await this.#syncProducer(peerId, false, producer);
    producer.observer.on('close', () => {
      if (this.#sips.get(peerId)?.producer === producer) {
        this.#broadcast({ type: 'producerRemoved', data: { peerId, producerId: producer.id } });
      }
    });
    this.#broadcast({ type: 'producerAdded', data: { peerId, producer: producerInfo(producer, producer.appData.source) } });
    this.emit('producer', { producer, peerId, user: sip.user });
  }

  setSipCall(peerId: string, call: SipCallInfo): void {
    const sip = this.#sips.get(peerId);
    if (!sip) return;
    sip.call = call;
    this.#broadcast({ type: 'sipState', data: { peerId, sip: call } });
    this.emit('socketlessPeer', sip.info());
  }

  removeSipPeer(peerId: string): void {
    const sip = this.#sips.get(peerId);
    if (!sip) return;
    this.#sips.delete(peerId);
    sip.producer?.close();
    this.#broadcast({ type: 'peerLeft', data: { peerId } });
    this.#forgetMember(peerId);
    this.#talkGroup?.remove(peerId);
    this.emit('socketlessPeerLeft', peerId);
  }

  /**
   * A member asks for the floor (a SIP call: radio key-up, or a phone's * key; a member of another node,
   * asked of this arbiter); null when the room is no talk group. Asked of the arbiter node when another is.
   */
  async requestFloorFor(peerId: string, emergency = false): Promise<FloorOutcome | null> {
    if (!this.#talkGroup) return null;
    const outcome = this.#arbiter ? await this.#arbiter.requestFloor(peerId, emergency) : this.#talkGroup.request(peerId, emergency);
    await this.#gating;
    return outcome;
  }

  async releaseFloorFor(peerId: string): Promise<void> {
    if (!this.#talkGroup) return;
    if (this.#arbiter) await this.#arbiter.releaseFloor(peerId);
    else this.#talkGroup.release(peerId);
    await this.#gating;
  }

  /** Who holds the floor now (talk groups); null otherwise. */
  floorHolder(): string | null {
    return this.floorState()?.holder?.peerId ?? null;
  }

  /** Whether another node arbitrates this room's floor and active speaker. */
  get arbitratedElsewhere(): boolean {
    return this.#arbiter !== undefined;
  }

  /**
   * The cluster's choice of arbiter: another node (its floor and active speaker are the room's from now
   * on), or this one (undefined). Either way the floor starts free.
   */
  arbitrateWith(arbiter: RemoteArbiter | undefined): void {
    this.#arbiter = arbiter;
    this.#remoteFloor = FREE_FLOOR;
    if (!this.#talkGroup) return;
    this.#talkGroup.reset();
    this.#floorMoved();
    this.#broadcast({ type: 'floorState', data: this.floorState()! });
  }

  /** The arbiter node's floor: this node gates its own members' audio by it and shows it to them. */
  applyFloorState(state: FloorState): void {
    if (!this.#arbiter || !this.#talkGroup) return;
    this.#remoteFloor = state;
    this.#floorMoved();
    this.#broadcast({ type: 'floorState', data: state });
  }

  applyActiveSpeaker(peerId: string): void {
    if (this.#arbiter) this.#setActiveSpeaker(peerId);
  }

  setFeedState(peerId: string, state: FeedState): void {
    const feed = this.#feeds.get(peerId);
    if (!feed) return;
    feed.state = state;
    this.#broadcast({ type: 'feedState', data: { peerId, sourceId: feed.sourceId, feed: state } });
    this.emit('socketlessPeer', feed.info());
  }

  removeFeed(peerId: string): void {
    const feed = this.#feeds.get(peerId);
    if (!feed) return;
    this.#feeds.delete(peerId);
    for (const producer of feed.producers.values()) producer.close();
    this.#broadcast({ type: 'peerLeft', data: { peerId } });
    this.#forgetMember(peerId);
    this.emit('socketlessPeerLeft', peerId);
  }

  async produce(peer: Peer, data: RequestData<'produce'>): Promise<ResponseData['produce']> {
    const producer = await peer.media.produce(
      data.transportId,
      data.kind,
      data.rtpParameters as types.RtpParameters,
      data.source,
      this.#gated(peer, data.kind),
    );
    // The floor may have moved while the producer was being made.
    await this.#sync(peer, producer);
    producer.observer.on('close', () => {
      if (this.#peers.has(peer.id)) {
        this.#broadcast({ type: 'producerRemoved', data: { peerId: peer.id, producerId: producer.id } }, peer.id);
      }
    });
    this.#broadcast(
      { type: 'producerAdded', data: { peerId: peer.id, producer: producerInfo(producer, data.source) } },
      peer.id,
    );
    this.dynacast.publish(producer, (maxSpatialLayer) => peer.notify({ type: 'producerLayers', data: { producerId: producer.id, maxSpatialLayer } }));
    this.emit('producer', { producer, peerId: peer.id, user: peer.user });
    return { producerId: producer.id };
  }

  async setProducerPaused(peer: Peer, producerId: string, paused: boolean): Promise<void> {
    const producer = peer.media.producer(producerId);
    if (paused) peer.muted.add(producerId);
    else peer.muted.delete(producerId);
    await this.#sync(peer, producer);
    this.#broadcast({ type: 'producerPaused', data: { peerId: peer.id, producerId, paused } }, peer.id);
    this.emit('localProducerMuted', { peerId: peer.id, producerId, muted: paused });
  }

  async consume(peer: Peer, producerId: string, displayHeight?: number): Promise<ResponseData['consume']> {
    const producer = this.#media.findProducer(producerId);
    if (!producer) throw new AppError(ErrorCode.NotFound, `no producer ${producerId} in this room`);
    if (producer.appData.participantId === peer.id) throw new AppError(ErrorCode.BadRequest, 'cannot consume your own producer');
    const consumer = await peer.media.consume(await this.#media.reachable(producer, peer.id), displayHeight);
    return {
      consumerId: consumer.id,
      producerId,
      peerId: producer.appData.participantId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as ResponseData['consume']['rtpParameters'],
      producerPaused: consumer.producerPaused,
    };
  }

  async requestFloor(peer: Peer, emergency: boolean): Promise<FloorOutcome> {
    this.#ptt();
    // Replied once the holder's audio flows: "granted" means the others hear you now.
    return (await this.requestFloorFor(peer.id, emergency))!;
  }

  async releaseFloor(peer: Peer): Promise<void> {
    this.#ptt();
    await this.releaseFloorFor(peer.id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#talkGroup?.close();
    for (const peer of this.#peers.values()) peer.media.close();
    this.#peers.clear();
    this.#feeds.clear();
    this.#remotes.clear();
    this.#sips.clear();
    this.#media.close();
    this.dynacast.close();
    this.emit('closed');
  }

  /** Sends to every peer in the room. */
  notifyAll(notification: Notification): void {
    this.#broadcast(notification);
  }

  #forgetMember(peerId: string): void {
    if (this.#audible.forget(peerId)) this.#broadcast({ type: 'audibleSpeakers', data: this.#audible.state() });
    if (this.#pinned === peerId) this.pinSpotlight(null);
  }

  /** Puts a member (a person, a feed, a call) in everyone's spotlight, or null for the automatic choice. */
  pinSpotlight(peerId: string | null): void {
    if (peerId !== null && !this.peers().some((p) => p.id === peerId)) throw new AppError(ErrorCode.NotFound, `no member ${peerId} in this room`);
    this.#pinned = peerId;
    this.#broadcast({ type: 'spotlight', data: { peerId } });
  }

  #ptt(): TalkGroup {
    if (!this.#talkGroup) throw new AppError(ErrorCode.InvalidState, `room ${this.id} is not a talk group`);
    return this.#talkGroup;
  }

  /** Audio in a talk group is held back unless its owner has the floor; video is never gated. */
  #gated(peer: { id: string }, kind: 'audio' | 'video'): boolean {
    if (kind !== 'audio' || !this.#talkGroup) return false;
    return this.#arbiter ? this.#remoteFloor.holder?.peerId !== peer.id : !this.#talkGroup.holds(peer.id);
  }

  /** The talk group's floor as this node knows it (its own, or the arbiter node's); null when no talk group. */
  floorState(): FloorState | null {
    if (!this.#talkGroup) return null;
    return this.#arbiter ? this.#remoteFloor : this.#talkGroup.state();
  }

  async #sync(peer: Peer, producer: types.Producer): Promise<void> {
    await this.#syncProducer(peer.id, peer.muted.has(producer.id), producer);
  }

  async #syncProducer(peerId: string, muted: boolean, producer: types.Producer): Promise<void> {
    const pause = muted || this.#gated({ id: peerId }, producer.kind);
    if (producer.closed || producer.paused === pause) return;
    try {
      if (pause) await producer.pause();
      else await producer.resume();
    } catch (err) {
      if (!producer.closed) this.logger.warn({ err, producerId: producer.id }, 'could not gate producer');
    }
  }

  #onFloorChange(events: FloorEvent[]): void {
    // While another node arbitrates, this node's own floor is idle; only the arbiter's counts.
    if (this.#arbiter) return;
    this.#floorMoved();
    for (const e of events) {
      if (e.type !== 'revoked') continue;
      const revoked: Notification = { type: 'floorRevoked', data: { reason: e.reason, ...(e.by ? { byPeerId: e.by } : {}) } };
      this.#peers.get(e.memberId)?.notify(revoked);
      const remote = this.#remotes.get(e.memberId);
      if (remote) this.#relay?.(remote.node, remote.id, revoked);
    }
    this.#broadcast({ type: 'floorState', data: this.#ptt().state() });
  }

  /** Gates this node's audio producers by the floor now, then tells listeners ('floor'). */
  #floorMoved(): void {
    const syncAll = async () => {
      const all = [
        ...[...this.#peers.values()].flatMap((peer) => peer.media.producers().map((producer) => ({ peer, muted: peer.muted.has(producer.id), producer }))),
        ...[...this.#sips.values()].flatMap((sip) => (sip.producer ? [{ peer: sip, muted: false, producer: sip.producer }] : [])),
      ];
      // Silence the old holder before opening the new one, so two talkers never overlap.
      const closing = all.filter(({ peer, producer }) => !producer.paused && this.#gated(peer, producer.kind));
      await Promise.all(closing.map(({ peer, muted, producer }) => this.#syncProducer(peer.id, muted, producer)));
      await Promise.all(all.map(({ peer, muted, producer }) => this.#syncProducer(peer.id, muted, producer)));
    };
    this.#gating = this.#gating.then(syncAll, syncAll);
    const state = this.floorState()!;
    void this.#gating.then(() => this.emit('floor', state));
  }

  #newParticipant(peerId: string) {
    const participant = this.#media.addParticipant(peerId);
    this.dynacast.watch(participant);
    participant.on('consumerClosed', (consumerId) => {
      this.#peers.get(peerId)?.notify({ type: 'consumerClosed', data: { consumerId } });
    });
    return participant;
  }

  #attach(media: MediaRoom): void {
    media.on('dominantSpeaker', (peerId) => {
      if (!this.#arbiter) this.#setActiveSpeaker(peerId);
    });
    media.on('routerClosed', () => {
      if (!this.#closed) void this.#rebuildMedia();
    });
    media.on('participantsLost', (peerIds) => this.#replaceLostMedia(media, peerIds));
  }

  /** A router of the room other than its home died: only its peers start over, on a live router. */
  #replaceLostMedia(media: MediaRoom, peerIds: string[]): void {
    if (this.#closed || media !== this.#media) return;
    this.logger.warn({ peers: peerIds.length }, 'a room router was lost; its peers rejoin');
    for (const id of peerIds) {
      const peer = this.#peers.get(id);
      if (!peer) continue;
      peer.media = this.#newParticipant(id);
      peer.notify({ type: 'roomReset', data: { reason: 'media worker restarted' } });
    }
  }

  #setActiveSpeaker(peerId: string): void {
    this.#activeSpeaker = peerId;
    this.#broadcast({ type: 'activeSpeaker', data: { peerId } });
    this.emit('activeSpeaker', peerId);
  }

  async #rebuildMedia(): Promise<void> {
    this.logger.warn({ peers: this.#peers.size }, 'room media lost; rebuilding on a live worker');
    // Peers stay members meanwhile; the worker pool brings a worker back if none is alive.
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        const media = await MediaRoom.create(this.pool);
        if (this.#closed) {
          media.close();
          return;
        }
        this.#media = media;
        break;
      } catch (err) {
        if (attempt % 25 === 0) this.logger.error({ err, attempt }, 'no live media worker yet; still trying');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (this.#closed) return;
    this.#attach(this.#media);
    for (const peer of this.#peers.values()) peer.media = this.#newParticipant(peer.id);
    this.#broadcast({ type: 'roomReset', data: { reason: 'media worker restarted' } });
    this.emit('mediaRebuilt');
  }

  /** Sends to the peers whose user matches; returns how many got it. */
  notifyUsers(matches: (user: PublicUser) => boolean, notification: Notification): number {
    let n = 0;
    for (const peer of this.#peers.values()) {
      if (!matches(peer.user)) continue;
      peer.notify(notification);
      n++;
    }
    for (const remote of this.#remotes.values()) {
      if (!this.#relay || !matches(remote.user)) continue;
      this.#relay(remote.node, remote.id, notification);
      n++;
    }
    return n;
  }

  /** Tells every other peer something one peer did (positions, messages), members on other nodes too. */
  notifyOthers(peerId: string, notification: Notification): void {
    this.#broadcast(notification, peerId);
    for (const remote of this.#remotes.values()) if (remote.id !== peerId) this.#relay?.(remote.node, remote.id, notification);
  }

  #broadcast(notification: Notification, exceptPeerId?: string): void {
    for (const peer of this.#peers.values()) if (peer.id !== exceptPeerId) peer.notify(notification);
  }
}

/** A camera feed's presence in a room. */
class FeedPeer {
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();

  constructor(
    readonly id: string,
    readonly user: PublicUser,
    readonly sourceId: string,
    public state: FeedState,
  ) {}

  info(): PeerInfo {
    return {
      id: this.id,
      user: this.user,
      producers: [...this.producers.values()].map((p) => producerInfo(p, p.appData.source)),
      feed: { sourceId: this.sourceId, ...this.state },
    };
  }
}

/** mediasoup (server) and mediasoup-client describe the same JSON with slightly different optionality. */
type WireCapabilities = ResponseData['joinRoom']['routerRtpCapabilities'];

function producerInfo(producer: types.Producer, source: MediaSource) {
  // New producers are never muted; a gated one is not muted either.
  return { id: producer.id, kind: producer.kind, source, paused: false };
}
