import { LoginResponse, RoomInfo, type LoginRequest } from '../../protocol/http.js';
import type { ErrorBody } from '../../protocol/errors.js';
import { PublicSource, SourceList, type CreateSourceRequest } from '../../protocol/feeds.js';
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

export async function listSources(token: string): Promise<PublicSource[]> {
  return (await call(SourceList, '/api/feeds', { token })).sources;
}

export async function createSource(token: string, body: CreateSourceRequest): Promise<PublicSource> {
  return (await call(z.object({ source: PublicSource }), '/api/feeds', { token, method: 'POST', body: JSON.stringify(body) })).source;
}
