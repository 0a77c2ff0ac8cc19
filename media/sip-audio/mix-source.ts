import { samplesPerFrame } from './codecs.js';
import type { OpusRate } from './opus.js';
import { PlayoutRing } from './playout-ring.js';

/** Jitter a stream may have before its packets count as late: two frames. */
export const PLAYOUT_DELAY_MS = 40;

/** Something the mixer mixes: a room producer it consumes, or a SIP leg's own voice. */
export interface MixSource {
  readonly producerId: string;
  readonly participantId: string;
  /** From now on, have frames at this rate too (a leg at that rate joined). */
  addRate(rate: OpusRate): void;
  /** No leg needs this rate any more. */
  removeRate(rate: OpusRate): void;
  /** Moves to the next tick: reads one frame at every rate. */
  advance(): void;
  /** This tick's 20 ms at `rate`, or null when the source is silent (nothing arrived for it). */
  frame(rate: OpusRate): Int16Array | null;
}

/** A stream's playout rings, one per sample rate that some leg listens at, read together each tick. */
export class RingsByRate {
  readonly #rings = new Map<OpusRate, PlayoutRing>();
  readonly #frames = new Map<OpusRate, Int16Array | null>();

  add(rate: OpusRate): void {
    if (this.#rings.has(rate)) return;
    const frame = samplesPerFrame(rate);
    this.#rings.set(rate, new PlayoutRing(frame, (rate * PLAYOUT_DELAY_MS) / 1000));
  }

  remove(rate: OpusRate): void {
    this.#rings.delete(rate);
    this.#frames.delete(rate);
  }

  has(rate: OpusRate): boolean {
    return this.#rings.has(rate);
  }

  /** False when the samples came too late to be played. */
  write(rate: OpusRate, pos: number, pcm: Int16Array): boolean {
    return this.#rings.get(rate)?.write(pos, pcm) ?? false;
  }

  advance(): void {
    for (const [rate, ring] of this.#rings) this.#frames.set(rate, ring.read());
  }

  frame(rate: OpusRate): Int16Array | null {
    return this.#frames.get(rate) ?? null;
  }

  restarts(): number {
    let n = 0;
    for (const ring of this.#rings.values()) n += ring.restarts;
    return n;
  }
}
