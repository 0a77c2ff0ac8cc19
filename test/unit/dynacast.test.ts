import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dynacast } from '../../media/dynacast.js';

describe('dynacast: the highest layer anyone consumes, told to the publisher', () => {
  let dynacast: Dynacast;
  let told: number[];

  beforeEach(() => {
    vi.useFakeTimers();
    dynacast = new Dynacast(2_000);
    told = [];
    dynacast.track('cam', 3, (layer) => told.push(layer));
  });

  afterEach(() => {
    dynacast.close();
    vi.useRealTimers();
  });

  it('starts with every layer on, and turns all off once nobody has watched for the debounce', () => {
    expect(dynacast.sentLayer('cam')).toBe(2);
    vi.advanceTimersByTime(1_999);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(told).toEqual([-1]);
    expect(dynacast.pausedLayers()).toBe(3);
  });

  it('raises at once to the highest viewer, lowers only after the lower demand held', () => {
    vi.advanceTimersByTime(2_000);
    dynacast.setDemand('cam', 'consumer:a', 0);
    expect(told).toEqual([-1, 0]);
    dynacast.setDemand('cam', 'consumer:b', 1);
    expect(told).toEqual([-1, 0, 1]);
    dynacast.setDemand('cam', 'consumer:b', null);
    vi.advanceTimersByTime(1_000);
    // Back up before the debounce ran out: the publisher never hears of the dip.
    dynacast.setDemand('cam', 'consumer:c', 1);
    vi.advanceTimersByTime(5_000);
    expect(told).toEqual([-1, 0, 1]);
    dynacast.setDemand('cam', 'consumer:c', null);
    vi.advanceTimersByTime(2_000);
    expect(told).toEqual([-1, 0, 1, 0]);
    expect(dynacast.pausedLayers()).toBe(2);
  });

  it('a full demand (recorder, pipe) pins the top layer until released', () => {
    const release = dynacast.demandFull('cam', 'recorder:1');
    dynacast.setDemand('cam', 'consumer:a', 0);
    vi.advanceTimersByTime(10_000);
    expect(told).toEqual([]);
    release();
    vi.advanceTimersByTime(2_000);
    expect(told).toEqual([0]);
  });

  it('counts demands that came before the producer was tracked, and ignores untracked producers', () => {
    dynacast.setDemand('late', 'consumer:a', 1);
    dynacast.setDemand('other', 'consumer:b', 2);
    const late: number[] = [];
    dynacast.track('late', 3, (layer) => late.push(layer));
    vi.advanceTimersByTime(2_000);
    expect(late).toEqual([1]);
    expect(dynacast.sentLayer('other')).toBeUndefined();
  });

  it('a forgotten producer is told nothing more', () => {
    dynacast.forget('cam');
    vi.advanceTimersByTime(5_000);
    dynacast.setDemand('cam', 'consumer:a', 2);
    expect(told).toEqual([]);
    expect(dynacast.pausedLayers()).toBe(0);
  });
});
