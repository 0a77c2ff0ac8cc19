import { describe, expect, it } from 'vitest';
import { FloorControl, type FloorClock, type FloorEvent } from '../../server/ptt/floor-control.js';

/** A clock the test moves by hand, so time limits are checked exactly and instantly. */
class ManualClock implements FloorClock {
  t = 1_000;
  timers: { at: number; fn: () => void; live: boolean }[] = [];
  now = () => this.t;
  setTimer(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  advance(ms: number) {
    this.t += ms;
    for (const timer of this.timers) {
      if (timer.live && timer.at <= this.t) {
        timer.live = false;
        timer.fn();
      }
    }
  }
}

function setup(maxBurstMs = 30_000, maxQueue = 8) {
  const clock = new ManualClock();
  const changes: FloorEvent[][] = [];
  const floor = new FloorControl({ maxBurstMs, maxQueue, clock, onChange: (e) => changes.push(e) });
  const req = (memberId: string, priority: number, emergency = false) => floor.request({ memberId, priority, emergency });
  return { clock, changes, floor, req, queueIds: () => floor.snapshot().queue.map((q) => q.memberId) };
}

describe('FloorControl', () => {
  it('grants an idle floor at once and releases it', () => {
    const { floor, req, changes } = setup();
    expect(req('a', 10)).toEqual({ result: 'granted' });
    expect(floor.holderId()).toBe('a');
    expect(changes.at(-1)).toEqual([{ type: 'granted', memberId: 'a', emergency: false }]);
    floor.release('a');
    expect(floor.holderId()).toBeNull();
    expect(changes.at(-1)).toEqual([{ type: 'released', memberId: 'a' }]);
  });

  it('queues an equal-priority request and grants it when the holder releases', () => {
    const { floor, req, changes } = setup();
    req('a', 10);
    expect(req('b', 10)).toEqual({ result: 'queued', position: 1 });
    expect(floor.holderId()).toBe('a');
    floor.release('a');
    expect(floor.holderId()).toBe('b');
    expect(changes.at(-1)).toEqual([
      { type: 'released', memberId: 'a' },
      { type: 'granted', memberId: 'b', emergency: false },
    ]);
  });

  it('orders the queue by priority, then by who asked first', () => {
    const { floor, req, queueIds } = setup();
    req('holder', 40);
    req('field1', 10);
    req('township', 20);
    req('field2', 10);
    expect(req('county', 30)).toEqual({ result: 'queued', position: 1 });
    expect(queueIds()).toEqual(['county', 'township', 'field1', 'field2']);
    floor.release('holder');
    expect(floor.holderId()).toBe('county');
  });

  it('a higher priority pre-empts the holder, who is revoked and not queued again', () => {
    const { floor, req, changes, queueIds } = setup();
    req('township', 20);
    expect(req('commander', 40)).toEqual({ result: 'granted' });
    expect(floor.holderId()).toBe('commander');
    expect(changes.at(-1)).toEqual([
      { type: 'revoked', memberId: 'township', reason: 'preempted', by: 'commander' },
      { type: 'granted', memberId: 'commander', emergency: false },
    ]);
    expect(queueIds()).toEqual([]);
  });

  it('a lower or equal priority never pre-empts', () => {
    const { floor, req } = setup();
    req('commander', 40);
    expect(req('township', 20).result).toBe('queued');
    expect(req('commander2', 40).result).toBe('queued');
    expect(floor.holderId()).toBe('commander');
  });

  it('an emergency beats any priority, and an emergency holder cannot be pre-empted', () => {
    const { floor, req, queueIds } = setup();
    req('commander', 40);
    expect(req('field', 10, true)).toEqual({ result: 'granted' });
    expect(floor.holderId()).toBe('field');
    expect(floor.snapshot().holder?.emergency).toBe(true);
    expect(req('commander', 40).result).toBe('queued');
    // A second emergency waits, at the head of the queue.
    expect(req('field2', 10, true)).toEqual({ result: 'queued', position: 1 });
    expect(queueIds()).toEqual(['field2', 'commander']);
    expect(floor.holderId()).toBe('field');
  });

  it('the holder pressing emergency upgrades its own burst', () => {
    const { floor, req } = setup();
    req('a', 10);
    expect(req('a', 10, true)).toEqual({ result: 'granted' });
    expect(floor.snapshot().holder?.emergency).toBe(true);
    expect(req('commander', 40).result).toBe('queued');
  });

  it('ends a burst at the time limit and grants the next', () => {
    const { floor, req, clock, changes } = setup(5_000);
    req('a', 10);
    req('b', 10);
    expect(floor.snapshot().holder?.endsAt).toBe(clock.t + 5_000);
    clock.advance(4_999);
    expect(floor.holderId()).toBe('a');
    clock.advance(1);
    expect(floor.holderId()).toBe('b');
    expect(changes.at(-1)).toEqual([
      { type: 'revoked', memberId: 'a', reason: 'time-limit' },
      { type: 'granted', memberId: 'b', emergency: false },
    ]);
    // b's burst has its own full limit.
    clock.advance(4_999);
    expect(floor.holderId()).toBe('b');
    clock.advance(1);
    expect(floor.holderId()).toBeNull();
  });

  it('a released burst does not time out later', () => {
    const { floor, req, clock } = setup(5_000);
    req('a', 10);
    floor.release('a');
    req('b', 10);
    clock.advance(4_000);
    expect(floor.holderId()).toBe('b');
  });

  it('denies listen-only members and a full queue', () => {
    const { req } = setup(30_000, 1);
    expect(req('listener', 0)).toEqual({ result: 'denied', reason: 'listen-only' });
    req('a', 10);
    req('b', 10);
    expect(req('c', 10)).toEqual({ result: 'denied', reason: 'queue-full' });
  });

  it('a queued member can give up; a member who leaves frees the floor', () => {
    const { floor, req, queueIds } = setup();
    req('a', 10);
    req('b', 10);
    req('c', 10);
    floor.release('b');
    expect(queueIds()).toEqual(['c']);
    floor.remove('a');
    expect(floor.holderId()).toBe('c');
  });

  it('asking twice while queued keeps the place in the queue', () => {
    const { req, queueIds } = setup();
    req('a', 10);
    req('b', 10);
    req('c', 10);
    expect(req('b', 10)).toEqual({ result: 'queued', position: 1 });
    expect(queueIds()).toEqual(['b', 'c']);
  });
});
