import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page, type Permission, type Viewport } from 'puppeteer-core';
import type { PeerReceiveStats } from '../../web-client/src/diagnostics.js';
import { waitFor } from './wait.js';

export const CHROMIUM = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fake camera (moving picture) and a fake microphone (beeps). */
export async function launchBrowser(opts: { args?: string[]; executablePath?: string } = {}): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: opts.executablePath ?? CHROMIUM,
    headless: true,
    // DevTools over pipes: works for a browser inside a network namespace too.
    pipe: true,
    userDataDir,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      // 15 fps keeps three encoding browsers and the server within two cores.
      '--use-fake-device-for-media-stream=fps=15',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      ...(opts.args ?? []),
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export type { PeerReceiveStats };

/** Logs in through the real login form and enters a room from the room list, in a fresh browser context. */
export async function joinAs(
  browser: Browser,
  url: string,
  username: string,
  password: string,
  roomId: string,
  opts: { query?: string } = {},
): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${username}] page error:`, err));
  await page.setViewport({ width: 1280, height: 720 });
  await page.goto(opts.query ? `${url}/?${opts.query}` : url);
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  const enter = `[data-room="${roomId}"] button`;
  await page.waitForSelector(enter, { timeout: 10_000 });
  await page.click(enter);
  await page.waitForSelector('#gallery', { timeout: 10_000 });
  return page;
}

/**
 * Opens a page in a fresh browser context and logs in through the real form (on `path`, the console by
 * default, or `/field.html`).
 */
export async function loginAt(
  browser: Browser,
  url: string,
  username: string,
  password: string,
  opts: { path?: string; viewport?: Viewport; permissions?: Permission[] } = {},
): Promise<Page> {
  const context = await browser.createBrowserContext();
  if (opts.permissions) await context.overridePermissions(url, opts.permissions);
  const page = await context.newPage();
  await page.setViewport(opts.viewport ?? { width: 1600, height: 900 });
  await page.goto(`${url}${opts.path ?? '/'}`);
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  return page;
}

/** From the start page, opens an incident's console. */
export async function openConsole(page: Page, incidentId: string): Promise<void> {
  await (await page.waitForSelector(`[data-command="${incidentId}"]`))!.click();
  await page.waitForSelector('#wall .wall-tile');
}

export function receiveStats(page: Page): Promise<PeerReceiveStats[]> {
  return page.evaluate(() => (window as unknown as { __diag: { stats(): Promise<PeerReceiveStats[]> } }).__diag.stats());
}

async function statsByName(page: Page): Promise<Map<string, PeerReceiveStats>> {
  return new Map((await receiveStats(page)).map((s) => [s.name, s]));
}

/**
 * Waits until `page` decodes video from every named user, its frame count rising after it was first
 * seen above zero (for the same peer), and, with `audio`, receives audio energy from each.
 */
export async function waitDecodingFrom(page: Page, usernames: string[], timeoutMs: number, opts: { audio?: boolean } = {}): Promise<void> {
  const firstSeen = new Map<string, { peerId: string; frames: number }>();
  await waitFor(
    `${usernames.join(', ')} decoded`,
    async () => {
      const now = await statsByName(page);
      return usernames.every((u) => {
        const s = now.get(u);
        if (!s || s.framesDecoded === 0 || (opts.audio && s.audioEnergy <= 0)) return false;
        const seen = firstSeen.get(u);
        if (!seen || seen.peerId !== s.peerId) {
          firstSeen.set(u, { peerId: s.peerId, frames: s.framesDecoded });
          return false;
        }
        return s.framesDecoded > seen.frames;
      });
    },
    timeoutMs,
    50,
  );
}
