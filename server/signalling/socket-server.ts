import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import {
  MAX_REQUEST_BYTES,
  RequestEnvelope,
  SocketEvent,
  requestSchemas,
  type RequestMethod,
} from '../../protocol/signalling.js';
import type { PublicUser } from '../../protocol/http.js';
import type { TokenService } from '../auth/token-service.js';
import { toErrorBody } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Presence } from './presence.js';
import { RateLimiter } from './rate-limiter.js';
import type { RequestHandlers } from './request-handlers.js';
import { Session } from './session.js';

interface SocketData {
  user: PublicUser;
  /** The room the session is in, readable from other nodes (cluster roster). */
  roomId?: string | undefined;
}

type Ack = (reply: unknown) => void;

/** socket.io signalling: authenticates each connection, then validates and dispatches its requests. */
export function createSocketServer(deps: {
  servers: HttpServer[];
  tokens: TokenService;
  handlers: RequestHandlers;
  onDisconnect: (session: Session) => Promise<void>;
  presence: Presence;
  metrics: Metrics;
  logger: Logger;
  /** In a cluster: the other nodes' pages may connect here (their clients fail over to this node). */
  allowedOrigins?: () => string[];
}): Server {
  const { tokens, handlers, metrics, logger } = deps;
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>({
    // Larger frames are dropped by socket.io itself; below that, MAX_REQUEST_BYTES answers with an error.
    maxHttpBufferSize: 1_000_000,
    pingInterval: 5_000,
    pingTimeout: 5_000,
    serveClient: false,
    ...(deps.allowedOrigins
      ? { cors: { origin: (origin: string | undefined, done: (err: Error | null, allow?: boolean) => void) => done(null, origin !== undefined && deps.allowedOrigins!().includes(origin)) } }
      : {}),
  });
  for (const server of deps.servers) io.attach(server);

  io.use((socket, next) => {
    try {
      const token: unknown = socket.handshake.auth['token'];
      socket.data.user = tokens.verify(typeof token === 'string' ? token : undefined);
      next();
    } catch (err) {
      const body = toErrorBody(err, logger, { stage: 'socket-auth' });
      const error = new Error(body.message) as Error & { data: unknown };
      error.data = body;
      next(error);
    }
  });

  io.on('connection', (socket: Socket) => {
    const user = (socket.data as SocketData).user;
    const log = logger.child({ user: user.username, socket: socket.id });
    const session = new Session(user, (n) => socket.emit(SocketEvent.Notification, n));
    const limiter = new RateLimiter(50, 200);
    metrics.connectedSockets.inc();
    deps.presence.add(session);
    // Reachable by user on any node (calls in a cluster).
    void socket.join(`user:${user.id}`);

    socket.on(SocketEvent.Request, async (envelope: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // a request nobody waits for gets no work
      const reply = ack as Ack;
      let method = 'unknown';
      try {
        if (!limiter.take()) throw new AppError(ErrorCode.RateLimited, 'too many requests; slow down');
        if (Buffer.byteLength(JSON.stringify(envelope ?? null)) > MAX_REQUEST_BYTES) {
          throw new AppError(ErrorCode.MessageTooLarge, `requests are limited to ${MAX_REQUEST_BYTES} bytes`);
        }
        const parsed = RequestEnvelope.safeParse(envelope);
        if (!parsed.success) throw new AppError(ErrorCode.BadRequest, 'expected { method, data }');
        if (!Object.hasOwn(requestSchemas, parsed.data.method)) {
          throw new AppError(ErrorCode.BadRequest, `unknown method ${parsed.data.method.slice(0, 64)}`);
        }
        method = parsed.data.method;
        const data = requestSchemas[method as RequestMethod].safeParse(parsed.data.data ?? {});
        if (!data.success) {
          throw new AppError(ErrorCode.BadRequest, `${method}: ${data.error.issues.map((i) => `${i.path.join('.') || 'data'} ${i.message}`).join('; ')}`);
        }
        // A request sent right behind a joinRoom acts on the room it joins (clients pipeline them).
        if (method !== 'joinRoom' && method !== 'leaveRoom') await session.settled();
        const handler = handlers[method as RequestMethod] as (s: Session, d: unknown) => Promise<unknown>;
        reply({ ok: true, data: await handler(session, data.data) });
        (socket.data as SocketData).roomId = session.room?.id;
        metrics.signallingRequests.inc({ method, outcome: 'ok' });
      } catch (err) {
        const error = toErrorBody(err, log, { method });
        metrics.signallingRequests.inc({ method, outcome: error.code });
        reply({ ok: false, error });
      }
    });

    socket.on('disconnect', (reason) => {
      metrics.connectedSockets.dec();
      deps.presence.remove(session);
      log.info({ reason }, 'socket disconnected');
      deps.onDisconnect(session).catch((err: unknown) => log.error({ err }, 'cleanup after disconnect failed'));
    });
  });

  return io;
}
