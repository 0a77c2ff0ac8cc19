/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export class RateLimiter {
  #tokens: number;
  #last = Date.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst;
  }

  /** Full again: forgetting this limiter changes nothing. */
  isIdle(): boolean {
    return this.#tokens + ((Date.now() - this.#last) / 1000) * this.perSecond >= this.burst;
  }

  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
