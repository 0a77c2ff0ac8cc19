import { createHash } from 'node:crypto';

/**
 * SIP digest (RFC 2617/3261) needs HA1 = md5(user:realm:password), which the scrypt hash cannot give.
 * It is kept beside the scrypt hash, for one realm, and made whenever the password is at hand (seed, login).
 */
export function digestHa1(username: string, realm: string, password: string): string {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
}
