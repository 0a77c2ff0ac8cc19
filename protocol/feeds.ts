/**
 * Video sources (drones, body cameras, 布控球, CCTV): the HTTP shapes and the live feed state.
 * Credentials (RTSP password, RTMP stream key) appear only in what a browser sends, never in what it receives.
 */
import { z } from 'zod';
import { Id } from './http.js';

export const SourceKind = z.enum(['drone', 'body-camera', 'ptz-ball', 'cctv']);
export type SourceKind = z.infer<typeof SourceKind>;

export const RtspTransport = z.enum(['tcp', 'udp']);
export type RtspTransport = z.infer<typeof RtspTransport>;

/** rtsp: the server pulls from `url`; rtmp: the device pushes to this server with its stream key. */
export const IngestKind = z.enum(['rtsp', 'rtmp']);
export type IngestKind = z.infer<typeof IngestKind>;

/** An RTSP URL without user:password (those go in their own fields, so they can be kept back). */
const RtspUrl = z
  .string()
  .max(1000)
  .regex(/^rtsps?:\/\/[^/@\s]+(\/\S*)?$/, 'an rtsp:// URL without user:password@');

const Common = {
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  location: z.string().max(200).default(''),
  kind: SourceKind,
};

export const SaveSourceRequest = z.discriminatedUnion('ingest', [
  z.object({
    ...Common,
    ingest: z.literal('rtsp'),
    url: RtspUrl,
    transport: RtspTransport.default('tcp'),
    username: z.string().max(100).default(''),
    /** Omitted on an update: the stored password is kept. */
    password: z.string().max(200).optional(),
  }),
  z.object({
    ...Common,
    ingest: z.literal('rtmp'),
    /** Omitted on an update: the stored key is kept. 16+ characters: it is the only thing a pusher proves. */
    streamKey: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'stream keys are 16-128 of A-Z a-z 0-9 _ -').optional(),
  }),
]);
export type SaveSourceRequest = z.infer<typeof SaveSourceRequest>;

export const CreateSourceRequest = z.object({ id: Id }).and(SaveSourceRequest);
export type CreateSourceRequest = z.infer<typeof CreateSourceRequest>;

export const FeedStateName = z.enum(['idle', 'starting', 'live', 'retrying', 'failed']);
export type FeedStateName = z.infer<typeof FeedStateName>;

/** Why a feed is not live; the console shows a sentence for each. */
export const FeedFailure = z.enum([
  'unauthorized',
  'not-found',
  'unreachable',
  'timeout',
  'not-publishing',
  'unsupported',
  'ended',
  'capacity',
  'error',
]);
export type FeedFailure = z.infer<typeof FeedFailure>;

export const FeedState = z.object({
  state: FeedStateName,
  reason: FeedFailure.optional(),
  /** When the next attempt is due (retrying), ms since the epoch. */
  retryAt: z.number().optional(),
  /** passthrough: H.264 forwarded as sent; transcode: re-encoded to H.264. */
  mode: z.enum(['passthrough', 'transcode']).optional(),
});
export type FeedState = z.infer<typeof FeedState>;

/** What browsers see of a source. */
export const PublicSource = z.object({
  id: Id,
  name: z.string(),
  orgUnitId: Id,
  location: z.string(),
  kind: SourceKind,
  ingest: IngestKind,
  /** rtsp: the URL (never with credentials); rtmp: the push URL with the key left out. */
  url: z.string(),
  transport: RtspTransport.optional(),
  username: z.string().optional(),
  hasPassword: z.boolean().optional(),
  hasStreamKey: z.boolean().optional(),
  feed: FeedState,
});
export type PublicSource = z.infer<typeof PublicSource>;

export const SourceList = z.object({ sources: z.array(PublicSource) });
