/** G.711 tables against alawmulaw's own functions, and against ffmpeg's pcm_mulaw / pcm_alaw. */
import { execFileSync } from 'node:child_process';
import * as alawmulawModule from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import { alaw, mulaw } from '../../media/sip-audio/g711.js';

type Lib = typeof alawmulawModule;
const lib: Lib = (alawmulawModule as unknown as { default?: Lib }).default ?? alawmulawModule;
const every16 = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('G.711', () => {
  for (const [name, law, ref, ffcodec] of [
    ['µ-law', mulaw, lib.mulaw, 'pcm_mulaw'],
    ['A-law', alaw, lib.alaw, 'pcm_alaw'],
  ] as const) {
    it(`${name}: every sample encodes and every byte decodes as alawmulaw does`, () => {
      expect(Buffer.from(law.encode(every16)).equals(Buffer.from(ref.encode(every16)))).toBe(true);
      expect(Array.from(law.decode(everyByte))).toEqual(Array.from(ref.decode(everyByte)));
    });

    it(`${name}: ffmpeg decodes every byte to the same sample`, () => {
      const out = execFileSync('ffmpeg', ['-loglevel', 'error', '-f', ffcodec.replace('pcm_', ''), '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], {
        input: Buffer.from(everyByte),
      });
      const theirs = new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
      expect(Array.from(law.decode(everyByte))).toEqual(Array.from(theirs));
    });
  }
});
