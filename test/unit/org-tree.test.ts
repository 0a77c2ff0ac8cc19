import { describe, it, expect } from 'vitest';
import { OrgTree } from '../../server/org/org-tree.js';
import type { OrgUnit } from '../../protocol/http.js';

const units: OrgUnit[] = [
  { id: 'city', name: 'City', kind: 'city', parentId: null },
  { id: 'county-a', name: 'County A', kind: 'county', parentId: 'city' },
  { id: 'township-a1', name: 'Township A1', kind: 'township', parentId: 'county-a' },
  { id: 'county-b', name: 'County B', kind: 'county', parentId: 'city' },
  { id: 'dept', name: 'Department', kind: 'department', parentId: 'city' },
];
const tree = new OrgTree(units);
const ids = (list: OrgUnit[]) => list.map((u) => u.id).sort();

describe('OrgTree', () => {
  it('isAncestorOrSelf follows parents upward only', () => {
    expect(tree.isAncestorOrSelf('city', 'township-a1')).toBe(true);
    expect(tree.isAncestorOrSelf('county-a', 'township-a1')).toBe(true);
    expect(tree.isAncestorOrSelf('township-a1', 'township-a1')).toBe(true);
    expect(tree.isAncestorOrSelf('township-a1', 'county-a')).toBe(false);
    expect(tree.isAncestorOrSelf('county-b', 'township-a1')).toBe(false);
    expect(tree.isAncestorOrSelf('city', 'no-such-unit')).toBe(false);
  });

  it("a township reaches its own, its county's and the city's rooms, nothing else", () => {
    expect(tree.canAccess('township-a1', 'township-a1')).toBe(true);
    expect(tree.canAccess('township-a1', 'county-a')).toBe(true);
    expect(tree.canAccess('township-a1', 'city')).toBe(true);
    expect(tree.canAccess('township-a1', 'county-b')).toBe(false);
    expect(tree.canAccess('township-a1', 'dept')).toBe(false);
    expect(ids(tree.visibleTo('township-a1'))).toEqual(['city', 'county-a', 'township-a1']);
  });

  it('the city reaches everything', () => {
    for (const u of units) expect(tree.canAccess('city', u.id)).toBe(true);
    expect(ids(tree.visibleTo('city'))).toEqual(ids(units));
  });

  it('county A cannot reach county B or its siblings, but reaches its subtree and the city', () => {
    expect(tree.canAccess('county-a', 'county-b')).toBe(false);
    expect(tree.canAccess('county-b', 'county-a')).toBe(false);
    expect(tree.canAccess('county-b', 'township-a1')).toBe(false);
    expect(tree.canAccess('dept', 'county-a')).toBe(false);
    expect(ids(tree.visibleTo('county-a'))).toEqual(['city', 'county-a', 'township-a1']);
    expect(ids(tree.visibleTo('county-b'))).toEqual(['city', 'county-b']);
  });

  it('an unknown unit sees nothing', () => {
    expect(tree.visibleTo('ghost')).toEqual([]);
    expect(tree.canAccess('ghost', 'city')).toBe(false);
  });

  it('terminates on a cyclic parent chain (depth bound) and on a very deep chain', () => {
    const cyclic = new OrgTree([
      { id: 'x', name: 'X', kind: 'county', parentId: 'y' },
      { id: 'y', name: 'Y', kind: 'county', parentId: 'x' },
      { id: 'z', name: 'Z', kind: 'city', parentId: null },
    ]);
    const started = Date.now();
    expect(cyclic.isAncestorOrSelf('z', 'x')).toBe(false);
    expect(cyclic.canAccess('x', 'z')).toBe(false);
    expect(cyclic.isAncestorOrSelf('y', 'x')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);

    // A chain of 100 units: the walk stops after 64 steps, so the root is not found from the leaf.
    const chain: OrgUnit[] = [{ id: 'n0', name: 'n0', kind: 'city', parentId: null }];
    for (let i = 1; i < 100; i++) chain.push({ id: `n${i}`, name: `n${i}`, kind: 'team', parentId: `n${i - 1}` });
    const deep = new OrgTree(chain);
    expect(deep.isAncestorOrSelf('n0', 'n63')).toBe(true);
    expect(deep.isAncestorOrSelf('n36', 'n99')).toBe(true);
    expect(deep.isAncestorOrSelf('n35', 'n99')).toBe(false);
    expect(deep.isAncestorOrSelf('n0', 'n99')).toBe(false);
  });
});
