import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../protocol/errors.js';
import { roomMediaCodecs } from './media-codecs.js';
import { MediaParticipant, type ProducerAppData, type RouterPlace } from './media-participant.js';
import { ProducerPipes } from './producer-pipes.js';
import { TypedEmitter } from './typed-emitter.js';
import type { MediaWorker, WorkerPool } from './worker-pool.js';

type MediaRoomEvents = {
  dominantSpeaker: [participantId: string];
  /** The home router is gone (its worker died); every participant's media with it. */
  routerClosed: [];
  /** Another of the room's routers is gone (its worker died): these participants lost their media, the rest goes on. */
  participantsLost: [participantIds: string[]];
};

/** One of a room's routers, on one worker, and who is placed on it. */
interface RoomRouter {
  readonly host: MediaWorker;
  /** Settles when the worker has made the router: at once for the home router. */
  readonly opened: Promise<types.Router>;
  readonly participants: Set<string>;
  lost: boolean;
}

/** What the room's routers carry, for operators and tests. */
export interface RoomRouterInfo {
  workerPid: number;
  participants: number;
  participantIds: string[];
  home: boolean;
}

/**
 * One room's media. Its home router holds every producer of the room (those made on other routers are
 * piped in at once), so recording, SIP mixing, camera feeds, cluster pipes and the active-speaker
 * observer use that one router. A growing room opens routers on other workers (see addParticipant);
 * a participant consuming a producer of another router consumes a pipe of it made on first use.
 */
export class MediaRoom extends TypedEmitter<MediaRoomEvents> {
  readonly #participants = new Map<string, { participant: MediaParticipant; at: RoomRouter }>();
  /** Producers piped in from elsewhere (camera feeds), consumed like participants' own. */
  readonly #piped = new Map<string, types.Producer<ProducerAppData>>();
  /** The router each producer was made in, by producer id. */
  readonly #origins = new Map<string, RoomRouter>();
  readonly #pipes: ProducerPipes;
  /** The home router first. */
  readonly #routers: RoomRouter[];
  #closed = false;
  /** Everything alive in the routers, whoever made it (participants, pipes, SIP legs): for leak checks. */
  readonly #live = { transports: 0, producers: 0, consumers: 0 };

  private constructor(
    private readonly pool: WorkerPool,
    private readonly host: MediaWorker,
    readonly router: types.Router,
    private readonly speakerObserver: types.ActiveSpeakerObserver,
    pipeIdleMs: number | undefined,
  ) {
    super();
    this.#pipes = new ProducerPipes(pipeIdleMs);
    host.routers++;
    this.#routers = [{ host, opened: Promise.resolve(router), participants: new Set(), lost: false }];
    this.#count(router);
    router.observer.on('close', () => {
      host.routers--;
      const wasOpen = !this.#closed;
      this.#closed = true;
      // The room is rebuilt from nothing: its other routers go too.
      for (const other of this.#routers.slice(1)) this.#closeRouter(other);
      for (const { at } of this.#participants.values()) at.host.peers--;
      this.#participants.clear();
      this.#piped.clear();
      if (wasOpen) this.emit('routerClosed');
    });
    speakerObserver.on('dominantspeaker', ({ producer }) => {
      const appData = producer.appData as ProducerAppData;
      this.emit('dominantSpeaker', appData.participantId);
    });
  }

  /** `pipeIdleMs`: how long a pipe into a router other than the home one is kept with no consumer (10 s). */
  static async create(pool: WorkerPool, options: { pipeIdleMs?: number } = {}): Promise<MediaRoom> {
    const host = pool.leastLoaded();
    const router = await host.worker.createRouter({ mediaCodecs: roomMediaCodecs });
    const speakerObserver = await router.createActiveSpeakerObserver({ interval: 300 });
    return new MediaRoom(pool, host, router, speakerObserver, options.pipeIdleMs);
  }

  /** Every room router has these capabilities (same codec list), so clients can load them before joining. */
  static async probeCapabilities(pool: WorkerPool): Promise<types.RtpCapabilities> {
    const router = await pool.leastLoaded().worker.createRouter({ mediaCodecs: roomMediaCodecs });
    const capabilities = router.rtpCapabilities;
    router.close();
    return capabilities;
  }

  get workerPid(): number {
    return this.host.worker.pid;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  /**
   * Places the participant on the room's router whose worker carries the fewest participants, among
   * those with fewer than the pool's peersPerRouter; when all are full, on a router opened on a worker
   * the room does not use yet; when there is none, on the room's emptiest router.
   */
  addParticipant(id: string): MediaParticipant {
    if (this.#closed) throw new AppError(ErrorCode.InvalidState, 'room media is restarting; retry');
    this.removeParticipant(id);
    const at = this.#place();
    at.participants.add(id);
    at.host.peers++;
    const place: Promise<RouterPlace> = at.opened.then((router) => ({ router, webRtcServer: at.host.webRtcServer }));
    place.catch(() => undefined); // its users see the failure; a participant that never used it must not crash the process
    const participant = new MediaParticipant(id, place, (producer) => this.#onProducer(producer, at));
    this.#participants.set(id, { participant, at });
    return participant;
  }

  removeParticipant(id: string): void {
    const entry = this.#participants.get(id);
    if (!entry) return;
    entry.participant.close();
    this.#participants.delete(id);
    const { at } = entry;
    at.participants.delete(id);
    at.host.peers--;
    // An emptied router other than the home one is closed; the room opens one again when it grows.
    if (at !== this.#routers[0] && at.participants.size === 0) this.#closeRouter(at);
  }

  /**
   * The producer as the participant's router has it, to consume: itself when both are in the same
   * router, else a pipe of it.
   */
  async reachable(producer: types.Producer<ProducerAppData>, participantId: string): Promise<types.Producer<ProducerAppData>> {
    const to = this.#participants.get(participantId)?.at;
    const from = this.#origins.get(producer.id) ?? this.#routers[0]!;
    if (!to) throw new AppError(ErrorCode.NotFound, `no participant ${participantId} in this room`);
    if (to === from) return producer;
    return this.#pipes.into(producer, await from.opened, await to.opened);
  }

  /** The room's routers, the home one first. */
  routers(): RoomRouterInfo[] {
    return this.#routers.map((r, i) => ({ workerPid: r.host.worker.pid, participants: r.participants.size, participantIds: [...r.participants], home: i === 0 }));
  }

  #place(): RoomRouter {
    const limit = this.pool.peersPerRouter;
    const roomy = this.#routers.filter((r) => r.participants.size < limit);
    if (roomy.length > 0) return minBy(roomy, (r) => r.host.peers);
    const used = new Set(this.#routers.map((r) => r.host));
    const spare = this.pool.leastLoadedOf((w) => !used.has(w));
    if (spare) return this.#open(spare);
    return minBy(this.#routers, (r) => r.participants.size);
  }

  #open(host: MediaWorker): RoomRouter {
    const opened = host.worker.createRouter({ mediaCodecs: roomMediaCodecs });
    const at: RoomRouter = { host, opened, participants: new Set(), lost: false };
    host.routers++;
    this.#routers.push(at);
    opened.then(
      (router) => {
        this.#count(router);
        this.#pipes.watch(router);
        router.observer.once('close', () => this.#lose(at));
        if (this.#closed || at.lost) router.close();
      },
      () => this.#lose(at),
    );
    return at;
  }

  #closeRouter(at: RoomRouter): void {
    this.#lose(at);
    at.opened.then((router) => router.close(), () => undefined);
  }

  /** A router other than the home one closed: who was on it has no media now. */
  #lose(at: RoomRouter): void {
    if (at.lost) return;
    at.lost = true;
    at.host.routers--;
    const index = this.#routers.indexOf(at);
    if (index > 0) this.#routers.splice(index, 1);
    const lost = [...at.participants];
    at.participants.clear();
    for (const id of lost) {
      const entry = this.#participants.get(id);
      if (entry?.at !== at) continue;
      entry.participant.close();
      this.#participants.delete(id);
      at.host.peers--;
    }
    if (!this.#closed && lost.length > 0) this.emit('participantsLost', lost);
  }

  /** Every producer is also in the home router (piped there before the producer is announced). */
  async #onProducer(producer: types.Producer<ProducerAppData>, at: RoomRouter): Promise<void> {
    this.#origins.set(producer.id, at);
    producer.observer.once('close', () => this.#origins.delete(producer.id));
    const home = this.#routers[0];
    if (at !== home) {
      try {
        await this.#pipes.into(producer, await at.opened, this.router, { keep: true });
      } catch (err) {
        producer.close();
        throw err instanceof AppError ? err : new AppError(ErrorCode.InvalidState, 'room media is restarting; retry');
      }
    }
    if (producer.kind === 'audio') void this.speakerObserver.addProducer({ producerId: producer.id }).catch(() => {});
  }

  /**
   * A producer made in this router outside a participant (a camera feed's pipe, a SIP leg); forgotten
   * when it closes. Audio of a party that speaks (SIP) is also watched for the active speaker.
   */
  adoptPipedProducer(producer: types.Producer<ProducerAppData>, options: { observeSpeaker?: boolean } = {}): void {
    this.#piped.set(producer.id, producer);
    producer.observer.on('close', () => this.#piped.delete(producer.id));
    if (options.observeSpeaker && producer.kind === 'audio') {
      void this.speakerObserver.addProducer({ producerId: producer.id }).catch(() => {});
    }
  }

  findProducer(producerId: string): types.Producer<ProducerAppData> | undefined {
    const piped = this.#piped.get(producerId);
    if (piped) return piped;
    for (const { participant } of this.#participants.values()) {
      const producer = participant.producers().find((p) => p.id === producerId);
      if (producer) return producer;
    }
    return undefined;
  }

  /** Transports, producers and consumers now open in this room's routers, pipes included. */
  routerCounts(): { transports: number; producers: number; consumers: number } {
    return { ...this.#live };
  }

  #count(router: types.Router): void {
    const live = this.#live;
    const track = (key: keyof typeof live, observer: { once(event: 'close', fn: () => void): unknown }) => {
      live[key]++;
      observer.once('close', () => live[key]--);
    };
    router.observer.on('newtransport', (transport) => {
      track('transports', transport.observer);
      transport.observer.on('newproducer', (producer) => track('producers', producer.observer));
      transport.observer.on('newconsumer', (consumer) => track('consumers', consumer.observer));
    });
  }

  consumerCount(): number {
    let n = 0;
    for (const { participant } of this.#participants.values()) n += participant.consumerCount();
    return n;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const other of this.#routers.slice(1)) this.#closeRouter(other);
    this.router.close();
  }
}

function minBy<T>(items: readonly T[], key: (item: T) => number): T {
  return items.reduce((best, item) => (key(item) < key(best) ? item : best));
}
