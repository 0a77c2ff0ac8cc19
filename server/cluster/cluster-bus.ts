import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ReplyEnvelope, RequestEnvelope, RoomSpanEvent, clusterChannels } from '../../protocol/cluster.js';

type RequestHandler = (body: unknown, from: string) => Promise<unknown>;

/**
 * Redis pub/sub between nodes: broadcast room events, and requests to one node answered on the
 * asker's reply channel. Whatever arrives is validated; a bad message is answered with an error
 * (when it says who to answer) and otherwise dropped, never thrown.
 */
export class ClusterBus {
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #onEvent: ((event: RoomSpanEvent) => void)[] = [];
  #onRequest: RequestHandler = async () => {
    throw new Error('not ready');
  };
  /** Handlers of requests by their body's type; the rest go to #onRequest. */
  readonly #byType = new Map<string, RequestHandler>();

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  static async start(redis: Redis, nodeId: string, logger: Logger): Promise<ClusterBus> {
    const sub = redis.duplicate();
    sub.on('error', (err) => logger.warn({ err: err.message }, 'cluster subscriber connection error'));
    const bus = new ClusterBus(redis, sub, nodeId, logger);
    sub.on('message', (channel: string, text: string) => bus.#received(channel, text));
    await sub.subscribe(clusterChannels.events, clusterChannels.requests(nodeId), clusterChannels.replies(nodeId));
    return bus;
  }

  onEvent(handler: (event: RoomSpanEvent) => void): void {
    this.#onEvent.push(handler);
  }

  /** Handles requests whose body's type is one of `types`, or every other request when none are named. */
  onRequest(handler: RequestHandler, types?: string[]): void {
    if (!types) this.#onRequest = handler;
    else for (const type of types) this.#byType.set(type, handler);
  }

  publish(event: RoomSpanEvent): void {
    this.pub.publish(clusterChannels.events, JSON.stringify(event)).catch((err: unknown) => this.logger.warn({ err }, 'cluster publish failed'));
  }

  request(toNode: string, body: unknown, timeoutMs = 5000): Promise<unknown> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`node ${toNode} did not answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.pub.publish(clusterChannels.requests(toNode), JSON.stringify({ id, from: this.nodeId, body })).catch((err: unknown) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  async close(): Promise<void> {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('cluster bus closed'));
    }
    this.#pending.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
  }

  #received(channel: string, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.logger.warn({ channel }, 'cluster message is not JSON; dropped');
      return;
    }
    if (channel === clusterChannels.events) {
      const event = RoomSpanEvent.safeParse(json);
      if (!event.success) this.logger.warn({ channel, issues: event.error.issues.slice(0, 3) }, 'bad cluster event; dropped');
      else if (event.data.node !== this.nodeId) {
        for (const handler of this.#onEvent) {
          try {
            handler(event.data);
          } catch (err) {
            this.logger.warn({ err, event: event.data.type }, 'cluster event failed; dropped');
          }
        }
      }
    } else if (channel === clusterChannels.replies(this.nodeId)) {
      const reply = ReplyEnvelope.safeParse(json);
      if (!reply.success) return void this.logger.warn({ channel }, 'bad cluster reply; dropped');
      const pending = this.#pending.get(reply.data.id);
      if (!pending) return;
      this.#pending.delete(reply.data.id);
      clearTimeout(pending.timer);
      if (reply.data.ok) pending.resolve(reply.data.data);
      else pending.reject(new Error(reply.data.error));
    } else {
      const request = RequestEnvelope.safeParse(json);
      if (!request.success) return void this.logger.warn({ channel }, 'bad cluster request envelope; dropped');
      const { id, from, body } = request.data;
      const answer = (reply: ReplyEnvelope) =>
        void this.pub.publish(clusterChannels.replies(from), JSON.stringify(reply)).catch((err: unknown) => this.logger.warn({ err }, 'cluster reply failed'));
      const type = (body as { type?: unknown } | null)?.type;
      const handler = (typeof type === 'string' && this.#byType.get(type)) || this.#onRequest;
      handler(body, from).then(
        (data) => answer({ id, ok: true, data: data ?? null }),
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          this.logger.warn({ from, error: message }, 'cluster request refused');
          answer({ id, ok: false, error: message });
        },
      );
    }
  }
}
