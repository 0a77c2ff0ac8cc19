import { z } from 'zod';

export const Role = z.enum(['admin', 'commander', 'operator', 'responder']);
export type Role = z.infer<typeof Role>;

export const OrgUnitKind = z.enum(['city', 'county', 'township', 'department', 'team']);
export type OrgUnitKind = z.infer<typeof OrgUnitKind>;

export const Id = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'ids are 1-64 of A-Z a-z 0-9 . _ -');

export const OrgUnit = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  kind: OrgUnitKind,
  parentId: Id.nullable(),
});
export type OrgUnit = z.infer<typeof OrgUnit>;

export const PublicUser = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  orgUnitId: Id,
  role: Role,
});
export type PublicUser = z.infer<typeof PublicUser>;

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.number(),
  user: PublicUser,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** conference: everyone is heard at once; ptt: a talk group, only the floor holder is heard. */
export const RoomMode = z.enum(['conference', 'ptt']);
export type RoomMode = z.infer<typeof RoomMode>;

export const RoomInfo = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  mode: RoomMode,
  participants: z.number().int().nonnegative(),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

export const CreateRoomRequest = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  mode: RoomMode.default('conference'),
});
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;
