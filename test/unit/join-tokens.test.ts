import { describe, expect, it } from 'vitest';
import { AppError } from '../../protocol/errors.js';
import type { PublicUser } from '../../protocol/http.js';
import { TokenService } from '../../server/auth/token-service.js';

const SECRET = 'a-configured-secret-of-enough-length';
const user: PublicUser = { id: 'guest-1', username: 'guest-1', displayName: '张伟', orgUnitId: 'city', role: 'responder', incidentId: '20261122-abc123' };

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return undefined;
};

describe('join tokens and scoped sessions', () => {
  // TokenService.create with a configured secret never touches Redis.
  const tokens = () => TokenService.create(undefined as never, SECRET, 3600);

  it('a join token opens its incident, and its expiry bounds the guest session', async () => {
    const svc = await tokens();
    const { token, expiresAt } = svc.issueJoin('20261122-abc123', 600);
    const opened = svc.verifyJoin(token);
    expect(opened.incidentId).toBe('20261122-abc123');
    expect(Math.abs(opened.expiresAt - expiresAt)).toBeLessThan(1500);
  });

  it('a join token is not a session token, and a session token is not a join token', async () => {
    const svc = await tokens();
    expect(codeOf(() => svc.verify(svc.issueJoin('x', 600).token))).toBe('INVALID_TOKEN');
    expect(codeOf(() => svc.verifyJoin(svc.issue(user).token))).toBe('INVALID_TOKEN');
  });

  it('a guest session keeps its incident scope through the token', async () => {
    const svc = await tokens();
    expect(svc.verify(svc.issue(user).token)).toEqual(user);
  });
});
