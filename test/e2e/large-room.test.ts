/**
 * A large consultation: 60 lightweight endpoints (bench/load: real ICE, DTLS, SRTP and VP8, no
 * browser) publish video into one room with two Chromium members. Each browser must decode what its
 * page shows, and the server must forward only that: its consumer count is what the pages show.
 * Then a tiered consultation (layout 'consultation') with 20 endpoints publishing audio and video: a
 * township browser sees the commander alone, a county browser a 3×3 page, and each hears only the
 * room's last N speakers; a browser that starts speaking becomes audible to the other.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiteEndpoint } from '../../bench/load/lite-endpoint.js';
import { createCertificate } from '../../bench/load/lite-transport.js';
import { Pacer } from '../../bench/load/pacer.js';
import { loadVp8Clip } from '../../bench/load/vp8-clip.js';
import { joinAs, launchBrowser, receiveStats, type TestBrowser } from '../helpers/browser.js';
import { login, mediaOverview, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';
const ENDPOINTS = 60;
const TIERED_ROOM = 'city-tiered-consultation';
const TIERED_ENDPOINTS = 20;
/** The server's default LAST_N_AUDIO. */
const LAST_N = 6;

interface Diag {
  peerId(): string;
  state(): string;
  receiving(): { producerId: string; kind: 'audio' | 'video'; peerId: string }[];
  audible(): { peerIds: string[]; lastN: number } | null;
  probe: { useToneAsMic(): Promise<void>; toneBurst(ms: number): void; sentOnsets(): number[]; listen(): void; heardOnsets(): number[] };
}
const diag = <T, A = undefined>(page: Page, fn: (d: Diag, arg: A) => T | Promise<T>, arg?: A): Promise<T> =>
  page.evaluate((f, a) => new Function('d', 'a', `return (${f})(d, a)`)((window as unknown as { __diag: Diag }).__diag, a), fn.toString(), arg as A) as Promise<T>;
const audioFrom = async (page: Page) => (await diag(page, (d) => d.receiving())).filter((r) => r.kind === 'audio').map((r) => r.peerId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A lightweight endpoint talks: 20 ms frames whose level rises and falls (the observer measures a
 * talker against their own quietest frames). Frames a late timer missed are sent on the next tick,
 * so the observer sees a talker's full 50 levels a second however loaded the machine is.
 */
function talk(e: LiteEndpoint): NodeJS.Timeout {
  const started = performance.now();
  let sent = 0;
  return setInterval(() => {
    for (const due = Math.floor((performance.now() - started) / 20); sent < due; sent++) e.sendAudio(sent % 6 === 0 ? -70 : -10);
  }, 20);
}

/** Peer ids of the remote tiles the page shows now. */
function visiblePeers(page: Page): Promise<string[]> {
  return page.$$eval('#gallery .tile[data-peer]', (tiles) => tiles.map((t) => (t as HTMLElement).dataset['peer']!).filter((id) => id !== 'self'));
}

/** Waits until every remote tile on the page decodes video, its frame count rising. */
async function waitPageDecoding(page: Page, timeoutMs: number): Promise<string[]> {
  const first = new Map<string, number>();
  let shown: string[] = [];
  await waitFor(
    'every visible tile decoding',
    async () => {
      shown = await visiblePeers(page);
      const frames = new Map((await receiveStats(page)).map((s) => [s.peerId, s.framesDecoded]));
      let all = shown.length > 0;
      for (const peer of shown) {
        const now = frames.get(peer) ?? 0;
        const before = first.get(peer);
        if (now === 0) all = false;
        else if (before === undefined) {
          first.set(peer, now);
          all = false;
        } else if (now <= before) all = false;
      }
      return all;
    },
    timeoutMs,
    250,
  );
  return shown;
}

describe('a large room: 60 lightweight endpoints and two browsers', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let pacer: Pacer;
  const endpoints: LiteEndpoint[] = [];
  let admin: string;
  const pages: Page[] = [];

  const roomConsumers = async (room = ROOM) => (await mediaOverview(server.url, admin)).rooms.find((r) => r.id === room)?.consumers ?? -1;

  beforeAll(async () => {
    server = await startServer();
    admin = await login(server.url, 'admin', 'admin123');
    const token = await login(server.url, 'police', 'dept123');
    const cert = await createCertificate();
    // Small and slow, so that 60 publishers and two decoding browsers fit on a CI machine.
    pacer = new Pacer(await loadVp8Clip({ kbps: 100, width: 320, height: 180, fps: 10, seconds: 4 }));
    pacer.start();
    for (let i = 0; i < ENDPOINTS; i += 6) {
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          const e = await LiteEndpoint.connect(server.url, token, cert);
          endpoints.push(e);
          await e.join(ROOM, true);
          pacer.add(e);
        }),
      );
    }
    chromium = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    pacer?.stop();
    for (const e of endpoints) e.close();
    await chromium?.close();
    await server?.stop();
  });

  it('each browser decodes its page, and the server forwards only what the pages show', async () => {
    const a = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    const b = await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    pages.push(a, b);
    await b.select('#per-page', '16');

    const shownA = await waitPageDecoding(a, 60_000);
    const shownB = await waitPageDecoding(b, 60_000);
    expect(shownA.length).toBe(8); // 9 tiles, one of them this browser's own
    expect(shownB.length).toBe(15);
    // Video for the tiles shown, plus each browser hearing the other (the endpoints send no audio).
    const expected = shownA.length + shownB.length + 2;
    await waitFor('consumers settle on what is shown', async () => (await roomConsumers()) === expected, 15_000, 250);
    expect(expected).toBeLessThan(ENDPOINTS);

    // Another page: its videos are consumed, the previous page's are let go.
    await a.click('#page-next');
    const nextA = await waitPageDecoding(a, 60_000);
    expect(nextA.some((id) => shownA.includes(id))).toBe(false);
    const expectedAfter = nextA.length + shownB.length + 2;
    await waitFor('consumers follow the page', async () => (await roomConsumers()) === expectedAfter, 15_000, 250);
    // The lightweight endpoints show nothing, so they receive nothing.
    expect(endpoints.every((e) => e.consumerCount === 0)).toBe(true);
  }, 240_000);

  it('a tiered consultation: the township sees the commander, the county 9 tiles, each hears only the last N speakers', async () => {
    // The first room is done with: its pages and endpoints would only load the machine.
    for (const page of pages.splice(0)) await page.browserContext().close();
    for (const e of endpoints.splice(0)) {
      pacer.delete(e);
      e.close();
    }
    const commanderToken = await login(server.url, 'commander', 'commander123');
    const token = await login(server.url, 'police', 'dept123');
    const cert = await createCertificate();
    const lite: LiteEndpoint[] = [];
    for (let i = 0; i < TIERED_ENDPOINTS; i += 5) {
      await Promise.all(
        Array.from({ length: 5 }, async (_, j) => {
          const e = await LiteEndpoint.connect(server.url, i + j === 0 ? commanderToken : token, cert);
          endpoints.push(e);
          lite[i + j] = e;
          await e.join(TIERED_ROOM, true, { audio: true });
          pacer.add(e);
        }),
      );
    }
    const commander = lite[0]!;

    const township = await joinAs(chromium.browser, server.url, 'township0101', 'township123', TIERED_ROOM);
    const county = await joinAs(chromium.browser, server.url, 'county01', 'county123', TIERED_ROOM);
    pages.push(township, county);
    // The browsers talk through a silent tone generator, so that they speak only when the test says.
    for (const page of [township, county]) {
      await waitFor('online', () => diag(page, (d) => d.state() === 'online'), 30_000);
      await diag(page, (d) => d.probe.useToneAsMic());
    }
    const townshipPeer = await diag(township, (d) => d.peerId());
    const countyPeer = await diag(county, (d) => d.peerId());
    const who = (id: string) => (id === townshipPeer ? 'township' : id === countyPeer ? 'county' : `lite ${lite.findIndex((e) => e.peerId === id)}`);

    const shownTownship = await waitPageDecoding(township, 60_000);
    const shownCounty = await waitPageDecoding(county, 60_000);
    expect(shownTownship).toEqual([commander.peerId]);
    expect(shownCounty.length).toBe(9);
    expect(shownCounty[0]).toBe(commander.peerId);
    expect(await township.$eval('#gallery .tile.spotlight', (t) => (t as HTMLElement).dataset['peer'])).toBe(commander.peerId);

    // The commander pins another member: the township's one tile follows, and only that video is received.
    const pinned = lite[TIERED_ENDPOINTS - 1]!;
    await commander.pinSpotlight(pinned.peerId);
    await waitFor('the township shows the pinned member', async () => (await visiblePeers(township)).join() === pinned.peerId, 15_000, 100);
    await waitFor('the township receives only the pinned video', async () => {
      const video = (await diag(township, (d) => d.receiving())).filter((r) => r.kind === 'video');
      return video.length === 1 && video[0]!.peerId === pinned.peerId;
    }, 15_000, 100);
    expect((await visiblePeers(county))[0]).toBe(pinned.peerId);
    await commander.pinSpotlight(null);
    await waitFor('back to the commander', async () => (await visiblePeers(township)).join() === commander.peerId, 15_000, 100);

    // Six endpoints speak in turn; each is held until the room names it audible.
    const talkers = lite.slice(1, 1 + LAST_N);
    // The pages are checked: the videos stop, so the audio below keeps its pace on a loaded machine.
    pacer.stop();
    for (const [i, e] of talkers.entries()) {
      const voice = talk(e);
      try {
        await waitFor(`talker ${i} audible`, async () => (await diag(county, (d) => d.audible()))?.peerIds[0] === e.peerId, 30_000, 100).catch(async (err: Error) => {
          throw new Error(`${err.message}; audible now: ${JSON.stringify((await diag(county, (d) => d.audible()))?.peerIds.map(who))}`);
        });
      } finally {
        clearInterval(voice);
      }
    }
    const audible = await diag(county, (d) => d.audible());
    expect(audible).toEqual({ peerIds: talkers.map((e) => e.peerId).reverse(), lastN: LAST_N });
    // Each browser receives the six talkers' audio and no one else's (22 microphones in the room).
    // A speaker dropped from the N is still received for its grace (3 s), and one whose consume was on its
    // way when it dropped out lands and then waits out its grace too: wait for exactly the six.
    const talkerIds = talkers.map((e) => e.peerId).sort();
    const receivesTalkers = async (page: Page) => (await audioFrom(page)).sort().join() === talkerIds.join();
    await waitFor('audio settles on the last N', async () => (await receivesTalkers(county)) && (await receivesTalkers(township)), 20_000, 250).catch(async (err: Error) => {
      throw new Error(`${err.message}; county receives ${JSON.stringify((await audioFrom(county)).map(who))}, township ${JSON.stringify((await audioFrom(township)).map(who))}`);
    });
    expect((await audioFrom(county)).map(who).sort(), JSON.stringify((await diag(county, (d) => d.audible()))?.peerIds.map(who))).toEqual(talkers.map((e) => who(e.peerId)).sort());
    expect((await audioFrom(township)).sort()).toEqual(talkerIds);
    // The server forwards the shown videos and the audible speakers' audio: 1 + 9 + 6 + 6, not 21 × 2 × 2.
    await waitFor('server consumers: pages and last N', async () => (await roomConsumers(TIERED_ROOM)) === 1 + 9 + LAST_N + LAST_N, 15_000, 250);

    // The township starts speaking: it becomes audible, and the county hears it.
    await diag(county, (d) => d.probe.listen());
    await sleep(300);
    const before = await diag(county, (d) => d.probe.heardOnsets());
    expect(before).toEqual([]);
    await diag(township, (d) => d.probe.toneBurst(6000));
    const heard = await waitFor('the county hears the township', async () => (await diag(county, (d) => d.probe.heardOnsets()))[0], 15_000, 50);
    const sent = (await diag(township, (d) => d.probe.sentOnsets()))[0]!;
    console.log(`last-N: township audible at the county ${Math.round(heard - sent)} ms after it started speaking`);
    expect(heard).toBeGreaterThan(sent);
    expect((await diag(county, (d) => d.audible()))?.peerIds[0]).toBe(townshipPeer);
    expect(await audioFrom(county)).toContain(townshipPeer);
    // The talker who spoke longest ago is let go after its grace: the county hears N, the township N - 1 (not itself).
    await waitFor('server consumers: the oldest talker let go', async () => (await roomConsumers(TIERED_ROOM)) === 1 + 9 + LAST_N + (LAST_N - 1), 15_000, 250);
    expect(await audioFrom(county)).not.toContain(talkers[0]!.peerId);
    expect((await audioFrom(county)).length).toBeLessThanOrEqual(LAST_N);
    expect((await audioFrom(township)).length).toBeLessThanOrEqual(LAST_N);
    expect(endpoints.every((e) => e.consumerCount === 0)).toBe(true);
  }, 300_000);
});
