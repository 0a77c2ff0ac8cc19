import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { types } from 'mediasoup';
import { containerFor, recorderSdp } from './recorder-sdp.js';

export interface TrackRecorderOptions {
  router: types.Router;
  producer: types.Producer;
  /** Path without extension; `.sdp`, `.log` and the media file (extension from the codec) are written beside it. */
  basePath: string;
  ffmpegPath?: string;
  /** How long to wait for ffmpeg to bind its port. */
  listenTimeoutMs?: number;
}

export interface TrackInfo {
  file: string;
  codec: string;
  kind: types.MediaKind;
}

/**
 * ffmpeg runs under a tiny sh that sends it SIGINT when our end of its stdin closes: on stop(), and when
 * this process dies, even by SIGKILL. ffmpeg then writes the Matroska trailer (cues, duration). Its stderr goes to a file, so
 * it never writes into a pipe nobody reads. The wrapper prints ffmpeg's pid first, for a hard kill, and
 * exits with ffmpeg's status when ffmpeg ends by itself (a full disk, its read timeout): the watcher of our
 * stdin runs beside it, not in front of it.
 */
const WRAPPER = [
  'ffmpeg_bin="$1"; shift',
  '"$ffmpeg_bin" "$@" </dev/null & pid=$!',
  'echo $pid',
  // A background list's stdin would be /dev/null: our pipe is handed over as fd 3.
  'exec 3<&0',
  // One SIGINT only: ffmpeg sees it between packets and writes its trailer. With the input gone (our
  // process died and the media workers with it) it ends ~10 s later on its read timeout, trailer written;
  // a second signal would abort the trailer too.
  '{ cat <&3 >/dev/null; kill -INT $pid 2>/dev/null; } &',
  'exec 3<&-',
  'wait $pid',
].join('\n');

/**
 * Records one producer to disk without re-encoding: a PlainTransport sending to a loopback ffmpeg
 * (comedia off: we connect it to ffmpeg's ports), a consumer held paused until ffmpeg listens, then a key frame.
 * Matroska/WebM with 1 s clusters: a file cut by a crash is readable up to its last second.
 */
export class TrackRecorder {
  #stopped = false;
  #exited: Promise<number | null>;
  #ffmpegPid: number | undefined;
  /** The track ended by itself (producer or transport closed, ffmpeg died); `at`: when it happened. */
  onEnded: ((reason: string, at: number) => void) | undefined;
  /**
   * Video: when the first key frame went to ffmpeg, which drops what comes before it; that is the file's
   * time 0. Audio files start with the first packet, at resume.
   */
  readonly firstKeyFrameAt: Promise<number>;
  #keyFrameSeen: (at: number) => void = () => undefined;

  private constructor(
    readonly info: TrackInfo,
    private readonly transport: types.PlainTransport,
    readonly consumer: types.Consumer,
    private readonly child: ChildProcess,
    private readonly logPath: string,
  ) {
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.firstKeyFrameAt = new Promise((resolve) => (this.#keyFrameSeen = resolve));
    consumer.on('trace', (trace) => {
      if (trace.type !== 'keyframe' || trace.direction !== 'out') return;
      this.#keyFrameSeen(Date.now());
      void consumer.enableTraceEvent([]).catch(() => undefined);
    });
    child.stdout?.once('data', (d: Buffer) => {
      const pid = Number.parseInt(d.toString(), 10);
      if (Number.isFinite(pid)) this.#ffmpegPid = pid;
    });
    void this.#exited.then((code) => {
      // The wrapper's stdin watcher has nothing more to watch.
      child.stdin?.end();
      if (!this.#stopped) {
        this.#stopped = true;
        transport.close();
        this.onEnded?.(`ffmpeg exited (${code}): ${this.lastError()}`, Date.now());
      }
    });
    const ended = (why: string) => () => {
      if (this.#stopped) return;
      const at = Date.now();
      void this.stop().then(() => this.onEnded?.(why, at));
    };
    consumer.on('producerclose', ended('producer closed'));
    consumer.on('transportclose', ended('transport closed'));
  }

  static async start(opts: TrackRecorderOptions): Promise<TrackRecorder> {
    const { router, producer, basePath } = opts;
    const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
    let child: ChildProcess | undefined;
    try {
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
      const codec = consumer.rtpParameters.codecs[0];
      if (!codec) throw new Error('consumer has no codec');
      const { ext, format } = containerFor(codec.mimeType);
      const file = `${basePath}.${ext}`;
      const sdpPath = `${basePath}.sdp`;
      const logPath = `${basePath}.log`;
      const [rtp, rtcp] = await reservePortPair();
      const port = portOf(rtp);
      await writeFile(sdpPath, recorderSdp({ kind: producer.kind, port, codec }));
      const args = [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        '-protocol_whitelist', 'file,udp,rtp',
        '-fflags', '+genpts',
        '-i', sdpPath,
        '-map', '0', '-c', 'copy',
        '-cluster_time_limit', '1000', '-flush_packets', '1',
        '-f', format, '-y', file,
      ];
      const logFd = openSync(logPath, 'a');
      rtp.close();
      rtcp.close();
      try {
        child = spawn('sh', ['-c', WRAPPER, 'sh', opts.ffmpegPath ?? 'ffmpeg', ...args], { stdio: ['pipe', 'pipe', logFd] });
      } finally {
        closeSync(logFd);
      }
      child.stdin?.on('error', () => undefined);
      const exitedEarly = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`ffmpeg exited (${code}) before listening: ${tail(logPath)}`))));
      await Promise.race([waitUdpBound(port, opts.listenTimeoutMs ?? 10_000), exitedEarly]);
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const recorder = new TrackRecorder({ file, codec: codec.mimeType.split('/')[1]!.toLowerCase(), kind: producer.kind }, transport, consumer, child, logPath);
      if (consumer.kind === 'video') await consumer.enableTraceEvent(['keyframe']);
      await consumer.resume();
      if (consumer.kind === 'video') {
        // The file starts at the first key frame (ffmpeg drops what comes before); one request can be lost or
        // throttled by the sender, so a few more follow in the first seconds.
        await consumer.requestKeyFrame();
        for (const ms of [300, 800, 1500]) {
          setTimeout(() => {
            if (!recorder.stopped && !consumer.closed) void consumer.requestKeyFrame().catch(() => undefined);
          }, ms).unref();
        }
      }
      return recorder;
    } catch (err) {
      transport.close();
      child?.stdin?.end();
      throw err;
    }
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  lastError(): string {
    return tail(this.logPath);
  }

  /**
   * ffmpeg gets SIGINT and finalises the file; killed after `graceMs` if it has not exited. With media
   * flowing it exits at once; with its input already gone it waits for its 10 s read timeout first.
   */
  async stop(graceMs = 15_000): Promise<void> {
    const wasStopped = this.#stopped;
    this.#stopped = true;
    if (!wasStopped) this.child.stdin?.end();
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([this.#exited, timer])) === 'timeout') {
      if (this.#ffmpegPid) process.kill(this.#ffmpegPid, 'SIGKILL');
      this.child.kill('SIGKILL');
    }
    this.transport.close();
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}

function portOf(socket: Socket): number {
  return socket.address().port;
}

function bindUdp(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** An even port and the next one, both free (held bound until ffmpeg is about to take them). */
async function reservePortPair(): Promise<[Socket, Socket]> {
  for (let i = 0; i < 50; i++) {
    const probe = await bindUdp(0);
    if (!probe) continue;
    const p = portOf(probe);
    probe.close();
    const even = p % 2 === 0 ? p : p + 1;
    if (even + 1 > 65535) continue;
    const a = await bindUdp(even);
    if (!a) continue;
    const b = await bindUdp(even + 1);
    if (b) return [a, b];
    a.close();
  }
  throw new Error('no free UDP port pair for the recorder');
}

/** Polls /proc/net/udp until some socket is bound to the port on this machine. */
async function waitUdpBound(port: number, timeoutMs: number): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const table = readFileSync('/proc/net/udp', 'utf8');
    if (table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()))) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`ffmpeg did not listen on UDP ${port} within ${timeoutMs} ms`);
}
