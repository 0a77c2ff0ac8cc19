import type { PublicUser } from '../../protocol/http.js';
import type { OrgTree } from '../org/org-tree.js';
import type { RoomDefinition } from './room-store.js';

/** Why a user may not enter (or see) a room; undefined when they may. */
export type RoomRefusal = 'other-incident' | 'outside-organisation';

/**
 * Who may enter a room. A guest (join link) is scoped to its incident: every room of that incident (the
 * main room and its talk groups, whatever unit they were created for), and nothing else — no standing
 * rooms, no other incident's. An account reaches rooms of its own unit, above and below it.
 */
export function roomRefusal(user: PublicUser, room: Pick<RoomDefinition, 'orgUnitId' | 'incidentId'>, tree: OrgTree): RoomRefusal | undefined {
  if (user.incidentId !== undefined) return room.incidentId === user.incidentId ? undefined : 'other-incident';
  return tree.canAccess(user.orgUnitId, room.orgUnitId) ? undefined : 'outside-organisation';
}

export function refusalMessage(roomId: string, refusal: RoomRefusal): string {
  return refusal === 'other-incident' ? `room ${roomId} belongs to another incident than your join link` : `room ${roomId} is outside your organisation`;
}
