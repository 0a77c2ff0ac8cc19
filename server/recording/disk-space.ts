import { statfs } from 'node:fs/promises';

/** Bytes an unprivileged writer can still use on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** ffmpeg's words (strerror) when a write hit ENOSPC. */
export const isDiskFullError = (text: string) => /no space left on device|ENOSPC/i.test(text);
