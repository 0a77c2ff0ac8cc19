import { type SipAudioCodec } from './codecs.js';
import { type PcmEncoder, createPcmEncoder } from './pcm-codec.js';
import { buildRtp } from './rtp-packet.js';

const randomU32 = (): number => Math.floor(Math.random() * 0x1_0000_0000);

/**
 * What a leg's SIP peer hears: each tick's mix, encoded in the negotiated codec, as one RTP packet
 * with its own SSRC, sequence and timestamp (the RTP clock of the codec: 160 per 20 ms for G.711 and
 * G.722, 960 for Opus). Silence is sent too, so the peer's jitter buffer, NAT binding and RTP timeout
 * stay content. The marker bit starts each talkspurt (the first packet, and sound after silence).
 */
export class LegDownlink {
  readonly #encoder: PcmEncoder;
  readonly ssrc = randomU32();
  #seq = randomU32() & 0xffff;
  #timestamp = randomU32();
  readonly #tsStep: number;
  #first = true;
  #wasActive = false;

  constructor(readonly codec: SipAudioCodec) {
    this.#encoder = createPcmEncoder(codec);
    this.#tsStep = codec.clockRate / 50;
  }

  /** `active`: the mix holds somebody's voice (not only silence). */
  packet(mix: Int16Array, active: boolean): Buffer {
    const marker = this.#first || (active && !this.#wasActive);
    this.#first = false;
    this.#wasActive = active;
    const rtp = buildRtp({
      payloadType: this.codec.payloadType,
      marker,
      sequenceNumber: this.#seq,
      timestamp: this.#timestamp,
      ssrc: this.ssrc,
      payload: this.#encoder.encode(mix),
    });
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + this.#tsStep) >>> 0;
    return rtp;
  }

  /** The time line moves on while nothing is sent (no peer address yet), as a real clock would. */
  skip(): void {
    this.#timestamp = (this.#timestamp + this.#tsStep) >>> 0;
  }

  close(): void {
    this.#encoder.close();
  }
}
