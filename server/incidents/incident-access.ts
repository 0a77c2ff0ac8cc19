import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { Incident, PublicUser } from '../../protocol/http.js';
import type { OrgTree } from '../org/org-tree.js';
import type { RoomStore } from '../rooms/room-store.js';
import type { IncidentStore } from './incident-store.js';

/** Who may see an incident: users whose unit reaches the incident's, and guests of that incident only. */
export class IncidentAccess {
  constructor(
    private readonly incidents: IncidentStore,
    private readonly roomStore: RoomStore,
    private readonly orgTree: () => OrgTree,
  ) {}

  async visible(user: PublicUser): Promise<Incident[]> {
    const tree = this.orgTree();
    return (await this.incidents.all()).filter((i) => (user.incidentId ? i.id === user.incidentId : tree.canAccess(user.orgUnitId, i.orgUnitId)));
  }

  /** The incident, or NOT_FOUND for one that does not exist or is out of reach (the two look alike). */
  async get(user: PublicUser, id: string): Promise<Incident> {
    const incident = await this.incidents.get(id).catch(() => undefined);
    const tree = this.orgTree();
    const reaches = incident && (user.incidentId ? incident.id === user.incidentId : tree.canAccess(user.orgUnitId, incident.orgUnitId));
    if (!incident || !reaches) throw new AppError(ErrorCode.NotFound, `no incident ${id}`);
    return incident;
  }

  /** The incident's rooms: its own and any other room created for it. */
  async roomIds(incident: Incident): Promise<string[]> {
    const ids = (await this.roomStore.all()).filter((r) => r.incidentId === incident.id).map((r) => r.id);
    return ids.includes(incident.roomId) ? ids : [incident.roomId, ...ids];
  }
}
