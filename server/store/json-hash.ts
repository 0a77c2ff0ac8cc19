import type { Redis } from 'ioredis';
import type { z } from 'zod';

/** A Redis hash of JSON records, each validated against its schema when read back. */
export class JsonHash<S extends z.ZodTypeAny> {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly schema: S,
  ) {}

  async get(id: string): Promise<z.infer<S> | undefined> {
    const raw = await this.redis.hget(this.key, id);
    return raw === null ? undefined : this.#parse(id, raw);
  }

  async all(): Promise<z.infer<S>[]> {
    const entries = await this.redis.hgetall(this.key);
    return Object.entries(entries).map(([id, raw]) => this.#parse(id, raw));
  }

  async set(id: string, value: z.infer<S>): Promise<void> {
    await this.redis.hset(this.key, id, JSON.stringify(this.schema.parse(value)));
  }

  /** true when it was written, false when a record with that id already existed. */
  async setIfAbsent(id: string, value: z.infer<S>): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, id, JSON.stringify(this.schema.parse(value)))) === 1;
  }

  /** true when a record was there to delete. */
  async delete(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, id)) === 1;
  }

  #parse(id: string, raw: string): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error(`corrupt record ${this.key}[${id}]: not JSON`);
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) throw new Error(`corrupt record ${this.key}[${id}]: ${parsed.error.message}`);
    return parsed.data;
  }
}
