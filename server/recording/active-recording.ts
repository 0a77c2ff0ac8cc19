import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { TrackRecorder } from '../../media/track-recorder.js';
import { NO_MEDIA, type Recording, type RecordingTrack } from '../../protocol/recording.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Room, RoomProducer } from '../rooms/room.js';
import type { IncidentTimeline } from '../timeline/incident-timeline.js';
import { freeBytes, isDiskFullError } from './disk-space.js';
import type { RecordingStore } from './recording-store.js';

export interface RecordingDeps {
  store: RecordingStore;
  audit: AuditLog;
  logger: Logger;
  /** DATA_DIR/recordings */
  root: string;
  ffmpegPath?: string;
  timeline?: IncidentTimeline;
  /** Below this many free bytes on the recording disk nothing starts, and what runs stops. */
  minFreeBytes?: number;
  /** How often free space is checked while recording. */
  diskCheckMs?: number;
}

const MAX_TRACK_RESTARTS = 50;
/**
 * Whatever RECORDING_MIN_FREE_MB says, less than this is full: ffmpeg's own ENOSPC may go unseen, since
 * its error message is written to a log file on the same full disk.
 */
const DISK_FLOOR_BYTES = 256 * 1024;

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'peer';

/** The free space below which the disk counts as full. */
export const minFree = (deps: RecordingDeps) => Math.max(deps.minFreeBytes ?? 0, DISK_FLOOR_BYTES);

/** One room's running recording: a TrackRecorder per producer, present and future, until stopped. */
export class ActiveRecording {
  readonly #recorders = new Map<string, { recorder?: TrackRecorder; track?: RecordingTrack }>();
  readonly #restarts = new Map<string, number>();
  #writes: Promise<void> = Promise.resolve();
  #stopping = false;
  readonly #onProducer = (p: RoomProducer) => void this.#add(p);
  /** Set by the manager: stops this recording when its room closes. */
  onRoomClosed: () => void = () => undefined;
  /** Set by the manager: a track's ffmpeg could not write (ENOSPC). */
  onDiskFull: () => void = () => undefined;

  constructor(
    readonly room: Room,
    readonly record: Recording,
    private readonly dir: string,
    private readonly deps: RecordingDeps,
  ) {}

  async begin(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.persist();
    this.room.on('producer', this.#onProducer);
    this.room.on('closed', this.onRoomClosed);
    await Promise.all(this.room.producers().map((p) => this.#add(p)));
  }

  async #add({ producer, peerId, user }: RoomProducer): Promise<void> {
    if (this.#stopping || producer.closed || this.#recorders.has(producer.id)) return;
    const slot: { recorder?: TrackRecorder; track?: RecordingTrack } = {};
    this.#recorders.set(producer.id, slot);
    const startedAt = Date.now();
    const base = path.join(this.dir, `${safeName(user.username)}-${producer.kind}-${startedAt}`);
    try {
      const recorder = await TrackRecorder.start({ router: this.room.router, producer, basePath: base, ...(this.deps.ffmpegPath ? { ffmpegPath: this.deps.ffmpegPath } : {}) });
      const track: RecordingTrack = {
        file: path.relative(this.deps.root, recorder.info.file),
        kind: recorder.info.kind,
        codec: recorder.info.codec,
        peerId,
        userId: user.id,
        name: user.displayName,
        // When media starts flowing to ffmpeg (the file's time 0), not when ffmpeg was launched.
        startedAt: Date.now(),
        stoppedAt: null,
        endReason: null,
      };
      slot.recorder = recorder;
      // A recording keeps every simulcast layer on at the publisher (dynacast) while it records.
      if (!recorder.consumer.closed) recorder.consumer.observer.once('close', this.room.dynacast.demandFull(producer.id, `recorder:${recorder.consumer.id}`));
      slot.track = track;
      this.record.tracks.push(track);
      if (track.kind === 'video') {
        void recorder.firstKeyFrameAt.then((at) => {
          track.startedAt = at;
          void this.persist();
        });
      }
      recorder.onEnded = (reason, at) => {
        if (this.#stopping) return;
        track.stoppedAt = at;
        track.endReason = reason;
        this.#markIfEmpty(track);
        void this.persist();
        void this.#diskIsFull(reason).then((full) => (full ? this.onDiskFull() : this.#restartLater({ producer, peerId, user })));
      };
      if (this.#stopping) await recorder.stop();
      else await this.persist();
    } catch (err) {
      this.deps.logger.error({ err, room: this.room.id, producerId: producer.id }, 'could not record a producer');
    }
  }

  /**
   * ffmpeg ended while the producer lives on: its read timeout (~10 s without a packet: a muted mic, a talk
   * group's gated audio) or a failure. A new track starts when media flows again, a few times at most.
   */
  #restartLater(p: RoomProducer): void {
    const { producer } = p;
    if (producer.closed || this.#stopping) return;
    const restarts = (this.#restarts.get(producer.id) ?? 0) + 1;
    this.#restarts.set(producer.id, restarts);
    if (restarts > MAX_TRACK_RESTARTS) return;
    this.#recorders.delete(producer.id);
    const again = () => void setTimeout(() => void this.#add(p), 1000).unref();
    if (producer.paused) producer.observer.once('resume', again);
    else again();
  }

  /**
   * Whether a track ended because the disk filled: ffmpeg said ENOSPC, or (its log being on the same full
   * disk, the words may be lost) free space is below the threshold now.
   */
  async #diskIsFull(reason: string): Promise<boolean> {
    if (isDiskFullError(reason)) return true;
    const free = await freeBytes(this.deps.root).catch(() => Number.POSITIVE_INFINITY);
    return free < minFree(this.deps);
  }

  /** ffmpeg writes nothing before it has a key frame: a track that ended sooner says so, and is left out of exports. */
  #markIfEmpty(track: RecordingTrack): void {
    try {
      if (statSync(path.join(this.deps.root, track.file)).size > 0) return;
    } catch {
      // missing: as empty
    }
    track.endReason = NO_MEDIA;
  }

  persist(): Promise<void> {
    const write = () => this.deps.store.save(this.record).catch((err: unknown) => this.deps.logger.error({ err }, 'recording metadata not saved'));
    this.#writes = this.#writes.then(write, write);
    return this.#writes;
  }

  async end(by: string, reason?: string): Promise<Recording> {
    this.#stopping = true;
    this.room.off('producer', this.#onProducer);
    this.room.off('closed', this.onRoomClosed);
    // The moment asked for, not when every ffmpeg has finished writing.
    const stoppedAt = Date.now();
    await Promise.all([...this.#recorders.values()].map(async (slot) => {
      await slot.recorder?.stop();
      if (slot.track && slot.track.stoppedAt === null) slot.track.stoppedAt = stoppedAt;
    }));
    for (const track of this.record.tracks) this.#markIfEmpty(track);
    this.record.stoppedAt = stoppedAt;
    this.record.stoppedBy = by;
    if (reason) this.record.stopReason = reason;
    await this.persist();
    return this.record;
  }
}
