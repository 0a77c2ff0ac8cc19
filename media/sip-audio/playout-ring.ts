/** Modulo that stays non-negative: positions before the first packet are negative. */
const mod = (n: number, m: number): number => ((n % m) + m) % m;

/**
 * A playout buffer for one stream at one sample rate, indexed by the stream's own sample position
 * (RTP timestamp scaled to this rate), read one frame per mixer tick. Packets land where their timestamp
 * says, so reordering within the buffer is repaired and a lost packet reads as silence without
 * shifting what follows. The read point starts `delay` samples behind the first packet: that is the
 * jitter the stream may have before a packet arrives too late.
 *
 * - A packet behind the read point is dropped as late, unless nothing is buffered ahead (the stream was
 *   idle, restarted or its clock runs slow): then the ring starts over from that packet.
 * - A packet too far ahead (a sender clock running fast, or a jump) also starts the ring over.
 */
export class PlayoutRing {
  readonly #buf: Int16Array;
  readonly #out: Int16Array;
  #readPos: number | null = null;
  /** End of the furthest sample written; a frame wholly at or beyond it is silence. */
  #writtenTo = -Infinity;
  /** Times the ring started over (first packet, idle stream restarted, clock slip): each is a glitch. */
  restarts = 0;

  constructor(
    readonly frameSize: number,
    private readonly delay: number,
    private readonly maxAhead: number = frameSize * 10,
  ) {
    // Room for everything up to maxAhead past the read point, plus the packet that lands there.
    this.#buf = new Int16Array(maxAhead + delay + frameSize * 4);
    this.#out = new Int16Array(frameSize);
  }

  /** Places `pcm` at sample position `pos`. Returns false when it was dropped as late. */
  write(pos: number, pcm: Int16Array): boolean {
    const end = pos + pcm.length;
    if (this.#readPos === null) this.#restart(pos);
    else if (end <= this.#readPos) {
      if (this.#writtenTo > this.#readPos) return false;
      this.#restart(pos);
    } else if (end > this.#readPos + this.maxAhead + this.delay) this.#restart(pos);
    const readPos = this.#readPos as number;
    const cap = this.#buf.length;
    for (let p = Math.max(pos, readPos), i = p - pos, k = mod(p, cap); p < end; p++, i++, k = k + 1 === cap ? 0 : k + 1) this.#buf[k] = pcm[i]!;
    if (end > this.#writtenTo) this.#writtenTo = end;
    return true;
  }

  /**
   * The next frame (a buffer reused by the next call), or null when the frame holds nothing written:
   * the caller can skip a silent stream without summing zeros.
   */
  read(): Int16Array | null {
    const readPos = this.#readPos;
    if (readPos === null) return null;
    this.#readPos = readPos + this.frameSize;
    if (this.#writtenTo <= readPos) return null;
    const cap = this.#buf.length;
    const out = this.#out;
    for (let i = 0, p = mod(readPos, cap); i < out.length; i++, p = p + 1 === cap ? 0 : p + 1) {
      out[i] = this.#buf[p]!;
      this.#buf[p] = 0; // read once: a slot is clean when the ring comes round to it again
    }
    return out;
  }

  #restart(pos: number): void {
    this.restarts++;
    this.#buf.fill(0);
    this.#readPos = pos - this.delay;
    this.#writtenTo = -Infinity;
  }
}
