import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, it, expect } from 'vitest';
import { EmbeddedRedis } from '../../server/store/embedded-redis.js';
import { REDIS_BIN, silentLogger } from './redis-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alive and not a zombie. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

async function waitDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await sleep(50);
  }
  return false;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

async function serverPid(redis: Redis): Promise<number> {
  return Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
}

describe('EmbeddedRedis', () => {
  const dirs: string[] = [];
  const servers: EmbeddedRedis[] = [];
  const clients: Redis[] = [];
  const strayPids: number[] = [];

  async function freshDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-embedded-'));
    dirs.push(dir);
    return dir;
  }
  async function start(dataDir: string): Promise<{ server: EmbeddedRedis; redis: Redis }> {
    const server = new EmbeddedRedis(dataDir, REDIS_BIN, silentLogger);
    servers.push(server);
    await server.start();
    const redis = new Redis({ path: server.socketPath, maxRetriesPerRequest: 1 });
    clients.push(redis);
    return { server, redis };
  }

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const s of servers) await s.stop();
    for (const pid of strayPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps data across a stop and start in the same data dir (append-only file)', async () => {
    const dir = await freshDir();
    const first = await start(dir);
    await first.redis.set('k', 'v1');
    await first.redis.hset('h', { a: '1', b: '2' });
    first.redis.disconnect();
    await first.server.stop();

    const second = await start(dir);
    expect(await second.redis.get('k')).toBe('v1');
    expect(await second.redis.hgetall('h')).toEqual({ a: '1', b: '2' });
    expect(await second.redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    second.redis.disconnect();
    await second.server.stop();
  });

  it('keeps acknowledged writes when redis-server is killed with SIGKILL', async () => {
    const dir = await freshDir();
    const first = await start(dir);
    for (let i = 0; i < 100; i++) await first.redis.set(`key:${i}`, `value-${i}`);
    await first.redis.rpush('list', 'x', 'y', 'z');
    const pid = await serverPid(first.redis);
    await sleep(1600); // appendfsync everysec
    process.kill(pid, 'SIGKILL');
    expect(await waitDead(pid, 5000)).toBe(true);
    first.redis.disconnect();
    servers.splice(servers.indexOf(first.server), 1); // its child is gone; see the stop() bug below

    const second = await start(dir);
    expect(await serverPid(second.redis)).not.toBe(pid);
    expect(await second.redis.dbsize()).toBe(101);
    expect(await second.redis.get('key:0')).toBe('value-0');
    expect(await second.redis.get('key:99')).toBe('value-99');
    expect(await second.redis.lrange('list', 0, -1)).toEqual(['x', 'y', 'z']);
    second.redis.disconnect();
    await second.server.stop();
  });

  it('a redis-server whose server process was SIGKILLed shuts down by itself, keeping its data', async () => {
    const dir = await freshDir();
    const parent = spawn(
      process.execPath,
      [path.resolve('node_modules/vite-node/vite-node.mjs'), path.resolve('test/unit/fixtures/embedded-redis-parent.ts'), dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const orphanPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`parent did not start redis within 30 s: ${stderr}`)), 30_000);
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      parent.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`parent exited with ${code}: ${stderr}`));
      });
    });
    strayPids.push(orphanPid);
    expect(await isAlive(orphanPid)).toBe(true);

    const parentExited = new Promise((r) => parent.once('exit', r));
    parent.kill('SIGKILL');
    await parentExited;
    expect(await waitDead(orphanPid, 5000)).toBe(true);

    const { server, redis } = await start(dir);
    expect(await redis.get('written-by')).toBe('killed-parent');
    redis.disconnect();
    await server.stop();
  });

  it('stops a redis-server left running on its socket and takes over, keeping its data', async () => {
    const dir = await freshDir();
    const redisDir = path.join(dir, 'redis');
    await mkdir(redisDir, { recursive: true });
    const socket = path.join(redisDir, 'redis.sock');
    // Started by hand, as an operator or an older build might have: no parent-death signal.
    const leftover = spawn(
      REDIS_BIN,
      ['--port', '0', '--unixsocket', socket, '--dir', redisDir, '--pidfile', path.join(redisDir, 'redis.pid'), '--appendonly', 'yes', '--save', ''],
      { stdio: 'ignore', detached: true },
    );
    leftover.unref();
    const leftoverPid = leftover.pid!;
    strayPids.push(leftoverPid);
    const early = new Redis({ path: socket, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
    early.on('error', () => {}); // connection refused until the leftover has its socket up
    await early.set('written-by', 'leftover');
    early.disconnect();
    await waitFor(async () => Number((await readFile(path.join(redisDir, 'redis.pid'), 'utf8').catch(() => '0')).trim()) === leftoverPid, 5000);

    const { server, redis } = await start(dir);
    expect(await waitDead(leftoverPid, 2000)).toBe(true);
    const newPid = await serverPid(redis);
    expect(newPid).not.toBe(leftoverPid);
    expect(Number((await readFile(path.join(redisDir, 'redis.pid'), 'utf8')).trim())).toBe(newPid);
    // The leftover shut down cleanly (SIGTERM), so what it had is in the new server.
    expect(await redis.get('written-by')).toBe('leftover');
    redis.disconnect();
    await server.stop();
  });

  // A child killed by a signal has signalCode set and exitCode null; stop() must not wait for it.
  it('stop() returns promptly after redis-server died from a signal', async () => {
    const dir = await freshDir();
    const { server, redis } = await start(dir);
    const pid = await serverPid(redis);
    redis.disconnect();
    process.kill(pid, 'SIGKILL');
    expect(await waitDead(pid, 5000)).toBe(true);
    await sleep(100); // let Node see the exit
    servers.splice(servers.indexOf(server), 1); // nothing left to stop in afterAll
    const stopped = await Promise.race([server.stop().then(() => true), sleep(1000).then(() => false)]);
    expect(stopped).toBe(true);
  });

  // A pid file outlives a crash and pids get reused: only a redis-server on our socket may be stopped.
  it('a stale pid file naming an unrelated process does not get that process killed', async () => {
    const dir = await freshDir();
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    strayPids.push(unrelated.pid!);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'redis'), { recursive: true });
    await writeFile(path.join(dir, 'redis', 'redis.pid'), `${unrelated.pid}\n`);
    const { server, redis } = await start(dir);
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    await server.stop();
    expect(await isAlive(unrelated.pid!)).toBe(true);
  });
});
