import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../protocol/errors.js';
import { roomMediaCodecs } from './media-codecs.js';
import { MediaParticipant, type ProducerAppData } from './media-participant.js';
import { TypedEmitter } from './typed-emitter.js';
import type { MediaWorker, WorkerPool } from './worker-pool.js';

type MediaRoomEvents = {
  dominantSpeaker: [participantId: string];
  /** The router is gone (its worker died); every participant's media with it. */
  routerClosed: [];
};

/** One room's media: a router on one worker and the participants' transports in it. */
export class MediaRoom extends TypedEmitter<MediaRoomEvents> {
  readonly #participants = new Map<string, MediaParticipant>();
  /** Producers piped in from elsewhere (camera feeds), consumed like participants' own. */
  readonly #piped = new Map<string, types.Producer<ProducerAppData>>();
  #closed = false;
  /** Everything alive in the router, whoever made it (participants, pipes, SIP legs): for leak checks. */
  readonly #live = { transports: 0, producers: 0, consumers: 0 };

  private constructor(
    private readonly host: MediaWorker,
    readonly router: types.Router,
    private readonly speakerObserver: types.ActiveSpeakerObserver,
  ) {
    super();
    host.routers++;
    this.#count(router);
    router.observer.on('close', () => {
      host.routers--;
      const wasOpen = !this.#closed;
      this.#closed = true;
      this.#participants.clear();
      this.#piped.clear();
      if (wasOpen) this.emit('routerClosed');
    });
    speakerObserver.on('dominantspeaker', ({ producer }) => {
      const appData = producer.appData as ProducerAppData;
      this.emit('dominantSpeaker', appData.participantId);
    });
  }

  static async create(pool: WorkerPool): Promise<MediaRoom> {
    const host = pool.leastLoaded();
    const router = await host.worker.createRouter({ mediaCodecs: roomMediaCodecs });
    const speakerObserver = await router.createActiveSpeakerObserver({ interval: 300 });
    return new MediaRoom(host, router, speakerObserver);
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

  addParticipant(id: string): MediaParticipant {
    if (this.#closed) throw new AppError(ErrorCode.InvalidState, 'room media is restarting; retry');
    this.#participants.get(id)?.close();
    const participant = new MediaParticipant(id, this.router, this.host.webRtcServer, (producer) => {
      if (producer.kind === 'audio') void this.speakerObserver.addProducer({ producerId: producer.id }).catch(() => {});
    });
    this.#participants.set(id, participant);
    return participant;
  }

  removeParticipant(id: string): void {
    this.#participants.get(id)?.close();
    this.#participants.delete(id);
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
    for (const participant of this.#participants.values()) {
      const producer = participant.producers().find((p) => p.id === producerId);
      if (producer) return producer;
    }
    return undefined;
  }

  /** Transports, producers and consumers now open in this room's router. */
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
    for (const p of this.#participants.values()) n += p.consumerCount();
    return n;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.router.close();
  }
}
