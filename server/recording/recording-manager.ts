import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { Recording, RecordingState } from '../../protocol/recording.js';
import type { Room } from '../rooms/room.js';
import { ActiveRecording, minFree, type RecordingDeps } from './active-recording.js';
import { freeBytes } from './disk-space.js';

export type { RecordingDeps } from './active-recording.js';

/** Per-room recording on this node: start/stop by a commander, files under DATA_DIR/recordings, metadata in Redis. */
export class RecordingManager {
  readonly #active = new Map<string, ActiveRecording>();
  readonly #busy = new Set<string>();
  /** Recording ids whose stop is under way. */
  readonly #ending = new Set<string>();
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

  /** Running, or being stopped (its files still being finalised): not to be deleted. */
  isActive(recordingId: string): boolean {
    return this.#ending.has(recordingId) || [...this.#active.values()].some((a) => a.record.id === recordingId);
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
    this.#ending.add(active.record.id);
    const record = await active.end(by, reason).finally(() => this.#ending.delete(active.record.id));
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

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
