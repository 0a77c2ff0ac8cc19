import type { types } from 'mediasoup';

/**
 * Codecs every room router offers. VP8 first: every browser sends it with simulcast.
 * H.264 (constrained baseline, packetization-mode 1) is what Debian's Chromium encodes with OpenH264
 * and what most RTSP cameras send, so a browser that prefers it and a camera feed pass through
 * without transcoding.
 */
export const roomMediaCodecs: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '4d0032', 'level-asymmetry-allowed': 1 },
  },
];
