import type { OrgUnit, PublicUser, RoomInfo } from '../../../protocol/http.js';

export interface TalkGroupChoice {
  room: RoomInfo;
  kind: 'incident' | 'unit';
}

/**
 * The talk groups a responder in the field belongs in: the incident's own, first; and for an account
 * (not a join-link guest) the standing group of its unit, or of the nearest unit above that has one (a
 * rescue team talks on its county's or the city's group).
 */
export function talkGroupsFor(rooms: RoomInfo[], units: OrgUnit[], user: PublicUser, incidentId: string): TalkGroupChoice[] {
  const groups = rooms.filter((r) => r.mode === 'ptt');
  const chosen: TalkGroupChoice[] = groups.filter((r) => r.incidentId === incidentId).map((room) => ({ room, kind: 'incident' }));
  if (user.incidentId !== undefined) return chosen;
  const parentOf = new Map(units.map((u) => [u.id, u.parentId]));
  const seen = new Set<string>();
  for (let unit: string | null | undefined = user.orgUnitId; unit && !seen.has(unit); unit = parentOf.get(unit)) {
    seen.add(unit);
    const standing = groups.filter((r) => r.incidentId === undefined && r.orgUnitId === unit);
    if (standing.length) return [...chosen, ...standing.map((room) => ({ room, kind: 'unit' as const }))];
  }
  return chosen;
}
