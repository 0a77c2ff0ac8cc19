import * as alawmulawModule from 'alawmulaw';

type AlawMulaw = typeof alawmulawModule;
/**
 * alawmulaw is a UMD bundle: Node's ESM loader exposes it as `default` only, bundlers that follow its
 * `module` field as named exports only. Take whichever is there.
 */
const lib: AlawMulaw = (alawmulawModule as unknown as { default?: AlawMulaw }).default ?? alawmulawModule;

/** G.711 µ-law (PCMU) and A-law (PCMA): one byte per 8 kHz sample. */
export const mulaw = lib.mulaw;
export const alaw = lib.alaw;
