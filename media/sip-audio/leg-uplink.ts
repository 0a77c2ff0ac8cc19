import { VOICE_DBOV, levelDbov } from './audio-level.js';
import { type SipAudioCodec, pcmRateOf, samplesPerFrame, samplesPerRtpTick } from './codecs.js';
import { FrameChunker } from './frame-chunker.js';
import type { SipAudioMetrics } from './metrics.js';
import { RingsByRate } from './mix-source.js';
import { OpusDecoder, OpusEncoder, type OpusRate } from './opus.js';
import { type PcmDecoder, createPcmDecoder } from './pcm-codec.js';
import type { RadioKeying } from './radio-keying.js';
import { type RtpPacket, RtpTimeline, buildRtp } from './rtp-packet.js';

/** What the leg's producer in the room router is declared as (the router's only audio codec). */
export const ROOM_OPUS_PAYLOAD_TYPE = 111;
export const AUDIO_LEVEL_EXT_ID = 1;
/** Opus into the room, by the leg's audio bandwidth: G.711 is narrowband, G.722 wideband. */
const ROOM_OPUS_BITRATE: Record<OpusRate, number> = { 8000: 16_000, 16000: 24_000, 48000: 32_000 };

const randomU32 = (): number => Math.floor(Math.random() * 0x1_0000_0000);

/**
 * A leg's voice, from its SIP peer to the room: decodes the peer's RTP, cuts it into 20 ms frames,
 * lets a radio leg's keying decide what passes, and for each frame that does
 * - encodes Opus (from the leg's own rate: libopus takes 8/16/48 kHz input) and sends it to the leg's
 *   producer with its ssrc-audio-level, so the room's active-speaker observer hears SIP talkers;
 * - keeps the PCM in playout rings for the mixer (other legs hear this one without a round trip
 *   through the router), decoding the Opus it made for listeners at other rates.
 * Frames go to the room as they arrive (the browsers' jitter buffers smooth them), not on the mixer tick.
 */
export class LegUplink {
  readonly pcmRate: OpusRate;
  readonly #decoder: PcmDecoder;
  readonly #opus: OpusEncoder;
  readonly #chunker: FrameChunker;
  readonly #timeline = new RtpTimeline();
  readonly #rtpTickSamples: number;
  readonly rings = new RingsByRate();
  /** Decoders of our own Opus for listeners at rates other than the leg's. */
  readonly #otherRates = new Map<OpusRate, OpusDecoder>();
  readonly ssrc: number;
  #seq = randomU32() & 0xffff;
  /** Room RTP timestamp = offset + position × 48000 / pcmRate; the offset is set at each talkspurt. */
  #roomTsOffset = randomU32();
  #lastRoomTs: number | null = null;
  #lastRoomSendAt = 0;
  /** Sample position where the last forwarded frame ended: a frame starting elsewhere starts a talkspurt. */
  #forwardedTo: number | null = null;
  #now = 0;

  constructor(
    readonly codec: SipAudioCodec,
    ssrc: number,
    private readonly keying: RadioKeying | null,
    private readonly sendToRoom: (rtp: Buffer) => void,
    private readonly metrics: SipAudioMetrics,
  ) {
    this.ssrc = ssrc;
    this.pcmRate = pcmRateOf(codec);
    this.#decoder = createPcmDecoder(codec);
    this.#opus = new OpusEncoder(this.pcmRate, ROOM_OPUS_BITRATE[this.pcmRate]);
    this.#chunker = new FrameChunker(samplesPerFrame(this.pcmRate));
    this.#rtpTickSamples = samplesPerRtpTick(codec);
    this.rings.add(this.pcmRate);
  }

  addRate(rate: OpusRate): void {
    this.rings.add(rate);
    if (rate !== this.pcmRate && !this.#otherRates.has(rate)) this.#otherRates.set(rate, new OpusDecoder(rate));
  }

  removeRate(rate: OpusRate): void {
    if (rate === this.pcmRate) return;
    this.rings.remove(rate);
    this.#otherRates.get(rate)?.close();
    this.#otherRates.delete(rate);
  }

  /** A voice packet from the peer (payload type already checked). */
  onAudio(packet: RtpPacket, now: number): void {
    let pcm: Int16Array;
    try {
      pcm = this.#decoder.decode(packet.payload);
    } catch {
      this.metrics.decodeErrors(this.codec.name).inc();
      return;
    }
    if (pcm.length === 0) return;
    this.#now = now;
    const pos = this.#timeline.position(packet.timestamp) * this.#rtpTickSamples;
    if (!this.#chunker.push(pos, pcm, this.#onFrame)) this.metrics.dropped('late').inc();
  }

  readonly #onFrame = (pos: number, frame: Int16Array): void => {
    const dbov = levelDbov(frame);
    if (this.keying) {
      this.keying.onAudioLevel(dbov, this.#now);
      if (!this.keying.keyed) {
        this.#forwardedTo = null;
        this.metrics.dropped('not_keyed').inc();
        return;
      }
    }
    this.rings.write(this.pcmRate, pos, frame);
    const opus = this.#opus.encode(frame);
    for (const [rate, decoder] of this.#otherRates) {
      try {
        this.rings.write(rate, (pos * rate) / this.pcmRate, decoder.decode(opus));
      } catch {
        this.metrics.decodeErrors('opus').inc();
      }
    }
    const marker = this.#forwardedTo !== pos;
    this.#forwardedTo = pos + frame.length;
    const ticks48k = (pos * 48000) / this.pcmRate;
    if (marker && this.#lastRoomTs !== null) {
      // A new talkspurt continues the room's time line by the wall-clock time since the last one: a
      // gateway whose timestamps stood still while unkeyed (or restarted) must not send the room back in time.
      const elapsed = Math.max(960, Math.round((this.#now - this.#lastRoomSendAt) * 48));
      this.#roomTsOffset = this.#lastRoomTs + elapsed - ticks48k;
    }
    const timestamp = (this.#roomTsOffset + ticks48k) >>> 0;
    this.#lastRoomTs = timestamp;
    this.#lastRoomSendAt = this.#now;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.sendToRoom(
      buildRtp({
        payloadType: ROOM_OPUS_PAYLOAD_TYPE,
        marker,
        sequenceNumber: this.#seq,
        timestamp,
        ssrc: this.ssrc,
        payload: opus,
        audioLevel: { extId: AUDIO_LEVEL_EXT_ID, level: -dbov, voice: dbov > VOICE_DBOV },
      }),
    );
    this.metrics.packetsToRoom.inc();
  };

  close(): void {
    this.#decoder.close();
    this.#opus.close();
    for (const decoder of this.#otherRates.values()) decoder.close();
    this.#otherRates.clear();
  }
}
