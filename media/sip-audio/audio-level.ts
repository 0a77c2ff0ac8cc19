/** Level of a PCM frame in dBov (0 = full scale, -127 = digital silence), as RFC 6464 and VOX use it. */
export function levelDbov(pcm: Int16Array): number {
  if (pcm.length === 0) return -127;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i]!;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / pcm.length);
  if (rms < 1) return -127;
  return Math.max(-127, 20 * Math.log10(rms / 32768));
}

/** Voice flag threshold for the ssrc-audio-level extension: anything above it counts as voice activity. */
export const VOICE_DBOV = -50;
