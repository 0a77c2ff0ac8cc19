import type { FeedFailure } from '../../protocol/feeds.js';

const RULES: [RegExp, FeedFailure][] = [
  [/401 Unauthorized|403 Forbidden|Authorization failed/i, 'unauthorized'],
  [/404 Not Found|454 Session Not Found|Stream not found/i, 'not-found'],
  [/Connection refused|No route to host|Network is unreachable|Name or service not known|Failed to resolve|Temporary failure in name resolution/i, 'unreachable'],
  [/timed out|Connection timed out|ETIMEDOUT/i, 'timeout'],
  [/Unknown encoder|Unsupported codec|Could not find codec|Invalid data found/i, 'unsupported'],
];

/** Turns what ffmpeg or ffprobe printed into a reason a person can act on. */
export function classifyFailure(stderr: string, ingest: 'rtsp' | 'rtmp'): FeedFailure {
  for (const [pattern, reason] of RULES) if (pattern.test(stderr)) return reason;
  // nginx-rtmp closes a play of a stream nobody publishes: ffmpeg then sees an empty or broken input.
  if (ingest === 'rtmp') return 'not-publishing';
  return stderr.trim() === '' ? 'ended' : 'error';
}

/** Failures that another try is unlikely to fix soon: retried, but only at the slowest pace. */
export function isPersistent(reason: FeedFailure): boolean {
  return reason === 'unauthorized' || reason === 'not-found' || reason === 'unsupported';
}
