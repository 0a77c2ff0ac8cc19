import { readFile } from 'node:fs/promises';

export interface Pcm {
  rate: number;
  samples: Float32Array;
}

/** A 16-bit PCM WAV (first channel), as baresip's sndfile writes it. */
export async function readWav(file: string): Promise<Pcm> {
  const buf = await readFile(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file}: not a WAV file`);
  let offset = 12;
  let rate = 0;
  let channels = 1;
  let bits = 16;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    let size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      // A file still being written may say 0 or too much.
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      if (bits !== 16) throw new Error(`${file}: ${bits}-bit PCM, expected 16`);
      const frames = Math.floor(size / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * channels) / 32768;
      return { rate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/** Power of one frequency over a block (Goertzel). */
export function goertzel(samples: Float32Array, start: number, length: number, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < start + length; i++) {
    const s0 = samples[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/**
 * The strongest frequency (10 Hz steps, lo..hi) summed over the blocks that carry sound, and the
 * fraction of all blocks that do. undefined when nothing in the file is louder than silence.
 */
export function dominantFrequency(pcm: Pcm, lo = 100, hi = 3000): { hz: number; loudFraction: number } | undefined {
  const block = Math.round(pcm.rate * 0.05);
  const powers = new Map<number, number>();
  let loud = 0;
  let blocks = 0;
  for (let start = 0; start + block <= pcm.samples.length; start += block) {
    blocks++;
    let energy = 0;
    for (let i = start; i < start + block; i++) energy += pcm.samples[i]! ** 2;
    if (Math.sqrt(energy / block) < 0.005) continue;
    loud++;
    for (let hz = lo; hz <= hi; hz += 10) powers.set(hz, (powers.get(hz) ?? 0) + goertzel(pcm.samples, start, block, pcm.rate, hz));
  }
  if (loud === 0) return undefined;
  let best = lo;
  for (const [hz, p] of powers) if (p > (powers.get(best) ?? 0)) best = hz;
  return { hz: best, loudFraction: loud / blocks };
}
