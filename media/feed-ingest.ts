import type { types } from 'mediasoup';
import type { ProducerAppData } from './media-participant.js';
import { roomMediaCodecs } from './media-codecs.js';
import { pipeUnderNewId } from './pipe-under-new-id.js';
import type { WorkerPool } from './worker-pool.js';

/** Where an RTP sender (ffmpeg) must send one track, and what it must put in its packets. */
export interface IngestEndpoint {
  kind: types.MediaKind;
  port: number;
  rtcpPort: number;
  payloadType: number;
  ssrc: number;
}

/**
 * H.264 as any browser decodes it. A camera's High-profile stream is declared as this too: browsers'
 * H.264 decoders take every profile, and the router needs one of its own codecs to forward it.
 */
const VIDEO_CODEC: types.RtpCodecParameters = {
  mimeType: 'video/H264',
  clockRate: 90000,
  payloadType: 102,
  parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  rtcpFeedback: [],
};
const AUDIO_CODEC: types.RtpCodecParameters = { mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 101, rtcpFeedback: [] };

/**
 * A camera feed's media: a router of its own (on the least-loaded worker) where an RTP sender on this
 * machine feeds PlainTransports, and pipes from there into every room that shows the feed. Tracks are
 * opened per sender run: a restarted sender sends from a new port, which a comedia transport would refuse.
 */
export class FeedIngest {
  readonly #transports = new Set<types.PlainTransport>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  #closed = false;

  private constructor(
    readonly participantId: string,
    private readonly router: types.Router,
    private readonly listenIp: string,
  ) {}

  static async create(pool: WorkerPool, participantId: string): Promise<FeedIngest> {
    const router = await pool.leastLoaded().worker.createRouter({ mediaCodecs: roomMediaCodecs });
    return new FeedIngest(participantId, router, '127.0.0.1');
  }

  onRouterClosed(listener: () => void): void {
    this.router.observer.once('close', listener);
  }

  get closed(): boolean {
    return this.#closed || this.router.closed;
  }

  producers(): types.Producer<ProducerAppData>[] {
    return [...this.#producers.values()];
  }

  /** One loopback PlainTransport and producer per track; the sender learns the ports from the result. */
  async openTracks(kinds: types.MediaKind[]): Promise<IngestEndpoint[]> {
    this.closeTracks();
    const endpoints: IngestEndpoint[] = [];
    for (const kind of kinds) {
      // RTCP on its own port: ffmpeg sends a sender report from its RTCP socket before the first RTP
      // packet, and a muxed comedia transport would lock onto that socket and drop the media.
      const transport = await this.router.createPlainTransport({ listenIp: { ip: this.listenIp }, rtcpMux: false, comedia: true });
      this.#transports.add(transport);
      transport.observer.on('close', () => this.#transports.delete(transport));
      const codec = kind === 'video' ? VIDEO_CODEC : AUDIO_CODEC;
      // Below 2^31: ffmpeg's -ssrc option is a signed 32-bit integer.
      const ssrc = 1 + Math.floor(Math.random() * 0x7ffffff0);
      const producer = await transport.produce<ProducerAppData>({
        kind,
        rtpParameters: { codecs: [codec], encodings: [{ ssrc }] },
        appData: { participantId: this.participantId, source: kind === 'video' ? 'camera' : 'mic' },
      });
      this.#producers.set(producer.id, producer);
      producer.observer.on('close', () => this.#producers.delete(producer.id));
      endpoints.push({ kind, port: transport.tuple.localPort, rtcpPort: transport.rtcpTuple?.localPort ?? transport.tuple.localPort, payloadType: codec.payloadType, ssrc });
    }
    return endpoints;
  }

  /** Ends the current sender's tracks; their producers close, and with them every room's pipe of them. */
  closeTracks(): void {
    for (const transport of this.#transports) transport.close();
    this.#transports.clear();
  }

  /**
   * The producer in another router (a room's), through a pipe; it closes when this one does. Under a new
   * id: the room's router may be on this router's worker, where the same id cannot exist twice.
   */
  async pipeTo(producerId: string, router: types.Router): Promise<types.Producer<ProducerAppData>> {
    const producer = this.#producers.get(producerId);
    if (!producer) throw new Error(`no feed producer ${producerId}`);
    return pipeUnderNewId(producer, this.router, router);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.router.close();
  }
}
