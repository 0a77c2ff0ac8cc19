/**
 * Floor control for one talk group: who may talk now, who waits, who is cut off. Pure and synchronous
 * (time comes from an injected clock) so every rule is unit-tested without media or sockets.
 *
 * Rules (3GPP TS 24.380 in spirit, simplified):
 * - An idle floor is granted at once.
 * - A request that outranks the holder pre-empts it: the holder is revoked (not queued again; it must
 *   press again) and the requester granted. Otherwise the request is queued.
 * - Rank: an emergency request beats every ordinary one; among equals a higher priority wins, then the
 *   earlier request. An emergency holder is never pre-empted, not even by another emergency (which
 *   queues at the head): cutting off a member in danger is worse than making a second one wait.
 * - Priority 0 means listen-only: denied. A full queue denies.
 * - Every burst ends after `maxBurstMs` (revoked, reason time-limit), so a stuck key cannot hold the
 *   group; the next in the queue is granted.
 */

export interface FloorClock {
  now(): number;
  /** Runs `fn` after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const realClock: FloorClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

export type DenyReason = 'listen-only' | 'queue-full';
export type RevokeReason = 'preempted' | 'time-limit';

export type FloorOutcome =
  | { result: 'granted' }
  | { result: 'queued'; position: number }
  | { result: 'denied'; reason: DenyReason };

export type FloorEvent =
  | { type: 'granted'; memberId: string; emergency: boolean }
  | { type: 'revoked'; memberId: string; reason: RevokeReason; by?: string }
  | { type: 'released'; memberId: string };

export interface FloorRequest {
  memberId: string;
  priority: number;
  emergency: boolean;
}

export interface FloorHolder extends FloorRequest {
  grantedAt: number;
  endsAt: number;
}

export interface FloorSnapshot {
  holder: FloorHolder | null;
  queue: FloorRequest[];
}

export interface FloorOptions {
  maxBurstMs: number;
  maxQueue: number;
  clock: FloorClock;
  /** Called once per change of state, with what happened in order. */
  onChange: (events: FloorEvent[]) => void;
}

interface Queued extends FloorRequest {
  seq: number;
}

/** a outranks b: emergency first, then priority, then who asked first. */
function outranks(a: Queued, b: Queued): boolean {
  if (a.emergency !== b.emergency) return a.emergency;
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.seq < b.seq;
}

export class FloorControl {
  #holder: (Queued & { grantedAt: number; endsAt: number }) | null = null;
  #queue: Queued[] = [];
  #seq = 0;
  #cancelTimer: (() => void) | undefined;

  constructor(private readonly options: FloorOptions) {}

  holderId(): string | null {
    return this.#holder?.memberId ?? null;
  }

  snapshot(): FloorSnapshot {
    const strip = ({ memberId, priority, emergency }: Queued): FloorRequest => ({ memberId, priority, emergency });
    const h = this.#holder;
    return {
      holder: h ? { ...strip(h), grantedAt: h.grantedAt, endsAt: h.endsAt } : null,
      queue: this.#queue.map(strip),
    };
  }

  request(req: FloorRequest): FloorOutcome {
    if (req.priority <= 0) return { result: 'denied', reason: 'listen-only' };
    const events: FloorEvent[] = [];
    const holder = this.#holder;
    if (holder?.memberId === req.memberId) {
      // Pressing again while talking: only an upgrade to emergency changes anything.
      if (req.emergency && !holder.emergency) {
        holder.emergency = true;
        events.push({ type: 'granted', memberId: req.memberId, emergency: true });
        this.#emit(events);
      }
      return { result: 'granted' };
    }
    const already = this.#queue.find((q) => q.memberId === req.memberId);
    if (already) this.#queue = this.#queue.filter((q) => q !== already);
    else if (this.#queue.length >= this.options.maxQueue) return { result: 'denied', reason: 'queue-full' };
    const entry: Queued = { ...req, emergency: req.emergency || (already?.emergency ?? false), seq: already?.seq ?? this.#seq++ };

    if (!holder) {
      this.#grant(entry, events);
      this.#emit(events);
      return { result: 'granted' };
    }
    if (!holder.emergency && outranks(entry, holder)) {
      this.#clearTimer();
      this.#holder = null;
      events.push({ type: 'revoked', memberId: holder.memberId, reason: 'preempted', by: entry.memberId });
      this.#grant(entry, events);
      this.#emit(events);
      return { result: 'granted' };
    }
    this.#enqueue(entry);
    this.#emit(events);
    return { result: 'queued', position: this.#queue.indexOf(entry) + 1 };
  }

  /** The holder lets go (next in the queue is granted), or a queued member gives up waiting. */
  release(memberId: string): void {
    if (this.#holder?.memberId === memberId) {
      this.#clearTimer();
      this.#holder = null;
      const events: FloorEvent[] = [{ type: 'released', memberId }];
      this.#grantNext(events);
      this.#emit(events);
      return;
    }
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((q) => q.memberId !== memberId);
    if (this.#queue.length !== before) this.#emit([]);
  }

  /** A member left the group: same as letting go. */
  remove(memberId: string): void {
    this.release(memberId);
  }

  close(): void {
    this.#clearTimer();
    this.#holder = null;
    this.#queue = [];
  }

  #enqueue(entry: Queued): void {
    const at = this.#queue.findIndex((q) => outranks(entry, q));
    if (at < 0) this.#queue.push(entry);
    else this.#queue.splice(at, 0, entry);
  }

  #grant(entry: Queued, events: FloorEvent[]): void {
    const now = this.options.clock.now();
    this.#holder = { ...entry, grantedAt: now, endsAt: now + this.options.maxBurstMs };
    const memberId = entry.memberId;
    this.#cancelTimer = this.options.clock.setTimer(this.options.maxBurstMs, () => this.#timeUp(memberId));
    events.push({ type: 'granted', memberId, emergency: entry.emergency });
  }

  #grantNext(events: FloorEvent[]): void {
    const next = this.#queue.shift();
    if (next) this.#grant(next, events);
  }

  #timeUp(memberId: string): void {
    if (this.#holder?.memberId !== memberId) return;
    this.#cancelTimer = undefined;
    this.#holder = null;
    const events: FloorEvent[] = [{ type: 'revoked', memberId, reason: 'time-limit' }];
    this.#grantNext(events);
    this.#emit(events);
  }

  #clearTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #emit(events: FloorEvent[]): void {
    this.options.onChange(events);
  }
}
