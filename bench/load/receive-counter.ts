/**
 * What a load endpoint received of the streams it shows: packets counted per SSRC and losses inferred
 * from sequence-number gaps. Packets of other SSRCs (RTX, the bandwidth probe's padding) are ignored.
 */
export class ReceiveCounter {
  readonly #shown = new Set<number>();
  readonly #lastSeq = new Map<number, number>();
  received = 0;
  lost = 0;

  show(ssrc: number): void {
    this.#shown.add(ssrc);
  }

  count(ssrc: number, seq: number): void {
    if (!this.#shown.has(ssrc)) return;
    this.received++;
    const last = this.#lastSeq.get(ssrc);
    if (last !== undefined) {
      const gap = (seq - last + 0x10000) & 0xffff;
      // A gap under half the sequence space is loss; anything else is a late or repeated packet.
      if (gap === 0 || gap >= 0x8000) return;
      if (gap > 1) this.lost += gap - 1;
    }
    this.#lastSeq.set(ssrc, seq);
  }

  /** Streams that have delivered at least one packet. */
  get streams(): number {
    return this.#lastSeq.size;
  }

  reset(): void {
    this.received = 0;
    this.lost = 0;
    this.#lastSeq.clear();
  }
}
