import type { Logger } from 'pino';
import { AppError, ErrorCode, type ErrorBody } from '../protocol/errors.js';

/** The one place a thrown error becomes what the caller sees. Unknown failures are logged, not leaked. */
export function toErrorBody(err: unknown, logger: Logger, context: Record<string, unknown>): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  if (err instanceof Error) {
    // mediasoup reports bad arguments as TypeError and wrong-state calls as InvalidStateError.
    if (err.name === 'TypeError' || err.name === 'UnsupportedError') return { code: ErrorCode.BadRequest, message: err.message };
    if (err.name === 'InvalidStateError') return { code: ErrorCode.InvalidState, message: err.message };
  }
  logger.error({ err, ...context }, 'request failed');
  return { code: ErrorCode.Internal, message: 'internal error' };
}
