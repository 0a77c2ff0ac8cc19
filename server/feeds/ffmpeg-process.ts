import ffmpeg from 'fluent-ffmpeg';
import { z } from 'zod';
import { inputOptions, outputs, probeOptions, type IngestInput, type ProbedMedia } from './ingest-args.js';
import type { IngestEndpoint } from '../../media/feed-ingest.js';

/** ffprobe's JSON, checked: only the fields we act on. */
const ProbeData = z.object({
  streams: z.array(z.object({ codec_type: z.string().optional(), codec_name: z.string().optional(), profile: z.string().optional() }).passthrough()),
});

/** A failed probe or run, carrying ffmpeg's own words for classification (never logged: they may hold the URL). */
export class IngestError extends Error {
  constructor(readonly stderr: string) {
    super('ffmpeg failed');
    this.name = 'IngestError';
  }
}

/** Reads the source's codecs. Bounded by the socket timeout in probeOptions. */
export function probe(input: IngestInput): Promise<ProbedMedia> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(input.url, probeOptions(input), (err: Error | null, raw: unknown) => {
      if (err) return reject(new IngestError(err.message));
      const parsed = ProbeData.safeParse(raw);
      if (!parsed.success) return reject(new IngestError('Invalid data found in ffprobe output'));
      const video = parsed.data.streams.find((s) => s.codec_type === 'video');
      if (!video?.codec_name) return reject(new IngestError('Unsupported codec: no video stream'));
      resolve({
        videoCodec: video.codec_name,
        videoProfile: video.profile ?? '',
        hasAudio: parsed.data.streams.some((s) => s.codec_type === 'audio'),
      });
    });
  });
}

export interface RunningIngest {
  stop(): void;
}

export interface IngestEvents {
  /** ffmpeg wrote its first progress line: media is flowing. */
  onFlowing(): void;
  /** It ended by itself (not by stop()); stderr is its last lines. */
  onExit(stderr: string): void;
}

/** Runs one ffmpeg pulling `input` and sending RTP to the endpoints, until it fails or stop() is called. */
export function runIngest(input: IngestInput, media: ProbedMedia, endpoints: IngestEndpoint[], events: IngestEvents): RunningIngest {
  // -stats prints progress lines even at -loglevel error, which keeps stderr to errors and progress.
  const command = ffmpeg(input.url, { stdoutLines: 40 }).inputOptions(inputOptions(input)).addOption('-loglevel', 'error').addOption('-stats');
  for (const out of outputs(media, endpoints, input)) command.output(out.url).outputOptions(out.options);
  let stopped = false;
  let flowing = false;
  command.on('progress', (p: { frames?: number }) => {
    if (!flowing && (p.frames ?? 0) > 0) {
      flowing = true;
      events.onFlowing();
    }
  });
  const ended = (stderr: string) => {
    if (stopped) return;
    stopped = true;
    events.onExit(stderr);
  };
  command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => ended(stderr ?? err.message));
  command.on('end', (_stdout: string | null, stderr: string | null) => ended(stderr ?? ''));
  command.run();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      command.kill('SIGKILL');
    },
  };
}
