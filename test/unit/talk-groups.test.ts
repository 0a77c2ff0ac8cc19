import { describe, expect, it } from 'vitest';
import type { OrgUnit, PublicUser, RoomInfo } from '../../protocol/http.js';
import { talkGroupsFor } from '../../web-client/src/field/talk-groups.js';

const units: OrgUnit[] = [
  { id: 'city', name: 'City', kind: 'city', parentId: null },
  { id: 'county-a', name: 'County A', kind: 'county', parentId: 'city' },
  { id: 'team-a', name: 'Team A', kind: 'team', parentId: 'county-a' },
];
const room = (id: string, orgUnitId: string, extra: Partial<RoomInfo> = {}): RoomInfo => ({ id, name: id, orgUnitId, mode: 'ptt', layout: 'gallery', participants: 0, ...extra });
const rooms: RoomInfo[] = [
  room('main-a', 'city', { mode: 'conference', incidentId: 'inc-a' }),
  room('tg-inc-a', 'county-a', { incidentId: 'inc-a' }),
  room('tg-inc-b', 'city', { incidentId: 'inc-b' }),
  room('tg-city', 'city'),
  room('tg-county-a', 'county-a'),
  room('consult-a', 'county-a', { mode: 'conference' }),
];
const account: PublicUser = { id: 'u', username: 'u', displayName: 'U', orgUnitId: 'team-a', role: 'responder' };
const ids = (list: { room: RoomInfo; kind: string }[]) => list.map((c) => `${c.kind}:${c.room.id}`);

describe('talkGroupsFor', () => {
  it("an account gets the incident's talk groups, then the nearest standing group above its unit", () => {
    expect(ids(talkGroupsFor(rooms, units, account, 'inc-a'))).toEqual(['incident:tg-inc-a', 'unit:tg-county-a']);
  });

  it('a unit with its own standing group gets that one, not its parent\'s', () => {
    expect(ids(talkGroupsFor(rooms, units, { ...account, orgUnitId: 'city' }, 'inc-b'))).toEqual(['incident:tg-inc-b', 'unit:tg-city']);
  });

  it('a join-link guest gets only its incident\'s talk groups', () => {
    expect(ids(talkGroupsFor(rooms, units, { ...account, incidentId: 'inc-a' }, 'inc-a'))).toEqual(['incident:tg-inc-a']);
  });

  it('no talk group at all: an empty list, also with a unit cycle in bad data', () => {
    const loop: OrgUnit[] = [{ id: 'x', name: 'X', kind: 'team', parentId: 'y' }, { id: 'y', name: 'Y', kind: 'county', parentId: 'x' }];
    expect(talkGroupsFor(rooms, loop, { ...account, orgUnitId: 'x' }, 'inc-z')).toEqual([]);
  });
});
