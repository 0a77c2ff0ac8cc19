import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { TypedEmitter } from '../../media/typed-emitter.js';
import { backoffMs } from '../../server/feeds/backoff.js';
import { kamailioConfig, type EdgeConfig } from './kamailio-config.js';
import { KamailioRpc } from './kamailio-rpc.js';

const run = promisify(execFile);

export interface KamailioOptions {
  bin: string;
  /** Config, runtime files (-Y) and nothing else. */
  dir: string;
  edge: EdgeConfig;
  /** Shared memory in MB (-m). */
  sharedMemoryMb: number;
  logger: Logger;
}

type KamailioEvents = {
  /** It answers its RPC: a fresh start or a restart. Credentials must be pushed again each time (they live in memory). */
  ready: [];
  /** It died by itself (not by stop()); a restart follows. */
  exited: [code: number | null];
};

/**
 * Kamailio as a managed child: the config is checked with `kamailio -c` before every start, a crash is
 * followed by a restart with backoff, and stop() takes it down with the server.
 */
export class KamailioProcess extends TypedEmitter<KamailioEvents> {
  readonly rpc: KamailioRpc;
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  #ready = false;

  constructor(private readonly options: KamailioOptions) {
    super();
    this.rpc = new KamailioRpc(options.edge.wsPort, options.edge.rpcToken);
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Kamailio's main process now (changes on every restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get configPath(): string {
    return path.join(this.options.dir, 'kamailio.cfg');
  }

  /** Writes and checks the config, starts Kamailio and waits until it answers (or throws with its own words). */
  async start(timeoutMs = 15_000): Promise<void> {
    await mkdir(path.join(this.options.dir, 'run'), { recursive: true });
    await writeFile(this.configPath, kamailioConfig(this.options.edge), { mode: 0o600 });
    await run(this.options.bin, ['-c', '-f', this.configPath]).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`SIP edge configuration rejected by kamailio -c: ${lastLines(err.stderr ?? err.message)}`);
    });
    await this.#killLeftover();
    this.#spawn();
    await this.#waitReady(timeoutMs);
  }

  /** A Kamailio of ours left running by a server that was killed outright would hold the ports. */
  async #killLeftover(): Promise<void> {
    const pid = Number(await readFile(this.#pidFile, 'utf8').catch(() => ''));
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(this.configPath)) return;
    this.options.logger.warn({ pid }, 'stopping a SIP edge left over from an earlier run');
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  get #pidFile(): string {
    return path.join(this.options.dir, 'kamailio.pid');
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    killGroup(child, 'SIGKILL');
  }

  #spawn(): void {
    const { bin, dir, sharedMemoryMb, logger } = this.options;
    const child = spawn(bin, ['-DD', '-E', '-f', this.configPath, '-Y', path.join(dir, 'run'), '-m', String(sharedMemoryMb)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: its workers outlive a killed main process and would keep the ports.
      detached: true,
    });
    this.#child = child;
    if (child.pid) void writeFile(this.#pidFile, String(child.pid)).catch(() => undefined);
    const tail: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (/ERROR|CRITICAL|ALERT/.test(line)) logger.warn({ kamailio: line }, 'SIP edge');
      else logger.debug({ kamailio: line }, 'SIP edge');
    });
    child.once('error', (err) => logger.error({ err }, 'SIP edge (kamailio) could not start'));
    child.once('exit', (code, signal) => {
      this.#ready = false;
      killGroup(child, 'SIGKILL');
      if (this.#stopping) return;
      this.emit('exited', code);
      const delay = backoffMs(this.#restarts++, 500, 30_000);
      logger.error({ code, signal, delay, stderr: tail.slice(-5) }, 'SIP edge (kamailio) exited; restarting');
      setTimeout(() => {
        if (this.#stopping) return;
        this.#spawn();
        this.#waitReady(15_000).catch((err: unknown) => logger.error({ err }, 'SIP edge did not come back'));
      }, delay).unref();
    });
    logger.info({ pid: child.pid, sipPort: this.options.edge.sipPort }, 'SIP edge (kamailio) started');
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    const child = this.#child!;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('SIP edge (kamailio) exited while starting; see the log');
      try {
        await this.rpc.call('core.version', [], 500);
        this.#ready = true;
        // A start that stayed up resets the backoff.
        setTimeout(() => {
          if (this.#child === child && this.#ready) this.#restarts = 0;
        }, 30_000).unref();
        this.emit('ready');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`SIP edge (kamailio) did not answer within ${timeoutMs} ms`);
  }
}

/** Signals Kamailio's whole process group (main process and forked workers). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-4).join(' | ');
}
