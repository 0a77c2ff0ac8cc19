import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PublicUser } from '../../protocol/http.js';
import { JsonHash } from '../store/json-hash.js';
import { digestHa1 } from './digest.js';
import { hashPassword, verifyPassword } from './passwords.js';

const StoredAccount = PublicUser.extend({
  passwordHash: z.string(),
  /** SIP digest credentials for the SIP gateway's realm (see digest.ts). */
  sipDigest: z.object({ realm: z.string(), ha1: z.string().regex(/^[0-9a-f]{32}$/) }).optional(),
});
type StoredAccount = z.infer<typeof StoredAccount>;

/** Accounts by username, in Redis. */
export class AccountStore {
  readonly #accounts: JsonHash<typeof StoredAccount>;

  /** Told of each new SIP digest credential (the SIP edge keeps them in memory). */
  onDigest: ((username: string, ha1: string) => void) | undefined;

  /** digestRealm: the SIP gateway's realm, when it runs; accounts then also get SIP digest credentials. */
  constructor(
    redis: Redis,
    private readonly digestRealm?: string,
  ) {
    this.#accounts = new JsonHash(redis, 'accounts', StoredAccount);
  }

  /** Adds the account unless one with that username exists (runtime changes win over the seed). */
  async seed(user: PublicUser & { password: string }): Promise<boolean> {
    if (await this.#accounts.get(user.username)) return false;
    const { password, ...rest } = user;
    const sipDigest = this.digestRealm ? { realm: this.digestRealm, ha1: digestHa1(user.username, this.digestRealm, password) } : undefined;
    return this.#accounts.setIfAbsent(user.username, { ...rest, passwordHash: await hashPassword(password), ...(sipDigest ? { sipDigest } : {}) });
  }

  /** The account when the password matches; undefined otherwise (no hint which part was wrong). */
  async authenticate(username: string, password: string): Promise<PublicUser | undefined> {
    const account = await this.#accounts.get(username);
    if (!account) {
      await hashPassword(password); // same cost as a real check, so timing does not reveal usernames
      return undefined;
    }
    if (!(await verifyPassword(password, account.passwordHash))) return undefined;
    // Accounts stored before the SIP gateway (or under another realm) get their digest credentials now.
    if (this.digestRealm && account.sipDigest?.realm !== this.digestRealm) {
      const ha1 = digestHa1(username, this.digestRealm, password);
      await this.#accounts.set(username, { ...account, sipDigest: { realm: this.digestRealm, ha1 } });
      this.onDigest?.(username, ha1);
    }
    return toPublic(account);
  }

  /** Every account's SIP digest credentials for the gateway's realm. */
  async digestCredentials(): Promise<{ username: string; ha1: string }[]> {
    return (await this.#accounts.all()).flatMap((a) =>
      a.sipDigest && a.sipDigest.realm === this.digestRealm ? [{ username: a.username, ha1: a.sipDigest.ha1 }] : [],
    );
  }

  async all(): Promise<PublicUser[]> {
    return (await this.#accounts.all()).map(toPublic);
  }
}

function toPublic({ passwordHash: _hash, sipDigest: _digest, ...user }: StoredAccount): PublicUser {
  return user;
}
