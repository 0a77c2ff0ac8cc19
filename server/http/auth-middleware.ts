import type { NextFunction, Request, Response } from 'express';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser, Role } from '../../protocol/http.js';
import type { TokenService } from '../auth/token-service.js';

export type AuthedRequest = Request & { user: PublicUser };

export function requireAuth(tokens: TokenService) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    (req as AuthedRequest).user = tokens.verify(token);
    next();
  };
}

export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!roles.includes((req as AuthedRequest).user.role)) {
      throw new AppError(ErrorCode.Forbidden, `needs role ${roles.join(' or ')}`);
    }
    next();
  };
}

/** Guests (join links) take part in their incident; they do not review or record it. */
export function refuseGuests(message: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if ((req as AuthedRequest).user.incidentId !== undefined) throw new AppError(ErrorCode.Forbidden, message);
    next();
  };
}
