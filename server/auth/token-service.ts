import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import { PublicUser, Role } from '../../protocol/http.js';

const Claims = z.object({
  sub: z.string(),
  usr: z.string(),
  name: z.string(),
  unit: z.string(),
  role: Role,
  exp: z.number(),
});

/** Issues and checks the expiring JWTs every HTTP and socket call carries. */
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

  issue(user: PublicUser): { token: string; expiresAt: number } {
    const token = jwt.sign(
      { usr: user.username, name: user.displayName, unit: user.orgUnitId, role: user.role },
      this.secret,
      { algorithm: 'HS256', subject: user.id, expiresIn: this.ttlS },
    );
    return { token, expiresAt: Date.now() + this.ttlS * 1000 };
  }

  verify(token: string | undefined): PublicUser {
    if (!token) throw new AppError(ErrorCode.Unauthenticated, 'no token: log in first');
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: ['HS256'] });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError(ErrorCode.TokenExpired, 'token expired: log in again');
      throw new AppError(ErrorCode.InvalidToken, 'invalid token');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new AppError(ErrorCode.InvalidToken, 'invalid token claims');
    const c = claims.data;
    return { id: c.sub, username: c.usr, displayName: c.name, orgUnitId: c.unit, role: c.role };
  }
}
