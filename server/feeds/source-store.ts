import { timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { IngestKind, RtspTransport, SourceKind, type FeedState, type PublicSource } from '../../protocol/feeds.js';
import { Id } from '../../protocol/http.js';
import { JsonHash } from '../store/json-hash.js';

/** A source as kept in Redis, credentials included. Only toPublic() of it leaves the server. */
export const StoredSource = z.object({
  id: Id,
  name: z.string(),
  orgUnitId: Id,
  location: z.string(),
  kind: SourceKind,
  ingest: IngestKind,
  url: z.string().optional(),
  transport: RtspTransport.optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  streamKey: z.string().optional(),
  createdBy: z.string().optional(),
});
export type StoredSource = z.infer<typeof StoredSource>;

/** The registry of video sources, in the Redis hash `feeds:sources`. */
export class SourceStore {
  readonly #sources: JsonHash<typeof StoredSource>;

  constructor(redis: Redis) {
    this.#sources = new JsonHash(redis, 'feeds:sources', StoredSource);
  }

  get(id: string): Promise<StoredSource | undefined> {
    return this.#sources.get(id);
  }

  all(): Promise<StoredSource[]> {
    return this.#sources.all();
  }

  create(source: StoredSource): Promise<boolean> {
    return this.#sources.setIfAbsent(source.id, source);
  }

  update(source: StoredSource): Promise<void> {
    return this.#sources.set(source.id, source);
  }

  delete(id: string): Promise<boolean> {
    return this.#sources.delete(id);
  }

  /** The RTMP source whose key this is; compared in constant time. */
  async byStreamKey(key: string): Promise<StoredSource | undefined> {
    const given = Buffer.from(key);
    return (await this.all()).find((s) => {
      if (s.ingest !== 'rtmp' || !s.streamKey) return false;
      const stored = Buffer.from(s.streamKey);
      return stored.length === given.length && timingSafeEqual(stored, given);
    });
  }
}

/** What a browser may see: no password, no stream key. */
export function toPublic(source: StoredSource, feed: FeedState, rtmpPushBase: string | undefined): PublicSource {
  const common = { id: source.id, name: source.name, orgUnitId: source.orgUnitId, location: source.location, kind: source.kind, feed };
  if (source.ingest === 'rtmp') {
    return { ...common, ingest: 'rtmp', url: rtmpPushBase ? `${rtmpPushBase}/<stream key>` : '', hasStreamKey: Boolean(source.streamKey) };
  }
  return {
    ...common,
    ingest: 'rtsp',
    url: source.url ?? '',
    transport: source.transport ?? 'tcp',
    username: source.username ?? '',
    hasPassword: Boolean(source.password),
  };
}
