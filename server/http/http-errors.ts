import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { toErrorBody } from '../errors.js';

const statusOf: Record<string, number> = {
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.InvalidToken]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.MessageTooLarge]: 413,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.InvalidState]: 409,
  [ErrorCode.NotInRoom]: 409,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Busy]: 503,
};

export function parseBody<S extends z.ZodTypeAny>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError(ErrorCode.BadRequest, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** Express's error handler: every failure answers { error: { code, message } } with a matching status. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const typed = err as { type?: string; status?: number };
    let body;
    if (typed.type === 'entity.too.large') body = { code: ErrorCode.MessageTooLarge, message: 'request body too large' };
    else if (typed.type === 'entity.parse.failed') body = { code: ErrorCode.BadRequest, message: 'malformed JSON' };
    else body = toErrorBody(err, logger, { path: req.path });
    res.status(statusOf[body.code] ?? 500).json({ error: body });
  };
}
