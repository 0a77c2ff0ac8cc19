import { Incident, JoinLinkResponse, LoginResponse, RoomInfo, type LoginRequest } from '../../protocol/http.js';
import type { ErrorBody } from '../../protocol/errors.js';
import { z } from 'zod';
import type { types } from 'mediasoup-client';

export class ApiError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
}

async function call<S extends z.ZodTypeAny>(schema: S, path: string, init: RequestInit & { token?: string }): Promise<z.infer<S>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const res = await fetch(path, { ...init, headers });
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
