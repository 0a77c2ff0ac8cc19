import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import type { PublicSource } from '../../protocol/feeds.js';
import { receiveStats } from './browser.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** ffmpeg processes whose parent is `pid` (the server): what the on-demand rule is about. */
export async function ffmpegChildren(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(pid), '-x', 'ffmpeg']);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

export async function createSource(url: string, token: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/api/feeds`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

export async function listSources(url: string, token: string): Promise<PublicSource[]> {
  const res = await fetch(`${url}/api/feeds`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /api/feeds: ${res.status}`);
  return ((await res.json()) as { sources: PublicSource[] }).sources;
}

/** Clicks the source's Watch/Close button in the console's feed list. */
export async function clickFeedButton(page: Page, sourceId: string): Promise<void> {
  const selector = `[data-feed="${sourceId}"] button.watch`;
  await page.waitForSelector(selector, { timeout: 10_000 });
  // Clicked inside the page: the list is redrawn as states change, which can detach a handle held outside.
  await page.$eval(selector, (el) => (el as HTMLButtonElement).click());
}

export async function feedFrames(page: Page, sourceId: string): Promise<number> {
  return (await receiveStats(page)).find((s) => s.name === `feed:${sourceId}`)?.framesDecoded ?? 0;
}

/** Waits until the page decodes `more` frames of the feed beyond what it had decoded when called. */
export async function waitFeedFrames(page: Page, sourceId: string, more: number, timeoutMs: number): Promise<void> {
  const start = await feedFrames(page, sourceId);
  await waitFor(`${more} more frames of ${sourceId}`, async () => (await feedFrames(page, sourceId)) >= start + more, timeoutMs, 100);
}
