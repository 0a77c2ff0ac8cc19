import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../protocol/errors.js';
import type { MediaSource, TransportDirection } from '../protocol/signalling.js';
import { spatialLayerForDisplay } from './layer-selection.js';
import { TypedEmitter } from './typed-emitter.js';

export interface ProducerAppData extends types.AppData {
  participantId: string;
  source: MediaSource;
}

export interface RouterPlace {
  router: types.Router;
  webRtcServer: types.WebRtcServer;
}

type ParticipantEvents = {
  /** A consumer closed because its producer or transport went away. */
  consumerClosed: [consumerId: string];
  /** The spatial layer a consumer of a simulcast producer wants now; null: none (paused or closed). For dynacast. */
  consumerDemand: [producerId: string, consumerId: string, spatialLayer: number | null];
};

/** Height the web client captures at; simulcast layers are 1/4, 1/2 and full of it. */
const SOURCE_HEIGHT = 720;

function layersFor(displayHeight: number, spatialLayers: number): types.ConsumerLayers {
  return { spatialLayer: spatialLayerForDisplay(displayHeight, SOURCE_HEIGHT, spatialLayers), temporalLayer: 2 };
}

/**
 * One participant's media in one router: its WebRTC transports, what it sends and what it receives.
 * Closing it closes its transports, which closes their producers and consumers.
 */
export class MediaParticipant extends TypedEmitter<ParticipantEvents> {
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, types.Consumer>();
  /** Consumers the viewer paused (not the server's pause until the viewer is ready): they want no layer. */
  readonly #pausedByViewer = new Set<string>();
  #rtpCapabilities: types.RtpCapabilities | undefined;
  /** The recv transport being made, so a consume sent right behind createTransport waits instead of failing. */
  #recvCreating: Promise<types.WebRtcTransport | undefined> | undefined;
  #closed = false;

  constructor(
    readonly id: string,
    /** The router this participant is placed on, being opened on another worker for a growing room. */
    private readonly place: Promise<RouterPlace>,
    /** Settles once the room can use the producer everywhere (piped to its home router). */
    private readonly onProducer: (producer: types.Producer<ProducerAppData>) => Promise<void>,
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  producers(): types.Producer<ProducerAppData>[] {
    return [...this.#producers.values()];
  }

  consumerCount(): number {
    return this.#consumers.size;
  }

  setRtpCapabilities(caps: types.RtpCapabilities): void {
    this.#rtpCapabilities = caps;
  }

  async createTransport(direction: TransportDirection): Promise<types.WebRtcTransport> {
    const creating = this.place.then(({ router, webRtcServer }) => router.createWebRtcTransport({
      webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { direction },
    }));
    if (direction === 'recv') this.#recvCreating = creating.catch(() => undefined);
    const transport = await creating;
    this.#transports.set(transport.id, transport);
    transport.observer.on('close', () => this.#transports.delete(transport.id));
    return transport;
  }

  async connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters });
  }

  async restartIce(transportId: string): Promise<types.IceParameters> {
    return this.#transport(transportId).restartIce();
  }

  async produce(
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: MediaSource,
    /** Made paused, so not one packet leaks before a gate closes it. */
    paused = false,
  ): Promise<types.Producer<ProducerAppData>> {
    const transport = this.#transport(transportId);
    if (transport.appData.direction !== 'send') throw new AppError(ErrorCode.BadRequest, 'not a send transport');
    const producer = await transport.produce<ProducerAppData>({
      kind,
      rtpParameters,
      paused,
      appData: { participantId: this.id, source },
    });
    this.#producers.set(producer.id, producer);
    producer.observer.on('close', () => this.#producers.delete(producer.id));
    await this.onProducer(producer);
    return producer;
  }

  producer(producerId: string): types.Producer<ProducerAppData> {
    const producer = this.#producers.get(producerId);
    if (!producer) throw new AppError(ErrorCode.NotFound, `no producer ${producerId} of yours`);
    return producer;
  }

  async consume(producer: types.Producer<ProducerAppData>, displayHeight = 0): Promise<types.Consumer> {
    const rtpCapabilities = this.#rtpCapabilities;
    if (!rtpCapabilities) throw new AppError(ErrorCode.InvalidState, 'send setRtpCapabilities first');
    let transport = [...this.#transports.values()].find((t) => t.appData.direction === 'recv');
    if (!transport) {
      const pending = await this.#recvCreating;
      if (pending && !pending.closed) transport = pending;
    }
    if (!transport) throw new AppError(ErrorCode.InvalidState, 'create a recv transport first');
    if (!(await this.place).router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      throw new AppError(ErrorCode.BadRequest, 'your device cannot decode this producer');
    }
    // Video is paused until the client has set up its side, so the key frame asked for on resume is not
    // lost. Audio has no key frame to lose and starts at once: a member joining mid-burst hears the
    // talker one round trip sooner (MCPTT late entry).
    const simulcastLayers = producer.type === 'simulcast' ? (producer.rtpParameters.encodings?.length ?? 1) : 1;
    const consumer = await transport.consume({
      producerId: producer.id,
      rtpCapabilities: withoutTransportCc(rtpCapabilities),
      paused: producer.kind === 'video',
      ...(simulcastLayers > 1 ? { preferredLayers: layersFor(displayHeight, simulcastLayers) } : {}),
    });
    this.#consumers.set(consumer.id, consumer);
    const forget = (): void => {
      if (this.#consumers.delete(consumer.id)) this.emit('consumerClosed', consumer.id);
    };
    consumer.on('producerclose', forget);
    consumer.on('transportclose', forget);
    consumer.observer.on('close', () => {
      this.#consumers.delete(consumer.id);
      this.#pausedByViewer.delete(consumer.id);
      this.#demand(consumer, null);
    });
    // Counted from now, though made paused: the viewer resumes it in a moment.
    this.#demand(consumer, consumer.preferredLayers?.spatialLayer ?? null);
    return consumer;
  }

  async setConsumerPaused(consumerId: string, paused: boolean): Promise<void> {
    const consumer = this.#consumer(consumerId);
    if (paused) await consumer.pause();
    else await consumer.resume();
    if (paused) this.#pausedByViewer.add(consumerId);
    else this.#pausedByViewer.delete(consumerId);
    this.#demand(consumer, paused ? null : (consumer.preferredLayers?.spatialLayer ?? null));
  }

  closeConsumer(consumerId: string): void {
    this.#consumer(consumerId).close();
  }

  /** The server, not the client, chooses the layer, from the size the video is shown at. */
  async setConsumerDisplaySize(consumerId: string, height: number): Promise<number> {
    const consumer = this.#consumer(consumerId);
    if (consumer.type !== 'simulcast') return 0;
    const mode = consumer.rtpParameters.encodings?.[0]?.scalabilityMode ?? 'L3T3';
    const layers = layersFor(height, Number(/^[LS](\d+)/.exec(mode)?.[1] ?? 1));
    await consumer.setPreferredLayers(layers);
    if (!this.#pausedByViewer.has(consumerId)) this.#demand(consumer, layers.spatialLayer);
    return layers.spatialLayer;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.#transports.values()) transport.close();
    this.#transports.clear();
  }

  #transport(transportId: string): types.WebRtcTransport {
    const transport = this.#transports.get(transportId);
    if (!transport) throw new AppError(ErrorCode.NotFound, `no transport ${transportId} of yours`);
    return transport;
  }

  #demand(consumer: types.Consumer, spatialLayer: number | null): void {
    // A consumer that closed while a request on it was under way must not leave a demand behind.
    if (consumer.closed && spatialLayer !== null) return;
    if (consumer.type === 'simulcast') this.emit('consumerDemand', consumer.producerId, consumer.id, spatialLayer);
  }

  #consumer(consumerId: string): types.Consumer {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new AppError(ErrorCode.NotFound, `no consumer ${consumerId} of yours`);
    return consumer;
  }
}

const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/**
 * What the server sends is estimated from the receivers' REMB (abs-send-time) instead of transport-wide
 * congestion control: per-packet transport-cc bookkeeping was about a fifth of the worker's cost of a
 * forwarded packet (bench/results/load.json), and REMB is enough to choose a simulcast layer. Publishers
 * keep transport-cc, which their own encoders' bitrate control relies on.
 */
function withoutTransportCc(caps: types.RtpCapabilities): types.RtpCapabilities {
  return {
    ...caps,
    headerExtensions: caps.headerExtensions?.filter((e) => e.uri !== TRANSPORT_CC_URI),
    codecs: caps.codecs?.map((c) => ({ ...c, rtcpFeedback: c.rtcpFeedback?.filter((f) => f.type !== 'transport-cc') })),
  };
}
