import type { Socket } from 'node:dgram';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { ProducerAppData } from '../media-participant.js';
import { FRAME_MS, samplesPerFrame } from './codecs.js';
import { AUDIO_LEVEL_EXT_ID, ROOM_OPUS_PAYLOAD_TYPE } from './leg-uplink.js';
import { type SipAudioMetrics, createSipAudioMetrics } from './metrics.js';
import type { MixSource } from './mix-source.js';
import { MixClock } from './mix-clock.js';
import type { OpusRate } from './opus.js';
import { RoomSource } from './room-source.js';
import { isRtcp, parseRtp } from './rtp-packet.js';
import { SipAudioLeg, type SipLegOptions } from './sip-audio-leg.js';
import { bindUdp } from './udp-bind.js';

export interface RoomAudioMixerOptions {
  logger: Logger;
  /** The server's metrics registry's SIP audio metrics; a private registry's otherwise. */
  metrics?: SipAudioMetrics;
}

/** Marks a leg's producer so that addSource of it (from the room's "new producer" path) is recognised. */
interface LegProducerAppData extends ProducerAppData {
  sipAudioMixer?: string;
}

const LOOPBACK = '127.0.0.1';
let nextMixerId = 1;

const clip = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

/**
 * A room's audio as SIP legs hear it and speak into it.
 *
 * Media path: one PlainTransport in the room's router, connected to one loopback UDP socket of this
 * process. Every audio producer of the room is consumed once on it (RoomSource: Opus decoded once per
 * sample rate some leg listens at); every leg's voice is produced on it (Opus with ssrc-audio-level),
 * SSRCs telling them apart. Each leg has its own UDP socket facing its SIP peer (SipAudioLeg).
 * Every 20 ms (MixClock) each leg is sent the sum of every source but itself (mix-minus), or of only
 * its talkers, encoded in its codec. Legs hear each other directly, without a trip through the router.
 */
export class RoomAudioMixer {
  readonly #id = `mixer-${nextMixerId++}`;
  readonly #sources = new Map<string, RoomSource>();
  readonly #sourcesBySsrc = new Map<number, RoomSource>();
  readonly #adding = new Map<string, Promise<void>>();
  readonly #legs = new Set<SipAudioLeg>();
  /** How many legs listen at each rate; sources decode only at these. */
  readonly #rateUse = new Map<OpusRate, number>();
  readonly #sums = new Map<OpusRate, Int32Array>();
  readonly #mixes = new Map<OpusRate, Int16Array>();
  /** Scratch sums for legs that hear only their talkers (the room's sum stays intact for the others). */
  readonly #talkerSums = new Map<OpusRate, Int32Array>();
  /** Sources with sound this tick, per rate (reused each tick). */
  readonly #voicesByRate = new Map<OpusRate, number>();
  readonly #clock: MixClock;
  readonly #metrics: SipAudioMetrics;
  readonly #logger: Logger;
  #closed = false;

  private constructor(
    private readonly router: types.Router,
    private readonly transport: types.PlainTransport,
    private readonly socket: Socket,
    opts: RoomAudioMixerOptions,
  ) {
    this.#logger = opts.logger.child({ mixer: this.#id });
    this.#metrics = opts.metrics ?? createSipAudioMetrics();
    this.#clock = new MixClock(FRAME_MS, (now) => this.#tick(now), (lateMs, skipped) => {
      this.#metrics.tickLateness.observe(Math.max(0, lateMs) / 1000);
      if (skipped > 0) {
        this.#metrics.ticksSkipped.inc(skipped);
        this.#logger.warn({ skipped, lateMs }, 'SIP mixer fell behind; ticks skipped');
      }
    });
    socket.on('message', (msg) => {
      try {
        this.#onRoomPacket(msg);
      } catch (err) {
        this.#metrics.dropped('malformed').inc();
        this.#logger.error({ err }, 'SIP mixer failed on a room packet; dropped');
      }
    });
    socket.on('error', (err) => this.#logger.warn({ err }, 'SIP mixer socket error'));
    transport.observer.once('close', () => this.close());
  }

  /** One per room: a PlainTransport in the room's router through which every audio producer of the room is consumed once. */
  static async create(router: types.Router, opts: RoomAudioMixerOptions): Promise<RoomAudioMixer> {
    const socket = await bindUdp(LOOPBACK);
    let transport: types.PlainTransport | undefined;
    try {
      transport = await router.createPlainTransport({ listenIp: { ip: LOOPBACK }, rtcpMux: true, comedia: false, appData: { sipAudioMixer: true } });
      await transport.connect({ ip: LOOPBACK, port: socket.address().port });
      // Connected both ways: sends skip the per-packet address lookup, and the kernel drops datagrams
      // from anyone but the transport.
      const port = transport.tuple.localPort;
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(port, LOOPBACK, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      return new RoomAudioMixer(router, transport, socket, opts);
    } catch (err) {
      transport?.close();
      socket.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Start hearing this producer (audio only; video is ignored). Forgotten by itself when the producer closes. Idempotent. */
  async addSource(producer: types.Producer<ProducerAppData>): Promise<void> {
    if (this.#closed || producer.closed || producer.kind !== 'audio') return;
    // A leg's own producer: the mixer already hears that leg directly.
    if ((producer.appData as LegProducerAppData).sipAudioMixer === this.#id) return;
    if (this.#sources.has(producer.id)) return;
    const adding = this.#adding.get(producer.id);
    if (adding) return adding;
    const work = this.#consume(producer).finally(() => this.#adding.delete(producer.id));
    this.#adding.set(producer.id, work);
    return work;
  }

  async #consume(producer: types.Producer<ProducerAppData>): Promise<void> {
    const consumer = await this.transport.consume({ producerId: producer.id, rtpCapabilities: this.router.rtpCapabilities });
    if (this.#closed || consumer.closed) {
      consumer.close();
      return;
    }
    const source = new RoomSource(consumer, producer.appData.participantId, this.#rateUse.keys(), this.#metrics);
    this.#sources.set(producer.id, source);
    this.#sourcesBySsrc.set(source.ssrc, source);
    consumer.observer.once('close', () => {
      this.#sources.delete(producer.id);
      this.#sourcesBySsrc.delete(source.ssrc);
      source.close();
    });
  }

  /** A SIP call's media. */
  async addLeg(opts: SipLegOptions): Promise<SipAudioLeg> {
    if (this.#closed) throw new Error('SIP audio mixer is closed');
    const socket = await bindUdp(opts.rtpIp, opts.rtpPortRange);
    let producer: types.Producer<ProducerAppData> | undefined;
    try {
      producer = await this.transport.produce<LegProducerAppData>({
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: ROOM_OPUS_PAYLOAD_TYPE, rtcpFeedback: [] }],
          headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: AUDIO_LEVEL_EXT_ID }],
          encodings: [{ ssrc: this.#newSsrc() }],
        },
        appData: { participantId: opts.participantId, source: 'mic', sipAudioMixer: this.#id },
      });
      if (this.#closed) throw new Error('SIP audio mixer closed while the leg was being made');
    } catch (err) {
      socket.close();
      producer?.close();
      throw err;
    }
    const leg = new SipAudioLeg({
      options: opts,
      socket,
      producer,
      sendToRoom: (rtp) => this.socket.send(rtp),
      metrics: this.#metrics,
      logger: this.#logger,
    });
    this.#legs.add(leg);
    this.#metrics.legs.inc();
    for (const rate of this.#rateUse.keys()) leg.addRate(rate);
    this.#useRate(leg.pcmRate, +1);
    leg.on('closed', () => {
      this.#legs.delete(leg);
      this.#metrics.legs.dec();
      this.#useRate(leg.pcmRate, -1);
      if (this.#legs.size === 0) this.#clock.stop();
    });
    this.#clock.start();
    return leg;
  }

  legCount(): number {
    return this.#legs.size;
  }

  sourceCount(): number {
    return this.#sources.size;
  }

  /** Closes legs, transports, sockets, timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.stop();
    for (const leg of [...this.#legs]) leg.close();
    for (const source of this.#sources.values()) source.close();
    this.#sources.clear();
    this.#sourcesBySsrc.clear();
    if (!this.transport.closed) this.transport.close();
    this.socket.close();
  }

  #newSsrc(): number {
    const taken = new Set([...this.#legs].map((l) => l.producer.rtpParameters.encodings?.[0]?.ssrc));
    for (;;) {
      const ssrc = 1 + Math.floor(Math.random() * 0xfffffffe);
      if (!taken.has(ssrc)) return ssrc;
    }
  }

  #useRate(rate: OpusRate, delta: 1 | -1): void {
    const before = this.#rateUse.get(rate) ?? 0;
    const after = before + delta;
    const sources: MixSource[] = [...this.#sources.values(), ...this.#legs];
    if (after <= 0) {
      this.#rateUse.delete(rate);
      this.#sums.delete(rate);
      this.#mixes.delete(rate);
      this.#talkerSums.delete(rate);
      for (const s of sources) s.removeRate(rate);
      return;
    }
    this.#rateUse.set(rate, after);
    if (before === 0) {
      this.#sums.set(rate, new Int32Array(samplesPerFrame(rate)));
      this.#mixes.set(rate, new Int16Array(samplesPerFrame(rate)));
      this.#talkerSums.set(rate, new Int32Array(samplesPerFrame(rate)));
      for (const s of sources) s.addRate(rate);
    }
  }

  #onRoomPacket(msg: Buffer): void {
    if (isRtcp(msg)) return; // receiver reports about our producers and consumers' sender reports: not needed
    const packet = parseRtp(msg);
    const source = packet && this.#sourcesBySsrc.get(packet.ssrc);
    if (!packet || !source) {
      this.#metrics.dropped(packet ? 'unknown_ssrc' : 'malformed').inc();
      return;
    }
    source.onRtp(packet);
  }

  #tick(now: number): void {
    for (const source of this.#sources.values()) source.advance();
    for (const leg of this.#legs) leg.advance();
    // The whole room once per rate; each full-duplex leg then takes itself out of it.
    const active = this.#voicesByRate;
    for (const [rate, sum] of this.#sums) {
      sum.fill(0);
      let n = 0;
      for (const source of this.#sources.values()) if (addInto(sum, source.frame(rate))) n++;
      for (const leg of this.#legs) if (addInto(sum, leg.frame(rate))) n++;
      active.set(rate, n);
    }
    for (const leg of this.#legs) {
      const rate = leg.pcmRate;
      const mix = this.#mixes.get(rate)!;
      const talkers = leg.talkers;
      let voices: number;
      if (talkers === null) {
        const sum = this.#sums.get(rate)!;
        const own = leg.frame(rate);
        if (own) for (let i = 0; i < mix.length; i++) mix[i] = clip(sum[i]! - own[i]!);
        else for (let i = 0; i < mix.length; i++) mix[i] = clip(sum[i]!);
        voices = active.get(rate)! - (own ? 1 : 0);
      } else voices = this.#mixTalkers(leg, talkers, rate, mix);
      try {
        leg.tick(mix, voices > 0, now);
      } catch (err) {
        this.#logger.error({ err, participantId: leg.participantId }, 'SIP leg tick failed');
      }
    }
  }

  /** Only the talkers' voices (a radio channel carries one talker at a time), never the leg's own. */
  #mixTalkers(leg: SipAudioLeg, talkers: ReadonlySet<string>, rate: OpusRate, mix: Int16Array): number {
    const scratch = this.#talkerSums.get(rate)!;
    scratch.fill(0);
    let n = 0;
    for (const source of this.#sources.values()) if (talkers.has(source.participantId) && addInto(scratch, source.frame(rate))) n++;
    for (const other of this.#legs) if (other !== leg && talkers.has(other.participantId) && addInto(scratch, other.frame(rate))) n++;
    for (let i = 0; i < mix.length; i++) mix[i] = clip(scratch[i]!);
    return n;
  }
}

function addInto(sum: Int32Array, frame: Int16Array | null): boolean {
  if (!frame) return false;
  for (let i = 0; i < sum.length; i++) sum[i]! += frame[i]!;
  return true;
}
