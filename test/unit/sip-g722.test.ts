/** Our G.722 against ffmpeg's (libavcodec adpcm_g722) in both directions, on the same input. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { G722Decoder, G722Encoder } from '../../media/sip-audio/g722.js';
import { toneShare } from '../helpers/sip-audio.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'g722-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-y', '-loglevel', 'error', ...args]);
}

/** Two seconds of 16 kHz speech-like input: two tones (one in the high band) and noise, with a loud burst. */
function testSignal(): Int16Array {
  const pcm = new Int16Array(32000);
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = (seed / 0x7fffffff - 0.5) * 2000;
    const burst = i > 16000 && i < 20000 ? 3 : 1;
    const v = burst * (6000 * Math.sin((2 * Math.PI * 1000 * i) / 16000) + 3000 * Math.sin((2 * Math.PI * 5500 * i) / 16000)) + noise;
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return pcm;
}

const int16 = (buf: Buffer) => new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));

describe('G.722 (64 kbit/s)', () => {
  const input = testSignal();
  beforeAll(() => {
    writeFileSync(path.join(dir, 'in.s16'), Buffer.from(input.buffer));
    ffmpeg('-f', 's16le', '-ar', '16000', '-ac', '1', '-i', path.join(dir, 'in.s16'), '-c:a', 'g722', '-f', 'g722', path.join(dir, 'ff.g722'));
  });

  it('encodes bit for bit as ffmpeg does', () => {
    const theirs = readFileSync(path.join(dir, 'ff.g722'));
    // In 20 ms pieces, as RTP carries it: the encoder keeps its state across calls.
    const encoder = new G722Encoder();
    const ours: number[] = [];
    for (let i = 0; i < input.length; i += 320) ours.push(...encoder.encode(input.subarray(i, i + 320)));
    expect(ours.length).toBe(16000);
    expect(Buffer.from(ours).equals(theirs)).toBe(true);
  });

  it('decodes ffmpeg-encoded G.722 bit for bit as ffmpeg does, and the tone survives', () => {
    ffmpeg('-f', 'g722', '-i', path.join(dir, 'ff.g722'), '-f', 's16le', path.join(dir, 'ff-dec.s16'));
    const theirs = int16(readFileSync(path.join(dir, 'ff-dec.s16')));
    const decoder = new G722Decoder();
    const code = readFileSync(path.join(dir, 'ff.g722'));
    const ours = new Int16Array(code.length * 2);
    for (let i = 0; i < code.length; i += 160) ours.set(decoder.decode(code.subarray(i, i + 160)), i * 2);
    expect(ours.length).toBe(theirs.length);
    expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer))).toBe(true);
    // and it is the input, delayed by the QMF pair (22 samples): mostly the 1000 Hz tone
    expect(toneShare(ours.subarray(0, 16000), 16000, 1000)).toBeGreaterThan(0.6);
  });

  it('what we encode, ffmpeg decodes to the input tone', () => {
    const tone = new Int16Array(16000).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 700 * i) / 16000)));
    writeFileSync(path.join(dir, 'ours.g722'), new G722Encoder().encode(tone));
    ffmpeg('-f', 'g722', '-i', path.join(dir, 'ours.g722'), '-f', 's16le', path.join(dir, 'ours-dec.s16'));
    const decoded = int16(readFileSync(path.join(dir, 'ours-dec.s16')));
    expect(decoded.length).toBe(16000);
    expect(toneShare(decoded.subarray(1000), 16000, 700)).toBeGreaterThan(0.95);
  });

  it('decodes any byte sequence without throwing (garbage from the network)', () => {
    const garbage = new Uint8Array(4000).map((_, i) => (i * 7919) & 0xff);
    const out = new G722Decoder().decode(garbage);
    expect(out.length).toBe(8000);
  });
});
