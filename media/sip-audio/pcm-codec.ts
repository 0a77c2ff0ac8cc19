import { type SipAudioCodec, pcmRateOf } from './codecs.js';
import { alaw, mulaw } from './g711.js';
import { G722Decoder, G722Encoder } from './g722.js';
import { OpusDecoder, OpusEncoder } from './opus.js';

/** A leg's voice codec: PCM at the codec's rate ↔ RTP payload. Stateful codecs keep one stream's state. */
export interface PcmEncoder {
  encode(pcm: Int16Array): Uint8Array;
  close(): void;
}
export interface PcmDecoder {
  /** Throws on a payload the codec rejects. */
  decode(payload: Uint8Array): Int16Array;
  close(): void;
}

const stateless = (encode: (pcm: Int16Array) => Uint8Array): PcmEncoder => ({ encode, close: () => {} });

/** Opus towards a SIP peer: 48 kHz mono, 32 kbit/s (plenty for voice; a peer that asked for less still decodes it). */
const SIP_OPUS_BITRATE = 32_000;

export function createPcmEncoder(codec: SipAudioCodec): PcmEncoder {
  switch (codec.name) {
    case 'PCMU':
      return stateless((pcm) => mulaw.encode(pcm));
    case 'PCMA':
      return stateless((pcm) => alaw.encode(pcm));
    case 'G722': {
      const g722 = new G722Encoder();
      return stateless((pcm) => g722.encode(pcm));
    }
    case 'opus': {
      const opus = new OpusEncoder(pcmRateOf(codec) as 48000, SIP_OPUS_BITRATE);
      return { encode: (pcm) => opus.encode(pcm), close: () => opus.close() };
    }
  }
}

export function createPcmDecoder(codec: SipAudioCodec): PcmDecoder {
  switch (codec.name) {
    case 'PCMU':
      return { decode: (p) => mulaw.decode(p), close: () => {} };
    case 'PCMA':
      return { decode: (p) => alaw.decode(p), close: () => {} };
    case 'G722': {
      const g722 = new G722Decoder();
      return { decode: (p) => g722.decode(p), close: () => {} };
    }
    case 'opus': {
      const opus = new OpusDecoder(48000);
      return { decode: (p) => opus.decode(p), close: () => opus.close() };
    }
  }
}
