/**
 * Cuts a stream of decoded packets (of any duration: a peer may send 10, 20 or 30 ms per packet) into
 * 20 ms frames, each with its sample position. A packet that does not continue where the last ended
 * restarts the cut: a gap drops the unfinished remainder, a late (reordered) packet is dropped.
 */
export class FrameChunker {
  readonly #pending: Int16Array;
  #pendingLen = 0;
  #pendingPos = 0;
  #nextPos: number | null = null;

  constructor(readonly frameSize: number) {
    this.#pending = new Int16Array(frameSize);
  }

  /** Calls `onFrame` for each whole frame; returns false when the packet was dropped as late. */
  push(pos: number, pcm: Int16Array, onFrame: (pos: number, frame: Int16Array) => void): boolean {
    if (this.#nextPos !== null && pos < this.#nextPos) return false;
    if (pos !== this.#nextPos) this.#pendingLen = 0;
    this.#nextPos = pos + pcm.length;
    let i = 0;
    if (this.#pendingLen > 0) {
      const take = Math.min(this.frameSize - this.#pendingLen, pcm.length);
      this.#pending.set(pcm.subarray(0, take), this.#pendingLen);
      this.#pendingLen += take;
      i = take;
      if (this.#pendingLen < this.frameSize) return true;
      onFrame(this.#pendingPos, this.#pending);
      this.#pendingLen = 0;
    }
    for (; i + this.frameSize <= pcm.length; i += this.frameSize) onFrame(pos + i, pcm.subarray(i, i + this.frameSize));
    if (i < pcm.length) {
      this.#pending.set(pcm.subarray(i));
      this.#pendingLen = pcm.length - i;
      this.#pendingPos = pos + i;
    }
    return true;
  }
}
