import type { Logger } from 'pino';
import type { WorkerPool } from '../../media/worker-pool.js';
import type { PttDeps } from '../ptt/talk-group.js';
import { TypedEmitter } from '../../media/typed-emitter.js';
import { Room, type RoomOptions } from './room.js';
import type { RoomDefinition } from './room-store.js';

/** Live rooms on this node: opened on first join (one open per id at a time), closed when empty. */
type RoomManagerEvents = {
  /** A room came to life on this node (its first join, or a feed or call opening it). */
  opened: [Room];
};

export class RoomManager extends TypedEmitter<RoomManagerEvents> {
  readonly #live = new Map<string, Room>();
  readonly #opening = new Map<string, Promise<Room>>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly logger: Logger,
    private readonly ptt: PttDeps,
    private readonly options: RoomOptions = {},
  ) {
    super();
  }

  live(roomId: string): Room | undefined {
    return this.#live.get(roomId);
  }

  liveRooms(): Room[] {
    return [...this.#live.values()];
  }

  async open(definition: RoomDefinition): Promise<Room> {
    const roomId = definition.id;
    const live = this.#live.get(roomId);
    if (live) return live;
    let opening = this.#opening.get(roomId);
    if (!opening) {
      opening = this.#open(definition).finally(() => this.#opening.delete(roomId));
      this.#opening.set(roomId, opening);
    }
    return opening;
  }

  /** Call after a peer leaves: an empty room gives its router back. */
  closeIfEmpty(room: Room): void {
    if (room.size > 0 || this.#live.get(room.id) !== room) return;
    this.#live.delete(room.id);
    room.close();
    this.logger.info({ room: room.id }, 'room closed (empty)');
  }

  closeAll(): void {
    for (const room of this.#live.values()) room.close();
    this.#live.clear();
  }

  async #open(definition: RoomDefinition): Promise<Room> {
    const roomId = definition.id;
    const room = await Room.open(definition, this.pool, this.logger, this.ptt, this.options);
    this.#live.set(roomId, room);
    this.logger.info({ room: roomId, workerPid: room.workerPid }, 'room opened');
    this.emit('opened', room);
    return room;
  }
}
