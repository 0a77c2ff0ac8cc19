import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAt, openConsole, receiveStats, waitDecodingFrom } from '../helpers/browser.js';
import { login } from '../helpers/server-process.js';
import { startTwoHosts, type TwoHosts } from '../helpers/two-hosts.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A responder's uplink squeezed below what video needs (tc on the link of its own host): the field
 * page drops to voice only and the console still hears it; lifted, the video comes back.
 */
describe('audio-only fallback on a thin uplink', () => {
  let net: TwoHosts;
  let phone: Page;
  let center: Page;

  const uplinkMode = () => phone.$eval('#quality', (el) => (el as HTMLElement).dataset['uplink'] ?? '');
  const fromField = async () => (await receiveStats(center)).find((s) => s.name === 'field01');

  beforeAll(async () => {
    net = await startTwoHosts();
    const { server } = net;
    const token = await login(server.url, 'commander', 'commander123');
    const res = await fetch(`${server.url}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: '山洪', orgUnitId: 'city' }) });
    const { incident } = (await res.json()) as { incident: { id: string } };

    center = await loginAt(net.centerBrowser.browser, server.url, 'commander', 'commander123');
    await openConsole(center, incident.id);
    phone = await loginAt(net.fieldBrowser.browser, server.url, 'field01', 'field123', {
      path: '/field.html',
      viewport: { width: 390, height: 844, isMobile: true, hasTouch: true },
      permissions: ['geolocation', 'camera', 'microphone'],
    });
    await phone.waitForSelector('#start');
    await phone.click('#start');
    await waitDecodingFrom(center, ['field01'], 30_000, { audio: true });
  });

  afterAll(async () => {
    await net?.close();
  });

  it('squeezed to 96 kbit/s: voice only, and the console still hears the responder', async () => {
    await net.host.limitUplink(96);
    await waitFor('audio-only', async () => (await uplinkMode()) === 'audio-only', 45_000, 250);
    const before = (await fromField())!.audioEnergy;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await fromField())!.audioEnergy).toBeGreaterThan(before);
  });

  it('the squeeze lifted: video comes back by itself', async () => {
    await net.host.limitUplink(null);
    await waitFor('video again', async () => (await uplinkMode()) === 'video', 60_000, 250);
    await waitDecodingFrom(center, ['field01'], 15_000);
  });
});
