import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../protocol/recording.js';
import { AuditLog } from '../../server/audit/audit-log.js';
import { RecordingStore } from '../../server/recording/recording-store.js';
import { RetentionSweeper } from '../../server/recording/retention.js';
import { silentLogger, startRedis, type RedisFixture } from './redis-fixture.js';

const DAY = 24 * 3600 * 1000;
const now = Date.UTC(2026, 10, 1);
const rec = (id: string, stoppedAt: number | null, startedAt = (stoppedAt ?? now) - 60_000): Recording => ({
  id, roomId: 'room-a', startedAt, stoppedAt, startedBy: 'commander', stoppedBy: stoppedAt ? 'commander' : null,
  tracks: [{ file: `room-a/${id}/x-audio-1.webm`, kind: 'audio', codec: 'opus', peerId: 'p', userId: 'u', name: 'n', startedAt, stoppedAt, endReason: null }],
});

describe('RetentionSweeper (real Redis, real files)', () => {
  let fx: RedisFixture;
  let root: string;
  beforeAll(async () => {
    fx = await startRedis();
    root = await mkdtemp(path.join(os.tmpdir(), 'ecs-retention-'));
  });
  afterAll(async () => {
    await fx?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('deletes recordings stopped longer ago than the retention (files and metadata, audit-logged), and nothing else', async () => {
    const store = new RecordingStore(fx.redis);
    const audit = new AuditLog(fx.redis, silentLogger);
    const all = [rec('old', now - 31 * DAY), rec('fresh', now - 29 * DAY), rec('crashed', null, now - 40 * DAY), rec('running', null, now - 40 * DAY)];
    for (const r of all) {
      await store.save(r);
      await mkdir(path.join(root, 'room-a', r.id), { recursive: true });
      await writeFile(path.join(root, r.tracks[0]!.file), 'media');
    }
    const sweeper = new RetentionSweeper({ store, audit, logger: silentLogger, root, retentionMs: 30 * DAY, intervalMs: 3600_000, isActive: (id) => id === 'running' });
    // Another node's: metadata here, its folder on that node.
    await store.save(rec('elsewhere', null, now - 40 * DAY));
    expect(await sweeper.sweep(now)).toBe(2);
    expect((await store.all()).map((r) => r.id).sort()).toEqual(['elsewhere', 'fresh', 'running']);
    expect(existsSync(path.join(root, 'room-a/old'))).toBe(false);
    expect(existsSync(path.join(root, 'room-a/crashed'))).toBe(false);
    expect(existsSync(path.join(root, 'room-a/fresh/x-audio-1.webm'))).toBe(true);
    expect(existsSync(path.join(root, 'room-a/running/x-audio-1.webm'))).toBe(true);
    const expired = (await audit.recent(10)).filter((e) => e.action === 'recording.expire');
    expect(expired.map((e) => e.detail['recordingId']).sort()).toEqual(['crashed', 'old']);
    expect(expired.every((e) => e.actor === 'system:retention')).toBe(true);
  });

  it('never deletes outside the recordings folder, whatever the metadata says', async () => {
    const store = new RecordingStore(fx.redis);
    const outside = await mkdtemp(path.join(os.tmpdir(), 'ecs-outside-'));
    try {
      await store.save({ ...rec('evil', now - 100 * DAY), id: '../../../../' + path.basename(outside), roomId: '..' });
      const sweeper = new RetentionSweeper({ store, audit: new AuditLog(fx.redis, silentLogger), logger: silentLogger, root, retentionMs: DAY, intervalMs: 3600_000, isActive: () => false });
      await sweeper.sweep(now);
      expect(existsSync(outside)).toBe(true);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
