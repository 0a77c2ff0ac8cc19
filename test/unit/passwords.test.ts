import { describe, it, expect } from 'vitest';
import { hashPassword, verifyPassword } from '../../server/auth/passwords.js';

describe('passwords', () => {
  it('hash then verify round trip', async () => {
    const stored = await hashPassword('correct horse 电池');
    expect(stored).toMatch(/^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(await verifyPassword('correct horse 电池', stored)).toBe(true);
  });

  it('salts: the same password hashes differently, both verify', async () => {
    const a = await hashPassword('pw');
    const b = await hashPassword('pw');
    expect(a).not.toBe(b);
    expect(await verifyPassword('pw', a)).toBe(true);
    expect(await verifyPassword('pw', b)).toBe(true);
  });

  it('rejects a wrong password', async () => {
    const stored = await hashPassword('secret');
    expect(await verifyPassword('Secret', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(await verifyPassword('secret ', stored)).toBe(false);
  });

  it('returns false (does not throw) for malformed stored hashes', async () => {
    const other = await hashPassword('another password');
    const [, salt, key] = other.split('$');
    for (const bad of [
      '',
      'garbage',
      'scrypt$',
      'scrypt$$',
      `bcrypt$${salt}$${key}`,
      `scrypt$${salt}$`,
      `scrypt$$${key}`,
      `scrypt$${salt}$${key!.slice(0, 10)}`, // truncated key
    ]) {
      await expect(verifyPassword('pw', bad), bad).resolves.toBe(false);
    }
  });

  // A key that hex-decodes to zero bytes would derive a 0-byte key that "matches" any password.
  it('a stored hash whose key is not hex accepts no password', async () => {
    const [, salt] = (await hashPassword('real password')).split('$');
    for (const bad of [`scrypt$${salt}$zz`, `scrypt$${salt}$x`, `scrypt$${salt}$g1`]) {
      expect(await verifyPassword('any guess at all', bad), bad).toBe(false);
    }
  });
});
