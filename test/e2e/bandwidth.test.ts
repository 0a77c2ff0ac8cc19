import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchBrowser, receiveStats, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { createTestHost, type TestHost } from '../helpers/netns.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A responder's uplink squeezed below what video needs (tc on the link of its own host): the field
 * page drops to voice only and the console still hears it; lifted, the video comes back.
 */
describe('audio-only fallback on a thin uplink', () => {
  let host: TestHost;
  let server: RunningServer;
  let phoneBrowser: TestBrowser;
  let centerBrowser: TestBrowser;
  let phone: Page;
  let center: Page;

  const uplinkMode = () => phone.$eval('#quality', (el) => (el as HTMLElement).dataset['uplink'] ?? '');
  const fromField = async () => (await receiveStats(center)).find((s) => s.name === 'field01');

  beforeAll(async () => {
    host = await createTestHost(CHROMIUM);
    server = await startServer({ env: { HTTP_HOST: host.hostIp, MEDIA_LISTEN_IP: host.hostIp } });
    const args = [`--unsafely-treat-insecure-origin-as-secure=${server.url}`];
    phoneBrowser = await launchBrowser({ executablePath: host.chromiumWrapper, args });
    centerBrowser = await launchBrowser({ args });
    const token = await login(server.url, 'commander', 'commander123');
    const res = await fetch(`${server.url}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: '山洪', orgUnitId: 'city' }) });
    const { incident } = (await res.json()) as { incident: { id: string } };

    center = await (await centerBrowser.browser.createBrowserContext()).newPage();
    await center.setViewport({ width: 1600, height: 900 });
    await center.goto(server.url);
    await center.type('input[name=username]', 'commander');
    await center.type('input[name=password]', 'commander123');
    await center.click('#login-form button[type=submit]');
    await center.waitForSelector(`[data-command="${incident.id}"]`);
    await center.click(`[data-command="${incident.id}"]`);
    await center.waitForSelector('#wall .wall-tile');

    const context = await phoneBrowser.browser.createBrowserContext();
    await context.overridePermissions(server.url, ['geolocation', 'camera', 'microphone']);
    phone = await context.newPage();
    await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await phone.goto(`${server.url}/field.html`);
    await phone.type('input[name=username]', 'field01');
    await phone.type('input[name=password]', 'field123');
    await phone.click('#login-form button[type=submit]');
    await phone.waitForSelector('#start');
    await phone.click('#start');
    await waitDecodingFrom(center, ['field01'], 30_000, { audio: true });
  });

  afterAll(async () => {
    await phoneBrowser?.close();
    await centerBrowser?.close();
    await server?.stop();
    await host?.remove();
  });

  it('squeezed to 96 kbit/s: voice only, and the console still hears the responder', async () => {
    await host.limitUplink(96);
    await waitFor('audio-only', async () => (await uplinkMode()) === 'audio-only', 45_000, 250);
    const before = (await fromField())!.audioEnergy;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await fromField())!.audioEnergy).toBeGreaterThan(before);
  });

  it('the squeeze lifted: video comes back by itself', async () => {
    await host.limitUplink(null);
    await waitFor('video again', async () => (await uplinkMode()) === 'video', 60_000, 250);
    await waitDecodingFrom(center, ['field01'], 15_000);
  });
});
