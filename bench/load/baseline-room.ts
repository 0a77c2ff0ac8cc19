/**
 * The comparison the issue asks for: a plain mediasoup router with default settings, driven directly
 * (no signalling server), on one worker of the same mediasoup build.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { LiteTransport, type LiteCertificate } from './lite-transport.js';
import { ReceiveCounter } from './receive-counter.js';
import type { Vp8Frame } from './vp8-clip.js';

const VIDEO_PT = 96;

export class BaselineRoom {
  private constructor(
    readonly worker: types.Worker,
    private readonly router: types.Router,
  ) {}

  static async create(): Promise<BaselineRoom> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    const router = await worker.createRouter({ mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }] });
    return new BaselineRoom(worker, router);
  }

  async endpoint(cert: LiteCertificate): Promise<BaselineEndpoint> {
    const make = async () => {
      const t = await this.router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableUdp: true });
      const lite = await LiteTransport.create(t);
      await t.connect({ dtlsParameters: LiteTransport.dtlsParameters(cert) });
      await lite.connect(cert);
      return { server: t, lite };
    };
    return new BaselineEndpoint(this.router, await make(), await make());
  }

  close(): void {
    this.worker.close();
  }
}

export class BaselineEndpoint {
  readonly ssrc = Math.floor(Math.random() * 0xfffffff0) + 1;
  #seq = 0;
  producer: types.Producer | undefined;
  readonly received = new ReceiveCounter();
  readonly #consumers: types.Consumer[] = [];

  constructor(
    private readonly router: types.Router,
    private readonly send: { server: types.WebRtcTransport; lite: LiteTransport },
    private readonly recv: { server: types.WebRtcTransport; lite: LiteTransport },
  ) {
    recv.lite.onRtp = (p) => this.received.count(p.ssrc, p.seq);
  }

  async publish(): Promise<void> {
    this.producer = await this.send.server.produce({
      kind: 'video',
      rtpParameters: {
        mid: '0',
        codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
        headerExtensions: [],
        encodings: [{ ssrc: this.ssrc }],
        rtcp: { cname: `baseline-${this.ssrc}` },
      },
    });
  }

  async show(producer: types.Producer): Promise<void> {
    const consumer = await this.recv.server.consume({ producerId: producer.id, rtpCapabilities: this.router.rtpCapabilities });
    this.#consumers.push(consumer);
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
    if (ssrc !== undefined) this.received.show(ssrc);
  }

  get consumerCount(): number {
    return this.#consumers.length;
  }

  sendFrame(frame: Vp8Frame, timestamp: number): void {
    frame.payloads.forEach((payload, i) => {
      this.#seq = (this.#seq + 1) & 0xffff;
      this.send.lite.sendRtp({ payloadType: VIDEO_PT, sequenceNumber: this.#seq, timestamp, ssrc: this.ssrc, marker: i === frame.payloads.length - 1 }, payload);
    });
  }

  resetStats(): void {
    this.received.reset();
  }

  close(): void {
    this.send.lite.close();
    this.recv.lite.close();
  }
}
