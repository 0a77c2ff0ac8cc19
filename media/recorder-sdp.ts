import type { types } from 'mediasoup';

/** What ffmpeg must know to read one consumer's RTP: where it arrives and how it is encoded. */
export interface RecorderSdpInput {
  kind: types.MediaKind;
  /** Even port ffmpeg listens on for RTP; RTCP on port + 1. */
  port: number;
  codec: types.RtpCodecParameters;
  ip?: string;
}

/** Container (file extension) each codec is written to without re-encoding: Matroska family, readable up to a crash. */
export function containerFor(mimeType: string): { ext: string; format: string } {
  const codec = mimeType.split('/')[1]?.toLowerCase();
  if (codec === 'opus' || codec === 'vp8' || codec === 'vp9') return { ext: 'webm', format: 'webm' };
  return { ext: 'mkv', format: 'matroska' };
}

/** The SDP ffmpeg reads (`-protocol_whitelist file,udp,rtp -i x.sdp`) for one track. */
export function recorderSdp({ kind, port, codec, ip = '127.0.0.1' }: RecorderSdpInput): string {
  const pt = codec.payloadType;
  const name = codec.mimeType.split('/')[1] ?? '';
  const channels = kind === 'audio' && codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  const lines = [
    'v=0',
    `o=- 0 0 IN IP4 ${ip}`,
    's=recording',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=${kind} ${port} RTP/AVP ${pt}`,
    `a=rtcp:${port + 1}`,
    `a=rtpmap:${pt} ${name}/${codec.clockRate}${channels}`,
    ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : []),
    'a=recvonly',
  ];
  return lines.join('\r\n') + '\r\n';
}
