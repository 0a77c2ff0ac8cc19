import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, waitDecodingFrom } from '../helpers/browser.js';
import type { TestHost } from '../helpers/netns.js';
import { login, mediaOverview, type RunningServer } from '../helpers/server-process.js';
import { startTwoHosts, type TwoHosts } from '../helpers/two-hosts.js';

const ROOM = 'city-consultation';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A field responder's browser on a host of its own (network namespace) loses its network for real
 * (the link goes down) and gets it back: the call comes back without a page reload.
 */
describe('recovery from a real network loss', () => {
  let net: TwoHosts;
  let host: TestHost;
  let server: RunningServer;
  let field: Page;
  let center: Page;

  const bothDecode = (timeoutMs: number) =>
    Promise.all([waitDecodingFrom(center, ['field01'], timeoutMs), waitDecodingFrom(field, ['commander'], timeoutMs)]);
  const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);

  beforeAll(async () => {
    net = await startTwoHosts();
    ({ host, server } = net);
    field = await joinAs(net.fieldBrowser.browser, server.url, 'field01', 'field123', ROOM);
    center = await joinAs(net.centerBrowser.browser, server.url, 'commander', 'commander123', ROOM);
    await bothDecode(20_000);
    await field.evaluate(() => Object.assign(window, { __sameDocument: true }));
  });

  afterAll(async () => {
    await net?.close();
  });

  it('a 4 s outage: media flows again by itself', async () => {
    await host.setLinkUp(false);
    await sleep(4_000);
    await host.setLinkUp(true);
    await bothDecode(15_000);
    expect(await notReloaded(field)).toBe(true);
  });

  it('a 13 s outage (the server drops the socket): the client reconnects and rejoins, leaving no ghost', async () => {
    await host.setLinkUp(false);
    await sleep(13_000);
    await host.setLinkUp(true);
    await bothDecode(20_000);
    expect(await notReloaded(field)).toBe(true);
    const admin = await login(server.url, 'admin', 'admin123');
    expect((await mediaOverview(server.url, admin)).rooms.find((r) => r.id === ROOM)?.peers).toBe(2);
  });
});
