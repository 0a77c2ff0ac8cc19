import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { launchBrowser, loginAt, type TestBrowser } from '../helpers/browser.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

/** Several incidents run at once; a commander watches each from the console and switches between them. */
describe('several incidents at once', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let page: Page;
  const ids: string[] = [];
  const names = ['沂河堤坝险情', '化工园区泄漏', '山区森林火情'];

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    const token = await login(server.url, 'commander', 'commander123');
    for (const name of names) {
      const res = await fetch(`${server.url}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name, orgUnitId: 'city' }) });
      ids.push(((await res.json()) as { incident: { id: string } }).incident.id);
    }
    page = await loginAt(chromium.browser, server.url, 'commander', 'commander123');
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('lists all three as active, opens one, and switches to another from the console', async () => {
    await page.waitForSelector(`[data-command="${ids[2]}"]`);
    expect(await page.$$eval('[data-incident]', (rows) => rows.length)).toBe(3);
    await page.click(`[data-command="${ids[0]}"]`);
    await page.waitForSelector('#incident-switch');
    expect(await page.$eval('.console-head h2', (el) => el.textContent)).toBe(names[0]);
    await page.select('#incident-switch', ids[2]!);
    await waitFor('the third incident\'s console', async () => (await page.$eval('.console-head h2', (el) => el.textContent).catch(() => '')) === names[2], 10_000);
    const admin = await login(server.url, 'admin', 'admin123');
    // The commander left the first incident's room and is in the third's.
    await waitFor('moved rooms', async () => {
      const live = (await (await fetch(`${server.url}/api/admin/media`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { rooms: { id: string; peers: number }[] };
      return live.rooms.some((r) => r.id === `inc-${ids[2]}` && r.peers === 1) && !live.rooms.some((r) => r.id === `inc-${ids[0]}`);
    }, 10_000);
  });
});
