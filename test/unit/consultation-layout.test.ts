import { describe, expect, it } from 'vitest';
import { chooseSpotlight, consultationPage, consultationPageSize } from '../../web-client/src/ui/consultation-layout.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

describe('consultationPageSize', () => {
  it('gives a township the spotlight, a county 9 tiles, the city and departments 16', () => {
    expect(consultationPageSize('township')).toBe(1);
    expect(consultationPageSize('team')).toBe(1);
    expect(consultationPageSize('county')).toBe(9);
    expect(consultationPageSize('city')).toBe(16);
    expect(consultationPageSize('department')).toBe(16);
    expect(consultationPageSize(undefined)).toBe(1);
  });
});

describe('chooseSpotlight', () => {
  const members = [
    { peerId: 'op', role: 'operator' as const },
    { peerId: 'adm', role: 'admin' as const },
    { peerId: 'cmd', role: 'commander' as const },
    { peerId: 'cmd2', role: 'commander' as const },
  ];

  it('puts the first commander present in the spotlight, whoever speaks', () => {
    expect(chooseSpotlight(members, 'op')).toBe('cmd');
    expect(chooseSpotlight(members.filter((m) => m.peerId !== 'cmd'), null)).toBe('cmd2');
    expect(chooseSpotlight(members.filter((m) => m.role !== 'commander'), 'op')).toBe('adm');
  });

  it('puts a pinned member first, commander or not, while they are present', () => {
    expect(chooseSpotlight(members, null, 'op')).toBe('op');
    expect(chooseSpotlight(members, null, 'left-already')).toBe('cmd');
  });

  it('falls back to the active speaker, then to the first member, then to nobody', () => {
    const plain = [{ peerId: 'a', role: 'operator' as const }, { peerId: 'b', role: 'responder' as const }];
    expect(chooseSpotlight(plain, 'b')).toBe('b');
    expect(chooseSpotlight(plain, 'someone-who-left')).toBe('a');
    expect(chooseSpotlight(plain, null)).toBe('a');
    expect(chooseSpotlight([], 'x')).toBeNull();
  });
});

describe('consultationPage', () => {
  it('a township page is the spotlight alone', () => {
    expect(consultationPage(ids(20), 'p7', 1, 3)).toEqual({ visible: ['p7'], page: 0, pages: 1 });
    expect(consultationPage([], null, 1, 0)).toEqual({ visible: [], page: 0, pages: 1 });
  });

  it('a county page holds the spotlight first and 8 others, paging through the rest', () => {
    const first = consultationPage(ids(20), 'p5', 9, 0);
    expect(first.visible).toEqual(['p5', 'p0', 'p1', 'p2', 'p3', 'p4', 'p6', 'p7', 'p8']);
    expect(first.pages).toBe(3); // 19 others, 8 a page
    const last = consultationPage(ids(20), 'p5', 9, 2);
    expect(last.visible).toEqual(['p5', 'p17', 'p18', 'p19']);
  });

  it('clamps a page past either end, and works without a spotlight', () => {
    expect(consultationPage(ids(20), 'p0', 16, 9).page).toBe(1);
    expect(consultationPage(ids(20), 'p0', 16, -4).page).toBe(0);
    expect(consultationPage(ids(20), null, 16, 0).visible).toEqual(ids(16));
    expect(consultationPage(ids(3), 'gone', 9, 0).visible).toEqual(['p0', 'p1', 'p2']);
  });

  it('refuses a page size that is not a positive integer', () => {
    expect(() => consultationPage(ids(3), null, 0, 0)).toThrow(TypeError);
  });
});
