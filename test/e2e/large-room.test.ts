/**
 * A large consultation: 60 lightweight endpoints (bench/load: real ICE, DTLS, SRTP and VP8, no
 * browser) publish video into one room with two Chromium members. Each browser must decode what its
 * page shows, and the server must forward only that: its consumer count is what the pages show.
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

  const roomConsumers = async () => (await mediaOverview(server.url, admin)).rooms.find((r) => r.id === ROOM)?.consumers ?? -1;

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
});
