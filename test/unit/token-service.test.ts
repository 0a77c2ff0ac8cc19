import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import { TokenService } from '../../server/auth/token-service.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

const user: PublicUser = { id: 'u-op', username: 'op1', displayName: '值班员', orgUnitId: 'county-01', role: 'operator' };
const SECRET = 'a-configured-secret-of-enough-length';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  return undefined;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('TokenService', () => {
  let fx: RedisFixture;
  beforeAll(async () => {
    fx = await startRedis();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('issue → verify gives back the same user', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 3600);
    const before = Date.now();
    const { token, expiresAt } = tokens.issue(user);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(tokens.verify(token)).toEqual(user);
  });

  it('a missing token is UNAUTHENTICATED', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 3600);
    expect(codeOf(() => tokens.verify(undefined))).toBe(ErrorCode.Unauthenticated);
    expect(codeOf(() => tokens.verify(''))).toBe(ErrorCode.Unauthenticated);
  });

  it('an expired token is TOKEN_EXPIRED', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 3600);
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = jwt.sign(
      { usr: user.username, name: user.displayName, unit: user.orgUnitId, role: user.role, iat: past - 10, exp: past },
      SECRET,
      { algorithm: 'HS256', subject: user.id },
    );
    expect(codeOf(() => tokens.verify(expired))).toBe(ErrorCode.TokenExpired);
  });

  it('a token issued with a 1 s lifetime expires for real', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 1);
    const { token } = tokens.issue(user);
    expect(tokens.verify(token)).toEqual(user);
    await new Promise((r) => setTimeout(r, 2100));
    expect(codeOf(() => tokens.verify(token))).toBe(ErrorCode.TokenExpired);
  });

  it('a token signed with another secret is INVALID_TOKEN', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 3600);
    const other = await TokenService.create(fx.redis, 'some-other-secret-entirely-xx', 3600);
    expect(codeOf(() => tokens.verify(other.issue(user).token))).toBe(ErrorCode.InvalidToken);
  });

  it('alg none, a tampered payload and garbage are INVALID_TOKEN', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 3600);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const claims = { sub: user.id, usr: user.username, name: user.displayName, unit: 'city', role: 'admin', exp };
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    expect(codeOf(() => tokens.verify(none))).toBe(ErrorCode.InvalidToken);

    const [h, , s] = tokens.issue(user).token.split('.');
    expect(codeOf(() => tokens.verify(`${h}.${b64url(claims)}.${s}`))).toBe(ErrorCode.InvalidToken);
    expect(codeOf(() => tokens.verify('not.a.jwt'))).toBe(ErrorCode.InvalidToken);
  });

  it('a correctly signed token with missing claims is INVALID_TOKEN', async () => {
    const tokens = await TokenService.create(fx.redis, SECRET, 3600);
    const noRole = jwt.sign({ usr: 'x', name: 'x', unit: 'city' }, SECRET, { algorithm: 'HS256', subject: 'u', expiresIn: 60 });
    expect(codeOf(() => tokens.verify(noRole))).toBe(ErrorCode.InvalidToken);
    const badRole = jwt.sign({ usr: 'x', name: 'x', unit: 'city', role: 'god' }, SECRET, { algorithm: 'HS256', subject: 'u', expiresIn: 60 });
    expect(codeOf(() => tokens.verify(badRole))).toBe(ErrorCode.InvalidToken);
  });

  it('the generated secret is kept in Redis and shared by two instances', async () => {
    const second = new Redis({ path: fx.embedded.socketPath });
    try {
      const [a, b] = await Promise.all([TokenService.create(fx.redis, undefined, 3600), TokenService.create(second, undefined, 3600)]);
      expect(b.verify(a.issue(user).token)).toEqual(user);
      expect(a.verify(b.issue(user).token)).toEqual(user);
      const secret = await fx.redis.get('meta:jwt-secret');
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      // A later instance keeps the same secret rather than generating a new one.
      const c = await TokenService.create(second, undefined, 3600);
      expect(await fx.redis.get('meta:jwt-secret')).toBe(secret);
      expect(c.verify(a.issue(user).token)).toEqual(user);
      // A configured secret is independent of the generated one.
      const configured = await TokenService.create(fx.redis, SECRET, 3600);
      expect(codeOf(() => configured.verify(a.issue(user).token))).toBe(ErrorCode.InvalidToken);
    } finally {
      second.disconnect();
    }
  });
});
