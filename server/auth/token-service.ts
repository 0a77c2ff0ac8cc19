import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { PublicUser, Role } from '../../protocol/http.js';

/** A session token is what every HTTP and socket call carries; a join token only opens an incident. */
const SessionClaims = z.object({
  typ: z.literal('session'),
  sub: z.string(),
  usr: z.string(),
  name: z.string(),
  unit: z.string(),
  role: Role,
  inc: z.string().optional(),
  exp: z.number(),
});

const JoinClaims = z.object({ typ: z.literal('join'), inc: z.string(), exp: z.number() });

/** Issues and checks expiring JWTs (HS256). */
export class TokenService {
  private constructor(
    private readonly secret: string,
    private readonly ttlS: number,
  ) {}

  /** The signing secret is JWT_SECRET, or one generated once and kept in Redis for every node. */
  static async create(redis: Redis, configuredSecret: string | undefined, ttlS: number): Promise<TokenService> {
    if (configuredSecret) return new TokenService(configuredSecret, ttlS);
    await redis.set('meta:jwt-secret', randomBytes(32).toString('hex'), 'NX');
    const secret = await redis.get('meta:jwt-secret');
    if (!secret) throw new Error('cannot read the JWT secret from redis');
    return new TokenService(secret, ttlS);
  }

  issue(user: PublicUser, ttlS = this.ttlS): { token: string; expiresAt: number } {
    const claims = { typ: 'session', usr: user.username, name: user.displayName, unit: user.orgUnitId, role: user.role, ...(user.incidentId ? { inc: user.incidentId } : {}) };
    const token = jwt.sign(claims, this.secret, { algorithm: 'HS256', subject: user.id, expiresIn: ttlS });
    return { token, expiresAt: Date.now() + ttlS * 1000 };
  }

  verify(token: string | undefined): PublicUser {
    const c = this.#decode(token, SessionClaims);
    return { id: c.sub, username: c.usr, displayName: c.name, orgUnitId: c.unit, role: c.role, ...(c.inc ? { incidentId: c.inc } : {}) };
  }

  issueJoin(incidentId: string, ttlS: number): { token: string; expiresAt: number } {
    const token = jwt.sign({ typ: 'join', inc: incidentId }, this.secret, { algorithm: 'HS256', expiresIn: ttlS });
    return { token, expiresAt: Date.now() + ttlS * 1000 };
  }

  /** The incident a join token opens, with the token's expiry (a guest's session ends with it). */
  verifyJoin(token: string): { incidentId: string; expiresAt: number } {
    const c = this.#decode(token, JoinClaims);
    return { incidentId: c.inc, expiresAt: c.exp * 1000 };
  }

  #decode<S extends z.ZodTypeAny>(token: string | undefined, schema: S): z.infer<S> {
    if (!token) throw new AppError(ErrorCode.Unauthenticated, 'no token: log in first');
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: ['HS256'] });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError(ErrorCode.TokenExpired, 'token expired: log in again');
      throw new AppError(ErrorCode.InvalidToken, 'invalid token');
    }
    const claims = schema.safeParse(payload);
    if (!claims.success) throw new AppError(ErrorCode.InvalidToken, 'invalid token claims');
    return claims.data;
  }
}
