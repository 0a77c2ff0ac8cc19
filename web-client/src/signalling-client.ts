import { io, type Socket } from 'socket.io-client';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import {
  SocketEvent,
  type Notification,
  type Reply,
  type RequestData,
  type RequestMethod,
  type ResponseData,
} from '../../protocol/signalling.js';

const REQUEST_TIMEOUT_MS = 10_000;
/** In a cluster, this many failed reconnects in a row (about a second) send the client to the next node. */
const FAILOVER_AFTER = 3;

/** The browser's side of the wire protocol: typed requests with replies, and pushed notifications. */
export class SignallingClient {
  readonly socket: Socket;
  #nodes: string[] = [];
  #failed = 0;

  constructor(token: string) {
    this.socket = io({
      auth: { token },
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: 100,
      randomizationFactor: 0.3,
      reconnectionDelayMax: 2000,
    });
    this.socket.on('connect', () => (this.#failed = 0));
    this.socket.io.on('reconnect_error', () => {
      if (++this.#failed < FAILOVER_AFTER || this.#nodes.length < 2) return;
      this.#failed = 0;
      this.#failOver();
    });
  }

  /** The cluster's nodes (ClientConfig.clusterNodes): where to go when this node stays unreachable. */
  useNodes(urls: string[]): void {
    this.#nodes = urls;
  }

  /** The node this connection talks to (its origin). */
  get node(): string {
    return new URL(this.#manager.uri).origin;
  }

  get #manager(): { uri: string } {
    // socket.io's Manager opens each (re)connection to its `uri`; changing it moves the next attempt.
    return this.socket.io as unknown as { uri: string };
  }

  #failOver(): void {
    const current = this.node;
    const next = this.#nodes[(this.#nodes.indexOf(current) + 1) % this.#nodes.length]!;
    if (next === current) return;
    console.warn(`signalling: ${current} unreachable; trying ${next}`);
    this.#manager.uri = next;
  }

  async request<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<ResponseData[M]> {
    let reply: Reply<M>;
    try {
      reply = (await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(SocketEvent.Request, { method, data })) as Reply<M>;
    } catch {
      throw new AppError(ErrorCode.Internal, `${method}: no reply (connection lost?)`);
    }
    if (!reply.ok) throw new AppError(reply.error.code, reply.error.message);
    return reply.data;
  }

  onNotification(listener: (n: Notification) => void): () => void {
    this.socket.on(SocketEvent.Notification, listener);
    return () => this.socket.off(SocketEvent.Notification, listener);
  }

  close(): void {
    this.socket.close();
  }
}
