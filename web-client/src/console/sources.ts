import type { RoomClient } from '../room-client.js';

/** Something the wall can show: for now each member of the incident with a camera. */
export interface VideoSource {
  key: string;
  userId: string;
  name: string;
  unitId: string;
  videoProducerId: string | undefined;
}

export function videoSources(client: RoomClient): VideoSource[] {
  return [...client.peers.values()]
    .map((peer) => ({
      key: `user:${peer.info.user.id}`,
      userId: peer.info.user.id,
      name: peer.info.user.displayName,
      unitId: peer.info.user.orgUnitId,
      videoProducerId: [...peer.producers.values()].find((p) => p.kind === 'video')?.id,
    }))
    .filter((s) => s.videoProducerId !== undefined);
}

/** Seconds since each user's latest reported position. */
export function positionAges(client: RoomClient): Map<string, number> {
  const latest = new Map<string, number>();
  for (const { user, position } of client.positions) latest.set(user.id, Math.max(latest.get(user.id) ?? 0, position.at));
  return new Map([...latest].map(([id, at]) => [id, Math.max(0, Math.round((Date.now() - at) / 1000))]));
}
