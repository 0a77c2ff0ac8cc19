import type { PublicUser } from '../../protocol/http.js';
import type { FloorOutcome, FloorState } from '../../protocol/signalling.js';
import { FloorControl, realClock, type FloorClock, type FloorEvent } from './floor-control.js';

/** What a talk group needs from outside: who ranks where, and where floor events are recorded. */
export interface PttDeps {
  maxBurstMs: number;
  maxQueue: number;
  member(user: PublicUser): { priority: number; unitName: string };
  /** Grants, revocations and releases, for the audit log. */
  onFloorEvents(roomId: string, events: { event: FloorEvent; user: PublicUser; by?: PublicUser }[]): void;
  clock?: FloorClock;
}

interface Member {
  user: PublicUser;
  priority: number;
  unitName: string;
}

/** A room's floor in PTT mode: its members (peers) as FloorControl members, and the floor as the wire shows it. */
export class TalkGroup {
  readonly #members = new Map<string, Member>();
  readonly #floor: FloorControl;

  constructor(
    private readonly roomId: string,
    private readonly deps: PttDeps,
    /** Called after every change with what happened; the room gates media and tells members. */
    onChange: (events: FloorEvent[]) => void,
  ) {
    this.#floor = new FloorControl({
      maxBurstMs: deps.maxBurstMs,
      maxQueue: deps.maxQueue,
      clock: deps.clock ?? realClock,
      onChange: (events) => {
        this.#record(events);
        onChange(events);
      },
    });
  }

  add(peerId: string, user: PublicUser): void {
    this.#members.set(peerId, { user, ...this.deps.member(user) });
  }

  /** After the floor has let the member go, so its events can still name the user. */
  remove(peerId: string): void {
    this.#floor.remove(peerId);
    this.#members.delete(peerId);
  }

  holds(peerId: string): boolean {
    return this.#floor.holderId() === peerId;
  }

  request(peerId: string, emergency: boolean): FloorOutcome {
    const member = this.#members.get(peerId);
    if (!member) return { result: 'denied', reason: 'listen-only' };
    return this.#floor.request({ memberId: peerId, priority: member.priority, emergency });
  }

  release(peerId: string): void {
    this.#floor.release(peerId);
  }

  state(): FloorState {
    const { holder, queue } = this.#floor.snapshot();
    const member = holder ? this.#members.get(holder.memberId) : undefined;
    return {
      holder: holder && member
        ? { peerId: holder.memberId, name: member.user.displayName, unit: member.unitName, priority: holder.priority, emergency: holder.emergency }
        : null,
      queue: queue.map((q) => q.memberId),
      burstEndsAt: holder?.endsAt ?? null,
    };
  }

  close(): void {
    this.#floor.close();
  }

  /** The floor starts free (another node took over arbitrating it, or handed it back); members stay. */
  reset(): void {
    this.#floor.close();
  }

  #record(events: FloorEvent[]): void {
    const rows = events.flatMap((event) => {
      const user = this.#members.get(event.memberId)?.user;
      if (!user) return [];
      const by = event.type === 'revoked' && event.by ? this.#members.get(event.by)?.user : undefined;
      return [{ event, user, ...(by ? { by } : {}) }];
    });
    if (rows.length) this.deps.onFloorEvents(this.roomId, rows);
  }
}
