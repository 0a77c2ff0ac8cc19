import { describe, expect, it } from 'vitest';
import type { OrgUnit, PublicUser } from '../../protocol/http.js';
import { DEFAULT_LEVELS, floorPriority, PttPriorityPolicy } from '../../server/ptt/priority.js';

const unit = (kind: OrgUnit['kind']): OrgUnit => ({ id: 'u', name: 'u', kind, parentId: null });
const user = (role: PublicUser['role']): PublicUser => ({ id: 'x', username: 'x', displayName: 'x', orgUnitId: 'u', role });

describe('floorPriority', () => {
  const policy = PttPriorityPolicy.parse(undefined);

  it('ranks commander > county > township > field by default', () => {
    const commander = floorPriority(policy, user('commander'), unit('city'));
    const county = floorPriority(policy, user('operator'), unit('county'));
    const township = floorPriority(policy, user('operator'), unit('township'));
    const field = floorPriority(policy, user('responder'), unit('team'));
    expect([commander, county, township, field]).toEqual([DEFAULT_LEVELS.commander, DEFAULT_LEVELS.county, DEFAULT_LEVELS.township, DEFAULT_LEVELS.field]);
  });

  it('a responder is field level even in a county unit', () => {
    expect(floorPriority(policy, user('responder'), unit('county'))).toBe(DEFAULT_LEVELS.field);
  });

  it('is configurable, and 0 makes a listen-only member', () => {
    const custom = PttPriorityPolicy.parse({ roles: { commander: 90 }, unitKinds: { township: 0, county: 50 } });
    expect(floorPriority(custom, user('commander'), unit('township'))).toBe(90);
    expect(floorPriority(custom, user('operator'), unit('township'))).toBe(0);
    expect(floorPriority(custom, user('responder'), unit('county'))).toBe(50);
    expect(() => PttPriorityPolicy.parse({ roles: { commander: -1 } })).toThrow();
  });
});
