import { z } from 'zod';
import { OrgUnitKind, Role, type OrgUnit, type PublicUser } from '../../protocol/http.js';

const Level = z.number().int().min(0).max(1000);

/**
 * Who outranks whom on a talk group. A role with an entry wins over the unit kind (a commander is a
 * commander wherever they sit; a responder is field level even in a county unit); everyone else takes
 * the level of their unit's kind. 0 = listen-only. Set in organisation.json under `pttPriority`.
 */
export const PttPriorityPolicy = z
  .object({
    roles: z.record(Role, Level).default({ admin: 40, commander: 40, responder: 10 }),
    unitKinds: z.record(OrgUnitKind, Level).default({ city: 30, department: 30, county: 30, township: 20, team: 10 }),
  })
  .default({});
export type PttPriorityPolicy = z.infer<typeof PttPriorityPolicy>;

/** Named levels of the default policy, for people reading logs and docs: commander > county > township > field. */
export const DEFAULT_LEVELS = { commander: 40, county: 30, township: 20, field: 10 } as const;

export function floorPriority(policy: PttPriorityPolicy, user: PublicUser, unit: OrgUnit | undefined): number {
  const byRole = policy.roles[user.role];
  if (byRole !== undefined) return byRole;
  return unit ? (policy.unitKinds[unit.kind] ?? 0) : 0;
}
