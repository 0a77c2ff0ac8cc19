import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PublicUser } from '../../protocol/http.js';
import { JsonHash } from '../store/json-hash.js';
import { hashPassword, verifyPassword } from './passwords.js';

const StoredAccount = PublicUser.extend({ passwordHash: z.string() });
type StoredAccount = z.infer<typeof StoredAccount>;

/** Accounts by username, in Redis. */
export class AccountStore {
  readonly #accounts: JsonHash<typeof StoredAccount>;

  constructor(redis: Redis) {
    this.#accounts = new JsonHash(redis, 'accounts', StoredAccount);
  }

  /** Adds the account unless one with that username exists (runtime changes win over the seed). */
  async seed(user: PublicUser & { password: string }): Promise<boolean> {
    if (await this.#accounts.get(user.username)) return false;
    const { password, ...rest } = user;
    return this.#accounts.setIfAbsent(user.username, { ...rest, passwordHash: await hashPassword(password) });
  }

  /** The account when the password matches; undefined otherwise (no hint which part was wrong). */
  async authenticate(username: string, password: string): Promise<PublicUser | undefined> {
    const account = await this.#accounts.get(username);
    if (!account) {
      await hashPassword(password); // same cost as a real check, so timing does not reveal usernames
      return undefined;
    }
    if (!(await verifyPassword(password, account.passwordHash))) return undefined;
    return toPublic(account);
  }

  async all(): Promise<PublicUser[]> {
    return (await this.#accounts.all()).map(toPublic);
  }
}

function toPublic({ passwordHash: _hash, ...user }: StoredAccount): PublicUser {
  return user;
}
