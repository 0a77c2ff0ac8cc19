/**
 * A room spanning two mediasoup workers (ROOM_PEERS_PER_ROUTER=1 forces one member per router): two
 * Chromium members on routers of different workers decode and hear each other through pipes; the
 * worker under the non-home router is killed, its member rejoins and decodes again, and the member on
 * the home router keeps its session and its stream throughout.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, receiveStats, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { login, mediaOverview, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';

type Diag = { __diag: { peerId(): string; state(): string } };
const peerIdOf = (page: Page) => page.evaluate(() => (window as unknown as Diag).__diag.peerId());
const stateOf = (page: Page) => page.evaluate(() => (window as unknown as Diag).__diag.state());

describe('a room spanning two workers', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let admin: string;
  let home: Page;
  let away: Page;

  const roomNow = async () => {
    const overview = await mediaOverview(server.url, admin);
    return { overview, room: overview.rooms.find((r) => r.id === ROOM) };
  };

  beforeAll(async () => {
    server = await startServer({ workers: 2, env: { ROOM_PEERS_PER_ROUTER: '1' } });
    admin = await login(server.url, 'admin', 'admin123');
    chromium = await launchBrowser();
    // The first member opens the room on its home router; the second gets a router on the other worker.
    home = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    away = await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('two members on routers of different workers decode and hear each other', async () => {
    await Promise.all([
      waitDecodingFrom(home, ['county01'], 30_000, { audio: true }),
      waitDecodingFrom(away, ['commander'], 30_000, { audio: true }),
    ]);
    const { overview, room } = await roomNow();
    const [homeRouter, awayRouter] = room!.routers;
    expect(room!.routers).toHaveLength(2);
    expect(homeRouter).toMatchObject({ home: true, participantIds: [await peerIdOf(home)], workerPid: room!.workerPid });
    expect(awayRouter).toMatchObject({ home: false, participantIds: [await peerIdOf(away)] });
    expect(awayRouter!.workerPid).not.toBe(homeRouter!.workerPid);
    expect(overview.workers.map((w) => w.pid).sort()).toEqual([homeRouter!.workerPid, awayRouter!.workerPid].sort());
    expect(overview.workers.map((w) => w.peers)).toEqual([1, 1]);
    // Each member consumes the other's audio and video: nothing more.
    expect(room!.consumers).toBe(4);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    expect(metrics).toContain(`ecs_room_routers{room="${ROOM}"} 2`);
    for (const w of overview.workers) expect(metrics).toContain(`ecs_media_worker_peers{worker="${w.index}"} 1`);
  });

  it('a killed worker under the non-home router: its member rejoins, the other keeps its stream', async () => {
    const { room } = await roomNow();
    const awayRouter = room!.routers.find((r) => !r.home)!;
    const homePeer = await peerIdOf(home);
    const awayPeer = await peerIdOf(away);
    const homeStates = new Set<string>();
    let watching = true;
    const watch = (async () => {
      for (let i = 0; watching && i < 600; i++) {
        homeStates.add(await stateOf(home));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    process.kill(awayRouter.workerPid, 'SIGKILL');
    try {
      // The away member is told to rejoin (roomReset) and comes back as a new peer on a live router.
      await waitFor('the away member rejoined', async () => (await peerIdOf(away)) !== awayPeer && (await stateOf(away)) === 'online', 15_000);
      const rejoined = await peerIdOf(away);
      await waitFor('the home member consumes the rejoined member', async () => (await receiveStats(home)).some((s) => s.peerId === rejoined && s.framesDecoded > 0), 15_000);
      await Promise.all([
        waitDecodingFrom(home, ['county01'], 15_000, { audio: true }),
        waitDecodingFrom(away, ['commander'], 15_000, { audio: true }),
      ]);
      // Still the same session and the same stream on the home side.
      expect(await peerIdOf(home)).toBe(homePeer);
      expect((await receiveStats(away)).find((s) => s.name === 'commander')?.peerId).toBe(homePeer);
    } finally {
      watching = false;
      await watch;
    }
    expect([...homeStates]).toEqual(['online']);

    const { overview, room: after } = await roomNow();
    expect(after!.peers).toBe(2);
    expect(after!.workerPid).toBe(room!.workerPid);
    expect(overview.workers.map((w) => w.pid)).not.toContain(awayRouter.workerPid);
    expect(after!.consumers).toBe(4);
    const live = overview.workers.filter((w) => !w.closed).map((w) => w.pid);
    expect(after!.routers.every((r) => live.includes(r.workerPid))).toBe(true);
    expect(after!.routers.flatMap((r) => r.participantIds).sort()).toEqual([homePeer, await peerIdOf(away)].sort());
  });
});
