import type { OrgUnit } from '../../protocol/http.js';

/**
 * The organisation tree (city → counties → townships, city departments, field teams).
 * Access rule: a user reaches what belongs to their own unit, to units below it (supervision) and to
 * units above it (a higher level's consultation includes its subordinates), never a sibling branch.
 */
export class OrgTree {
  readonly #units = new Map<string, OrgUnit>();

  constructor(units: Iterable<OrgUnit>) {
    for (const unit of units) this.#units.set(unit.id, unit);
  }

  get(id: string): OrgUnit | undefined {
    return this.#units.get(id);
  }

  all(): OrgUnit[] {
    return [...this.#units.values()];
  }

  isAncestorOrSelf(ancestorId: string, unitId: string): boolean {
    let current: string | null | undefined = unitId;
    for (let depth = 0; current && depth < 64; depth++) {
      if (current === ancestorId) return true;
      current = this.#units.get(current)?.parentId;
    }
    return false;
  }

  canAccess(userUnitId: string, resourceUnitId: string): boolean {
    return this.isAncestorOrSelf(userUnitId, resourceUnitId) || this.isAncestorOrSelf(resourceUnitId, userUnitId);
  }

  /** The units a user may see: their ancestors, themselves and everything below them. */
  visibleTo(userUnitId: string): OrgUnit[] {
    return this.all().filter((u) => this.canAccess(userUnitId, u.id));
  }
}
