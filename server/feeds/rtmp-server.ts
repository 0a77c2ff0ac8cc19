import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export interface RtmpOptions {
  nginxBin: string;
  modulePath: string;
  host: string;
  port: number;
  /** Where the config, pid and error log go. */
  dir: string;
  /** The loopback URL nginx asks before accepting a push (feed-hooks.ts). */
  onPublishUrl: string;
}

/**
 * Drones push RTMP (DJI apps do) to nginx's RTMP module, run as our child: only pushes whose stream key
 * our on_publish hook accepts get in, and only this machine may play them back (our ffmpeg pulls).
 */
export function nginxConfig(o: RtmpOptions): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(o.dir, 'nginx.pid')};
error_log ${path.join(o.dir, 'error.log')} warn;
load_module ${o.modulePath};
events { worker_connections 1024; }
rtmp {
  server {
    listen ${o.host}:${o.port};
    chunk_size 4096;
    application live {
      live on;
      # A play of a stream nobody pushes ends at once, so a pull fails fast instead of hanging.
      idle_streams off;
      allow play 127.0.0.1;
      deny play all;
      on_publish ${o.onPublishUrl};
    }
  }
}
`;
}

export class RtmpServer {
  #child: ChildProcess | undefined;
  #stopping = false;

  constructor(
    private readonly options: RtmpOptions,
    private readonly logger: Logger,
  ) {}

  /** Where the server's own ffmpeg pulls pushed streams from. */
  get pullBase(): string {
    return `rtmp://127.0.0.1:${this.options.port}/live`;
  }

  async start(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const conf = path.join(this.options.dir, 'nginx.conf');
    await writeFile(conf, nginxConfig(this.options));
    this.#spawn(conf, 0);
  }

  stop(): void {
    this.#stopping = true;
    this.#child?.kill('SIGTERM');
  }

  #spawn(conf: string, restarts: number): void {
    const child = spawn(this.options.nginxBin, ['-p', this.options.dir, '-c', conf, '-e', path.join(this.options.dir, 'error.log')], { stdio: 'ignore' });
    this.#child = child;
    child.once('error', (err) => this.logger.error({ err }, 'RTMP server (nginx) could not start; drone pushes are off'));
    child.once('exit', (code, signal) => {
      if (this.#stopping) return;
      // nginx never exits by itself; if it does, bring it back, but not in a tight loop.
      this.logger.error({ code, signal, restarts }, 'RTMP server (nginx) exited; restarting');
      if (restarts < 20) setTimeout(() => this.#spawn(conf, restarts + 1), 1000 * Math.min(10, restarts + 1)).unref();
    });
    this.logger.info({ host: this.options.host, port: this.options.port, pid: child.pid }, 'RTMP server started');
  }
}
