import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { FeedState } from '../../protocol/feeds.js';
import type { WorkerPool } from '../../media/worker-pool.js';
import type { Room } from '../rooms/room.js';
import { FeedSession } from './feed-session.js';
import type { ProbedMedia } from './ingest-args.js';
import type { StoredSource } from './source-store.js';

export interface FeedLimits {
  /** Sources pulled at once, each with at most one ffmpeg: the bound on ffmpeg processes. */
  maxProcesses: number;
  /** How long a pull outlives its last watcher, so a quick return gets a picture at once. */
  idleStopMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * On-demand pulls: a source is pulled only while someone watches it (a city has far more cameras than
 * anyone can watch). Watching counts per peer; the pull stops `idleStopMs` after the last one goes.
 */
export class FeedManager {
  readonly #sessions = new Map<string, FeedSession>();
  readonly #idle = new Map<string, NodeJS.Timeout>();
  readonly #probeCache = new Map<string, ProbedMedia>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly logger: Logger,
    readonly limits: FeedLimits,
    private readonly rtmpPullBase: () => string | undefined,
  ) {}

  stateOf(sourceId: string): FeedState {
    return this.#sessions.get(sourceId)?.state ?? { state: 'idle' };
  }

  /** Pulls by state, for /metrics. */
  countByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.#sessions.values()) counts[s.state.state] = (counts[s.state.state] ?? 0) + 1;
    return counts;
  }

  /** Adds the source to the watcher's room (starting its pull if idle); returns the feed's peer id there. */
  async watch(source: StoredSource, room: Room, watcherId: string): Promise<string> {
    let session = this.#sessions.get(source.id);
    if (!session) {
      if (this.#sessions.size >= this.limits.maxProcesses) this.#evictIdle();
      if (this.#sessions.size >= this.limits.maxProcesses) {
        throw new AppError(ErrorCode.Busy, `too many camera feeds are being pulled (limit ${this.limits.maxProcesses}); close one and try again`);
      }
      session = new FeedSession(source, {
        pool: this.pool,
        logger: this.logger,
        retryBaseMs: this.limits.retryBaseMs,
        retryMaxMs: this.limits.retryMaxMs,
        rtmpPullBase: this.rtmpPullBase(),
        probeCache: this.#probeCache,
      });
      this.#sessions.set(source.id, session);
      session.start();
    }
    clearTimeout(this.#idle.get(source.id));
    this.#idle.delete(source.id);
    await session.attach(room, watcherId);
    return session.peerId;
  }

  unwatch(sourceId: string, roomId: string, watcherId: string): void {
    const session = this.#sessions.get(sourceId);
    if (!session) return;
    session.detach(roomId, watcherId);
    if (session.watcherCount() === 0) this.#scheduleStop(session);
  }

  /** A peer left its room: it watches nothing there any more. */
  peerLeft(roomId: string, peerId: string): void {
    for (const session of this.#sessions.values()) if (session.rooms.has(roomId)) this.unwatch(session.sourceId, roomId, peerId);
  }

  /** The source's record changed or went: a running pull follows. */
  sourceChanged(sourceId: string, source: StoredSource | undefined): void {
    this.#probeCache.delete(sourceId);
    const session = this.#sessions.get(sourceId);
    if (!session) return;
    if (source) session.reload(source);
    else this.#stop(session);
  }

  closeAll(): void {
    for (const session of [...this.#sessions.values()]) this.#stop(session);
  }

  #scheduleStop(session: FeedSession): void {
    clearTimeout(this.#idle.get(session.sourceId));
    this.#idle.set(
      session.sourceId,
      setTimeout(() => {
        if (session.watcherCount() === 0) this.#stop(session);
      }, this.limits.idleStopMs),
    );
  }

  /** At the cap, a pull kept only for its idle delay gives way to one somebody is waiting for. */
  #evictIdle(): void {
    const idle = [...this.#sessions.values()].find((s) => s.watcherCount() === 0);
    if (idle) this.#stop(idle);
  }

  #stop(session: FeedSession): void {
    clearTimeout(this.#idle.get(session.sourceId));
    this.#idle.delete(session.sourceId);
    if (this.#sessions.get(session.sourceId) === session) this.#sessions.delete(session.sourceId);
    session.stop();
    this.logger.info({ feed: session.sourceId }, 'feed pull stopped');
  }
}
