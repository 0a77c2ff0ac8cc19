import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

const SETPRIV = '/usr/bin/setpriv';

/**
 * The embedded default store: a redis-server child on a unix socket in the data directory, with
 * its append-only file there too (fsync every second), so a restart keeps everything.
 */
export class EmbeddedRedis {
  #child: ChildProcess | undefined;
  readonly dir: string;
  readonly socketPath: string;

  constructor(
    dataDir: string,
    private readonly serverBin: string,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(dataDir, 'redis');
    this.socketPath = path.join(this.dir, 'redis.sock');
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.#stopLeftover();
    // setpriv (util-linux) makes the kernel send SIGTERM to redis-server when the server process dies,
    // even by kill -9; redis then shuts down cleanly (AOF flushed) instead of lingering as an orphan.
    const watchdog = (await access(SETPRIV).then(() => true, () => false)) ? [SETPRIV, '--pdeathsig', 'TERM', '--'] : [];
    const [command, ...prefix] = [...watchdog, this.serverBin];
    const child = spawn(
      command!,
      [
        ...prefix,
        '--port', '0',
        '--unixsocket', this.socketPath,
        '--unixsocketperm', '700',
        '--dir', this.dir,
        '--pidfile', path.join(this.dir, 'redis.pid'),
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
        '--save', '',
        '--daemonize', 'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => this.logger.warn({ redis: d.toString().trim() }, 'redis-server stderr'));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
      child.stdout?.on('data', (d: Buffer) => {
        if (/ready to accept connections/i.test(d.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${this.serverBin}: ${err.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with code ${code}`));
      });
    });
    await ready;
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.logger.error({ code, signal }, 'embedded redis-server exited');
    });
    this.logger.info({ socket: this.socketPath }, 'embedded redis-server started');
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }

  /** A redis-server left running on our socket (no setpriv, or started by hand): stop it so the socket is ours. */
  async #stopLeftover(): Promise<void> {
    const pidFile = path.join(this.dir, 'redis.pid');
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    // A pid file outlives a crash and pids get reused: only a redis-server on our socket is ours.
    const cmdline = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
    if (cmdline.includes('redis-server') && cmdline.includes(this.socketPath)) {
      try {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 50; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch {
        // Not running (any more): nothing to stop.
      }
    }
    await rm(this.socketPath, { force: true });
  }
}
