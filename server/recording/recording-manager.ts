import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { TrackRecorder } from '../../media/track-recorder.js';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { Recording, RecordingState, RecordingTrack } from '../../protocol/recording.js';
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
/** endReason of a track whose file stayed empty. */
export const NO_MEDIA = 'no media recorded';
/**
 * Whatever RECORDING_MIN_FREE_MB says, less than this is full: ffmpeg's own ENOSPC may go unseen, since
 * its error message is written to a log file on the same full disk.
 */
const DISK_FLOOR_BYTES = 256 * 1024;

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'peer';

/** One room's running recording: a TrackRecorder per producer, present and future, until stopped. */
class ActiveRecording {
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

/** Per-room recording on this node: start/stop by a commander, files under DATA_DIR/recordings, metadata in Redis. */
export class RecordingManager {
  readonly #active = new Map<string, ActiveRecording>();
  readonly #busy = new Set<string>();
  #diskTimer: NodeJS.Timeout | undefined;
  #diskFull: Promise<void> | undefined;

  constructor(private readonly deps: RecordingDeps) {}

  get root(): string {
    return this.deps.root;
  }

  /** Refuses to start onto a disk below the threshold: a recording that stops at once helps nobody. */
  async #checkDisk(): Promise<void> {
    const min = minFree(this.deps);
    await mkdir(this.deps.root, { recursive: true });
    const free = await freeBytes(this.deps.root);
    if (free < min) {
      throw new AppError(ErrorCode.Busy, `the recording disk is full (${mb(free)} MB free, ${mb(min)} MB needed); free space or lower RECORDING_MIN_FREE_MB`);
    }
  }

  #watchDisk(): void {
    if (this.#diskTimer || this.#active.size === 0) return;
    this.#diskTimer = setInterval(() => {
      if (this.#active.size === 0) {
        clearInterval(this.#diskTimer);
        this.#diskTimer = undefined;
        return;
      }
      void freeBytes(this.deps.root).then((free) => {
        if (free < minFree(this.deps)) void this.diskFull(free);
      }, (err: unknown) => this.deps.logger.error({ err }, 'free space check failed'));
    }, this.deps.diskCheckMs ?? 1000);
    this.#diskTimer.unref();
  }

  /**
   * The disk is (nearly) full: every recording on this node stops cleanly (each ffmpeg finalises what it
   * has), is marked 'disk full', and the rooms' members get an alert. Files already written are not touched.
   */
  diskFull(free?: number): Promise<void> {
    this.#diskFull ??= (async () => {
      const left = free ?? (await freeBytes(this.deps.root).catch(() => 0));
      this.deps.logger.error({ freeBytes: left, root: this.deps.root }, 'recording disk full: stopping every recording');
      await Promise.all([...this.#active.values()].map(async (active) => {
        const record = await this.stop(active.room.id, 'system:disk-full', 'disk full').catch(() => undefined);
        if (!record) return;
        active.room.notifyAll({ type: 'recordingAlert', data: { reason: 'disk-full', roomId: record.roomId, recordingId: record.id, freeBytes: left, at: Date.now() } });
      }));
    })().finally(() => (this.#diskFull = undefined));
    return this.#diskFull;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  isActive(recordingId: string): boolean {
    return [...this.#active.values()].some((a) => a.record.id === recordingId);
  }

  recording(roomId: string): boolean {
    return this.#active.has(roomId) || this.#busy.has(roomId);
  }

  state(roomId: string): RecordingState {
    const a = this.#active.get(roomId);
    return a ? { id: a.record.id, startedAt: a.record.startedAt, startedBy: a.record.startedBy } : null;
  }

  async start(room: Room, by: string): Promise<Recording> {
    if (this.#active.has(room.id) || this.#busy.has(room.id)) throw new AppError(ErrorCode.InvalidState, `room ${room.id} is already being recorded`);
    this.#busy.add(room.id);
    try {
      await this.#checkDisk();
      const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
      const incidentId = room.definition.incidentId;
      const record: Recording = { id, roomId: room.id, ...(incidentId ? { incidentId } : {}), startedAt: Date.now(), stoppedAt: null, startedBy: by, stoppedBy: null, tracks: [] };
      const active = new ActiveRecording(room, record, path.join(this.deps.root, room.id, id), this.deps);
      this.#active.set(room.id, active);
      active.onRoomClosed = () => {
        if (this.#active.get(room.id) === active) void this.stop(room.id, 'system:room-closed', 'room closed').catch(() => undefined);
      };
      active.onDiskFull = () => void this.diskFull();
      try {
        await active.begin();
      } catch (err) {
        this.#active.delete(room.id);
        await active.end(by).catch(() => undefined);
        throw err;
      }
      await this.deps.audit.record({ actor: by, action: 'recording.start', target: room.id, outcome: 'ok', detail: { recordingId: id } });
      void this.deps.timeline?.record(incidentId, { type: 'recording', roomId: room.id, action: 'started', recordingId: id, by });
      this.#watchDisk();
      room.notifyAll({ type: 'recordingState', data: { recording: this.state(room.id) } });
      return record;
    } finally {
      this.#busy.delete(room.id);
    }
  }

  async stop(roomId: string, by: string, reason?: string): Promise<Recording> {
    const active = this.#active.get(roomId);
    if (!active) throw new AppError(ErrorCode.InvalidState, `room ${roomId} is not being recorded`);
    this.#active.delete(roomId);
    const record = await active.end(by, reason);
    await this.deps.audit.record({ actor: by, action: 'recording.stop', target: roomId, outcome: 'ok', detail: { recordingId: record.id, tracks: record.tracks.length, ...(reason ? { reason } : {}) } });
    void this.deps.timeline?.record(record.incidentId, { type: 'recording', roomId, action: 'stopped', recordingId: record.id, by, ...(reason ? { reason } : {}) });
    active.room.notifyAll({ type: 'recordingState', data: { recording: null } });
    return record;
  }

  /** On shutdown: every ffmpeg finalises its file. */
  async stopAll(by = 'system:shutdown'): Promise<void> {
    await Promise.all([...this.#active.keys()].map((roomId) => this.stop(roomId, by).catch(() => undefined)));
  }
}

const minFree = (deps: RecordingDeps) => Math.max(deps.minFreeBytes ?? 0, DISK_FLOOR_BYTES);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
