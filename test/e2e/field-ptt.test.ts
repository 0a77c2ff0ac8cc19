import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginAt, receiveStats, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { api, request } from '../helpers/recording.js';
import { login, projectRoot, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

interface PttView {
  status: string;
  holder: { name: string; unit: string } | null;
}

const ptt = (page: Page) => page.evaluate(() => (window as unknown as { __diag: { ptt(): PttView | null } }).__diag.ptt());
const energyFrom = async (listener: Page, username: string) => (await receiveStats(listener)).find((s) => s.name === username)?.audioEnergy ?? 0;
/** Audio energy from `username` reaching `listener` over `ms`. */
async function energyOver(listener: Page, username: string, ms: number): Promise<number> {
  const before = await energyFrom(listener, username);
  await new Promise((r) => setTimeout(r, ms));
  return (await energyFrom(listener, username)) - before;
}

/**
 * A responder's phone, joined from an incident's link, talks on the incident's talk group: a second
 * connection beside the one streaming camera and position. The console hears it only while it holds the
 * floor, and the incident room keeps decoding its video meanwhile.
 */
describe('field page as a talk-group member', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let phone: Page;
  let listener: Page;
  let viewer: Page;
  let guest: { id: string; username: string; token: string };
  let incidentA: { id: string; roomId: string };
  let incidentB: { id: string; roomId: string };
  let commanderToken: string;
  const talkA = () => `tg-${incidentA.id}`;
  const talkB = () => `tg-${incidentB.id}`;

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    commanderToken = await login(server.url, 'commander', 'commander123');
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await api(server.url, commanderToken, path, { method: 'POST', body });
      expect(res.status, `${path} ${await res.clone().text()}`).toBeLessThan(300);
      return (await res.json()) as T;
    };
    // Incident A belongs to one county, its talk group to another: the guest is scoped by incident, not unit.
    ({ incident: incidentA } = await post<{ incident: { id: string; roomId: string } }>('/api/incidents', { name: '沂河堤坝险情', orgUnitId: 'county-01' }));
    ({ incident: incidentB } = await post<{ incident: { id: string; roomId: string } }>('/api/incidents', { name: '罗庄化工厂火情', orgUnitId: 'city' }));
    await post('/api/rooms', { id: talkA(), name: '堤坝对讲', orgUnitId: 'county-02', mode: 'ptt', incidentId: incidentA.id });
    await post('/api/rooms', { id: talkB(), name: '火场对讲', orgUnitId: 'city', mode: 'ptt', incidentId: incidentB.id });
    const link = await post<{ url: string }>(`/api/incidents/${incidentA.id}/join-link`, {});

    const phoneContext = await chromium.browser.createBrowserContext();
    await phoneContext.overridePermissions(server.url, ['geolocation', 'camera', 'microphone']);
    phone = await phoneContext.newPage();
    phone.on('pageerror', (err) => console.error('[phone] page error:', err));
    await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await phone.setGeolocation({ latitude: 35.1041, longitude: 118.3564, accuracy: 8 });
    await phone.goto(link.url);
    await phone.type('input[name=displayName]', '张伟');
    await phone.click('#join-form button[type=submit]');
    await (await phone.waitForSelector('#start'))!.click();
    guest = await phone.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('field.session')!) as { token: string; user: { id: string; username: string } };
      return { ...s.user, token: s.token };
    });

    // The console: one commander listens on the talk group, another screen watches the incident room.
    listener = await loginAt(chromium.browser, server.url, 'commander', 'commander123', { path: `/?room=${talkA()}`, viewport: { width: 1024, height: 700 } });
    await listener.waitForSelector('#ptt-panel');
    viewer = await loginAt(chromium.browser, server.url, 'commander', 'commander123', { path: `/?room=${incidentA.roomId}`, viewport: { width: 1024, height: 700 } });
    await viewer.waitForSelector('#gallery');
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('lists only its incident\'s talk group; held on the touch screen it talks to the console while its video keeps flowing', async () => {
    await waitDecodingFrom(viewer, [guest.username], 30_000);
    const listed = await waitFor('talk groups listed', async () => {
      const ids = await phone.$$eval('[data-talk-group]', (els) => els.map((el) => (el as HTMLElement).dataset['talkGroup']));
      return ids.length ? ids : undefined;
    }, 10_000);
    expect(listed).toEqual([talkA()]);
    await phone.click(`[data-talk-group="${talkA()}"] button`);
    await phone.waitForSelector('#talk #ptt-button');
    expect((await ptt(phone))?.status).toBe('idle');

    // Nobody holds the floor: the phone's microphone is not forwarded.
    await waitFor('the listener consumes the phone\'s audio', async () => (await receiveStats(listener)).some((s) => s.name === guest.username), 15_000);
    expect(await energyOver(listener, guest.username, 1500)).toBe(0);

    // A finger on the big button (pointer events from touch), held.
    const box = (await (await phone.$('#talk #ptt-button'))!.boundingBox())!;
    const touch = await phone.touchscreen.touchStart(box.x + box.width / 2, box.y + box.height / 2);
    await waitFor('granted', async () => (await ptt(phone))?.status === 'granted', 10_000, 20);
    expect(await phone.$eval('#talk #ptt-button', (el) => el.className)).toContain('granted');
    expect(await phone.$eval('#talk #ptt-status', (el) => el.textContent)).toContain('已获得话权');
    const seconds = Number(await phone.$eval('#talk #ptt-countdown', (el) => (el as HTMLElement).dataset['seconds']));
    expect(seconds).toBeGreaterThan(0);
    // For people to look at: the phone while it talks (test-artifacts/).
    await mkdir(path.join(projectRoot, 'test-artifacts'), { recursive: true });
    await phone.screenshot({ path: path.join(projectRoot, 'test-artifacts/field-ptt-phone.png'), fullPage: true });
    await waitFor('listener sees who talks', async () => (await listener.$eval('#ptt-talker', (el) => el.textContent ?? '')).includes('张伟'), 5_000);
    expect((await ptt(listener))?.holder?.unit).toBe('兰山区应急管理局');

    await waitFor('the phone is heard on the talk group', async () => (await energyOver(listener, guest.username, 1000)) > 0, 15_000, 0);
    // Meanwhile the incident room still decodes the phone's camera (frames keep rising).
    await waitDecodingFrom(viewer, [guest.username], 15_000);
    expect(await energyOver(listener, guest.username, 1000)).toBeGreaterThan(0);

    await touch.end();
    await waitFor('phone idle', async () => (await ptt(phone))?.status === 'idle', 10_000, 20);
    await waitFor('floor free at the console', async () => (await ptt(listener))?.holder === null, 10_000);
    expect(await phone.$eval('#talk #ptt-countdown', (el) => el.textContent)).toBe('');
    // Released: the phone's microphone is cut again (a trace of concealment at most).
    await new Promise((r) => setTimeout(r, 500));
    expect(await energyOver(listener, guest.username, 1500)).toBeLessThan(1e-6);
    expect((await phone.evaluate(() => (window as unknown as { __diag: { state(): string } }).__diag.state()))).toBe('online');
  });

  it('a guest of one incident is refused another incident\'s talk group and standing groups, clearly and audited', async () => {
    const rooms = await api(server.url, guest.token, '/api/rooms');
    const { rooms: listed } = (await rooms.json()) as { rooms: { id: string }[] };
    expect(listed.map((r) => r.id).sort()).toEqual([incidentA.roomId, talkA()].sort());

    // A further connection of the same guest (a third one, beside the phone's two) is served like them.
    const socket: Socket = io(server.url, { auth: { token: guest.token }, transports: ['websocket'], forceNew: true });
    try {
      const other = await request(socket, 'joinRoom', { roomId: talkB() });
      expect(other.ok).toBe(false);
      expect(!other.ok && other.error.code).toBe('FORBIDDEN');
      expect(!other.ok && other.error.message).toContain('another incident');
      const standing = await request(socket, 'joinRoom', { roomId: 'tg-city' });
      expect(!standing.ok && standing.error.code).toBe('FORBIDDEN');
      const own = await request(socket, 'joinRoom', { roomId: talkA() });
      expect(own.ok).toBe(true);
      expect((await request(socket, 'leaveRoom')).ok).toBe(true);
    } finally {
      socket.close();
    }
    const admin = await login(server.url, 'admin', 'admin123');
    const audit = await api(server.url, admin, '/api/admin/audit?limit=200');
    const { entries } = (await audit.json()) as { entries: { actor: string; action: string; target: string; outcome: string; detail?: Record<string, unknown> }[] };
    const denied = entries.find((e) => e.actor === guest.username && e.action === 'room.join' && e.target === talkB());
    expect(denied?.outcome).toBe('denied');
    expect(denied?.detail?.['reason']).toBe('other-incident');
    expect(entries.some((e) => e.actor === guest.username && e.action === 'floor.request' && e.target === talkA() && e.detail?.['result'] === 'granted')).toBe(true);
  });
});
