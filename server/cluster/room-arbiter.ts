import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { FloorRequest, FloorRequestReply, FloorSyncReply, clusterChannels, type RoomSpanEvent } from '../../protocol/cluster.js';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { FloorOutcome } from '../../protocol/signalling.js';
import type { RemoteArbiter, Room } from '../rooms/room.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { ClusterBus } from './cluster-bus.js';

/** Renews the lease only while this node still holds it (another may have taken an expired one). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const FLOOR_REQUEST_TIMEOUT_MS = 3000;

interface Arbitration {
  room: Room;
  /** The node arbitrating the room; undefined until the lease is first read. */
  node: string | undefined;
  decided: Promise<void>;
  decide: () => void;
  /** This node as arbiter: the number of its last floorState; as follower: the last one applied. */
  seq: number;
  electing: boolean;
}

/**
 * One arbiter per room across the cluster: the node holding the room's lease in Redis (SET NX with a
 * TTL, renewed on every heartbeat) runs the room's talk-group floor and picks its active speaker. The
 * other nodes forward their members' floor requests to it and apply the floor it publishes to gate
 * their own members' audio; they show its active speaker. When the arbiter dies (or closes its room)
 * its lease expires (or is deleted) and the next node to ask takes it; the floor then starts free.
 */
export class RoomArbiter {
  readonly #rooms = new Map<string, Arbitration>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly rooms: RoomManager,
    private readonly bus: ClusterBus,
    private readonly redis: Redis,
    private readonly opts: { beatMs: number; leaseMs: number },
    private readonly logger: Logger,
  ) {
    rooms.on('opened', (room) => this.#watch(room));
    bus.onEvent((event) => this.#onEvent(event));
    bus.onRequest((body, from) => this.#onRequest(body, from), ['floorRequest', 'floorRelease', 'floorSync']);
    this.#timer = setInterval(() => {
      for (const a of this.#rooms.values()) void this.#elect(a);
    }, opts.beatMs);
  }

  get #self(): string {
    return this.bus.nodeId;
  }

  /** The node arbitrating each room open here, as far as known (for the admin overview and tests). */
  arbiters(): Record<string, string> {
    return Object.fromEntries([...this.#rooms].flatMap(([roomId, a]) => (a.node ? [[roomId, a.node]] : [])));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#rooms.values()].map((a) => this.#release(a)));
  }

  #watch(room: Room): void {
    let decide = () => {};
    const decided = new Promise<void>((resolve) => (decide = resolve));
    const a: Arbitration = { room, node: undefined, decided, decide, seq: 0, electing: false };
    this.#rooms.set(room.id, a);
    // Until the lease is read, requests wait for it (a floor granted here could be another node's too).
    room.arbitrateWith(this.#forwarder(a));
    room.on('floor', (state) => {
      if (a.node === this.#self) this.bus.publish({ type: 'floorState', node: this.#self, roomId: room.id, seq: ++a.seq, state });
    });
    room.on('activeSpeaker', (peerId) => {
      if (a.node === this.#self) this.bus.publish({ type: 'activeSpeaker', node: this.#self, roomId: room.id, peerId });
    });
    room.on('closed', () => {
      if (this.#rooms.get(room.id) === a) this.#rooms.delete(room.id);
      void this.#release(a);
    });
    void this.#elect(a);
  }

  /** What the room asks when another node arbitrates (or none is known yet). */
  #forwarder(a: Arbitration): RemoteArbiter {
    const ask = async (body: FloorRequest): Promise<unknown> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError(ErrorCode.Busy, 'no node arbitrates this talk group yet; try again')), FLOOR_REQUEST_TIMEOUT_MS);
      });
      await Promise.race([a.decided, late]).finally(() => clearTimeout(timer));
      if (a.node === this.#self) {
        // The lease turned out to be this node's: the room decides itself now.
        if (body.type === 'floorRequest') return a.room.requestFloorFor(body.peerId, body.emergency);
        if (body.type === 'floorRelease') return a.room.releaseFloorFor(body.peerId);
      }
      try {
        return await this.bus.request(a.node!, body, FLOOR_REQUEST_TIMEOUT_MS);
      } catch (err) {
        // The arbiter died or is taking over: the member presses again once a live node holds the lease.
        throw new AppError(ErrorCode.Busy, `floor not reachable: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    return {
      requestFloor: async (peerId, emergency): Promise<FloorOutcome> =>
        FloorRequestReply.parse(await ask({ type: 'floorRequest', roomId: a.room.id, peerId, emergency })),
      releaseFloor: async (peerId) => void (await ask({ type: 'floorRelease', roomId: a.room.id, peerId })),
    };
  }

  /** Takes the lease if it is free, keeps it if this node holds it, or follows whoever holds it. */
  async #elect(a: Arbitration): Promise<void> {
    if (a.electing) return;
    a.electing = true;
    const key = clusterChannels.arbiter(a.room.id);
    try {
      let holder: string | null;
      if (a.node === this.#self && (await this.redis.eval(RENEW, 1, key, this.#self, this.opts.leaseMs)) === 1) holder = this.#self;
      else if ((await this.redis.set(key, this.#self, 'PX', this.opts.leaseMs, 'NX')) === 'OK') holder = this.#self;
      else holder = await this.redis.get(key);
      if (this.#rooms.get(a.room.id) !== a) {
        // The room closed meanwhile.
        if (holder === this.#self) await this.redis.eval(RELEASE, 1, key, this.#self);
        return;
      }
      if (holder === this.#self) this.#lead(a);
      else if (holder) await this.#follow(a, holder);
    } catch (err) {
      this.logger.warn({ err, room: a.room.id }, 'room arbiter lease check failed');
    } finally {
      a.electing = false;
    }
  }

  #lead(a: Arbitration): void {
    if (a.node === this.#self) return;
    this.logger.info({ room: a.room.id, was: a.node ?? null }, 'this node arbitrates the room');
    a.node = this.#self;
    a.room.arbitrateWith(undefined);
    a.decide();
  }

  async #follow(a: Arbitration, node: string): Promise<void> {
    if (a.node === node) return;
    const was = a.node;
    a.node = node;
    a.seq = -1;
    // The floor of the node it replaces (or this node's) is gone: it starts free.
    if (was !== undefined) a.room.arbitrateWith(this.#forwarder(a));
    a.decide();
    this.logger.info({ room: a.room.id, arbiter: node }, 'another node arbitrates the room');
    try {
      const sync = FloorSyncReply.parse(await this.bus.request(node, { type: 'floorSync', roomId: a.room.id } satisfies FloorRequest, FLOOR_REQUEST_TIMEOUT_MS));
      if (a.node !== node || sync.seq <= a.seq) return;
      a.seq = sync.seq;
      a.room.applyFloorState(sync.state);
      if (sync.activeSpeaker) a.room.applyActiveSpeaker(sync.activeSpeaker);
    } catch (err) {
      // Its room may not be open yet; its next change will come as an event.
      this.logger.debug({ err, room: a.room.id, arbiter: node }, 'floor sync from the arbiter failed');
    }
  }

  async #release(a: Arbitration): Promise<void> {
    if (a.node !== this.#self) return;
    a.node = undefined;
    await this.redis.eval(RELEASE, 1, clusterChannels.arbiter(a.room.id), this.#self).catch(() => undefined);
  }

  #onEvent(event: RoomSpanEvent): void {
    const a = this.#rooms.get(event.roomId);
    if (!a || this.rooms.live(event.roomId) !== a.room) return;
    if (event.type === 'floorState' || event.type === 'activeSpeaker') {
      // From a node this one does not take for the arbiter (yet): the lease is read again.
      if (event.node !== a.node) return void this.#elect(a);
      if (event.type === 'activeSpeaker') return a.room.applyActiveSpeaker(event.peerId);
      if (event.seq <= a.seq) return;
      a.seq = event.seq;
      a.room.applyFloorState(event.state);
    } else if (event.type === 'roomClosed' && event.node === a.node) {
      // Its lease is gone with its room: the first node to ask takes it.
      void this.#elect(a);
    }
  }

  async #onRequest(body: unknown, from: string): Promise<unknown> {
    const parsed = FloorRequest.safeParse(body);
    if (!parsed.success) throw new Error(`bad floor request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}`);
    const request = parsed.data;
    const a = this.#rooms.get(request.roomId);
    if (!a || a.node !== this.#self) throw new Error(`node ${this.#self} does not arbitrate room ${request.roomId}`);
    if (request.type === 'floorSync') {
      return { seq: a.seq, state: a.room.floorState() ?? { holder: null, queue: [], burstEndsAt: null }, activeSpeaker: a.room.activeSpeaker } satisfies FloorSyncReply;
    }
    // A node speaks only for its own members.
    if (!a.room.isRemotePeerOf(request.peerId, from)) throw new Error(`${request.peerId} is not a member of room ${request.roomId} on node ${from}`);
    if (request.type === 'floorRelease') return void (await a.room.releaseFloorFor(request.peerId));
    const outcome = await a.room.requestFloorFor(request.peerId, request.emergency);
    if (!outcome) throw new Error(`room ${request.roomId} is not a talk group`);
    return outcome;
  }
}
