/** RTP (RFC 3550) as the SIP legs and the mixer need it: parse what arrives, build what leaves. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Second byte 192..223 on a muxed port is RTCP (RFC 5761), not RTP payload types 64..95. */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 8 && buf[0]! >> 6 === 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/** The packet, or null when it is not well-formed RTP (wrong version, truncated header, bad padding). */
export function parseRtp(buf: Buffer): RtpPacket | null {
  if (buf.length < 12) return null;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return null;
  let offset = 12 + 4 * (b0 & 0x0f);
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return null;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
  }
  let end = buf.length;
  if (b0 & 0x20) {
    const pad = buf[end - 1]!;
    if (pad === 0) return null;
    end -= pad;
  }
  if (offset > end) return null;
  const b1 = buf[1]!;
  return {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

export interface OutgoingRtp {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
  /** RFC 6464 level (0 = loudest .. 127 = silence, in -dBov) sent as one-byte header extension `audioLevelExtId`. */
  audioLevel?: { extId: number; level: number; voice: boolean };
}

export function buildRtp(p: OutgoingRtp): Buffer {
  const extLen = p.audioLevel ? 8 : 0;
  const buf = Buffer.allocUnsafe(12 + extLen + p.payload.length);
  buf[0] = p.audioLevel ? 0x90 : 0x80;
  buf[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  buf.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  if (p.audioLevel) {
    // RFC 8285 one-byte header: 0xBEDE, one 32-bit word: [id|len-1=0] [V|level] pad pad.
    buf.writeUInt16BE(0xbede, 12);
    buf.writeUInt16BE(1, 14);
    buf[16] = (p.audioLevel.extId << 4) | 0;
    buf[17] = (p.audioLevel.voice ? 0x80 : 0) | Math.max(0, Math.min(127, Math.round(p.audioLevel.level)));
    buf[18] = 0;
    buf[19] = 0;
  }
  buf.set(p.payload, 12 + extLen);
  return buf;
}

/**
 * Unwraps 32-bit RTP timestamps into a position on a line starting at the first packet (0), so
 * reordered packets and wrap-around keep their place.
 */
export class RtpTimeline {
  #last: number | null = null;
  #position = 0;

  position(timestamp: number): number {
    if (this.#last !== null) this.#position += (timestamp - this.#last) | 0;
    this.#last = timestamp;
    return this.#position;
  }

  reset(): void {
    this.#last = null;
    this.#position = 0;
  }
}
