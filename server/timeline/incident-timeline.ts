import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Position } from '../../protocol/signalling.js';
import { TimelineEntry, TimelineEvent, type TimelinePage } from '../../protocol/timeline.js';
import type { Room } from '../rooms/room.js';

export interface TimelineRange {
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  positions: boolean;
}

const key = (incidentId: string) => `timeline:${incidentId}`;
const msOf = (streamId: string) => Number(streamId.split('-')[0]);

/**
 * An incident's durable timeline: one Redis stream per incident, an entry per event (validated on the way
 * in and out). Positions stay in their rooms' own streams (`positions:<roomId>`) and are merged in on read.
 * Events of rooms outside any incident are not kept here (the audit log has them).
 */
export class IncidentTimeline {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  /** Never rejects: a timeline write that fails is logged, the command it follows has already happened. */
  async record(incidentId: string | undefined, event: TimelineEvent): Promise<void> {
    if (!incidentId) return;
    try {
      const valid = TimelineEvent.parse(event);
      await this.redis.xadd(key(incidentId), 'MAXLEN', '~', '1000000', '*', 'event', JSON.stringify(valid));
    } catch (err) {
      this.logger.error({ err, incidentId, type: event.type }, 'timeline entry not written');
    }
  }

  /** Camera feeds entering and leaving an incident's room: started at their first producer, stopped after their last. */
  observe(room: Room): void {
    const incidentId = room.definition.incidentId;
    if (!incidentId) return;
    const open = new Map<string, number>();
    room.on('producer', ({ producer, peerId, user }) => {
      if (!room.hasFeed(peerId)) return;
      const count = open.get(peerId) ?? 0;
      open.set(peerId, count + 1);
      if (count === 0) void this.record(incidentId, { type: 'feed', roomId: room.id, action: 'started', peerId, name: user.displayName });
      producer.observer.once('close', () => {
        const left = (open.get(peerId) ?? 1) - 1;
        if (left > 0) return void open.set(peerId, left);
        open.delete(peerId);
        void this.record(incidentId, { type: 'feed', roomId: room.id, action: 'stopped', peerId, name: user.displayName });
      });
    });
  }

  /** Entries in [from, to], oldest first, at most `limit`; positions of `roomIds` merged in. */
  async read(incidentId: string, roomIds: string[], range: TimelineRange): Promise<TimelinePage> {
    const start = range.from === undefined ? '-' : String(range.from);
    const end = range.to === undefined ? '+' : String(range.to);
    // One more than asked for: whether another page follows.
    const count = range.limit + 1;
    const events = (await this.redis.xrange(key(incidentId), start, end, 'COUNT', count)).flatMap(([id, fields]) => {
      const parsed = TimelineEntry.safeParse({ ...(parseJson(fields[1]) as object), id, at: msOf(id) });
      return parsed.success ? [parsed.data] : [];
    });
    const positions = range.positions ? await Promise.all(roomIds.map((roomId) => this.#positions(roomId, start, end, count))) : [];
    const all = [...events, ...positions.flat()].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    if (all.length <= range.limit) return { entries: all, next: null };
    // Cut at a millisecond boundary, so the next page (from = next) neither repeats nor skips an entry.
    const cut = all[range.limit]!.at;
    const entries = all.filter((e) => e.at < cut);
    return entries.length > 0 ? { entries, next: cut } : { entries: all.filter((e) => e.at === cut), next: cut + 1 };
  }

  async #positions(roomId: string, start: string, end: string, count: number): Promise<TimelineEntry[]> {
    const rows = await this.redis.xrange(`positions:${roomId}`, start, end, 'COUNT', count);
    return rows.flatMap(([id, fields]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      const fix = Position.safeParse(parseJson(f.get('fix')));
      if (!fix.success) return [];
      const { lat, lon, accuracy } = fix.data;
      const entry: TimelineEntry = {
        type: 'position', roomId, who: { id: f.get('user') ?? '', name: f.get('name') ?? '' }, lat, lon,
        ...(accuracy !== undefined ? { accuracy } : {}), id: `p-${id}`, at: msOf(id),
      };
      return [entry];
    });
  }
}

function parseJson(raw: string | undefined): unknown {
  try {
    return JSON.parse(raw ?? 'null');
  } catch {
    return null;
  }
}
