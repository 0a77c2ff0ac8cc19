/** Incident recording: what is stored per recording (Redis `recordings`) and what clients are told. */
import { z } from 'zod';

/** endReason of a track whose file stayed empty (it ended before ffmpeg had a key frame): nothing to play or export. */
export const NO_MEDIA = 'no media recorded';

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
  /** Set when the room belongs to an incident: the incident's replay and export gather these. */
  incidentId: z.string().optional(),
  startedAt: z.number(),
  stoppedAt: z.number().nullable(),
  startedBy: z.string(),
  stoppedBy: z.string().nullable(),
  /** Why it stopped when nobody asked: 'disk full', 'room closed'. */
  stopReason: z.string().optional(),
  tracks: z.array(RecordingTrack),
});
export type Recording = z.infer<typeof Recording>;

/** A room's recording as its members see it: null when not recording. */
export const RecordingState = z.object({ id: z.string(), startedAt: z.number(), startedBy: z.string() }).nullable();
export type RecordingState = z.infer<typeof RecordingState>;

/** Pushed to the members of a recorded room when recording had to stop by itself (shown as a banner). */
export const RecordingAlert = z.object({
  reason: z.literal('disk-full'),
  roomId: z.string(),
  recordingId: z.string(),
  /** Free bytes left on the recording disk when it stopped. */
  freeBytes: z.number(),
  at: z.number(),
});
export type RecordingAlert = z.infer<typeof RecordingAlert>;
