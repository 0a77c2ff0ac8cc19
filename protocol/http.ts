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
  /** Set for a guest who joined through an incident's link or QR code: they reach that incident only. */
  incidentId: Id.optional(),
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

/**
 * gallery: everyone pages through the same grid. consultation: each viewer's page follows their unit's
 * level (township: the commander's spotlight; county: 9 tiles; city and departments: 16).
 */
export const RoomLayout = z.enum(['gallery', 'consultation']);
export type RoomLayout = z.infer<typeof RoomLayout>;

export const RoomInfo = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  mode: RoomMode,
  layout: RoomLayout.default('gallery'),
  participants: z.number().int().nonnegative(),
  incidentId: Id.optional(),
  /** The number a phone dials to reach the room (only while the SIP gateway runs). */
  sipNumber: z.string().optional(),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

export const CreateRoomRequest = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  mode: RoomMode.default('conference'),
  layout: RoomLayout.default('gallery'),
  /** A further room of an incident (a talk group for it, say): recorded and on its timeline with it. */
  incidentId: Id.optional(),
});
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;

export const IncidentStatus = z.enum(['active', 'closed']);

export const Incident = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  roomId: Id,
  status: IncidentStatus,
  createdAt: z.string(),
  createdBy: z.string(),
  /** Whether its rooms are recorded (a commander's choice); unset: the server's RECORDING_POLICY decides. */
  recording: z.boolean().optional(),
});
export type Incident = z.infer<typeof Incident>;

export const CreateIncidentRequest = z.object({
  name: z.string().min(1).max(100),
  orgUnitId: Id,
  /** Record from the start (true), never unless asked (false), or as RECORDING_POLICY says (unset). */
  recording: z.boolean().optional(),
});

export const JoinLinkRequest = z.object({
  /** How long the link works, in seconds: short by default, since anyone holding it can join. */
  ttlS: z.number().int().min(60).max(7 * 24 * 3600).default(4 * 3600),
});

export const JoinLinkResponse = z.object({
  url: z.string(),
  expiresAt: z.number(),
  /** The link as a QR code (SVG), for a phone's camera. */
  qrSvg: z.string(),
});
export type JoinLinkResponse = z.infer<typeof JoinLinkResponse>;

export const JoinWithLinkRequest = z.object({
  joinToken: z.string().min(1).max(4096),
  displayName: z.string().trim().min(1).max(40),
});

/** Video-wall splits: n×n grids, one big tile with 5 or 7 small ones, or a grid the commander draws. */
export const WallPreset = z.enum(['1', '4', '9', '16', '1+5', '1+7', 'custom']);
export type WallPreset = z.infer<typeof WallPreset>;

export const WallLayout = z.object({
  preset: WallPreset,
  custom: z.object({ cols: z.number().int().min(1).max(8), rows: z.number().int().min(1).max(8) }).optional(),
  /** What each tile shows, by tile index: a source key (`user:<id>`), or null for an empty tile. */
  tiles: z.array(z.string().max(100).nullable()).max(64),
});
export type WallLayout = z.infer<typeof WallLayout>;

export const ClientConfig = z.object({
  map: z.object({ tileUrl: z.string().optional(), center: z.tuple([z.number(), z.number()]) }),
  /** In a cluster: every node's URL, the serving node's first; a client whose node is unreachable goes to the next. */
  clusterNodes: z.array(z.string().url()).optional(),
});
export type ClientConfig = z.infer<typeof ClientConfig>;
