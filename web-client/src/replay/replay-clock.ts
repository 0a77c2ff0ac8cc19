/**
 * The replay's clock, in ms from the incident's start. While a chosen track plays, that element is the clock
 * (its audio hardware keeps time); otherwise wall time moves it. The other tracks follow it (followTrack).
 */
export class ReplayClock {
  #base = 0;
  #since: number | null = null;

  constructor(readonly length: number) {}

  get playing(): boolean {
    return this.#since !== null;
  }

  now(at = performance.now()): number {
    const pos = this.#since === null ? this.#base : this.#base + (at - this.#since);
    return Math.min(Math.max(pos, 0), this.length);
  }

  play(at = performance.now()): void {
    if (this.#since === null) this.#since = at;
  }

  pause(at = performance.now()): void {
    this.#base = this.now(at);
    this.#since = null;
  }

  seek(pos: number, at = performance.now()): void {
    this.#base = Math.min(Math.max(pos, 0), this.length);
    if (this.#since !== null) this.#since = at;
  }
}

export interface FollowAction {
  /** Jump there (seconds in the file). */
  seekTo?: number;
  /** Play a little faster or slower to close a small gap without a jump. */
  rate: number;
}

/** How a track element catches up with the clock: a jump for a big gap, a gentle rate change for a small one. */
export function followTrack(expectedS: number, currentS: number): FollowAction {
  const drift = currentS - expectedS;
  if (Math.abs(drift) > 0.3) return { seekTo: expectedS, rate: 1 };
  if (Math.abs(drift) < 0.02) return { rate: 1 };
  return { rate: 1 - Math.max(-0.25, Math.min(0.25, drift * 2)) };
}
