import OpusScript from 'opusscript';

export type OpusRate = 8000 | 16000 | 48000;

/** An Int16Array over a Buffer's bytes, copied only when the Buffer is not 2-byte aligned. */
function asInt16(buf: Buffer): Int16Array {
  if (buf.byteOffset % 2 === 0) return new Int16Array(buf.buffer, buf.byteOffset, buf.length >> 1);
  const copy = new Int16Array(buf.length >> 1);
  new Uint8Array(copy.buffer).set(buf.subarray(0, copy.length * 2));
  return copy;
}

const asBuffer = (pcm: Int16Array): Buffer => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);

const OPUS_SET_COMPLEXITY = 4010;
/**
 * Encoder complexity (libopus default 10). Every leg runs an encoder in JS-hosted wasm each 20 ms, so
 * this sets how many legs a core carries: 3 is about 4× cheaper than 10 for narrowband input, which
 * is G.711 (already band-limited and quantised) where the difference is not audible; 5 for wider input.
 */
const complexityFor = (rate: OpusRate): number => (rate === 8000 ? 3 : 5);

/**
 * Mono Opus encoder (wasm libopus) fed at 8, 16 or 48 kHz: libopus takes those rates directly, so
 * narrowband SIP audio needs no resampler. The stream it makes is still declared opus/48000/2 in RTP.
 * Holds wasm memory: call close().
 */
export class OpusEncoder {
  readonly #codec: OpusScript;
  readonly #frame: number;

  constructor(readonly rate: OpusRate, bitrate: number) {
    this.#codec = new OpusScript(rate, 1, OpusScript.Application.VOIP);
    this.#codec.setBitrate(bitrate);
    this.#codec.encoderCTL(OPUS_SET_COMPLEXITY, complexityFor(rate));
    this.#frame = rate / 50;
  }

  /** One 20 ms frame of PCM at this encoder's rate. */
  encode(pcm: Int16Array): Buffer {
    return this.#codec.encode(asBuffer(pcm), this.#frame);
  }

  close(): void {
    this.#codec.delete();
  }
}

/** Mono Opus decoder at 8, 16 or 48 kHz (a stereo packet is downmixed by libopus). Holds wasm memory: call close(). */
export class OpusDecoder {
  readonly #codec: OpusScript;

  constructor(readonly rate: OpusRate) {
    this.#codec = new OpusScript(rate, 1);
  }

  /** Throws on a packet libopus rejects; callers count and drop it. */
  decode(packet: Uint8Array): Int16Array {
    return asInt16(this.#codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength)));
  }

  close(): void {
    this.#codec.delete();
  }
}
