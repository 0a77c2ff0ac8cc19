import type { types } from 'mediasoup';
import type { SipAudioMetrics } from './metrics.js';
import type { MixSource } from './mix-source.js';
import { RingsByRate } from './mix-source.js';
import { OpusDecoder, type OpusRate } from './opus.js';
import { type RtpPacket, RtpTimeline } from './rtp-packet.js';

/**
 * One audio producer of the room as the mixer hears it: its consumer on the mixer's PlainTransport,
 * its Opus decoded once per sample rate that some leg listens at (libopus decodes straight to 8, 16 or
 * 48 kHz, so no resampling), into playout rings.
 */
export class RoomSource implements MixSource {
  readonly #decoders = new Map<OpusRate, OpusDecoder>();
  readonly #rings = new RingsByRate();
  readonly #timeline = new RtpTimeline();
  readonly ssrc: number;
  readonly #payloadType: number;
  #lastSeq = -1;

  constructor(
    readonly consumer: types.Consumer,
    readonly participantId: string,
    rates: Iterable<OpusRate>,
    private readonly metrics: SipAudioMetrics,
  ) {
    const encoding = consumer.rtpParameters.encodings?.[0];
    const codec = consumer.rtpParameters.codecs[0];
    if (encoding?.ssrc === undefined || !codec) throw new Error('consumer has no SSRC or codec');
    this.ssrc = encoding.ssrc;
    this.#payloadType = codec.payloadType;
    for (const rate of rates) this.addRate(rate);
  }

  get producerId(): string {
    return this.consumer.producerId;
  }

  addRate(rate: OpusRate): void {
    if (this.#decoders.has(rate)) return;
    this.#decoders.set(rate, new OpusDecoder(rate));
    this.#rings.add(rate);
  }

  removeRate(rate: OpusRate): void {
    this.#decoders.get(rate)?.close();
    this.#decoders.delete(rate);
    this.#rings.remove(rate);
  }

  onRtp(packet: RtpPacket): void {
    if (packet.payloadType !== this.#payloadType) {
      this.metrics.dropped('payload_type').inc();
      return;
    }
    if (packet.sequenceNumber === this.#lastSeq) return; // a duplicate would step the decoder twice
    this.#lastSeq = packet.sequenceNumber;
    const pos48 = this.#timeline.position(packet.timestamp);
    for (const [rate, decoder] of this.#decoders) {
      let pcm: Int16Array;
      try {
        pcm = decoder.decode(packet.payload);
      } catch {
        this.metrics.decodeErrors('opus').inc();
        return;
      }
      if (!this.#rings.write(rate, Math.round((pos48 * rate) / 48000), pcm)) {
        this.metrics.dropped('late').inc();
        return;
      }
    }
  }

  restarts(): number {
    return this.#rings.restarts();
  }

  advance(): void {
    this.#rings.advance();
  }

  frame(rate: OpusRate): Int16Array | null {
    return this.#rings.frame(rate);
  }

  close(): void {
    for (const decoder of this.#decoders.values()) decoder.close();
    this.#decoders.clear();
    if (!this.consumer.closed) this.consumer.close();
  }
}
