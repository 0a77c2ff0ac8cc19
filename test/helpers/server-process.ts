import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePortRange } from './ports.js';

/** The checkout's root, whether this runs from source (vitest) or compiled (dist/, benchmarks). */
export const projectRoot = (() => {
  let dir = import.meta.dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

export interface RunningServer {
  url: string;
  httpsUrl: string | undefined;
  pid: number;
  dataDir: string;
  logs: string[];
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ServerOptions {
  env?: Record<string, string>;
  dataDir?: string;
  workers?: number;
}

/** Starts the real server (dist/server/main.js) on loopback with free ports and its own data directory. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'ecs-test-')));
  const workers = options.workers ?? 2;
  const mediaPort = await freePortRange(workers);
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/server/main.js')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      HTTPS_PORT: '0',
      HTTPS_HOST: '127.0.0.1',
      TLS_CERT: path.join(dataDir, 'no-cert'),
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_WORKERS: String(workers),
      MEDIA_PORT: String(mediaPort),
      RTC_MIN_PORT: String(mediaPort + workers),
      RTC_MAX_PORT: String(mediaPort + workers + 200),
      LOG_LEVEL: 'info',
      // Tests that need drone pushes give a free port; the others do not start nginx.
      RTMP_PORT: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let httpsUrl: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${logs.join('\n')}`)), 30_000);
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        logs.push(line);
        if (logs.length > 5000) logs.shift();
        try {
          const entry = JSON.parse(line) as { msg?: string; httpUrl?: string; httpsUrl?: string };
          if (entry.msg === 'listening' && entry.httpUrl) {
            clearTimeout(timer);
            httpsUrl = entry.httpsUrl;
            resolve(entry.httpUrl);
          }
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url,
    httpsUrl,
    pid: child.pid!,
    dataDir,
    logs,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export interface MediaOverview {
  workers: { index: number; pid: number; routers: number; peers: number; closed: boolean }[];
  rooms: {
    id: string; peers: number; remotePeers: number; consumers: number; workerPid: number;
    router: { transports: number; producers: number; consumers: number }; sipCalls: number; activeSpeaker: string | null;
    /** The routers the room spans, its home router first. */
    routers: { workerPid: number; participants: number; participantIds: string[]; home: boolean }[];
  }[];
  /** With REDIS_URL: this node's view of the cluster. */
  cluster?: { nodeId: string; nodes: { id: string; url: string }[]; pipes: { inbound: number; outbound: number }; arbiters: Record<string, string> };
}

export async function mediaOverview(url: string, adminToken: string): Promise<MediaOverview> {
  const res = await fetch(`${url}/api/admin/media`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new Error(`media overview: ${res.status}`);
  return (await res.json()) as MediaOverview;
}
