import type { Page } from 'puppeteer-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, receiveStats, type TestBrowser } from '../helpers/browser.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';

/** Members with no media (signalling only) fill page 1, so the two cameras land on page 2. */
async function joinWithoutMedia(url: string, username: string, password: string): Promise<Socket> {
  const socket = io(url, { auth: { token: await login(url, username, password) }, transports: ['websocket'], forceNew: true });
  const reply = (await socket.timeout(5000).emitWithAck('request', { method: 'joinRoom', data: { roomId: ROOM } })) as { ok: boolean };
  expect(reply.ok).toBe(true);
  return socket;
}

describe('gallery pages', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let viewer: Page;
  const sockets: Socket[] = [];

  const frames = async () => new Map((await receiveStats(viewer)).map((s) => [s.name, s.framesDecoded]));
  const rising = async (names: string[], expectRising: boolean) => {
    const before = await frames();
    await new Promise((r) => setTimeout(r, 1500));
    const after = await frames();
    return names.every((n) => ((after.get(n) ?? 0) - (before.get(n) ?? 0) > 3) === expectRising);
  };

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    for (const [u, p] of [['admin', 'admin123'], ['police', 'dept123'], ['county02', 'county123']] as const) {
      sockets.push(await joinWithoutMedia(server.url, u, p));
    }
    await joinAs(chromium.browser, server.url, 'field01', 'field123', ROOM);
    await joinAs(chromium.browser, server.url, 'field02', 'field123', ROOM);
    viewer = await joinAs(chromium.browser, server.url, 'commander', 'commander123', ROOM);
    await viewer.select('#per-page', '4');
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await chromium?.close();
    await server?.stop();
  });

  it('pauses the videos on other pages and plays them when their page is shown', async () => {
    await waitFor('two pages', async () => (await viewer.$eval('.pager span', (el) => el.textContent)) === '1/2', 10_000);
    expect(await viewer.$$eval('#gallery .tile', (tiles) => tiles.length)).toBe(4);
    // Cameras are on page 2: nothing of theirs is decoded while page 1 is shown.
    expect(await rising(['field01', 'field02'], false)).toBe(true);
    await viewer.click('#page-next');
    await waitFor('page 2 decoding', () => rising(['field01', 'field02'], true), 15_000, 0);
    expect(await viewer.$$eval('#gallery .tile', (tiles) => tiles.length)).toBe(2);
    await viewer.click('#page-prev');
    await waitFor('page 2 paused again', () => rising(['field01', 'field02'], false), 10_000, 0);
  });
});
