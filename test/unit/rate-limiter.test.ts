import { describe, it, expect } from 'vitest';
import { RateLimiter } from '../../server/signalling/rate-limiter.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function takeAll(limiter: RateLimiter, max: number): number {
  let taken = 0;
  for (let i = 0; i < max && limiter.take(); i++) taken++;
  return taken;
}

describe('RateLimiter', () => {
  it('allows a burst and then refuses', () => {
    const limiter = new RateLimiter(1, 5);
    expect(takeAll(limiter, 100)).toBe(5);
    expect(limiter.take()).toBe(false);
    expect(limiter.take()).toBe(false);
  });

  it('refills over time at the configured rate', async () => {
    const limiter = new RateLimiter(20, 3); // one token per 50 ms
    expect(takeAll(limiter, 100)).toBe(3);
    expect(limiter.take()).toBe(false);
    await sleep(130); // ~2.6 tokens
    const refilled = takeAll(limiter, 100);
    expect(refilled).toBeGreaterThanOrEqual(2);
    expect(refilled).toBeLessThanOrEqual(3);
    expect(limiter.take()).toBe(false);
  });

  it('never refills beyond the burst', async () => {
    const limiter = new RateLimiter(100, 4);
    expect(takeAll(limiter, 100)).toBe(4);
    await sleep(300); // would be 30 tokens without the cap
    expect(takeAll(limiter, 100)).toBe(4);
  });

  it('refused calls do not consume tokens', async () => {
    const limiter = new RateLimiter(10, 1); // one token per 100 ms
    expect(limiter.take()).toBe(true);
    const deadline = Date.now() + 2000;
    let refusals = 0;
    while (!limiter.take() && Date.now() < deadline) {
      refusals++;
      await sleep(10);
    }
    expect(Date.now()).toBeLessThan(deadline);
    expect(refusals).toBeGreaterThan(3); // had to wait roughly 100 ms
  });
});
