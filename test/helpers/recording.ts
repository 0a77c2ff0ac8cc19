import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { login } from './server-process.js';

const run = promisify(execFile);

export interface Probe {
  codecs: string[];
  duration: number;
}

/** ffprobe's view of a file: its streams' codecs and the container's duration (NaN without a trailer). */
export async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file]);
  const json = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_name?: string }[] };
  return { codecs: (json.streams ?? []).map((s) => s.codec_name ?? ''), duration: Number(json.format?.duration ?? NaN) };
}

/** The last packet's time in the file: what a reader gets from a file whose trailer (duration, cues) is not written yet. */
export async function lastPacketTime(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', '0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  const times = stdout.split('\n').map(Number).filter((t) => Number.isFinite(t) && t > 0);
  return times.length ? Math.max(...times) : 0;
}

export type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
export interface Note {
  type: string;
  data: unknown;
}

/** A socket.io client in a room without media (a commander's second screen): sends requests, collects notifications. */
export async function joinWithoutMedia(url: string, username: string, password: string, roomId: string): Promise<{ socket: Socket; notes: Note[] }> {
  const socket = io(url, { auth: { token: await login(url, username, password) }, transports: ['websocket'], forceNew: true });
  const notes: Note[] = [];
  socket.on('notification', (n: Note) => notes.push(n));
  const reply = (await socket.timeout(5000).emitWithAck('request', { method: 'joinRoom', data: { roomId } })) as Reply<unknown>;
  if (!reply.ok) throw new Error(`join ${roomId}: ${reply.error.message}`);
  return { socket, notes };
}

export async function request<T>(socket: Socket, method: string, data: unknown = {}, timeoutMs = 15_000): Promise<Reply<T>> {
  return (await socket.timeout(timeoutMs).emitWithAck('request', { method, data })) as Reply<T>;
}

/** fetch with the bearer token, JSON body when given. */
export function api(url: string, token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
