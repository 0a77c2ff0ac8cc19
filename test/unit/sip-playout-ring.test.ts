import { describe, expect, it } from 'vitest';
import { FrameChunker } from '../../media/sip-audio/frame-chunker.js';
import { PlayoutRing } from '../../media/sip-audio/playout-ring.js';

const frame = (value: number, n = 4) => new Int16Array(n).fill(value);
const read = (ring: PlayoutRing) => {
  const f = ring.read();
  return f ? Array.from(f) : null;
};

describe('PlayoutRing', () => {
  it('plays frames `delay` behind the first packet, in timestamp order, whatever the arrival order', () => {
    const ring = new PlayoutRing(4, 8);
    expect(ring.write(0, frame(1))).toBe(true);
    expect(ring.write(8, frame(3))).toBe(true); // arrives before the one it follows
    expect(ring.write(4, frame(2))).toBe(true);
    expect(read(ring)).toEqual([0, 0, 0, 0]); // the delay (8 samples = 2 frames)
    expect(read(ring)).toEqual([0, 0, 0, 0]);
    expect(read(ring)).toEqual([1, 1, 1, 1]);
    expect(read(ring)).toEqual([2, 2, 2, 2]);
    expect(read(ring)).toEqual([3, 3, 3, 3]);
    expect(read(ring)).toBeNull(); // nothing written here: the stream is silent
  });

  it('a lost packet plays as silence without shifting what follows; a late one is dropped', () => {
    const ring = new PlayoutRing(4, 4);
    ring.write(0, frame(1));
    ring.write(8, frame(3)); // 4..8 lost for now
    read(ring);
    expect(read(ring)).toEqual([1, 1, 1, 1]);
    expect(read(ring)).toEqual([0, 0, 0, 0]);
    expect(ring.write(4, frame(2))).toBe(false); // its turn has passed
    expect(read(ring)).toEqual([3, 3, 3, 3]);
  });

  it('starts over when a stream comes back after idling with timestamps that did not move on', () => {
    const ring = new PlayoutRing(4, 4);
    ring.write(0, frame(1));
    for (let i = 0; i < 10; i++) ring.read();
    expect(ring.write(4, frame(2))).toBe(true); // behind the read point, but nothing is buffered: restart
    expect(ring.restarts).toBe(2);
    expect(read(ring)).toEqual([0, 0, 0, 0]);
    expect(read(ring)).toEqual([2, 2, 2, 2]);
  });

  it('starts over when packets run too far ahead, and reads clean data after wrapping round', () => {
    const ring = new PlayoutRing(4, 4, 16);
    ring.write(0, frame(1));
    ring.write(100, frame(9)); // a jump
    expect(ring.restarts).toBe(2);
    expect(read(ring)).toEqual([0, 0, 0, 0]);
    expect(read(ring)).toEqual([9, 9, 9, 9]);
    for (let pos = 104, n = 0; n < 40; pos += 4, n++) {
      ring.write(pos, frame(n + 10));
      expect(read(ring)).toEqual(Array(4).fill(n + 10)); // many times round the ring: no stale samples
    }
  });

  it('handles positions before zero (packets reordered ahead of the first)', () => {
    const ring = new PlayoutRing(4, 8);
    ring.write(0, frame(2));
    ring.write(-4, frame(1));
    read(ring);
    expect(read(ring)).toEqual([1, 1, 1, 1]);
    expect(read(ring)).toEqual([2, 2, 2, 2]);
  });
});

describe('FrameChunker', () => {
  const collect = () => {
    const frames: [number, number[]][] = [];
    return { frames, on: (pos: number, f: Int16Array) => frames.push([pos, Array.from(f)]) };
  };

  it('cuts 30 ms packets into 20 ms frames with their positions', () => {
    const chunker = new FrameChunker(4);
    const c = collect();
    chunker.push(0, Int16Array.from([1, 2, 3, 4, 5, 6]), c.on);
    chunker.push(6, Int16Array.from([7, 8, 9, 10, 11, 12]), c.on);
    expect(c.frames).toEqual([
      [0, [1, 2, 3, 4]],
      [4, [5, 6, 7, 8]],
      [8, [9, 10, 11, 12]],
    ]);
  });

  it('drops a late packet and the unfinished remainder before a gap', () => {
    const chunker = new FrameChunker(4);
    const c = collect();
    chunker.push(0, Int16Array.from([1, 2, 3, 4, 5, 6]), c.on);
    expect(chunker.push(2, Int16Array.from([0, 0]), c.on)).toBe(false);
    chunker.push(20, Int16Array.from([7, 8, 9, 10]), c.on);
    expect(c.frames).toEqual([
      [0, [1, 2, 3, 4]],
      [20, [7, 8, 9, 10]],
    ]);
  });
});
