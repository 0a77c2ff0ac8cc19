import type { Session } from './session.js';

/** Who is connected on this node right now, and in which rooms: the roster's live status. */
export class Presence {
  readonly #sessions = new Set<Session>();

  add(session: Session): void {
    this.#sessions.add(session);
  }

  remove(session: Session): void {
    this.#sessions.delete(session);
  }

  sessionsOf(userId: string): Session[] {
    return [...this.#sessions].filter((s) => s.user.id === userId);
  }

  status(userId: string): { online: boolean; roomIds: string[] } {
    const mine = this.sessionsOf(userId);
    return { online: mine.length > 0, roomIds: [...new Set(mine.flatMap((s) => (s.room ? [s.room.id] : [])))] };
  }
}
