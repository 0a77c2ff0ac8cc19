import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../server/feeds/backoff.js';
import { classifyFailure, isPersistent } from '../../server/feeds/failure.js';
import { canPassThrough, inputOptions, maskedTail, outputs, withCredentials } from '../../server/feeds/ingest-args.js';
import { CreateSourceRequest } from '../../protocol/feeds.js';

const video = { kind: 'video' as const, port: 40100, rtcpPort: 40101, payloadType: 102, ssrc: 1234 };
const audio = { kind: 'audio' as const, port: 40102, rtcpPort: 40103, payloadType: 101, ssrc: 5678 };
const h264 = { videoCodec: 'h264', videoProfile: 'High', hasAudio: true };
const hevc = { videoCodec: 'hevc', videoProfile: 'Main', hasAudio: false };
const rtsp = { url: 'rtsp://u:p@10.0.0.5/ch1', transport: 'udp' as const };

describe('ffmpeg ingest arguments', () => {
  it('copies H.264 with SPS/PPS put before key frames, and sends RTP with the producer\'s SSRC and payload type', () => {
    const [v, a] = outputs(h264, [video, audio], rtsp);
    expect(v!.options).toEqual(expect.arrayContaining(['-c:v', 'copy', '-bsf:v', 'dump_extra=freq=keyframe', '-ssrc', '1234', '-payload_type', '102']));
    expect(v!.url).toBe('rtp://127.0.0.1:40100?rtcpport=40101&pkt_size=1200');
    expect(a!.options).toEqual(expect.arrayContaining(['-c:a', 'libopus', '-ar', '48000', '-ssrc', '5678']));
  });

  it('converts RTMP\'s length-prefixed H.264 to Annex B', () => {
    const [v] = outputs(h264, [video], { url: 'rtmp://127.0.0.1:1935/live/key' });
    expect(v!.options).toEqual(expect.arrayContaining(['-bsf:v', 'h264_mp4toannexb']));
  });

  it('transcodes H.265 to baseline H.264 with a key frame every second, and skips audio the source lacks', () => {
    expect(canPassThrough(hevc)).toBe(false);
    const out = outputs(hevc, [video, audio], rtsp);
    expect(out).toHaveLength(1);
    expect(out[0]!.options).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-profile:v', 'baseline', '-bf', '0', '-force_key_frames', 'expr:gte(t,n_forced*1)']));
  });

  it('uses the source\'s RTSP transport and a socket timeout', () => {
    expect(inputOptions(rtsp)).toEqual(expect.arrayContaining(['-rtsp_transport', 'udp', '-timeout', '5000000']));
    expect(inputOptions({ url: 'rtmp://127.0.0.1/live/k' })).toEqual(expect.arrayContaining(['-rw_timeout', '5000000']));
  });

  it('puts percent-encoded credentials into the URL for ffmpeg only, and masks URLs in what is logged', () => {
    expect(withCredentials('rtsp://10.0.0.5:554/ch1', 'admin', 'p@ss:w/rd')).toBe('rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/ch1');
    expect(withCredentials('rtsp://10.0.0.5/ch1', '', '')).toBe('rtsp://10.0.0.5/ch1');
    expect(maskedTail('frame=  1\n[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized\nrtsp://admin:secret@10.0.0.5/ch1: Server returned 401')).not.toContain('secret');
  });

  it('refuses an RTSP URL with credentials in it (they have their own fields)', () => {
    const base = { id: 'c1', name: 'x', orgUnitId: 'city', kind: 'cctv', ingest: 'rtsp' };
    expect(CreateSourceRequest.safeParse({ ...base, url: 'rtsp://admin:pw@10.0.0.5/ch1' }).success).toBe(false);
    expect(CreateSourceRequest.safeParse({ ...base, url: 'rtsp://10.0.0.5/ch1' }).success).toBe(true);
  });
});

describe('ffmpeg failure classification', () => {
  it.each([
    ['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'unauthorized'],
    ['method DESCRIBE failed: 404 Not Found', 'not-found'],
    ['Connection to tcp://10.0.0.9:554?timeout=0 failed: Connection refused', 'unreachable'],
    ['Connection to tcp://10.0.0.9:554 failed: Connection timed out', 'timeout'],
    ['', 'ended'],
    ['something else entirely', 'error'],
  ])('%s → %s', (stderr, reason) => {
    expect(classifyFailure(stderr, 'rtsp')).toBe(reason);
  });

  it('reads an unexplained RTMP pull failure as "device not pushing"', () => {
    expect(classifyFailure('Input/output error', 'rtmp')).toBe('not-publishing');
  });

  it('retries wrong credentials only at the slowest pace', () => {
    expect(isPersistent('unauthorized')).toBe(true);
    expect(isPersistent('unreachable')).toBe(false);
  });
});

describe('retry backoff', () => {
  it('doubles from the base up to the cap, within ±20 %', () => {
    const exact = (n: number) => backoffMs(n, 1000, 30_000, () => 0.5);
    expect([0, 1, 2, 3, 4, 5, 6].map(exact)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffMs(0, 1000, 30_000, () => 0)).toBe(800);
    expect(backoffMs(0, 1000, 30_000, () => 1)).toBe(1200);
  });
});
