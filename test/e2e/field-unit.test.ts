import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAt, openConsole, waitDecodingFrom } from '../helpers/browser.js';
import type { TestHost } from '../helpers/netns.js';
import { login, projectRoot, type RunningServer } from '../helpers/server-process.js';
import { startTwoHosts, type TwoHosts } from '../helpers/two-hosts.js';
import { waitFor } from '../helpers/wait.js';

interface Seen { user: { id: string }; position: { lat: number; lon: number; seq: number } }

/**
 * A responder's phone (Chromium on a host of its own, fake rear camera, overridden GPS) joins an
 * incident through the link behind its QR code; the command center sees its video and positions.
 */
describe('field unit joins an incident by its link and reports video and position', () => {
  let net: TwoHosts;
  let host: TestHost;
  let server: RunningServer;
  let phone: Page;
  let center: Page;
  let guest: { id: string; username: string };
  let incidentId: string;

  const markerAt = () => center.$eval(`[data-user-marker="${guest.id}"]`, (el) => [Number((el as HTMLElement).dataset['lat']), Number((el as HTMLElement).dataset['lon'])]);

  const seenAtCenter = () => center.evaluate(() => (window as unknown as { __diag: { positions(): Seen[] } }).__diag.positions());
  const seenFromGuest = async () => (await seenAtCenter()).filter((s) => s.user.id === guest.id).map((s) => s.position);
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;

  beforeAll(async () => {
    net = await startTwoHosts();
    ({ host, server } = net);

    const token = await login(server.url, 'commander', 'commander123');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      expect(res.ok).toBe(true);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const { incident } = (await post('/api/incidents', { name: '沂河堤坝险情', orgUnitId: 'city' })) as { incident: { id: string; roomId: string } };
    const link = (await post(`/api/incidents/${incident.id}/join-link`, {})) as { url: string; qrSvg: string };
    expect(link.qrSvg).toContain('<svg');

    incidentId = incident.id;
    center = await loginAt(net.centerBrowser.browser, server.url, 'commander', 'commander123', { viewport: { width: 1920, height: 1080 } });
    await openConsole(center, incidentId);

    const phoneContext = await net.fieldBrowser.browser.createBrowserContext();
    await phoneContext.overridePermissions(server.url, ['geolocation', 'camera', 'microphone']);
    phone = await phoneContext.newPage();
    await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await phone.setGeolocation({ latitude: 35.1041, longitude: 118.3564, accuracy: 8 });
    await phone.goto(link.url);
    await phone.type('input[name=displayName]', '张伟');
    await phone.click('#join-form button[type=submit]');
    await phone.waitForSelector('#start');
    await phone.click('#start');
    await mkdir(path.join(projectRoot, 'test-artifacts'), { recursive: true });
    guest = await phone.evaluate(() => (JSON.parse(localStorage.getItem('field.session')!) as { user: { id: string; username: string } }).user);
  });

  afterAll(async () => {
    await net?.close();
  });

  it('the console decodes the phone\'s camera on its wall and shows its marker where the phone is; moving it moves it', async () => {
    await waitDecodingFrom(center, [guest.username], 20_000, { audio: true });
    await center.waitForSelector(`#wall [data-source="user:${guest.id}"]`);
    await waitFor('marker at the first fix', async () => {
      const [lat, lon] = await markerAt();
      return near(lat!, 35.1041) && near(lon!, 118.3564);
    }, 10_000);
    await phone.setGeolocation({ latitude: 35.1102, longitude: 118.3611, accuracy: 8 });
    await waitFor('marker moved', async () => near((await markerAt())[0]!, 35.1102), 10_000);
    expect((await seenFromGuest()).at(-1)?.lat).toBe(35.1102);
    await center.screenshot({ path: path.join(projectRoot, 'test-artifacts/console-1920x1080.png') });
    // For people to look at: what the responder sees (test-artifacts/).
    await phone.screenshot({ path: path.join(projectRoot, 'test-artifacts/field-phone.png') });
  });

  it('positions taken during 10 s offline all arrive, in order, after the network returns', async () => {
    const path = [
      { latitude: 35.12, longitude: 118.37 },
      { latitude: 35.13, longitude: 118.38 },
      { latitude: 35.14, longitude: 118.39 },
    ];
    await host.setLinkUp(false);
    const offlineSince = Date.now();
    for (const fix of path) {
      await phone.setGeolocation({ ...fix, accuracy: 8 });
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - offlineSince))));
    expect(await phone.$eval('#queued', (el) => el.textContent)).toMatch(/\d/);
    await host.setLinkUp(true);
    await waitFor('all three at the center', async () => {
      const seen = await seenFromGuest();
      const indexes = path.map((fix) => seen.findIndex((p) => near(p.lat, fix.latitude) && near(p.lon, fix.longitude)));
      return indexes.every((i) => i >= 0) && indexes[0]! < indexes[1]! && indexes[1]! < indexes[2]!;
    }, 25_000);
    const seqs = (await seenFromGuest()).map((p) => p.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await waitFor('the phone\'s queue empty', async () => (await phone.$eval('#queued', (el) => el.textContent)) === '', 10_000);
  });

  it('a wall split and a source dragged into a tile survive a reload', async () => {
    await center.click('[data-preset="1+5"]');
    await waitFor('six tiles', async () => (await center.$$('#wall .wall-tile')).length === 6, 5_000);
    const chip = await center.waitForSelector(`[data-source="user:${guest.id}"].source-chip`);
    const tile = await center.$('#wall [data-tile="3"]');
    const from = (await chip!.boundingBox())!;
    const to = (await tile!.boundingBox())!;
    await center.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await center.mouse.down();
    await center.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
    await center.mouse.up();
    await waitFor('source on tile 3', async () => (await center.$eval('#wall [data-tile="3"]', (el) => (el as HTMLElement).dataset['source'])) === `user:${guest.id}`, 5_000);
    await new Promise((r) => setTimeout(r, 800)); // the layout is saved 300 ms after the last change
    await center.reload();
    await openConsole(center, incidentId);
    await waitFor('six tiles again', async () => (await center.$$('#wall .wall-tile')).length === 6, 10_000);
    await waitFor('source back on tile 3', async () => (await center.$eval('#wall [data-tile="3"]', (el) => (el as HTMLElement).dataset['source'])) === `user:${guest.id}`, 10_000);
    await waitDecodingFrom(center, [guest.username], 15_000);
  });
});
