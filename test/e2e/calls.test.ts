import type { Page } from 'puppeteer-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../protocol/signalling.js';
import { launchBrowser, loginAt, openConsole, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

async function loggedIn(chromium: TestBrowser, url: string, username: string, password: string): Promise<Page> {
  const page = await loginAt(chromium.browser, url, username, password);
  await page.waitForSelector('.rooms');
  return page;
}

/** A commander at the console calls one person into the incident: it rings, they answer or decline. */
describe('calling one person', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let commander: Page;
  let county: Page;
  let police: Socket;
  const policeInbox: Notification[] = [];

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    const token = await login(server.url, 'commander', 'commander123');
    const res = await fetch(`${server.url}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: '危化品泄漏', orgUnitId: 'city' }) });
    const { incident } = (await res.json()) as { incident: { id: string } };
    county = await loggedIn(chromium, server.url, 'county01', 'county123');
    police = io(server.url, { auth: { token: await login(server.url, 'police', 'dept123') }, transports: ['websocket'], forceNew: true });
    police.on('notification', (n: Notification) => policeInbox.push(n));
    commander = await loggedIn(chromium, server.url, 'commander', 'commander123');
    await openConsole(commander, incident.id);
  });

  afterAll(async () => {
    police?.close();
    await chromium?.close();
    await server?.stop();
  });

  it('rings on the callee\'s screen; answered, the callee joins the incident and the console sees them', async () => {
    const callButton = await commander.waitForSelector('[data-call="u-county01"]', { timeout: 15_000 });
    await callButton!.click();
    await county.waitForSelector('#incoming-call', { timeout: 10_000 });
    expect(await county.$eval('#incoming-call', (el) => el.textContent)).toContain('市指挥长');
    await county.click('#call-accept');
    await waitFor('answered at the console', () => commander.evaluate(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent?.includes('兰山区值班员'))), 10_000);
    await waitDecodingFrom(commander, ['county01'], 20_000, { audio: true });
  });

  it('declined, the caller is told so', async () => {
    const callButton = await commander.waitForSelector('[data-call="u-dept01"]', { timeout: 15_000 });
    await callButton!.click();
    await waitFor('ringing at the callee', () => policeInbox.some((n) => n.type === 'incomingCall'), 10_000);
    const call = policeInbox.find((n) => n.type === 'incomingCall')!;
    if (call.type !== 'incomingCall') throw new Error('unreachable');
    const reply = (await police.timeout(5000).emitWithAck('request', { method: 'answerCall', data: { callId: call.data.callId, accept: false } })) as { ok: boolean };
    expect(reply.ok).toBe(true);
    await waitFor('declined at the console', () => commander.evaluate(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent?.includes('拒绝'))), 10_000);
  });
});
