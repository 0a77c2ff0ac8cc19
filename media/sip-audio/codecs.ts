/** Codecs a SIP leg can speak, as negotiated in SDP. */
export type SipCodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

export interface SipAudioCodec {
  name: SipCodecName;
  payloadType: number;
  /** The RTP clock as written in SDP (G.722 says 8000 for historical reasons though it carries 16 kHz audio). */
  clockRate: number;
  channels: number;
}

/**
 * What the server offers and accepts in SDP, in preference order: Opus when the peer offers it (wideband,
 * robust to loss), then G.722 (wideband, common on desk phones), then G.711 µ-law and A-law, which every
 * satellite-phone and radio gateway speaks.
 */
export const supportedSipCodecs: readonly SipAudioCodec[] = Object.freeze([
  { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 },
  { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 },
  { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
  { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 },
]);

/** RFC 4733 telephone-event as the server offers it next to an 8000 Hz codec. */
export const telephoneEventCodec = Object.freeze({ name: 'telephone-event', payloadType: 101, clockRate: 8000, fmtp: '0-16' });

/** Every leg and the mixer work in 20 ms frames (the SDP ptime). */
export const FRAME_MS = 20;

/** Sample rate of the PCM a codec carries (what the mixer mixes this leg at). */
export function pcmRateOf(codec: SipAudioCodec): 8000 | 16000 | 48000 {
  switch (codec.name) {
    case 'opus':
      return 48000;
    case 'G722':
      return 16000;
    default:
      return 8000;
  }
}

/** PCM samples per RTP clock tick: 2 for G.722 (16 kHz audio on an 8 kHz RTP clock), else 1. */
export function samplesPerRtpTick(codec: SipAudioCodec): number {
  return pcmRateOf(codec) / codec.clockRate;
}

export function samplesPerFrame(rate: number): number {
  return (rate * FRAME_MS) / 1000;
}
