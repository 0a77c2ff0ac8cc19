import { describe, expect, it } from 'vitest';
import type { PublicUser } from '../../protocol/http.js';
import { OrgTree } from '../../server/org/org-tree.js';
import { roomRefusal } from '../../server/rooms/room-access.js';

const tree = new OrgTree([
  { id: 'city', name: 'City', kind: 'city', parentId: null },
  { id: 'county-a', name: 'County A', kind: 'county', parentId: 'city' },
  { id: 'county-b', name: 'County B', kind: 'county', parentId: 'city' },
]);
const guestOfA: PublicUser = { id: 'g1', username: 'g1', displayName: 'Guest', orgUnitId: 'county-a', role: 'responder', incidentId: 'inc-a' };
const operatorA: PublicUser = { id: 'u1', username: 'op', displayName: 'Op', orgUnitId: 'county-a', role: 'operator' };

describe('roomRefusal', () => {
  it('a guest enters every room of its incident, talk groups of another unit included', () => {
    expect(roomRefusal(guestOfA, { orgUnitId: 'county-a', incidentId: 'inc-a' }, tree)).toBeUndefined();
    expect(roomRefusal(guestOfA, { orgUnitId: 'county-b', incidentId: 'inc-a' }, tree)).toBeUndefined();
  });

  it('a guest is refused other incidents and standing rooms, even of its own unit', () => {
    expect(roomRefusal(guestOfA, { orgUnitId: 'county-a', incidentId: 'inc-b' }, tree)).toBe('other-incident');
    expect(roomRefusal(guestOfA, { orgUnitId: 'county-a' }, tree)).toBe('other-incident');
  });

  it('an account reaches its unit, above and below, not a sibling', () => {
    expect(roomRefusal(operatorA, { orgUnitId: 'city' }, tree)).toBeUndefined();
    expect(roomRefusal(operatorA, { orgUnitId: 'county-a', incidentId: 'inc-b' }, tree)).toBeUndefined();
    expect(roomRefusal(operatorA, { orgUnitId: 'county-b' }, tree)).toBe('outside-organisation');
  });
});
