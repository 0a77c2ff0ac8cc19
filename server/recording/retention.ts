import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { RecordingStore } from './recording-store.js';

export interface RetentionDeps {
  store: RecordingStore;
  audit: AuditLog;
  logger: Logger;
  /** DATA_DIR/recordings */
  root: string;
  /** Recordings stopped longer ago than this are deleted (files and metadata); 0 keeps them for ever. */
  retentionMs: number;
  /** How often to look. */
  intervalMs: number;
  /** Whether a recording is running on this node now: never deleted, however old. */
  isActive: (recordingId: string) => boolean;
}

/** Deletes expired recordings held on this node: their folder (every track, sdp and log), then their metadata, audit-logged. */
export class RetentionSweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(private readonly deps: RetentionDeps) {}

  start(): void {
    if (this.deps.retentionMs <= 0 || this.#timer) return;
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One pass; returns how many recordings it deleted. Passes do not overlap. */
  sweep(now = Date.now()): Promise<number> {
    this.#running ??= this.#sweep(now).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #sweep(now: number): Promise<number> {
    const { store, audit, logger, root, retentionMs } = this.deps;
    let deleted = 0;
    let all;
    try {
      all = await store.all();
    } catch (err) {
      logger.error({ err }, 'retention: recordings unreadable');
      return 0;
    }
    for (const rec of all) {
      if (this.deps.isActive(rec.id)) continue;
      // A recording still running (or cut by a crash, never stopped) ages from its last track's end or its start.
      const ended = rec.stoppedAt ?? Math.max(rec.startedAt, ...rec.tracks.map((t) => t.stoppedAt ?? t.startedAt));
      if (now - ended < retentionMs) continue;
      const dir = path.resolve(root, rec.roomId, rec.id);
      if (!dir.startsWith(path.resolve(root) + path.sep)) continue;
      // Each node sweeps the recordings it holds: metadata is shared, files are not (another node's
      // running recording must not lose its metadata here).
      if (!existsSync(dir)) continue;
      try {
        await rm(dir, { recursive: true, force: true });
        await store.delete(rec.id);
        deleted++;
        await audit.record({ actor: 'system:retention', action: 'recording.expire', target: rec.roomId, outcome: 'ok', detail: { recordingId: rec.id, stoppedAt: rec.stoppedAt, tracks: rec.tracks.length } });
      } catch (err) {
        logger.error({ err, recordingId: rec.id }, 'retention: recording not deleted');
      }
    }
    return deleted;
  }
}
