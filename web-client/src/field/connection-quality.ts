import type { ConnectionState } from '../room-client.js';

export type Quality = 'good' | 'fair' | 'poor' | 'offline';

/** Grades the uplink from the send transport's statistics: round-trip time and the loss the server reports. */
export function gradeConnection(state: ConnectionState, stats: RTCStatsReport | undefined): { quality: Quality; rttMs?: number; lossPct?: number } {
  if (state === 'offline' || !stats) return { quality: 'offline' };
  let rttMs: number | undefined;
  let lost = 0;
  let sent = 0;
  stats.forEach((s: Record<string, unknown>) => {
    if (s['type'] === 'candidate-pair' && s['nominated'] && typeof s['currentRoundTripTime'] === 'number') rttMs = s['currentRoundTripTime'] * 1000;
    if (s['type'] === 'remote-inbound-rtp') lost += Number(s['packetsLost'] ?? 0);
    if (s['type'] === 'outbound-rtp') sent += Number(s['packetsSent'] ?? 0);
  });
  const lossPct = sent > 0 ? (100 * lost) / (sent + lost) : 0;
  const quality: Quality = state !== 'online' ? 'poor' : (rttMs ?? 0) < 150 && lossPct < 2 ? 'good' : (rttMs ?? 0) < 400 && lossPct < 8 ? 'fair' : 'poor';
  return { quality, ...(rttMs !== undefined ? { rttMs: Math.round(rttMs) } : {}), lossPct: Math.round(lossPct * 10) / 10 };
}

/** The browser's estimate of what the uplink carries now (kbit/s), from the selected candidate pair. */
export function availableOutgoingKbps(stats: RTCStatsReport | undefined): number | undefined {
  let kbps: number | undefined;
  stats?.forEach((s: Record<string, unknown>) => {
    if (s['type'] === 'candidate-pair' && s['nominated'] && typeof s['availableOutgoingBitrate'] === 'number') kbps = s['availableOutgoingBitrate'] / 1000;
  });
  return kbps;
}
