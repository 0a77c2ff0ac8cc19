import type { RoomMode } from '../../protocol/http.js';
import type { AudibleSpeakers } from '../../protocol/signalling.js';

export interface RemoteAudio {
  producerId: string;
  peerId: string;
}

/** How long a speaker who dropped out of the last N is still received: a pause between sentences must not cut them. */
export const AUDIBLE_GRACE_MS = 3000;

/**
 * The remote audio producers a member receives. A talk group's floor already decides who is heard, and
 * a room with at most N other audio producers is heard whole; otherwise only the last N speakers.
 * Before the server has said (audible null), everyone, as before last-N existed.
 */
export function audioToReceive(sources: readonly RemoteAudio[], audible: AudibleSpeakers | null, mode: RoomMode): Set<string> {
  if (mode === 'ptt' || audible === null || sources.length <= audible.lastN) return new Set(sources.map((s) => s.producerId));
  const peers = new Set(audible.peerIds);
  return new Set(sources.filter((s) => peers.has(s.peerId)).map((s) => s.producerId));
}

/**
 * Lets go of audio consumers that are no longer wanted, each after the grace period; one wanted again
 * meanwhile is kept.
 */
export class AudioRelease {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly graceMs = AUDIBLE_GRACE_MS) {}

  /**
   * `received`: the audio producers consumed now. Calls `release` for each one still unwanted once
   * its grace has run out.
   */
  sync(wanted: ReadonlySet<string>, received: Iterable<string>, release: (producerId: string) => void): void {
    for (const [id, timer] of this.#timers) {
      if (!wanted.has(id)) continue;
      clearTimeout(timer);
      this.#timers.delete(id);
    }
    for (const id of received) {
      if (wanted.has(id) || this.#timers.has(id)) continue;
      this.#timers.set(id, setTimeout(() => {
        this.#timers.delete(id);
        release(id);
      }, this.graceMs));
    }
  }

  /** Producer ids waiting out their grace. */
  pending(): string[] {
    return [...this.#timers.keys()];
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
