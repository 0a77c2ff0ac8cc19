import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import { RemoteAnswer, RemoteAnswerReply } from '../../protocol/cluster.js';
import { PublicUser } from '../../protocol/http.js';
import { SocketEvent, type Notification } from '../../protocol/signalling.js';
import type { CallRegistry } from '../calls/call-registry.js';

const ANSWER_EVENT = 'cluster:answerCall';

/** The socket.io room every socket of one user is in, on whichever node (the Redis adapter spans them). */
export const userRoom = (userId: string) => `user:${userId}`;

/** How calls reach a callee connected to any node, and how an answer reaches the node where the call rings. */
export interface CallReach {
  /** The callee's devices on every node, and a way to notify all of them. */
  find(userId: string): Promise<{ user: PublicUser; devices: number; notify: (n: Notification) => void } | undefined>;
  /** Answers a call ringing on another node; undefined when no node has it for this user. */
  answer(callId: string, accept: boolean, by: PublicUser): Promise<{ roomId: string; roomName: string } | undefined>;
}

/** Calls and the roster's presence across nodes, through the socket.io Redis adapter. */
export class ClusterCalls implements CallReach {
  readonly #io: Server;
  readonly #logger: Logger;

  constructor(io: Server, calls: CallRegistry, logger: Logger) {
    this.#io = io;
    this.#logger = logger;
    // Another node's member answered one of the calls ringing here.
    (io.sockets as unknown as { on(ev: string, l: (payload: unknown, reply: (r: unknown) => void) => void): void }).on(ANSWER_EVENT, (payload, reply) => {
      if (typeof reply !== 'function') return;
      const parsed = RemoteAnswer.safeParse(payload);
      if (!parsed.success) {
        logger.warn({ issues: parsed.error.issues.slice(0, 3) }, 'bad remote call answer; ignored');
        return reply(null);
      }
      const { callId, accept, by } = parsed.data;
      const call = calls.get(callId);
      if (!call || call.calleeId !== by.id) return reply(null);
      if (accept) calls.answered(callId, { id: by.id, displayName: by.displayName }, () => undefined);
      else calls.end(callId, 'declined');
      reply({ roomId: call.roomId, roomName: call.roomName });
    });
  }

  async find(userId: string) {
    const sockets = await this.#io.in(userRoom(userId)).fetchSockets();
    const user = PublicUser.safeParse((sockets[0]?.data as { user?: unknown } | undefined)?.user);
    if (!user.success) return undefined;
    return {
      user: user.data,
      devices: sockets.length,
      notify: (n: Notification) => void this.#io.to(userRoom(userId)).emit(SocketEvent.Notification, n),
    };
  }

  /** Users with a socket on any node, and the rooms those sockets are in. */
  async online(): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    for (const socket of await this.#io.fetchSockets()) {
      const data = socket.data as { user?: { id?: unknown }; roomId?: unknown } | undefined;
      if (typeof data?.user?.id !== 'string') continue;
      const rooms = byUser.get(data.user.id) ?? [];
      if (typeof data.roomId === 'string' && !rooms.includes(data.roomId)) rooms.push(data.roomId);
      byUser.set(data.user.id, rooms);
    }
    return byUser;
  }

  async answer(callId: string, accept: boolean, by: PublicUser) {
    let replies: unknown[];
    try {
      // Bounded by the adapter's requestsTimeout.
      replies = await (this.#io as unknown as { serverSideEmitWithAck(ev: string, payload: unknown): Promise<unknown[]> }).serverSideEmitWithAck(ANSWER_EVENT, { callId, accept, by });
    } catch (err) {
      this.#logger.warn({ err, callId }, 'no node answered for the call');
      return undefined;
    }
    for (const r of replies) {
      const reply = RemoteAnswerReply.safeParse(r);
      if (reply.success && reply.data) return reply.data;
    }
    return undefined;
  }
}
