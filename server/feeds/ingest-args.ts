import type { RtspTransport } from '../../protocol/feeds.js';
import type { IngestEndpoint } from '../../media/feed-ingest.js';

/** What ffprobe told us about a source: enough to choose copy or transcode, and whether there is audio. */
export interface ProbedMedia {
  videoCodec: string;
  videoProfile: string;
  hasAudio: boolean;
}

export interface IngestInput {
  /** With credentials in it: never logged. */
  url: string;
  /** RTSP only; RTMP always runs over TCP. */
  transport?: RtspTransport;
}

export interface IngestOutput {
  url: string;
  options: string[];
}

/** Socket I/O timeout: a camera that stops answering ends ffmpeg within this, so the retry loop takes over. */
export const IO_TIMEOUT_US = 5_000_000;

/** Browsers decode H.264 of any profile; B-frames are what WebRTC cannot carry, and cameras rarely send them. */
export function canPassThrough(media: ProbedMedia): boolean {
  return media.videoCodec === 'h264';
}

export function inputOptions(input: IngestInput): string[] {
  // The codecs are known from the probe; a short analysis only holds back the first packets.
  const common = ['-fflags', 'nobuffer', '-analyzeduration', '100000', '-probesize', '500000'];
  if (input.url.startsWith('rtmp')) return [...common, '-rw_timeout', String(IO_TIMEOUT_US)];
  return [...common, '-rtsp_transport', input.transport ?? 'tcp', '-timeout', String(IO_TIMEOUT_US)];
}

export function probeOptions(input: IngestInput): string[] {
  const timeout = input.url.startsWith('rtmp') ? ['-rw_timeout', String(IO_TIMEOUT_US)] : ['-rtsp_transport', input.transport ?? 'tcp', '-timeout', String(IO_TIMEOUT_US)];
  return ['-v', 'error', ...timeout, '-analyzeduration', '300000', '-probesize', '200000'];
}

const rtpUrl = (e: IngestEndpoint) => `rtp://127.0.0.1:${e.port}?rtcpport=${e.rtcpPort}&pkt_size=1200`;
const rtpOptions = (e: IngestEndpoint) => ['-payload_type', String(e.payloadType), '-ssrc', String(e.ssrc), '-f', 'rtp'];

/**
 * One RTP output per track (ffmpeg's RTP muxer takes one stream each).
 * Passthrough: the camera's H.264 is copied; SPS/PPS are put in front of every key frame because RTSP
 * cameras often send them only in the SDP (and RTMP only in its header), which a WebRTC receiver never sees.
 * Transcode: x264 baseline, no B-frames, a key frame every second (by time, whatever the camera's frame
 * rate), so a new viewer waits at most a second for a picture.
 */
export function outputs(media: ProbedMedia, endpoints: IngestEndpoint[], input: IngestInput): IngestOutput[] {
  const result: IngestOutput[] = [];
  // RTMP carries H.264 as length-prefixed NAL units with SPS/PPS aside (avcC); RTP needs Annex B, and the
  // conversion also puts SPS/PPS before each key frame.
  const inband = input.url.startsWith('rtmp') ? 'h264_mp4toannexb' : 'dump_extra=freq=keyframe';
  for (const e of endpoints) {
    if (e.kind === 'video') {
      const codec = canPassThrough(media)
        ? ['-c:v', 'copy', '-bsf:v', inband]
        : ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
           '-bf', '0', '-force_key_frames', 'expr:gte(t,n_forced*1)', '-b:v', '1500k', '-maxrate', '2000k', '-bufsize', '1000k'];
      result.push({ url: rtpUrl(e), options: ['-map', '0:v:0', '-an', ...codec, ...rtpOptions(e)] });
    } else if (media.hasAudio) {
      result.push({
        url: rtpUrl(e),
        options: ['-map', '0:a:0', '-vn', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '32k', '-application', 'lowdelay', ...rtpOptions(e)],
      });
    }
  }
  return result;
}

/** rtsp://host/path with user and password put in (percent-encoded), for ffmpeg only. */
export function withCredentials(url: string, username: string, password: string): string {
  if (!username) return url;
  const u = new URL(url);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** ffmpeg's last lines for the log, with every URL (which may hold credentials) masked. */
export function maskedTail(stderr: string, lines = 3): string {
  return stderr
    .split(/\r?\n|\r/)
    .filter((l) => l.trim() && !l.startsWith('frame='))
    .slice(-lines)
    .join(' | ')
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}
