import type { Position } from '../../../protocol/signalling.js';
import type { SignallingClient } from '../signalling-client.js';

const STORAGE_KEY = 'field.positions';
const MAX_QUEUED = 5_000;

/**
 * Positions waiting to reach the server, oldest first. They are numbered and kept in localStorage, so
 * fixes taken while offline (or before a reload) are delivered later, in order, none lost and none
 * twice: the server stores a seq only once and tells up to which seq it holds.
 */
export class PositionQueue {
  #queue: Position[];
  #nextSeq: number;
  #sending = false;
  #listeners = new Set<() => void>();

  constructor(private readonly signalling: SignallingClient) {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as { queue: Position[]; nextSeq: number } | null;
    this.#queue = saved?.queue ?? [];
    this.#nextSeq = saved?.nextSeq ?? Date.now();
  }

  get pending(): number {
    return this.#queue.length;
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  add(fix: Omit<Position, 'seq'>): void {
    this.#queue.push({ ...fix, seq: this.#nextSeq++ });
    if (this.#queue.length > MAX_QUEUED) this.#queue.splice(0, this.#queue.length - MAX_QUEUED);
    this.#save();
    void this.flush();
  }

  /** Sends what is queued, in order, while the connection lasts; call again after a reconnect. */
  async flush(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      while (this.#queue.length > 0 && this.signalling.socket.connected) {
        const batch = this.#queue.slice(0, 100);
        const { acceptedUpTo } = await this.signalling.request('reportPositions', { positions: batch });
        this.#queue = this.#queue.filter((p) => p.seq > acceptedUpTo);
        this.#save();
      }
    } catch {
      // Not in the room yet, or the connection dropped: the queue waits for the next flush.
    } finally {
      this.#sending = false;
    }
  }

  #save(): void {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ queue: this.#queue, nextSeq: this.#nextSeq }));
    for (const l of this.#listeners) l();
  }
}
