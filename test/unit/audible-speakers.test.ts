import { describe, expect, it } from 'vitest';
import { AudibleSpeakers } from '../../server/rooms/audible-speakers.js';

describe('AudibleSpeakers (last-N audio)', () => {
  it('keeps the last N distinct speakers, most recent first, and says when the list changed', () => {
    const s = new AudibleSpeakers(3);
    expect(s.state()).toEqual({ peerIds: [], lastN: 3 });
    expect(['a', 'b', 'c'].map((id) => s.spoke(id))).toEqual([true, true, true]);
    expect(s.state().peerIds).toEqual(['c', 'b', 'a']);
    // A speaker already audible moves up (nobody's audio changes, but who goes next does).
    expect(s.spoke('a')).toBe(true);
    expect(s.state().peerIds).toEqual(['a', 'c', 'b']);
    // The same speaker again: nothing changed.
    expect(s.spoke('a')).toBe(false);
    // A fourth pushes out whoever spoke longest ago.
    expect(s.spoke('d')).toBe(true);
    expect(s.state().peerIds).toEqual(['d', 'a', 'c']);
  });

  it('forgets a speaker who left, and only then reports a change', () => {
    const s = new AudibleSpeakers(2);
    s.spoke('a');
    s.spoke('b');
    expect(s.forget('x')).toBe(false);
    expect(s.forget('a')).toBe(true);
    expect(s.state().peerIds).toEqual(['b']);
    expect(s.spoke('c')).toBe(true);
    expect(s.state().peerIds).toEqual(['c', 'b']);
  });

  it('hands out copies, so a caller cannot change the room state', () => {
    const s = new AudibleSpeakers(2);
    s.spoke('a');
    s.state().peerIds.push('intruder');
    expect(s.state().peerIds).toEqual(['a']);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new AudibleSpeakers(0)).toThrow(TypeError);
    expect(() => new AudibleSpeakers(2.5)).toThrow(TypeError);
  });
});
