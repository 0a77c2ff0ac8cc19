/**
 * A pre-encoded VP8 clip (encoded once by ffmpeg) cut into RTP payloads, so that hundreds of load
 * endpoints can publish real video without encoding anything.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Room for SRTP's auth tag and the RTP header inside a 1200-byte datagram. */
const MAX_PAYLOAD = 1100;

export interface Vp8Frame {
  keyframe: boolean;
  /** RTP payloads (VP8 payload descriptor + partition data), the last one carrying the marker. */
  payloads: Buffer[];
}

export interface Vp8Clip {
  fps: number;
  kbps: number;
  frames: Vp8Frame[];
}

/** Encodes (or reuses) a looping test clip at the given bitrate, one keyframe a second. */
export async function loadVp8Clip(opts: { kbps: number; width: number; height: number; fps: number; seconds: number }): Promise<Vp8Clip> {
  const dir = path.join(os.tmpdir(), 'ecs-bench-clips');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `vp8-${opts.width}x${opts.height}-${opts.fps}fps-${opts.kbps}k-${opts.seconds}s.ivf`);
  if (!(await access(file).then(() => true, () => false))) {
    const tmp = `${file}.${process.pid}.tmp`;
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${opts.width}x${opts.height}:rate=${opts.fps}`,
      '-t', String(opts.seconds),
      '-c:v', 'libvpx', '-b:v', `${opts.kbps}k`, '-minrate', `${opts.kbps}k`, '-maxrate', `${opts.kbps}k`,
      '-g', String(opts.fps), '-deadline', 'realtime', '-cpu-used', '8', '-auto-alt-ref', '0', '-error-resilient', '1',
      '-f', 'ivf', tmp,
    ]);
    await run('mv', [tmp, file]);
  }
  return { fps: opts.fps, kbps: opts.kbps, frames: parseIvf(await readFile(file)).map(packetize) };
}

function parseIvf(data: Buffer): Buffer[] {
  if (data.toString('ascii', 0, 4) !== 'DKIF') throw new Error('not an IVF file');
  const headerSize = data.readUInt16LE(6);
  const frames: Buffer[] = [];
  for (let at = headerSize; at + 12 <= data.length; ) {
    const size = data.readUInt32LE(at);
    frames.push(data.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return frames;
}

/**
 * RFC 7741 payloads. The descriptor carries a 15-bit PictureID (patched per endpoint as it sends):
 * mediasoup reads it, and a keyframe is a first packet whose frame tag has P = 0.
 */
function packetize(frame: Buffer): Vp8Frame {
  const keyframe = ((frame[0] ?? 1) & 0x01) === 0;
  const payloads: Buffer[] = [];
  for (let offset = 0; offset < frame.length; offset += MAX_PAYLOAD) {
    const chunk = frame.subarray(offset, offset + MAX_PAYLOAD);
    const descriptor = Buffer.from([0x80 | (offset === 0 ? 0x10 : 0), 0x80, 0x80, 0x00]);
    payloads.push(Buffer.concat([descriptor, chunk]));
  }
  return { keyframe, payloads };
}

/** Writes the PictureID into a payload made by packetize (bytes 2–3, M bit set). */
export function setPictureId(payload: Buffer, pictureId: number): void {
  payload[2] = 0x80 | ((pictureId >> 8) & 0x7f);
  payload[3] = pictureId & 0xff;
}
