import type { Logger } from 'pino';
import { AppError, ErrorCode, type ErrorBody } from '../protocol/errors.js';

/** The one place a thrown error becomes what the caller sees. Unknown failures are logged, not leaked. */
export function toErrorBody(err: unknown, logger: Logger, context: Record<string, unknown>): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  // mediasoup reports bad arguments (from the caller's SDP-derived parameters) as TypeError and
  // wrong-state calls as InvalidStateError; a TypeError from anywhere else is our bug, not the caller's.
  if (err instanceof Error && (err.stack ?? '').includes('/mediasoup/node/lib/')) {
    if (err.name === 'TypeError' || err.name === 'UnsupportedError') return { code: ErrorCode.BadRequest, message: err.message };
    if (err.name === 'InvalidStateError') return { code: ErrorCode.InvalidState, message: err.message };
  }
  logger.error({ err, ...context }, 'request failed');
  return { code: ErrorCode.Internal, message: 'internal error' };
}
