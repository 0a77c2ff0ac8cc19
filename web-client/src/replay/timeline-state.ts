import type { MapMarker } from '../../../protocol/signalling.js';
import type { TimelineEntry } from '../../../protocol/timeline.js';

export interface PersonAt {
  id: string;
  name: string;
  lat: number;
  lon: number;
}

/** Everyone's last position and the markers standing at time `at` (entries oldest first). */
export function stateAt(entries: TimelineEntry[], at: number): { people: PersonAt[]; markers: MapMarker[] } {
  const people = new Map<string, PersonAt>();
  const markers = new Map<string, MapMarker>();
  for (const e of entries) {
    if (e.at > at) break;
    if (e.type === 'position') people.set(e.who.id, { id: e.who.id, name: e.who.name, lat: e.lat, lon: e.lon });
    else if (e.type === 'marker' && e.action === 'placed' && e.lat !== undefined && e.lon !== undefined) {
      markers.set(e.markerId, { id: e.markerId, lat: e.lat, lon: e.lon, note: e.note ?? '', by: { id: e.who.id, displayName: e.who.name, orgUnitId: '' }, at: e.at });
    } else if (e.type === 'marker' && e.action === 'removed') markers.delete(e.markerId);
  }
  return { people: [...people.values()], markers: [...markers.values()] };
}

/** How many entries are at or before `at`: the map is redrawn only when this changes. */
export function countUpTo(entries: TimelineEntry[], at: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
