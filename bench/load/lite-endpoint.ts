/**
 * A load endpoint: joins a room over the same socket.io protocol as the web client, publishes one
 * pre-encoded VP8 stream (and, if asked, one Opus stream) and receives what it is told to show or
 * hear, without decoding anything.
 */
import { randomInt } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import {
  SocketEvent,
  type Notification,
  type Reply,
  type RequestData,
  type RequestMethod,
  type ResponseData,
} from '../../protocol/signalling.js';
import { LiteTransport, type LiteCertificate } from './lite-transport.js';
import { ReceiveCounter } from './receive-counter.js';
import type { Vp8Frame } from './vp8-clip.js';

const VIDEO_PT = 96;
const AUDIO_PT = 111;
const AUDIO_LEVEL_EXT_ID = 1;
/** One 20 ms Opus frame of silence (CELT, full band): what a muted talker's encoder sends. */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const OPUS_SAMPLES_PER_FRAME = 960;
const REQUEST_TIMEOUT_MS = 20_000;

export interface EndpointStats {
  received: number;
  lost: number;
  streams: number;
  bytesSent: number;
}

export class LiteEndpoint {
  readonly #received = new ReceiveCounter();
  readonly #consumers = new Map<string, string>();
  readonly ssrc = randomInt(1, 0xffffffff);
  readonly audioSsrc = randomInt(1, 0xffffffff);
  #seq = randomInt(0, 0xffff);
  #audioSeq = randomInt(0, 0xffff);
  #audioTimestamp = randomInt(0, 0xffffffff);
  #send: LiteTransport | undefined;
  #recv: LiteTransport | undefined;
  /** Producers of the others, as the server announces them. */
  readonly videoProducers = new Map<string, string>();
  peerId = '';
  producerId: string | undefined;
  audioProducerId: string | undefined;
  joinMs = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly cert: LiteCertificate,
  ) {
    socket.on(SocketEvent.Notification, (n: Notification) => this.#onNotification(n));
  }

  static async connect(url: string, token: string, cert: LiteCertificate): Promise<LiteEndpoint> {
    const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('signalling connect timed out')), REQUEST_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return new LiteEndpoint(socket, cert);
  }

  /**
   * Joins, and with publish, is sending video when this resolves: joinMs measures that. With audio it
   * also publishes a microphone (Opus with ssrc-audio-level), which speaks only when sendAudio is called.
   */
  async join(roomId: string, publish: boolean, opts: { audio?: boolean } = {}): Promise<void> {
    const started = performance.now();
    const joined = await this.#request('joinRoom', { roomId });
    this.peerId = joined.peerId;
    for (const peer of joined.peers) {
      for (const p of peer.producers) if (p.kind === 'video') this.videoProducers.set(p.id, peer.id);
    }
    await this.#request('setRtpCapabilities', { rtpCapabilities: joined.routerRtpCapabilities });
    this.#recv = await this.#transport('recv');
    this.#recv.onRtp = (p) => this.#received.count(p.ssrc, p.seq);
    if (publish) {
      this.#send = await this.#transport('send');
      const { producerId } = await this.#request('produce', {
        transportId: this.#sendId!,
        kind: 'video',
        source: 'camera',
        rtpParameters: {
          mid: '0',
          codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'ccm', parameter: 'fir' }, { type: 'nack', parameter: 'pli' }] }],
          headerExtensions: [],
          encodings: [{ ssrc: this.ssrc }],
          rtcp: { cname: `load-${this.ssrc}`, reducedSize: true },
        },
      });
      this.producerId = producerId;
      if (opts.audio) await this.#produceAudio();
    }
    this.joinMs = performance.now() - started;
  }

  /** Receives this producer (video at the given tile height, or audio); resumed at once, as the web client does. */
  async show(producerId: string, displayHeight: number): Promise<void> {
    if ([...this.#consumers.values()].includes(producerId)) return;
    const r = await this.#request('consume', { producerId, displayHeight });
    this.#consumers.set(r.consumerId, producerId);
    const ssrc = r.rtpParameters.encodings?.[0]?.ssrc;
    if (ssrc !== undefined) this.#received.show(ssrc);
    await this.#request('setConsumerPaused', { consumerId: r.consumerId, paused: false });
  }

  async hide(producerId: string): Promise<void> {
    for (const [consumerId, id] of this.#consumers) {
      if (id !== producerId) continue;
      this.#consumers.delete(consumerId);
      await this.#request('closeConsumer', { consumerId });
    }
  }

  /** As a commander: puts a member in the consultation spotlight (null: back to automatic). */
  async pinSpotlight(peerId: string | null): Promise<void> {
    await this.#request('pinSpotlight', { peerId });
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  /** Sends one frame of the shared clip (the caller paces frames and sets the PictureID). */
  sendFrame(frame: Vp8Frame, timestamp: number): void {
    const send = this.#send;
    if (!send) return;
    frame.payloads.forEach((payload, i) => {
      this.#seq = (this.#seq + 1) & 0xffff;
      send.sendRtp({ payloadType: VIDEO_PT, sequenceNumber: this.#seq, timestamp, ssrc: this.ssrc, marker: i === frame.payloads.length - 1 }, payload);
    });
  }

  /**
   * Sends one 20 ms audio packet whose ssrc-audio-level says `levelDbov` (0 loud … -127 silent): the
   * room's active-speaker observer reads only that. The payload is a silent frame unless one is given
   * (the load benchmark sends real Opus, so the server forwards packets of a talker's size).
   */
  sendAudio(levelDbov: number, payload: Buffer = OPUS_SILENCE): void {
    const send = this.#send;
    if (!send || !this.audioProducerId) return;
    const level = Math.min(127, Math.max(0, Math.round(-levelDbov)));
    this.#audioSeq = (this.#audioSeq + 1) & 0xffff;
    this.#audioTimestamp = (this.#audioTimestamp + OPUS_SAMPLES_PER_FRAME) >>> 0;
    send.sendRtp(
      {
        payloadType: AUDIO_PT, sequenceNumber: this.#audioSeq, timestamp: this.#audioTimestamp, ssrc: this.audioSsrc, marker: false,
        extensions: [{ id: AUDIO_LEVEL_EXT_ID, payload: Buffer.from([(level < 50 ? 0x80 : 0) | level]) }],
      },
      payload,
    );
  }

  stats(): EndpointStats {
    const r = this.#received;
    return { received: r.received, lost: r.lost, streams: r.streams, bytesSent: this.#send?.bytesSent ?? 0 };
  }

  resetStats(): void {
    this.#received.reset();
  }

  close(): void {
    this.#send?.close();
    this.#recv?.close();
    this.socket.close();
  }

  #sendId: string | undefined;

  async #produceAudio(): Promise<void> {
    const { producerId } = await this.#request('produce', {
      transportId: this.#sendId!,
      kind: 'audio',
      source: 'mic',
      rtpParameters: {
        mid: '1',
        codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
        headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: AUDIO_LEVEL_EXT_ID }],
        encodings: [{ ssrc: this.audioSsrc }],
        rtcp: { cname: `load-${this.ssrc}`, reducedSize: true },
      },
    });
    this.audioProducerId = producerId;
  }

  async #transport(direction: 'send' | 'recv'): Promise<LiteTransport> {
    const params = await this.#request('createTransport', { direction });
    if (direction === 'send') this.#sendId = params.transportId;
    const transport = await LiteTransport.create(params);
    await this.#request('connectTransport', { transportId: params.transportId, dtlsParameters: LiteTransport.dtlsParameters(this.cert) });
    await transport.connect(this.cert);
    return transport;
  }

  #onNotification(n: Notification): void {
    if (n.type === 'producerAdded' && n.data.producer.kind === 'video') this.videoProducers.set(n.data.producer.id, n.data.peerId);
    else if (n.type === 'producerRemoved') this.videoProducers.delete(n.data.producerId);
    else if (n.type === 'consumerClosed') this.#consumers.delete(n.data.consumerId);
  }

  async #request<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<ResponseData[M]> {
    const reply = (await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(SocketEvent.Request, { method, data })) as Reply<M>;
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
    return reply.data;
  }
}
