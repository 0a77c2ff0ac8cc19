import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePortRange } from './ports.js';
import { projectRoot } from './server-process.js';

/** Debian's interpreter: the one that sees python3-gi (another python3 may come first on PATH). */
const DEBIAN_PYTHON = process.env['GST_PYTHON'] ?? '/usr/bin/python3';

export interface RtspCamera {
  port: number;
  /** rtsp://127.0.0.1:PORT/MOUNT (no credentials). */
  url(mount: 'h264' | 'h265' | 'g711' | 'clock'): string;
  /** Kills the camera (SIGKILL, as a power cut would). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/** A real RTSP camera: GStreamer's RTSP server (test/fixtures/rtsp-camera.py) on a free loopback port. */
export async function startRtspCamera(auth?: { user: string; password: string }, opts: { shared?: boolean } = {}): Promise<RtspCamera> {
  const port = await freePortRange(1);
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = [path.join(projectRoot, 'test/fixtures/rtsp-camera.py'), String(port), ...(auth ? [auth.user, auth.password] : [])];
      const env = { ...process.env, CAMERA_SHARED: opts.shared ? '1' : '0' };
      const proc = spawn(DEBIAN_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
      child = proc;
      let out = '';
      const timer = setTimeout(() => reject(new Error(`RTSP camera did not start: ${out}`)), 15_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes(`ready ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`RTSP camera exited ${code}: ${out}`));
      });
    });
  await start();
  return {
    port,
    url: (mount) => `rtsp://127.0.0.1:${port}/${mount}`,
    async kill() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
    start,
  };
}
