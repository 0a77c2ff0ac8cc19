import path from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { AccountStore } from '../../server/auth/account-store.js';
import { OrgStore } from '../../server/org/org-store.js';
import { readOrganisationConfig, type OrganisationConfig } from '../../server/org/organisation-config.js';
import { seedOrganisation } from '../../server/org/seed.js';
import { RoomStore } from '../../server/rooms/room-store.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

describe('AccountStore + seedOrganisation', () => {
  let fx: RedisFixture;
  let config: OrganisationConfig;
  let stores: { org: OrgStore; accounts: AccountStore; rooms: RoomStore };

  beforeAll(async () => {
    fx = await startRedis();
    config = await readOrganisationConfig(path.resolve('config/organisation.json'));
    stores = { org: new OrgStore(fx.redis), accounts: new AccountStore(fx.redis), rooms: new RoomStore(fx.redis) };
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('seeds every unit, account and room from config/organisation.json', async () => {
    const counts = await seedOrganisation(config, stores);
    expect(counts).toEqual({ units: config.units.length, accounts: config.users.length, rooms: config.rooms.length });
    const tree = await stores.org.loadTree();
    expect(tree.all()).toHaveLength(config.units.length);
    expect(tree.get('city')?.parentId).toBeNull();
    const accounts = await stores.accounts.all();
    expect(accounts.map((a) => a.username).sort()).toEqual(config.users.map((u) => u.username).sort());
    for (const a of accounts) expect(a).not.toHaveProperty('passwordHash');
    // Passwords are stored hashed, never in clear.
    const raw = await fx.redis.hget('accounts', 'admin');
    expect(raw).not.toContain('admin123');
    expect(JSON.parse(raw!).passwordHash).toMatch(/^scrypt\$/);
    expect((await stores.rooms.all()).length).toBe(config.rooms.length);
  });

  it('authenticates the right password and returns the public user', async () => {
    const admin = config.users.find((u) => u.username === 'admin')!;
    const user = await stores.accounts.authenticate('admin', admin.password);
    expect(user).toEqual({ id: admin.id, username: 'admin', displayName: admin.displayName, orgUnitId: admin.orgUnitId, role: admin.role });
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    expect(await stores.accounts.authenticate('admin', 'wrong-password')).toBeUndefined();
    expect(await stores.accounts.authenticate('admin', '')).toBeUndefined();
    expect(await stores.accounts.authenticate('nobody-here', 'admin123')).toBeUndefined();
  });

  it('re-seeding adds nothing and does not overwrite an account already present', async () => {
    // A runtime change: the admin password was changed after the first seed.
    const changed = { ...config.users.find((u) => u.username === 'admin')!, password: 'changed-at-runtime' };
    const accounts = stores.accounts;
    const rawBefore = await fx.redis.hget('accounts', 'admin');
    await fx.redis.hdel('accounts', 'admin');
    expect(await accounts.seed(changed)).toBe(true);

    const again = await seedOrganisation(config, stores);
    expect(again).toEqual({ units: 0, accounts: 0, rooms: 0 });
    expect(await accounts.authenticate('admin', 'changed-at-runtime')).toBeDefined();
    expect(await accounts.authenticate('admin', 'admin123')).toBeUndefined();
    expect(await fx.redis.hget('accounts', 'admin')).not.toBe(rawBefore);

    // Another store on the same Redis sees the same accounts (state lives in Redis, not in memory).
    expect(await new AccountStore(fx.redis).seed(changed)).toBe(false);
    expect(await fx.redis.hlen('accounts')).toBe(config.users.length);
  });
});
