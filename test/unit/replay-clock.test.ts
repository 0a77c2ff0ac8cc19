import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../protocol/timeline.js';
import { followTrack, ReplayClock } from '../../web-client/src/replay/replay-clock.js';
import { countUpTo, stateAt } from '../../web-client/src/replay/timeline-state.js';

describe('ReplayClock', () => {
  it('moves with time only while playing, stays within the incident, and seeks', () => {
    const clock = new ReplayClock(10_000);
    expect(clock.now(0)).toBe(0);
    clock.play(1_000);
    expect(clock.now(3_500)).toBe(2_500);
    clock.pause(4_000);
    expect(clock.now(9_000)).toBe(3_000);
    clock.seek(9_500, 9_000);
    clock.play(9_000);
    expect(clock.now(20_000)).toBe(10_000);
    clock.pause(20_000);
    clock.seek(-5, 20_000);
    expect(clock.now(30_000)).toBe(0);
  });
});

describe('followTrack', () => {
  it('jumps for a big gap, nudges the rate for a small one, leaves a tiny one', () => {
    expect(followTrack(10, 10.5)).toEqual({ seekTo: 10, rate: 1 });
    expect(followTrack(10, 10.01)).toEqual({ rate: 1 });
    expect(followTrack(10, 10.1).rate).toBeLessThan(1);
    expect(followTrack(10, 9.9).rate).toBeGreaterThan(1);
  });
});

describe('stateAt', () => {
  const who = { id: 'u1', name: '一号' };
  const entries: TimelineEntry[] = [
    { type: 'position', roomId: 'r', who, lat: 1, lon: 1, id: 'a', at: 100 },
    { type: 'marker', roomId: 'r', who, action: 'placed', markerId: 'm1', lat: 5, lon: 5, note: '点', id: 'b', at: 150 },
    { type: 'position', roomId: 'r', who, lat: 2, lon: 2, id: 'c', at: 200 },
    { type: 'marker', roomId: 'r', who, action: 'removed', markerId: 'm1', id: 'd', at: 300 },
  ];
  it('has the last position and standing markers at a moment', () => {
    expect(stateAt(entries, 50)).toEqual({ people: [], markers: [] });
    expect(stateAt(entries, 160).people).toEqual([{ id: 'u1', name: '一号', lat: 1, lon: 1 }]);
    expect(stateAt(entries, 160).markers.map((m) => m.id)).toEqual(['m1']);
    expect(stateAt(entries, 250).people[0]?.lat).toBe(2);
    expect(stateAt(entries, 300).markers).toEqual([]);
    expect([countUpTo(entries, 0), countUpTo(entries, 150), countUpTo(entries, 1000)]).toEqual([0, 2, 4]);
  });
});
