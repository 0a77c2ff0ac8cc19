import type { AudibleSpeakers as AudibleSpeakersState } from '../../protocol/signalling.js';

/**
 * A room's last N distinct active speakers, most recent first: the audio each member of a large room
 * receives, so a viewer of a 200-endpoint room costs the server N audio streams instead of 199.
 * Fed with the room's active-speaker changes; whoever leaves the room is forgotten.
 */
export class AudibleSpeakers {
  #order: string[] = [];

  constructor(readonly lastN: number) {
    if (!Number.isInteger(lastN) || lastN < 1) throw new TypeError(`lastN must be a positive integer, not ${lastN}`);
  }

  /**
   * Whether the list changed: a new speaker, or one already in it moving to the front (which decides
   * who is let go next, and tells clients who spoke last).
   */
  spoke(peerId: string): boolean {
    if (this.#order[0] === peerId) return false;
    this.#order = [peerId, ...this.#order.filter((id) => id !== peerId)].slice(0, this.lastN);
    return true;
  }

  /** Whether the set changed: a speaker who left gives their place up. */
  forget(peerId: string): boolean {
    const before = this.#order.length;
    this.#order = this.#order.filter((id) => id !== peerId);
    return this.#order.length !== before;
  }

  state(): AudibleSpeakersState {
    return { peerIds: [...this.#order], lastN: this.lastN };
  }
}
