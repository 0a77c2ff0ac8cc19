import type { PublicUser } from '../../protocol/http.js';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { Peer, Notify } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';

/** What one authenticated socket is doing: which room it is in, as which peer. */
export class Session {
  room: Room | undefined;
  peer: Peer | undefined;

  #membership: Promise<unknown> = Promise.resolve();

  constructor(
    readonly user: PublicUser,
    readonly notify: Notify,
  ) {}

  /** Joins and leaves of one socket run one after another, so two joins never leave a stray peer. */
  exclusive<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#membership.then(change, change);
    this.#membership = run.catch(() => undefined);
    return run;
  }

  /** Resolves when no join or leave of this socket is in progress. */
  settled(): Promise<void> {
    return this.#membership.then(() => undefined);
  }

  inRoom(): { room: Room; peer: Peer } {
    if (!this.room || !this.peer) throw new AppError(ErrorCode.NotInRoom, 'join a room first');
    return { room: this.room, peer: this.peer };
  }
}
