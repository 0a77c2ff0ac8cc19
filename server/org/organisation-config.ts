import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { Id, OrgUnit, Role, RoomLayout, RoomMode } from '../../protocol/http.js';
import { PttPriorityPolicy } from '../ptt/priority.js';

export const SeedUser = z.object({
  id: Id,
  username: z.string().min(1).max(64),
  displayName: z.string().min(1).max(100),
  orgUnitId: Id,
  role: Role,
  password: z.string().min(1),
});
export type SeedUser = z.infer<typeof SeedUser>;

export const SeedRoom = z.object({ id: Id, name: z.string().min(1).max(100), orgUnitId: Id, mode: RoomMode.default('conference'), layout: RoomLayout.default('gallery') });

export const OrganisationConfig = z
  .object({
    units: z.array(OrgUnit).min(1),
    users: z.array(SeedUser),
    rooms: z.array(SeedRoom).default([]),
    /** Talk-group floor priority by role and unit kind (defaults: commander > county > township > field). */
    pttPriority: PttPriorityPolicy,
  })
  .superRefine((cfg, ctx) => {
    const ids = new Set(cfg.units.map((u) => u.id));
    for (const u of cfg.units) {
      if (u.parentId !== null && !ids.has(u.parentId)) ctx.addIssue({ code: 'custom', message: `unit ${u.id}: unknown parent ${u.parentId}` });
    }
    for (const u of cfg.users) {
      if (!ids.has(u.orgUnitId)) ctx.addIssue({ code: 'custom', message: `user ${u.username}: unknown unit ${u.orgUnitId}` });
    }
    for (const r of cfg.rooms) {
      if (!ids.has(r.orgUnitId)) ctx.addIssue({ code: 'custom', message: `room ${r.id}: unknown unit ${r.orgUnitId}` });
    }
  });
export type OrganisationConfig = z.infer<typeof OrganisationConfig>;

export async function readOrganisationConfig(file: string): Promise<OrganisationConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const parsed = OrganisationConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}
