import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { readOrganisationConfig } from '../../server/org/organisation-config.js';

const shipped = path.resolve('config/organisation.json');

const base = () => ({
  units: [
    { id: 'city', name: 'City', kind: 'city', parentId: null },
    { id: 'county-a', name: 'County A', kind: 'county', parentId: 'city' },
  ],
  users: [{ id: 'u1', username: 'alice', displayName: 'Alice', orgUnitId: 'county-a', role: 'operator', password: 'pw' }],
  rooms: [{ id: 'r1', name: 'Room', orgUnitId: 'city' }],
});

describe('readOrganisationConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-orgcfg-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, content: unknown) => {
    const file = path.join(dir, name);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('reads the shipped config/organisation.json', async () => {
    const cfg = await readOrganisationConfig(shipped);
    const count = (kind: string) => cfg.units.filter((u) => u.kind === kind).length;
    expect(count('city')).toBe(1);
    expect(count('county')).toBe(15);
    expect(count('township')).toBe(162);
    expect(count('department')).toBe(29);
    expect(cfg.users.length).toBeGreaterThan(0);
    const ids = new Set(cfg.units.map((u) => u.id));
    expect(ids.size).toBe(cfg.units.length);
    for (const u of cfg.users) expect(ids.has(u.orgUnitId)).toBe(true);
  });

  it('accepts a minimal valid file and defaults rooms to []', async () => {
    const { rooms: _r, ...noRooms } = base();
    const cfg = await readOrganisationConfig(await write('ok.json', noRooms));
    expect(cfg.units).toHaveLength(2);
    expect(cfg.rooms).toEqual([]);
  });

  it('rejects a unit with an unknown parent, naming file, unit and parent', async () => {
    const c = base();
    c.units.push({ id: 'township-x', name: 'X', kind: 'township', parentId: 'county-missing' });
    const file = await write('bad-parent.json', c);
    await expect(readOrganisationConfig(file)).rejects.toThrow(file);
    await expect(readOrganisationConfig(file)).rejects.toThrow('unit township-x: unknown parent county-missing');
  });

  it('rejects a user with an unknown unit, naming user and unit', async () => {
    const c = base();
    c.users[0]!.orgUnitId = 'county-zz';
    await expect(readOrganisationConfig(await write('bad-user.json', c))).rejects.toThrow('user alice: unknown unit county-zz');
  });

  it('rejects a room with an unknown unit', async () => {
    const c = base();
    c.rooms[0]!.orgUnitId = 'nowhere';
    await expect(readOrganisationConfig(await write('bad-room.json', c))).rejects.toThrow('room r1: unknown unit nowhere');
  });

  it('rejects bad id characters, naming the path and the id rule', async () => {
    const c = base();
    c.units[1]!.id = 'county a/1';
    const err = await readOrganisationConfig(await write('bad-id.json', c)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('units.1.id');
    expect((err as Error).message).toContain('ids are 1-64 of A-Z a-z 0-9 . _ -');
  });

  it('rejects a file that is not JSON, saying so', async () => {
    const file = await write('not-json.json', '{ "units": [ oops');
    await expect(readOrganisationConfig(file)).rejects.toThrow(/not valid JSON/);
  });

  it('the not-JSON error names the file', async () => {
    const file = await write('not-json-2.json', '{ "units": [ oops');
    await expect(readOrganisationConfig(file)).rejects.toThrow(file);
  });

  it('rejects a missing file', async () => {
    await expect(readOrganisationConfig(path.join(dir, 'absent.json'))).rejects.toThrow(/ENOENT/);
  });
});
