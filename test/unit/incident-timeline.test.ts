import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicUser } from '../../protocol/http.js';
import type { TimelineEvent } from '../../protocol/timeline.js';
import { PositionLog } from '../../server/positions/position-log.js';
import { IncidentTimeline } from '../../server/timeline/incident-timeline.js';
import { silentLogger, startRedis, type RedisFixture } from './redis-fixture.js';

const user: PublicUser = { id: 'u-field01', username: 'field01', displayName: '救援队员一', orgUnitId: 'team-rescue-1', role: 'responder' };
const join = (peerId: string): TimelineEvent => ({ type: 'join', roomId: 'inc-a', who: { id: user.id, name: user.displayName }, peerId });

describe('IncidentTimeline (real Redis)', () => {
  let fx: RedisFixture;
  beforeAll(async () => {
    fx = await startRedis();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('keeps events per incident, oldest first, positions of its rooms merged in', async () => {
    const timeline = new IncidentTimeline(fx.redis, silentLogger);
    await timeline.record('a', join('p1'));
    await new PositionLog(fx.redis).record('inc-a', user, [{ seq: 1, lat: 35.1, lon: 118.2, at: Date.now() }]);
    await timeline.record('a', { type: 'message', roomId: 'inc-a', who: { id: user.id, name: user.displayName }, to: { kind: 'all' }, text: '收到' });
    await timeline.record('b', join('p9'));
    // Rooms outside any incident are not kept.
    await timeline.record(undefined, join('p0'));
    const page = await timeline.read('a', ['inc-a'], { limit: 100, positions: true });
    expect(page.next).toBeNull();
    expect(page.entries.map((e) => e.type)).toEqual(['join', 'position', 'message']);
    expect(page.entries[1]).toMatchObject({ type: 'position', lat: 35.1, lon: 118.2, who: { id: user.id, name: user.displayName } });
    expect((await timeline.read('a', ['inc-a'], { limit: 100, positions: false })).entries.map((e) => e.type)).toEqual(['join', 'message']);
    expect((await timeline.read('b', [], { limit: 100, positions: true })).entries).toHaveLength(1);
  });

  it('refuses an invalid event without throwing, and skips a corrupt stored entry on read', async () => {
    const timeline = new IncidentTimeline(fx.redis, silentLogger);
    await expect(timeline.record('c', { type: 'join', roomId: 'inc-c' } as unknown as TimelineEvent)).resolves.toBeUndefined();
    await fx.redis.xadd('timeline:c', '*', 'event', 'not json');
    await fx.redis.xadd('timeline:c', '*', 'event', JSON.stringify({ type: 'nonsense' }));
    await timeline.record('c', join('p2'));
    const { entries } = await timeline.read('c', [], { limit: 10, positions: true });
    expect(entries.map((e) => e.type)).toEqual(['join']);
  });

  it('pages: each entry exactly once, cut at millisecond boundaries', async () => {
    const timeline = new IncidentTimeline(fx.redis, silentLogger);
    // Several entries share a millisecond (explicit stream ids).
    for (const [i, id] of ['1000-0', '1000-1', '1001-0', '1002-0', '1002-1', '1002-2', '1003-0'].entries()) {
      await fx.redis.xadd('timeline:d', id, 'event', JSON.stringify(join(`p${i}`)));
    }
    const seen: string[] = [];
    let from: number | null = 0;
    for (let i = 0; i < 20 && from !== null; i++) {
      const page = await timeline.read('d', [], { from, limit: 2, positions: true });
      seen.push(...page.entries.map((e) => e.id));
      from = page.next;
    }
    expect(seen).toEqual(['1000-0', '1000-1', '1001-0', '1002-0', '1002-1', '1002-2', '1003-0']);
    const bounded = await timeline.read('d', [], { from: 1001, to: 1002, limit: 100, positions: true });
    expect(bounded.entries.map((e) => e.at)).toEqual([1001, 1002, 1002, 1002]);
  });
});
