import type { AccountStore } from '../auth/account-store.js';
import type { RoomStore } from '../rooms/room-store.js';
import type { OrgStore } from './org-store.js';
import type { OrganisationConfig } from './organisation-config.js';

/**
 * Writes the configured units, accounts and rooms that Redis does not have yet. What Redis has wins:
 * changes made at run time survive a restart with the same config file.
 */
export async function seedOrganisation(
  config: OrganisationConfig,
  stores: { org: OrgStore; accounts: AccountStore; rooms: RoomStore },
): Promise<{ units: number; accounts: number; rooms: number }> {
  let units = 0;
  let accounts = 0;
  let rooms = 0;
  for (const unit of config.units) if (await stores.org.seed(unit)) units++;
  for (const user of config.users) if (await stores.accounts.seed(user)) accounts++;
  for (const room of config.rooms) if (await stores.rooms.create(room)) rooms++;
  return { units, accounts, rooms };
}
