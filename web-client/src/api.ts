import { ClientConfig, Incident, JoinLinkResponse, LoginResponse, OrgUnit, PublicUser, RoomInfo, WallLayout, type LoginRequest } from '../../protocol/http.js';
import type { ErrorBody } from '../../protocol/errors.js';
import { PublicSource, SourceList, type CreateSourceRequest } from '../../protocol/feeds.js';
import { Recording } from '../../protocol/recording.js';
import { TimelinePage, type TimelineEntry } from '../../protocol/timeline.js';
import { z } from 'zod';
import type { types } from 'mediasoup-client';

export class ApiError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
}

/** Where the API is: '' (this page's origin) until signalling fails over to another node of a cluster. */
let apiBase = '';

/** The page follows its signalling connection: after a failover its HTTP calls go to the node it reached. */
export function useApiNode(origin: string): void {
  apiBase = origin === location.origin ? '' : origin;
}

async function call<S extends z.ZodTypeAny>(schema: S, path: string, init: RequestInit & { token?: string }): Promise<z.infer<S>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const res = await fetch(`${apiBase}${path}`, { ...init, headers });
  const json: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = (json as { error?: ErrorBody }).error ?? { code: 'INTERNAL', message: res.statusText };
    throw new ApiError(err as ErrorBody);
  }
  return schema.parse(json);
}

export function login(body: LoginRequest): Promise<LoginResponse> {
  return call(LoginResponse, '/api/login', { method: 'POST', body: JSON.stringify(body) });
}

export async function listRooms(token: string): Promise<RoomInfo[]> {
  return (await call(z.object({ rooms: z.array(RoomInfo) }), '/api/rooms', { token })).rooms;
}

export async function routerCapabilities(token: string): Promise<types.RtpCapabilities> {
  const body = await call(z.object({ routerRtpCapabilities: z.custom<types.RtpCapabilities>((v) => typeof v === 'object' && v !== null) }), '/api/media/capabilities', { token });
  return body.routerRtpCapabilities;
}

export function joinWithLink(joinToken: string, displayName: string): Promise<LoginResponse> {
  return call(LoginResponse, '/api/incidents/join', { method: 'POST', body: JSON.stringify({ joinToken, displayName }) });
}

export async function listIncidents(token: string): Promise<Incident[]> {
  return (await call(z.object({ incidents: z.array(Incident) }), '/api/incidents', { token })).incidents;
}

export async function openIncident(token: string, name: string, orgUnitId: string): Promise<Incident> {
  return (await call(z.object({ incident: Incident }), '/api/incidents', { method: 'POST', token, body: JSON.stringify({ name, orgUnitId }) })).incident;
}

export function incidentJoinLink(token: string, incidentId: string): Promise<JoinLinkResponse> {
  return call(JoinLinkResponse, `/api/incidents/${encodeURIComponent(incidentId)}/join-link`, { method: 'POST', token, body: '{}' });
}

export function clientConfig(token: string): Promise<ClientConfig> {
  return call(ClientConfig, '/api/config', { token });
}

export async function orgUnits(token: string): Promise<OrgUnit[]> {
  return (await call(z.object({ units: z.array(OrgUnit) }), '/api/org', { token })).units;
}

export async function loadWallLayout(token: string): Promise<WallLayout | null> {
  return (await call(z.object({ layout: WallLayout.nullable() }), '/api/me/wall', { token })).layout;
}

export async function saveWallLayout(token: string, layout: WallLayout): Promise<void> {
  await call(z.object({ layout: WallLayout }), '/api/me/wall', { method: 'PUT', token, body: JSON.stringify(layout) });
}

const RosterEntry = z.object({ user: PublicUser, online: z.boolean(), roomIds: z.array(z.string()) });
export type RosterEntry = z.infer<typeof RosterEntry>;

export async function roster(token: string): Promise<RosterEntry[]> {
  return (await call(z.object({ people: z.array(RosterEntry) }), '/api/roster', { token })).people;
}

export async function listSources(token: string): Promise<PublicSource[]> {
  return (await call(SourceList, '/api/feeds', { token })).sources;
}

export async function createSource(token: string, body: CreateSourceRequest): Promise<PublicSource> {
  return (await call(z.object({ source: PublicSource }), '/api/feeds', { token, method: 'POST', body: JSON.stringify(body) })).source;
}

export async function incidentRecordings(token: string, incidentId: string): Promise<Recording[]> {
  return (await call(z.object({ recordings: z.array(Recording) }), `/api/incidents/${encodeURIComponent(incidentId)}/recordings`, { token })).recordings;
}

/** The whole timeline, page by page (bounded: a replay page does not need more than this). */
export async function incidentTimeline(token: string, incidentId: string, maxPages = 40): Promise<TimelineEntry[]> {
  const entries: TimelineEntry[] = [];
  let from: number | null = 0;
  for (let i = 0; i < maxPages && from !== null; i++) {
    const page: TimelinePage = await call(TimelinePage, `/api/incidents/${encodeURIComponent(incidentId)}/timeline?from=${from}&limit=5000`, { token });
    entries.push(...page.entries);
    from = page.next;
  }
  return entries;
}

/** A track's file for <video>/<audio>, which cannot send headers: the token rides in the query (this route only). */
export function trackUrl(token: string, recordingId: string, index: number): string {
  return `${apiBase}/api/recordings/${encodeURIComponent(recordingId)}/tracks/${index}?access_token=${encodeURIComponent(token)}`;
}

export async function exportIncident(token: string, incidentId: string): Promise<Blob> {
  const res = await fetch(`${apiBase}/api/incidents/${encodeURIComponent(incidentId)}/export`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new ApiError({ code: 'INTERNAL', message: res.statusText });
  return res.blob();
}

/** Records (or stops recording) every room of the incident. */
export async function setIncidentRecording(token: string, incidentId: string, start: boolean): Promise<void> {
  await call(z.object({ incident: Incident }), `/api/incidents/${encodeURIComponent(incidentId)}/recording/${start ? 'start' : 'stop'}`, { method: 'POST', token, body: '{}' });
}
