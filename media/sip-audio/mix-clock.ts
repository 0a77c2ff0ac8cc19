import { performance } from 'node:perf_hooks';

/** Ticks run back to back to catch up after a stall; beyond this many the missed ones are skipped. */
const MAX_CATCH_UP = 5;

/**
 * A fixed-period clock for the mixer. Each tick is scheduled against the ideal time line
 * (start + k × period), not "period after the last one", so timer lateness does not accumulate as
 * drift. After a stall the missed ticks run at once (up to MAX_CATCH_UP) so every listener still gets
 * one frame per period; a longer stall skips ticks and reports how many.
 */
export class MixClock {
  #timer: NodeJS.Timeout | undefined;
  #due = 0;

  constructor(
    private readonly periodMs: number,
    private readonly onTick: (now: number) => void,
    private readonly onLate: (lateMs: number, skipped: number) => void,
  ) {}

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer) return;
    this.#due = performance.now() + this.periodMs;
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#run(), Math.max(0, this.#due - performance.now()));
  }

  #run(): void {
    const now = performance.now();
    const late = now - this.#due;
    let ran = 0;
    while (this.#due <= now && ran < MAX_CATCH_UP && this.#timer) {
      this.onTick(now);
      this.#due += this.periodMs;
      ran++;
    }
    let skipped = 0;
    if (this.#due <= now) {
      skipped = Math.floor((now - this.#due) / this.periodMs) + 1;
      this.#due += skipped * this.periodMs;
    }
    this.onLate(late, skipped);
    if (this.#timer) this.#schedule();
  }
}
