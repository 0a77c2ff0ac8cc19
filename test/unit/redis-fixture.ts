import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { EmbeddedRedis } from '../../server/store/embedded-redis.js';

export const silentLogger = pino({ level: 'silent' });
export const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A real redis-server (the project's EmbeddedRedis) in a fresh temp data directory. */
export interface RedisFixture {
  dataDir: string;
  embedded: EmbeddedRedis;
  redis: Redis;
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisFixture> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-unit-'));
  const embedded = new EmbeddedRedis(dataDir, REDIS_BIN, silentLogger);
  await embedded.start();
  const redis = new Redis({ path: embedded.socketPath, maxRetriesPerRequest: 1 });
  return {
    dataDir,
    embedded,
    redis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
