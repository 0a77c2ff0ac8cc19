/** Incident recording: what is stored per recording (Redis `recordings`) and what clients are told. */
import { z } from 'zod';

export const RecordingTrack = z.object({
  /** Path relative to DATA_DIR/recordings. */
  file: z.string(),
  kind: z.enum(['audio', 'video']),
  codec: z.string(),
  peerId: z.string(),
  userId: z.string(),
  name: z.string(),
  startedAt: z.number(),
  stoppedAt: z.number().nullable(),
  /** Why the track ended before the recording did (producer closed, ffmpeg failed), or null. */
  endReason: z.string().nullable().default(null),
});
export type RecordingTrack = z.infer<typeof RecordingTrack>;

export const Recording = z.object({
  id: z.string(),
  roomId: z.string(),
  startedAt: z.number(),
  stoppedAt: z.number().nullable(),
  startedBy: z.string(),
  stoppedBy: z.string().nullable(),
  tracks: z.array(RecordingTrack),
});
export type Recording = z.infer<typeof Recording>;

/** A room's recording as its members see it: null when not recording. */
export const RecordingState = z.object({ id: z.string(), startedAt: z.number(), startedBy: z.string() }).nullable();
export type RecordingState = z.infer<typeof RecordingState>;
