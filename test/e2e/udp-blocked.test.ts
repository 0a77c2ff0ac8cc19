import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, joinAs, launchBrowser, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { createTestHost, type TestHost } from '../helpers/netns.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

const ROOM = 'city-consultation';

/** A responder behind a firewall that lets no UDP out: media goes over TCP to the same media port. */
describe('media over TCP when UDP is blocked', () => {
  let host: TestHost;
  let server: RunningServer;
  let fieldBrowser: TestBrowser;
  let centerBrowser: TestBrowser;
  let field: Page;
  let center: Page;

  beforeAll(async () => {
    host = await createTestHost(CHROMIUM);
    await host.blockUdp();
    server = await startServer({ env: { HTTP_HOST: host.hostIp, MEDIA_LISTEN_IP: host.hostIp } });
    const args = [`--unsafely-treat-insecure-origin-as-secure=${server.url}`];
    fieldBrowser = await launchBrowser({ executablePath: host.chromiumWrapper, args });
    centerBrowser = await launchBrowser({ args });
    field = await joinAs(fieldBrowser.browser, server.url, 'field01', 'field123', ROOM);
    center = await joinAs(centerBrowser.browser, server.url, 'commander', 'commander123', ROOM);
  });

  afterAll(async () => {
    await fieldBrowser?.close();
    await centerBrowser?.close();
    await server?.stop();
    await host?.remove();
  });

  it('both sides decode each other, and the field uplink runs over TCP', async () => {
    await Promise.all([waitDecodingFrom(center, ['field01'], 30_000), waitDecodingFrom(field, ['commander'], 30_000)]);
    const path = await field.evaluate(() => (window as unknown as { __diag: { sendPath(): Promise<{ protocol: string } | undefined> } }).__diag.sendPath());
    expect(path?.protocol).toBe('tcp');
  });
});
