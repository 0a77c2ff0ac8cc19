import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { PipeConnectReply, PipeConsumeReply, PipeRequest, type RoomSpanEvent } from '../../protocol/cluster.js';
import type { ProducerAppData } from '../../media/media-participant.js';
import type { Notification, PeerInfo } from '../../protocol/signalling.js';
import type { Room } from '../rooms/room.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { ClusterBus } from './cluster-bus.js';
import type { NodeRegistry } from './node-registry.js';

/**
 * A room spanning nodes. Each node with members of room R keeps its own Room; members' joins, leaves
 * and producers are broadcast, and each node pulls the other nodes' producers into its router over a
 * PipeTransport pair per (room, node): the puller's transport receives, the owner's sends. The pulled
 * producer keeps its id, so a client sees the same ids whichever node it is on.
 */
export class RoomSpan {
  // Keyed by the room's router id: a room whose media is rebuilt (or reopened) starts with no pipes.
  /** router → node → this node's receiving PipeTransport (being made or made). */
  readonly #inbound = new Map<string, Map<string, Promise<types.PipeTransport>>>();
  /** router → node → this node's sending PipeTransport for that node. */
  readonly #outbound = new Map<string, Map<string, types.PipeTransport>>();
  /** router:producer being pulled, so one announced twice is pulled once. */
  readonly #pulling = new Set<string>();

  constructor(
    private readonly rooms: RoomManager,
    private readonly bus: ClusterBus,
    private readonly registry: NodeRegistry,
    private readonly logger: Logger,
  ) {
    rooms.on('opened', (room) => this.#watch(room));
    bus.onEvent((event) => void this.#onEvent(event).catch((err: unknown) => this.logger.warn({ err, event: event.type }, 'cluster room event failed')));
    bus.onRequest((body, from) => this.#onRequest(body, from));
    registry.on('nodeDown', (node) => this.#dropNode(node));
    // The others took this node for dead and dropped its members: they learn them again (and pull anew).
    registry.on('rejoined', () => {
      for (const room of rooms.liveRooms()) this.#announce(room);
    });
  }

  get #self(): string {
    return this.bus.nodeId;
  }

  #watch(room: Room): void {
    const roomId = room.id;
    const node = this.#self;
    room.on('localPeerJoined', (peer) => this.bus.publish({ type: 'peerJoined', node, roomId, peer: { id: peer.id, user: peer.user } }));
    room.on('localProducerMuted', ({ peerId, producerId, muted }) => this.bus.publish({ type: 'producerMuted', node, roomId, peerId, producerId, muted }));
    room.on('localPeerLeft', (peerId) => this.bus.publish({ type: 'peerLeft', node, roomId, peerId }));
    // Camera feeds and SIP calls run here are members like people connected here, shown as they are.
    room.on('socketlessPeer', (peer) => this.bus.publish({ type: 'peerJoined', node, roomId, peer: shown(peer) }));
    room.on('socketlessPeerLeft', (peerId) => this.bus.publish({ type: 'peerLeft', node, roomId, peerId }));
    room.on('producer', ({ producer, peerId }) => {
      if (!room.isOwnPeer(peerId)) return;
      this.bus.publish({ type: 'producerAdded', node, roomId, peerId, producerId: producer.id });
      producer.observer.on('close', () => {
        if (this.rooms.live(roomId) === room) this.bus.publish({ type: 'producerRemoved', node, roomId, peerId, producerId: producer.id });
      });
    });
    room.relayToRemotePeers((to, peerId, notification) => this.bus.publish({ type: 'notifyPeer', node, to, roomId, peerId, notification }));
    // The pipes closed with the old router: the other nodes drop theirs to us and announce their members again.
    room.on('mediaRebuilt', () => this.bus.publish({ type: 'roomOpened', node, roomId }));
    room.on('closed', () => this.bus.publish({ type: 'roomClosed', node, roomId }));
    this.bus.publish({ type: 'roomOpened', node, roomId });
  }

  /** The room's local members and their producers, told again to the nodes (a node just opened it). */
  #announce(room: Room): void {
    const node = this.#self;
    for (const peer of room.peers()) {
      if (!room.isOwnPeer(peer.id)) continue;
      this.bus.publish({ type: 'peerJoined', node, roomId: room.id, peer: shown(peer) });
      for (const p of peer.producers) this.bus.publish({ type: 'producerAdded', node, roomId: room.id, peerId: peer.id, producerId: p.id });
    }
  }

  async #onEvent(event: RoomSpanEvent): Promise<void> {
    const room = this.rooms.live(event.roomId);
    if (!room || !this.registry.isAlive(event.node)) return;
    switch (event.type) {
      case 'roomOpened':
        // The node's room is new (or its media is): pipes to and from its old router lead nowhere.
        this.#closeTransports(room, event.node);
        return this.#announce(room);
      case 'roomClosed':
        room.removeRemotePeersOf(event.node);
        this.#closeTransports(room, event.node);
        return;
      case 'notifyPeer':
        // Only the sending node knows what it means; this node delivers it to its member as sent.
        if (event.to === this.#self) room.notifyLocalPeer(event.peerId, event.notification as Notification);
        return;
      case 'peerJoined':
        return room.addRemotePeer(event.node, event.peer.id, event.peer.user, {
          ...(event.peer.feed ? { feed: event.peer.feed } : {}),
          ...(event.peer.sip ? { sip: event.peer.sip } : {}),
        });
      case 'peerLeft':
        return room.removeRemotePeer(event.peerId);
      case 'producerMuted':
        return room.setRemoteMuted(event.peerId, event.producerId, event.muted);
      case 'producerRemoved':
        return room.removeRemoteProducer(event.peerId, event.producerId);
      case 'producerAdded':
        return this.#pull(room, event.node, event.peerId, event.producerId);
      case 'layerDemand':
        // The puller's viewers replace the "every layer" its pipe asked for at first.
        if (event.to === this.#self) room.dynacast.setDemand(event.producerId, `node:${event.node}`, event.maxSpatialLayer < 0 ? null : event.maxSpatialLayer);
        return;
      default:
        // The room arbiter's (floor, active speaker).
        return;
    }
  }

  async #pull(room: Room, node: string, peerId: string, producerId: string): Promise<void> {
    const router = room.router;
    const key = `${router.id}:${producerId}`;
    // Announced again (another node opened the room): already piped in, so nothing to do.
    if (!room.hasRemotePeer(peerId) || room.hasRemoteProducer(peerId, producerId) || this.#pulling.has(key)) return;
    this.#pulling.add(key);
    try {
      const transport = await this.#inboundTransport(router, room.id, node);
      const reply = PipeConsumeReply.parse(await this.bus.request(node, { type: 'pipeConsume', roomId: room.id, producerId } satisfies PipeRequest));
      const producer = await transport.produce<ProducerAppData>({
        id: producerId,
        kind: reply.kind,
        rtpParameters: reply.rtpParameters as unknown as types.RtpParameters,
        // Never paused here: the owner's pipe consumer follows its producer (mute, talk-group gate).
        paused: false,
        appData: { participantId: peerId, source: reply.source },
      });
      // The room may have closed, or its media moved, while the pipe was being made.
      if (this.rooms.live(room.id) !== room || room.router !== router) producer.close();
      else {
        room.addRemoteProducer(peerId, producer, reply.muted);
        // This node's viewers of it count at its publisher's node as one demand (dynacast across nodes).
        room.dynacast.publish(producer, (maxSpatialLayer) =>
          this.bus.publish({ type: 'layerDemand', node: this.#self, to: node, roomId: room.id, producerId, maxSpatialLayer }),
        );
      }
    } finally {
      this.#pulling.delete(key);
    }
  }

  #inboundTransport(router: types.Router, roomId: string, node: string): Promise<types.PipeTransport> {
    const perNode = this.#perRouter(this.#inbound, router);
    let making = perNode.get(node);
    if (!making) {
      making = this.#connectInbound(router, roomId, node);
      perNode.set(node, making);
      making.catch(() => perNode.get(node) === making && perNode.delete(node));
    }
    return making;
  }

  /** A router's pipes, forgotten when it closes (room closed, or its worker died). */
  #perRouter<T>(map: Map<string, Map<string, T>>, router: types.Router): Map<string, T> {
    let perNode = map.get(router.id);
    if (!perNode) {
      map.set(router.id, (perNode = new Map()));
      router.observer.once('close', () => map.delete(router.id));
    }
    return perNode;
  }

  async #connectInbound(router: types.Router, roomId: string, node: string): Promise<types.PipeTransport> {
    const transport = await router.createPipeTransport({ listenIp: this.registry.self.pipeIp });
    try {
      const { localIp, localPort } = transport.tuple;
      const remote = PipeConnectReply.parse(await this.bus.request(node, { type: 'pipeConnect', roomId, ip: localIp, port: localPort } satisfies PipeRequest));
      await transport.connect(remote);
      this.logger.info({ room: roomId, node, remote }, 'pipe from node connected');
      return transport;
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  /** Another node asks: connect a sending pipe to it, or consume one of our producers on that pipe. */
  async #onRequest(body: unknown, from: string): Promise<unknown> {
    const parsed = PipeRequest.safeParse(body);
    if (!parsed.success) throw new Error(`bad pipe request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`);
    if (!this.registry.isAlive(from)) throw new Error(`node ${from} is not a live member of the cluster`);
    const request = parsed.data;
    const room = this.rooms.live(request.roomId);
    if (!room) throw new Error(`room ${request.roomId} is not open on node ${this.#self}`);
    if (request.type === 'pipeConnect') {
      const router = room.router;
      const perNode = this.#perRouter(this.#outbound, router);
      perNode.get(from)?.close();
      perNode.delete(from);
      const transport = await router.createPipeTransport({ listenIp: this.registry.self.pipeIp });
      await transport.connect({ ip: request.ip, port: request.port });
      if (router.closed) throw new Error(`room ${room.id} media is restarting; retry`);
      perNode.set(from, transport);
      return { ip: transport.tuple.localIp, port: transport.tuple.localPort };
    }
    const transport = this.#outbound.get(room.router.id)?.get(from);
    if (!transport || transport.closed) throw new Error(`no pipe to node ${from} for room ${room.id}; connect first`);
    const producer = room.producers().find((p) => p.producer.id === request.producerId && room.isOwnPeer(p.peerId));
    if (!producer) throw new Error(`no local producer ${request.producerId} in room ${room.id}`);
    const consumer = await transport.consume({ producerId: request.producerId });
    // Every layer until the other node says what its viewers want (layerDemand); none once the pipe closes.
    consumer.observer.once('close', room.dynacast.demandFull(request.producerId, `node:${from}`));
    return { kind: consumer.kind, rtpParameters: consumer.rtpParameters, muted: room.isMutedLocally(producer.peerId, producer.producer.id), source: producer.producer.appData.source };
  }

  #closeTransports(room: Room, node: string): void {
    const routerId = room.router.id;
    this.#outbound.get(routerId)?.get(node)?.close();
    this.#outbound.get(routerId)?.delete(node);
    const inbound = this.#inbound.get(routerId)?.get(node);
    this.#inbound.get(routerId)?.delete(node);
    void inbound?.then((t) => t.close(), () => undefined);
  }

  /** A dead node's members leave every room here, and its pipes close. */
  #dropNode(node: string): void {
    for (const room of this.rooms.liveRooms()) {
      room.removeRemotePeersOf(node);
      this.#closeTransports(room, node);
    }
  }

  /** Pipes now open (for the admin overview and tests). */
  pipeCount(): { inbound: number; outbound: number } {
    let inbound = 0;
    let outbound = 0;
    for (const m of this.#inbound.values()) inbound += m.size;
    for (const m of this.#outbound.values()) outbound += m.size;
    return { inbound, outbound };
  }
}

/** A member as the other nodes learn it: who, and for a feed or SIP call its state. */
function shown(peer: PeerInfo): Extract<RoomSpanEvent, { type: 'peerJoined' }>['peer'] {
  return { id: peer.id, user: peer.user, ...(peer.feed ? { feed: peer.feed } : {}), ...(peer.sip ? { sip: peer.sip } : {}) };
}
