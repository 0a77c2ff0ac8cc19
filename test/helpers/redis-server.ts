import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePortRange } from './ports.js';
import { waitFor } from './wait.js';

export interface RunningRedis {
  url: string;
  stop(): Promise<void>;
}

/** An external redis-server on a free loopback port, without persistence: the store a cluster's nodes share. */
export async function startRedis(): Promise<RunningRedis> {
  const port = await freePortRange(1);
  const child = spawn(process.env['REDIS_SERVER_BIN'] ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await waitFor('redis-server up', async () => {
      if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
      return (await probe.ping()) === 'PONG';
    }, 10_000, 100);
  } finally {
    probe.disconnect();
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
