import { describe, expect, it } from 'vitest';
import { AudioRelease, audioToReceive } from '../../web-client/src/audible-audio.js';

const sources = Array.from({ length: 10 }, (_, i) => ({ producerId: `mic-${i}`, peerId: `peer-${i}` }));

describe('audioToReceive (last-N audio)', () => {
  it('hears only the last N speakers of a large conference', () => {
    const wanted = audioToReceive(sources, { peerIds: ['peer-3', 'peer-7', 'gone'], lastN: 3 }, 'conference');
    expect([...wanted].sort()).toEqual(['mic-3', 'mic-7']);
  });

  it('hears everyone in a room with at most N others, in a talk group, and before the server has said', () => {
    const few = sources.slice(0, 3);
    expect(audioToReceive(few, { peerIds: [], lastN: 3 }, 'conference').size).toBe(3);
    expect(audioToReceive(sources, { peerIds: [], lastN: 3 }, 'ptt').size).toBe(10);
    expect(audioToReceive(sources, null, 'conference').size).toBe(10);
  });

  it('hears nobody in a large room where nobody has spoken yet', () => {
    expect(audioToReceive(sources, { peerIds: [], lastN: 6 }, 'conference').size).toBe(0);
  });
});

describe('AudioRelease', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('lets go of an unwanted consumer only after the grace period', async () => {
    const released: string[] = [];
    const release = new AudioRelease(80);
    release.sync(new Set(['a']), ['a', 'b'], (id) => released.push(id));
    expect(release.pending()).toEqual(['b']);
    await sleep(30);
    expect(released).toEqual([]);
    await sleep(120);
    expect(released).toEqual(['b']);
    expect(release.pending()).toEqual([]);
  });

  it('keeps a speaker who is wanted again within the grace period', async () => {
    const released: string[] = [];
    const release = new AudioRelease(60);
    release.sync(new Set(), ['a'], (id) => released.push(id));
    // A second sync while waiting does not restart the clock.
    release.sync(new Set(), ['a'], (id) => released.push(id));
    release.sync(new Set(['a']), ['a'], (id) => released.push(id));
    await sleep(120);
    expect(released).toEqual([]);
  });

  it('clear() cancels every pending release (a rejoin starts afresh)', async () => {
    const released: string[] = [];
    const release = new AudioRelease(40);
    release.sync(new Set(), ['a', 'b'], (id) => released.push(id));
    release.clear();
    await sleep(80);
    expect(released).toEqual([]);
  });
});
