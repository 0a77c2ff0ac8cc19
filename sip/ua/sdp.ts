import { isIPv4 } from 'node:net';

/**
 * The little SDP a SIP audio call needs: one audio stream over plain RTP/AVP, one codec and
 * telephone-event (RFC 4733). Peers are phones and gateways, not browsers: no ICE, no DTLS.
 */

export type SdpCodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

/** Same shape as media/sip-audio's SipAudioCodec: what the leg encodes and decodes. */
export interface SdpCodec {
  name: SdpCodecName;
  payloadType: number;
  clockRate: number;
  channels: number;
}

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface RemoteAudio {
  address: string;
  port: number;
  /** Offered or answered formats, in the peer's order. */
  formats: { payloadType: number; name: string; clockRate: number; channels: number }[];
  telephoneEventPayloadType: number | undefined;
  direction: SdpDirection;
}

export class SdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdpError';
  }
}

/** RFC 3551 static payload types, for offers that leave out their rtpmap lines. */
const STATIC: Record<number, { name: string; clockRate: number; channels: number }> = {
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
};

/** Preference: Opus when offered, then G.722, PCMU, PCMA. */
export const CODEC_PREFERENCE: readonly SdpCodecName[] = ['opus', 'G722', 'PCMU', 'PCMA'];

/** Our own payload types when we offer. */
export const OFFER_CODECS: Record<SdpCodecName, SdpCodec> = {
  opus: { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 },
  G722: { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 },
  PCMU: { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
  PCMA: { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 },
};
export const OFFER_TELEPHONE_EVENT_PT = 101;

/** The first audio stream of an SDP body; throws SdpError when there is none we can use. */
export function parseAudio(sdp: string): RemoteAudio {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let sessionAddress: string | undefined;
  let sessionDirection: SdpDirection = 'sendrecv';
  let i = 0;
  for (; i < lines.length && !lines[i]!.startsWith('m='); i++) {
    const l = lines[i]!;
    if (l.startsWith('c=')) sessionAddress = connectionAddress(l);
    const dir = directionOf(l);
    if (dir) sessionDirection = dir;
  }
  for (; i < lines.length; i++) {
    const m = /^m=audio (\d+)(?:\/\d+)? (RTP\/AVPF?|RTP\/SAVPF?) ([\d ]+)$/.exec(lines[i]!);
    if (!m) continue;
    const port = Number(m[1]);
    if (m[2]!.includes('SAVP')) throw new SdpError('encrypted RTP (SRTP) is not supported');
    const pts = m[3]!.trim().split(/\s+/).map(Number);
    let address = sessionAddress;
    let direction = sessionDirection;
    const maps = new Map<number, { name: string; clockRate: number; channels: number }>();
    for (i++; i < lines.length && !lines[i]!.startsWith('m='); i++) {
      const l = lines[i]!;
      if (l.startsWith('c=')) address = connectionAddress(l);
      const dir = directionOf(l);
      if (dir) direction = dir;
      const r = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(l);
      if (r) maps.set(Number(r[1]), { name: r[2]!, clockRate: Number(r[3]), channels: r[4] ? Number(r[4]) : 1 });
    }
    if (!address) throw new SdpError('no connection address (c=)');
    if (!isIPv4(address)) throw new SdpError(`connection address ${address} is not an IPv4 address`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SdpError(`bad audio port ${m[1]}`);
    const formats = pts.flatMap((pt) => {
      const f = maps.get(pt) ?? STATIC[pt];
      return f ? [{ payloadType: pt, ...f }] : [];
    });
    const te = formats.find((f) => f.name.toLowerCase() === 'telephone-event' && f.clockRate === 8000);
    return { address, port, formats, telephoneEventPayloadType: te?.payloadType, direction };
  }
  throw new SdpError('no audio stream (m=audio ... RTP/AVP)');
}

/** telephone-event on the codec's own clock (RFC 4733 wants them equal), else the common 8000 Hz one. */
export function telephoneEventFor(remote: RemoteAudio, codec: SdpCodec): number | undefined {
  const events = remote.formats.filter((f) => f.name.toLowerCase() === 'telephone-event');
  return (events.find((f) => f.clockRate === codec.clockRate) ?? events.find((f) => f.clockRate === 8000))?.payloadType;
}

/** The best codec both sides have, with the peer's payload type; undefined when none. */
export function chooseCodec(remote: RemoteAudio, allowed: readonly SdpCodecName[] = CODEC_PREFERENCE): SdpCodec | undefined {
  for (const name of CODEC_PREFERENCE) {
    if (!allowed.includes(name)) continue;
    const f = remote.formats.find((x) => matches(name, x));
    if (f) return { name, payloadType: f.payloadType, clockRate: f.clockRate, channels: name === 'opus' ? 2 : 1 };
  }
  return undefined;
}

function matches(name: SdpCodecName, f: { name: string; clockRate: number; channels: number }): boolean {
  if (name === 'opus') return f.name.toLowerCase() === 'opus' && f.clockRate === 48000 && f.channels === 2;
  return f.name.toUpperCase() === name && f.clockRate === 8000;
}

export interface LocalAudio {
  address: string;
  port: number;
  codec: SdpCodec;
  telephoneEventPayloadType: number | undefined;
  sessionId: number;
  version: number;
  direction?: SdpDirection;
}

export function buildSdp(l: LocalAudio): string {
  const pts = [l.codec.payloadType, ...(l.telephoneEventPayloadType !== undefined ? [l.telephoneEventPayloadType] : [])];
  const lines = [
    'v=0',
    `o=- ${l.sessionId} ${l.version} IN IP4 ${l.address}`,
    's=emergency-command',
    `c=IN IP4 ${l.address}`,
    't=0 0',
    `m=audio ${l.port} RTP/AVP ${pts.join(' ')}`,
    `a=rtpmap:${l.codec.payloadType} ${l.codec.name}/${l.codec.clockRate}${l.codec.channels > 1 ? `/${l.codec.channels}` : ''}`,
  ];
  if (l.codec.name === 'opus') lines.push(`a=fmtp:${l.codec.payloadType} useinbandfec=1;stereo=0;sprop-stereo=0`);
  if (l.telephoneEventPayloadType !== undefined) {
    lines.push(`a=rtpmap:${l.telephoneEventPayloadType} telephone-event/8000`, `a=fmtp:${l.telephoneEventPayloadType} 0-16`);
  }
  lines.push('a=ptime:20', `a=${l.direction ?? 'sendrecv'}`);
  return lines.join('\r\n') + '\r\n';
}

/** What we answer to a peer's direction (hold: it sends only, we receive only). */
export function answerDirection(offered: SdpDirection): SdpDirection {
  return ({ sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' } as const)[offered];
}

function connectionAddress(line: string): string | undefined {
  const c = /^c=IN IP4 ([^\s/]+)/.exec(line);
  return c?.[1];
}

function directionOf(line: string): SdpDirection | undefined {
  const d = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line);
  return d?.[1] as SdpDirection | undefined;
}
