import type { RoomClient } from '../room-client.js';
import { feedStateText } from '../ui/feeds-panel.js';

/** Something the wall can show: a member of the incident with a camera, or a camera feed watched in it. */
export interface VideoSource {
  key: string;
  userId: string;
  name: string;
  unitId: string;
  videoProducerId: string | undefined;
  /** For a camera feed: its pull's state ("connecting", "retrying: wrong password", …). */
  feedText: string | undefined;
}

export function videoSources(client: RoomClient): VideoSource[] {
  return [...client.peers.values()]
    .map((peer) => ({
      key: `user:${peer.info.user.id}`,
      userId: peer.info.user.id,
      name: peer.info.user.displayName,
      unitId: peer.info.user.orgUnitId,
      videoProducerId: [...peer.producers.values()].find((p) => p.kind === 'video')?.id,
      feedText: peer.info.feed ? feedStateText(peer.info.feed) : undefined,
    }))
    // A feed shows its state on its tile before its first picture.
    .filter((s) => s.videoProducerId !== undefined || s.feedText !== undefined);
}

/** Seconds since each user's latest reported position. */
export function positionAges(client: RoomClient): Map<string, number> {
  const latest = new Map<string, number>();
  for (const { user, position } of client.positions) latest.set(user.id, Math.max(latest.get(user.id) ?? 0, position.at));
  return new Map([...latest].map(([id, at]) => [id, Math.max(0, Math.round((Date.now() - at) / 1000))]));
}
