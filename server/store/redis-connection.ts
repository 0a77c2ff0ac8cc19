import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EmbeddedRedis } from './embedded-redis.js';

export interface RedisConnection {
  redis: Redis;
  close(): Promise<void>;
}

/** REDIS_URL when set; otherwise the embedded redis-server child. */
export async function connectRedis(
  options: { url: string | undefined; serverBin: string; dataDir: string },
  logger: Logger,
): Promise<RedisConnection> {
  let embedded: EmbeddedRedis | undefined;
  let redis: Redis;
  if (options.url) {
    redis = new Redis(options.url, { lazyConnect: true });
  } else {
    embedded = new EmbeddedRedis(options.dataDir, options.serverBin, logger);
    await embedded.start();
    redis = new Redis({ path: embedded.socketPath, lazyConnect: true });
  }
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  return {
    redis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await embedded?.stop();
    },
  };
}
