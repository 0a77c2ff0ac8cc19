import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { MixClock } from '../../media/sip-audio/mix-clock.js';

describe('MixClock', () => {
  it('keeps to the ideal 20 ms time line: after stalls, ticks run plus ticks skipped equal the time elapsed', async () => {
    let ticks = 0;
    let skipped = 0;
    let maxBurst = 0;
    let burst = 0;
    let lastTickAt = 0;
    const clock = new MixClock(
      20,
      (now) => {
        ticks++;
        burst = now === lastTickAt ? burst + 1 : 1; // catch-up ticks run back to back with the same `now`
        maxBurst = Math.max(maxBurst, burst);
        lastTickAt = now;
      },
      (_late, s) => (skipped += s),
    );
    const start = performance.now();
    clock.start();
    await new Promise((r) => setTimeout(r, 300));
    const until = performance.now() + 70; // a 70 ms stall: caught up with back-to-back ticks
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 300));
    const until2 = performance.now() + 400; // a 400 ms stall: more than the catch-up allows
    while (performance.now() < until2);
    await new Promise((r) => setTimeout(r, 300));
    clock.stop();
    const elapsed = performance.now() - start;
    const ticksAtStop = ticks;
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks).toBe(ticksAtStop); // stopped means stopped
    expect(maxBurst).toBeGreaterThanOrEqual(3);
    expect(maxBurst).toBeLessThanOrEqual(5);
    expect(skipped).toBeGreaterThan(0);
    // Every 20 ms slot was either ticked or counted as skipped (no drift either way); the last may be pending.
    expect(Math.abs(ticks + skipped - Math.floor(elapsed / 20))).toBeLessThanOrEqual(1);
  });
});
