/**
 * A second of speech-level audio as Opus packets (20 ms each), encoded once and sent by every
 * publishing endpoint: what a microphone costs the server is its packet rate, not its content.
 */
import { OpusEncoder } from '../../media/sip-audio/opus.js';

export interface OpusClip {
  /** One encoded 20 ms frame per entry, 50 a second. */
  frames: Buffer[];
}

export const OPUS_FRAME_MS = 20;

export function makeOpusClip(bitrate = 32_000): OpusClip {
  const encoder = new OpusEncoder(48000, bitrate);
  try {
    const samples = 48000 / (1000 / OPUS_FRAME_MS);
    const frames: Buffer[] = [];
    for (let f = 0; f < 1000 / OPUS_FRAME_MS; f++) {
      const pcm = new Int16Array(samples);
      // A tone with a syllable-like envelope: the encoder spends bits as on speech, not on silence.
      for (let i = 0; i < samples; i++) {
        const t = (f * samples + i) / 48000;
        pcm[i] = Math.round(6000 * Math.abs(Math.sin(Math.PI * 4 * t)) * Math.sin(2 * Math.PI * 220 * t));
      }
      frames.push(Buffer.from(encoder.encode(pcm)));
    }
    return { frames };
  } finally {
    encoder.close();
  }
}
