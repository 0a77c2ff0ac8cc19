import type { OrgUnitKind, Role } from '../../../protocol/http.js';

/**
 * A consultation room's page follows the viewer's level: a township watches the commander, a county a
 * 3×3 page, the city centre and departments a 4×4 console. Before the viewer's unit is known, the
 * cheapest (one tile), so a township never briefly receives sixteen videos.
 */
export function consultationPageSize(viewerUnitKind: OrgUnitKind | undefined): 1 | 9 | 16 {
  switch (viewerUnitKind) {
    case 'city':
    case 'department':
      return 16;
    case 'county':
      return 9;
    default:
      return 1;
  }
}

/** Who leads a consultation, by role; a member below these ranks is never the spotlight by rank alone. */
const LEADING_ROLES: readonly Role[] = ['commander', 'admin'];

export interface Member {
  peerId: string;
  role: Role;
}

/**
 * The spotlight tile: whoever a commander pinned, else the leading member present (a commander before
 * an administrator, the earlier joined among equals), else whoever speaks now, else the first member.
 */
export function chooseSpotlight(members: readonly Member[], activeSpeaker: string | null, pinned: string | null = null): string | null {
  if (pinned !== null && members.some((m) => m.peerId === pinned)) return pinned;
  for (const role of LEADING_ROLES) {
    const leader = members.find((m) => m.role === role);
    if (leader) return leader.peerId;
  }
  if (activeSpeaker !== null && members.some((m) => m.peerId === activeSpeaker)) return activeSpeaker;
  return members[0]?.peerId ?? null;
}

export interface ConsultationPage {
  /** Peer ids to show, the spotlight first. */
  visible: string[];
  page: number;
  pages: number;
}

/**
 * One page of `pageSize` tiles: the spotlight stays first on every page and the other members page
 * through the remaining tiles in join order. A one-tile page is the spotlight alone.
 */
export function consultationPage(memberIds: readonly string[], spotlight: string | null, pageSize: number, requestedPage: number): ConsultationPage {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError(`page size must be a positive integer, not ${pageSize}`);
  const lead = spotlight !== null && memberIds.includes(spotlight) ? [spotlight] : [];
  const others = memberIds.filter((id) => id !== spotlight);
  const slots = pageSize - lead.length;
  if (slots === 0) return { visible: lead, page: 0, pages: 1 };
  const pages = Math.max(1, Math.ceil(others.length / slots));
  const page = Math.min(Math.max(0, Math.trunc(requestedPage) || 0), pages - 1);
  return { visible: [...lead, ...others.slice(page * slots, (page + 1) * slots)], page, pages };
}
