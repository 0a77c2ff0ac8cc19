import { describe, expect, it } from 'vitest';
import { containerFor, recorderSdp } from '../../media/recorder-sdp.js';

describe('recorder SDP', () => {
  it('describes an Opus track on the given port with RTCP on the next', () => {
    const sdp = recorderSdp({
      kind: 'audio',
      port: 40000,
      codec: { mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 100, parameters: { minptime: 10, useinbandfec: 1 } },
    });
    expect(sdp.split('\r\n')).toEqual([
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=recording',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 100',
      'a=rtcp:40001',
      'a=rtpmap:100 opus/48000/2',
      'a=fmtp:100 minptime=10;useinbandfec=1',
      'a=recvonly',
      '',
    ]);
  });

  it('describes VP8 without fmtp and H.264 with its parameters', () => {
    const vp8 = recorderSdp({ kind: 'video', port: 40010, codec: { mimeType: 'video/VP8', clockRate: 90000, payloadType: 101 } });
    expect(vp8).toContain('m=video 40010 RTP/AVP 101\r\n');
    expect(vp8).toContain('a=rtpmap:101 VP8/90000\r\n');
    expect(vp8).not.toContain('a=fmtp');
    const h264 = recorderSdp({
      kind: 'video',
      port: 40020,
      codec: { mimeType: 'video/H264', clockRate: 90000, payloadType: 107, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
    });
    expect(h264).toContain('a=rtpmap:107 H264/90000\r\n');
    expect(h264).toContain('a=fmtp:107 packetization-mode=1;profile-level-id=42e01f\r\n');
  });

  it('writes Opus and VP8 to WebM, anything else to Matroska', () => {
    expect(containerFor('audio/opus')).toEqual({ ext: 'webm', format: 'webm' });
    expect(containerFor('video/VP8')).toEqual({ ext: 'webm', format: 'webm' });
    expect(containerFor('video/H264')).toEqual({ ext: 'mkv', format: 'matroska' });
  });
});
