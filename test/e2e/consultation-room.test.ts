import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { login, mediaOverview, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'city-consultation';
const USERS = [
  { username: 'commander', password: 'commander123' },
  { username: 'county01', password: 'county123' },
  { username: 'police', password: 'dept123' },
];
const others = (me: string) => USERS.map((u) => u.username).filter((u) => u !== me);

describe('consultation room in real browsers', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  const pages = new Map<string, Page>();

  beforeAll(async () => {
    server = await startServer();
    chromium = await launchBrowser();
    for (const u of USERS) pages.set(u.username, await joinAs(chromium.browser, server.url, u.username, u.password, ROOM));
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  const everyoneDecodesEveryone = (timeoutMs: number) =>
    Promise.all(USERS.map((u) => waitDecodingFrom(pages.get(u.username)!, others(u.username), timeoutMs, { audio: true })));

  it('three browsers each decode the other two and hear them', async () => {
    await everyoneDecodesEveryone(20_000);
  });

  it('a killed mediasoup worker is replaced and every client decodes again within 5 s', async () => {
    const admin = await login(server.url, 'admin', 'admin123');
    const before = await mediaOverview(server.url, admin);
    const room = before.rooms.find((r) => r.id === ROOM);
    expect(room?.peers).toBe(3);
    process.kill(room!.workerPid, 'SIGKILL');
    const killedAt = Date.now();
    await everyoneDecodesEveryone(5_000);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const after = await mediaOverview(server.url, admin);
    expect(after.workers.map((w) => w.pid)).not.toContain(room!.workerPid);
    expect(after.workers.filter((w) => !w.closed)).toHaveLength(before.workers.length);
  });

  it('a client whose socket drops rejoins and the others decode it again within 5 s', async () => {
    const dropped = pages.get('county01')!;
    await dropped.evaluate(() => (window as unknown as { __diag: { dropConnection(): void } }).__diag.dropConnection());
    const droppedAt = Date.now();
    // Its old peer leaves; the same user comes back as a new peer with new producers.
    await Promise.all([
      waitDecodingFrom(pages.get('commander')!, ['county01'], 5_000),
      waitDecodingFrom(pages.get('police')!, ['county01'], 5_000),
      waitDecodingFrom(dropped, others('county01'), 5_000),
    ]);
    expect(Date.now() - droppedAt).toBeLessThan(5_000);
    await waitFor('connection state online', () => dropped.evaluate(() => (window as unknown as { __diag: { state(): string } }).__diag.state() === 'online'), 2_000);
  });
});
