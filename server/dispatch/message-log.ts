import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DispatchMessage, type DispatchTarget } from '../../protocol/signalling.js';

type Sender = DispatchMessage['from'];

/** Dispatched text per room, in a Redis stream: the incident's record of what was ordered. */
export class MessageLog {
  constructor(private readonly redis: Redis) {}

  async append(roomId: string, from: Sender, to: DispatchTarget, text: string): Promise<DispatchMessage> {
    const message: DispatchMessage = { id: randomUUID(), from, to, text, at: Date.now() };
    await this.redis.xadd(`messages:${roomId}`, 'MAXLEN', '~', '100000', '*', 'message', JSON.stringify(message));
    return message;
  }

  /** The newest `limit` messages, oldest first. */
  async recent(roomId: string, limit: number): Promise<DispatchMessage[]> {
    const rows = await this.redis.xrevrange(`messages:${roomId}`, '+', '-', 'COUNT', limit);
    return rows
      .map(([, fields]) => DispatchMessage.safeParse(JSON.parse(fields[1] ?? 'null')))
      .flatMap((parsed) => (parsed.success ? [parsed.data] : []))
      .reverse();
  }
}
