import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, waitDecodingFrom } from '../helpers/browser.js';
import { startTwoHosts, type TwoHosts } from '../helpers/two-hosts.js';

const ROOM = 'city-consultation';

/** A responder behind a firewall that lets no UDP out: media goes over TCP to the same media port. */
describe('media over TCP when UDP is blocked', () => {
  let net: TwoHosts;
  let field: Page;
  let center: Page;

  beforeAll(async () => {
    net = await startTwoHosts({ blockUdp: true });
    field = await joinAs(net.fieldBrowser.browser, net.server.url, 'field01', 'field123', ROOM);
    center = await joinAs(net.centerBrowser.browser, net.server.url, 'commander', 'commander123', ROOM);
  });

  afterAll(async () => {
    await net?.close();
  });

  it('both sides decode each other, and the field uplink runs over TCP', async () => {
    await Promise.all([waitDecodingFrom(center, ['field01'], 30_000), waitDecodingFrom(field, ['commander'], 30_000)]);
    const path = await field.evaluate(() => (window as unknown as { __diag: { sendPath(): Promise<{ protocol: string } | undefined> } }).__diag.sendPath());
    expect(path?.protocol).toBe('tcp');
  });
});
