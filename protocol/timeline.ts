/** An incident's timeline: what happened in its rooms, in order (Redis stream `timeline:<incidentId>`). */
import { z } from 'zod';
import { DispatchTarget } from './signalling.js';

const Who = z.object({ id: z.string(), name: z.string() });

const common = { roomId: z.string() };

/** What is appended; `at` and `id` are added when it is stored. */
export const TimelineEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), ...common, who: Who, peerId: z.string() }),
  z.object({ type: z.literal('leave'), ...common, who: Who, peerId: z.string() }),
  z.object({ type: z.literal('floor'), ...common, who: Who, action: z.enum(['granted', 'released', 'revoked']), emergency: z.boolean().optional(), reason: z.string().optional() }),
  z.object({ type: z.literal('message'), ...common, who: Who, to: DispatchTarget, text: z.string() }),
  z.object({ type: z.literal('marker'), ...common, who: Who, action: z.enum(['placed', 'removed']), markerId: z.string(), lat: z.number().optional(), lon: z.number().optional(), note: z.string().optional() }),
  z.object({ type: z.literal('feed'), ...common, action: z.enum(['started', 'stopped']), peerId: z.string(), name: z.string() }),
  z.object({ type: z.literal('recording'), ...common, action: z.enum(['started', 'stopped']), recordingId: z.string(), by: z.string(), reason: z.string().optional() }),
  /** Read from the room's position stream (`positions:<roomId>`), merged in when the timeline is read. */
  z.object({ type: z.literal('position'), ...common, who: Who, lat: z.number(), lon: z.number(), accuracy: z.number().optional() }),
]);
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const TimelineEntry = z.intersection(TimelineEvent, z.object({ id: z.string(), at: z.number() }));
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const TimelineQuery = z.object({
  /** ms since epoch, inclusive. */
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  /** Leave out positions (they can outnumber everything else). */
  positions: z.enum(['0', '1']).default('1'),
});

export const TimelinePage = z.object({
  entries: z.array(TimelineEntry),
  /** Pass as `from` for the next page; null when this page reached `to`. */
  next: z.number().nullable(),
});
export type TimelinePage = z.infer<typeof TimelinePage>;
