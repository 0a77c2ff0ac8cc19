import * as alawmulawModule from 'alawmulaw';

type AlawMulaw = typeof alawmulawModule;
/**
 * alawmulaw is a UMD bundle: Node's ESM loader exposes it as `default` only, bundlers that follow its
 * `module` field as named exports only. Take whichever is there.
 */
const lib: AlawMulaw = (alawmulawModule as unknown as { default?: AlawMulaw }).default ?? alawmulawModule;

export interface G711Law {
  encode(pcm: Int16Array): Uint8Array;
  decode(bytes: Uint8Array): Int16Array;
}

/**
 * A law as lookup tables filled from alawmulaw's per-sample functions: the same bytes, but a table
 * read per sample instead of a function call with branches (every leg runs these each 20 ms).
 */
function tabulate(law: AlawMulaw['mulaw']): G711Law {
  const enc = new Uint8Array(65536);
  for (let v = -32768; v < 32768; v++) enc[v & 0xffff] = law.encodeSample(v);
  const dec = new Int16Array(256);
  for (let b = 0; b < 256; b++) dec[b] = law.decodeSample(b);
  return {
    encode(pcm) {
      const out = new Uint8Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) out[i] = enc[pcm[i]! & 0xffff]!;
      return out;
    },
    decode(bytes) {
      const out = new Int16Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) out[i] = dec[bytes[i]!]!;
      return out;
    },
  };
}

/** G.711 µ-law (PCMU) and A-law (PCMA): one byte per 8 kHz sample. */
export const mulaw = tabulate(lib.mulaw);
export const alaw = tabulate(lib.alaw);
