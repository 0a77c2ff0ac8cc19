/**
 * Dynacast with real browsers: a publisher's camera sends three simulcast encodings, and only those
 * someone consumes leave the browser. Nobody watching → no encoding sends; a small tile → the lowest
 * only; the tile enlarged → the top one too; the viewer gone → nothing again; a recording → all of them.
 */
import type { Page } from 'puppeteer-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendLayerStats } from '../../web-client/src/diagnostics.js';
import { joinAs, launchBrowser, receiveStats, waitDecodingFrom, type TestBrowser } from '../helpers/browser.js';
import { joinWithoutMedia, request } from '../helpers/recording.js';
import { login, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const ROOM = 'county-01-room';

type Diag = { __diag: { sendLayers(): Promise<SendLayerStats[]>; videoConsumers(): { producerId: string; consumerId: string }[] } };

const sendLayers = (page: Page) => page.evaluate(() => (window as unknown as Diag).__diag.sendLayers());

/** The encodings (by rid) whose bytesSent grew over a short window. */
async function sendingRids(page: Page, windowMs = 1500): Promise<string[]> {
  const before = new Map((await sendLayers(page)).map((l) => [l.rid, l.bytesSent]));
  await new Promise((r) => setTimeout(r, windowMs));
  return (await sendLayers(page)).filter((l) => l.bytesSent > (before.get(l.rid) ?? 0)).map((l) => l.rid);
}

const sameRids = (want: string[]) => async (page: Page) => JSON.stringify(await sendingRids(page)) === JSON.stringify(want);

describe('dynacast: the publisher sends only the simulcast layers someone consumes', () => {
  let server: RunningServer;
  let chromium: TestBrowser;
  let publisher: Page;
  let viewer: Page;
  let admin: string;
  /** A commander in the room without media: sends the bad requests and starts the recording. */
  let commander: Socket;

  const pausedLayersGauge = async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    return Number(/^ecs_dynacast_paused_layers (\S+)$/m.exec(text)?.[1]);
  };
  const viewerSees = async () => (await receiveStats(viewer)).find((s) => s.name === 'field03');

  beforeAll(async () => {
    server = await startServer();
    admin = await login(server.url, 'admin', 'admin123');
    chromium = await launchBrowser();
  });

  afterAll(async () => {
    commander?.close();
    await chromium?.close();
    await server?.stop();
  });

  it('nobody watching: no encoding leaves the publisher, and the gauge counts the three paused', async () => {
    publisher = await joinAs(chromium.browser, server.url, 'field03', 'field123', ROOM);
    await waitFor('three simulcast encodings', async () => (await sendLayers(publisher)).map((l) => l.rid).join() === 'r0,r1,r2', 20_000, 250);
    await waitFor('the server to turn every layer off', async () => (await pausedLayersGauge()) === 3, 20_000, 250);
    await waitFor('no encoding sending', () => sameRids([])(publisher), 20_000, 0);
    const layers = await sendLayers(publisher);
    expect(layers.every((l) => !l.active)).toBe(true);
    // It did send before the server's word: the camera works, it was switched off.
    expect(layers.reduce((n, l) => n + l.bytesSent, 0)).toBeGreaterThan(0);
  }, 60_000);

  it('a small tile: only the lowest encoding is sent, and the viewer decodes it', async () => {
    viewer = await joinAs(chromium.browser, server.url, 'county01', 'county123', ROOM);
    await viewer.setViewport({ width: 480, height: 320 });
    await waitDecodingFrom(viewer, ['field03'], 30_000);
    // The first consume may have been sized for the page before it shrank: wait for the server to lower it.
    await waitFor('only r0 sending', async () => (await pausedLayersGauge()) === 2 && (await sameRids(['r0'])(publisher)), 20_000, 0);
    expect((await viewerSees())?.frameHeight).toBeLessThanOrEqual(180);
  }, 90_000);

  it('the tile enlarged: the top encoding is sent and the viewer decodes a taller picture', async () => {
    await viewer.setViewport({ width: 1920, height: 1080 });
    // The top encoding waits for the publisher's bandwidth estimate to allow it: slow on a loaded machine.
    await waitFor('r2 sending', async () => (await sendingRids(publisher)).includes('r2'), 40_000, 0).catch(async (err: Error) => {
      throw new Error(`${err.message}; publisher sends ${JSON.stringify(await sendLayers(publisher))}, gauge ${await pausedLayersGauge()}`);
    });
    await waitFor('a taller picture', async () => ((await viewerSees())?.frameHeight ?? 0) > 180, 30_000, 250);
    expect(await pausedLayersGauge()).toBe(0);
  }, 90_000);

  it('answers a size report for a consumer that is not the caller\'s with NOT_FOUND, a bad size with BAD_REQUEST', async () => {
    const [watching] = await viewer.evaluate(() => (window as unknown as Diag).__diag.videoConsumers());
    expect(watching).toBeDefined();
    commander = (await joinWithoutMedia(server.url, 'commander', 'commander123', ROOM)).socket;
    const stolen = await request(commander, 'setConsumerDisplaySize', { consumerId: watching!.consumerId, width: 1920, height: 1080 });
    expect(stolen.ok ? null : stolen.error.code).toBe('NOT_FOUND');
    expect(stolen.ok ? '' : stolen.error.message).toContain('of yours');
    const bad = await request(commander, 'setConsumerDisplaySize', { consumerId: watching!.consumerId, width: 100, height: -5 });
    expect(bad.ok ? null : bad.error.code).toBe('BAD_REQUEST');
    // The viewer still gets the top layer: nobody else's request moved it.
    expect(await pausedLayersGauge()).toBe(0);
  }, 30_000);

  it('the viewer leaves: the publisher stops sending again, without being muted', async () => {
    await viewer.click('#leave');
    await waitFor('no encoding sending', () => sameRids([])(publisher), 20_000, 0);
    expect(await pausedLayersGauge()).toBe(3);
    const muted = await publisher.evaluate(() => document.querySelector('#toggle-camera')?.classList.contains('off'));
    expect(muted).toBe(false);
  }, 60_000);

  it('a recording keeps every layer on while nobody watches; stopped, the publisher goes quiet again', async () => {
    expect((await request(commander, 'startRecording')).ok).toBe(true);
    await waitFor('the recorder pulls every layer', async () => (await pausedLayersGauge()) === 0 && (await sendingRids(publisher)).includes('r0'), 20_000, 0);
    expect((await request(commander, 'stopRecording')).ok).toBe(true);
    await waitFor('no encoding sending', () => sameRids([])(publisher), 20_000, 0);
    expect(await pausedLayersGauge()).toBe(3);
  }, 60_000);
});
