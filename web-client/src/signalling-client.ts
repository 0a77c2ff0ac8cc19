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

/** The browser's side of the wire protocol: typed requests with replies, and pushed notifications. */
export class SignallingClient {
  readonly socket: Socket;

  constructor(token: string) {
    this.socket = io({
      auth: { token },
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: 100,
      randomizationFactor: 0.3,
      reconnectionDelayMax: 2000,
    });
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
