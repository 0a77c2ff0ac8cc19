import type { Logger } from 'pino';
import type { FeedState } from '../../protocol/feeds.js';
import type { PublicUser } from '../../protocol/http.js';
import { FeedIngest } from '../../media/feed-ingest.js';
import type { WorkerPool } from '../../media/worker-pool.js';
import type { Room } from '../rooms/room.js';
import { backoffMs } from './backoff.js';
import { classifyFailure, isPersistent } from './failure.js';
import { IngestError, probe, runIngest, type RunningIngest } from './ffmpeg-process.js';
import { canPassThrough, maskedTail, withCredentials, type IngestInput, type ProbedMedia } from './ingest-args.js';
import type { StoredSource } from './source-store.js';

export interface SessionOptions {
  pool: WorkerPool;
  logger: Logger;
  retryBaseMs: number;
  retryMaxMs: number;
  /** rtmp://127.0.0.1:PORT/live, where pushed streams are pulled from; undefined when RTMP is off. */
  rtmpPullBase: string | undefined;
  /** Probe results kept across sessions: a camera's codec rarely changes, and probing costs a round trip. */
  probeCache: Map<string, ProbedMedia>;
}

interface RoomShare {
  room: Room;
  /** The room router the feed's tracks were piped into; a rebuilt room (worker died) has a new one. */
  router: Room['router'];
  watchers: Set<string>;
}

/**
 * One source being pulled: at most one ffmpeg at a time, restarted with backoff when it fails, its
 * tracks piped into every room that shows it. Lives from the first watcher to the idle stop.
 */
export class FeedSession {
  readonly peerId: string;
  readonly user: PublicUser;
  readonly rooms = new Map<string, RoomShare>();
  state: FeedState = { state: 'starting' };
  #ingest: FeedIngest | undefined;
  #run: RunningIngest | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #generation = 0;
  #stopped = false;
  readonly #logger: Logger;

  constructor(
    private source: StoredSource,
    private readonly options: SessionOptions,
  ) {
    this.peerId = `feed-${source.id}`;
    this.user = { id: source.id, username: `feed:${source.id}`, displayName: source.name, orgUnitId: source.orgUnitId, role: 'responder' };
    this.#logger = options.logger.child({ feed: source.id });
  }

  get sourceId(): string {
    return this.source.id;
  }

  watcherCount(): number {
    let n = 0;
    for (const share of this.rooms.values()) n += share.watchers.size;
    return n;
  }

  start(): void {
    void this.#runOnce(++this.#generation);
  }

  /** The source was edited: pull again with what it says now. */
  reload(source: StoredSource): void {
    this.source = source;
    this.options.probeCache.delete(source.id);
    this.#halt();
    this.#attempt = 0;
    this.start();
  }

  async attach(room: Room, watcherId: string): Promise<void> {
    let share = this.rooms.get(room.id);
    if (!share || share.room !== room || share.router !== room.router) {
      share = { room, router: room.router, watchers: share?.room === room ? share.watchers : new Set() };
      this.rooms.set(room.id, share);
      room.addFeed(this.peerId, this.user, this.source.id, this.state);
      for (const producer of this.#ingest?.producers() ?? []) await this.#pipe(producer.id, room);
    }
    share.watchers.add(watcherId);
  }

  /** true when nobody in that room watches any more (the feed has left it). */
  detach(roomId: string, watcherId: string): boolean {
    const share = this.rooms.get(roomId);
    if (!share) return false;
    share.watchers.delete(watcherId);
    if (share.watchers.size > 0) return false;
    this.rooms.delete(roomId);
    share.room.removeFeed(this.peerId);
    return true;
  }

  stop(): void {
    this.#stopped = true;
    this.#halt();
    this.#ingest?.close();
    for (const share of this.rooms.values()) share.room.removeFeed(this.peerId);
    this.rooms.clear();
  }

  #halt(): void {
    this.#generation++;
    clearTimeout(this.#timer);
    this.#run?.stop();
    this.#run = undefined;
    this.#ingest?.closeTracks();
  }

  #input(): IngestInput {
    const s = this.source;
    if (s.ingest === 'rtmp') return { url: `${this.options.rtmpPullBase ?? 'rtmp://127.0.0.1:1'}/${s.streamKey ?? ''}` };
    return { url: withCredentials(s.url ?? '', s.username ?? '', s.password ?? ''), transport: s.transport ?? 'tcp' };
  }

  async #runOnce(generation: number): Promise<void> {
    const current = () => generation === this.#generation && !this.#stopped;
    const startedAt = Date.now();
    const steps: Record<string, number> = {};
    const step = (name: string) => (steps[name] = Date.now() - startedAt);
    this.#setState({ state: 'starting', ...(this.state.reason ? { reason: this.state.reason } : {}) });
    try {
      if (this.source.ingest === 'rtmp' && !this.options.rtmpPullBase) throw new IngestError('RTMP is off on this server');
      if (!this.#ingest || this.#ingest.closed) {
        const ingest = await FeedIngest.create(this.options.pool, this.peerId);
        if (this.#stopped) {
          ingest.close(); // stopped while its router was being made
          return;
        }
        this.#ingest = ingest;
        // Its worker died: the ffmpeg now sends into nothing, so start over on a live worker.
        ingest.onRouterClosed(() => {
          if (this.#stopped || this.#ingest !== ingest) return;
          this.#generation++; // whatever run is under way belongs to the dead router
          clearTimeout(this.#timer);
          this.#run?.stop();
          this.#failed('');
        });
      }
      const input = this.#input();
      const cache = this.options.probeCache;
      step('router');
      const media = cache.get(this.source.id) ?? (await probe(input));
      step('probe');
      if (!current()) return;
      cache.set(this.source.id, media);
      const endpoints = await this.#ingest.openTracks(media.hasAudio ? ['video', 'audio'] : ['video']);
      if (!current()) return;
      for (const share of this.rooms.values()) {
        share.router = share.room.router;
        for (const producer of this.#ingest.producers()) await this.#pipe(producer.id, share.room);
      }
      if (!current()) return;
      const mode = canPassThrough(media) ? 'passthrough' : 'transcode';
      step('tracks');
      this.#run = runIngest(input, media, endpoints, {
        onFlowing: () => {
          if (!current()) return;
          this.#attempt = 0;
          this.#setState({ state: 'live', mode });
          step('flowing');
          // The steps (ms from the start) show where a slow first picture went: probe, ffmpeg, or the camera.
          this.#logger.info({ mode, codec: media.videoCodec, audio: media.hasAudio, steps }, 'feed live');
        },
        onExit: (stderr) => {
          if (current()) this.#failed(stderr);
        },
      });
    } catch (err) {
      if (!current()) return;
      if (err instanceof IngestError) this.#failed(err.stderr);
      else {
        this.#logger.error({ err }, 'feed start failed');
        this.#failed('');
      }
    }
  }

  #failed(stderr: string): void {
    this.#run = undefined;
    this.#ingest?.closeTracks();
    // The next try probes again: a camera that came back may have come back different.
    this.options.probeCache.delete(this.source.id);
    const reason = classifyFailure(stderr, this.source.ingest);
    const persistent = isPersistent(reason);
    const delay = persistent ? this.options.retryMaxMs : backoffMs(this.#attempt++, this.options.retryBaseMs, this.options.retryMaxMs);
    this.#logger.warn({ reason, delayMs: delay, ffmpeg: maskedTail(stderr) }, 'feed down; will retry');
    this.#setState({ state: persistent ? 'failed' : 'retrying', reason, retryAt: Date.now() + delay });
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      if (generation === this.#generation && !this.#stopped) void this.#runOnce(generation);
    }, delay);
  }

  async #pipe(producerId: string, room: Room): Promise<void> {
    try {
      room.addFeedProducer(this.peerId, await this.#ingest!.pipeTo(producerId, room.router));
    } catch (err) {
      // The room's router or this producer went away meanwhile; whoever is still there gets the next run.
      this.#logger.warn({ err, room: room.id }, 'pipe into room failed');
    }
  }

  #setState(state: FeedState): void {
    this.state = state;
    for (const share of this.rooms.values()) share.room.setFeedState(this.peerId, state);
  }
}
