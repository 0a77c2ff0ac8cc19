import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Invitation } from 'sip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODULE_PATH } from '../../sip/edge/kamailio-config.js';
import { KamailioProcess } from '../../sip/edge/kamailio-process.js';
import { Trunk } from '../../sip/settings.js';
import { buildSdp, chooseCodec, parseAudio } from '../../sip/ua/sdp.js';
import { SipCall } from '../../sip/ua/sip-call.js';
import { SipUserAgent } from '../../sip/ua/sip-user-agent.js';
import { freePortRange } from '../helpers/ports.js';
import { rawInvite, runUac, sendRawSip } from '../helpers/sipp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The signalling path on its own: the generated Kamailio config running for real, the server's sip.js
 * user agent registered over the loopback WebSocket, SIPp as a trunk. Media ends at a plain UDP socket.
 */
describe('SIP edge and user agent', () => {
  let dir: string;
  let edge: KamailioProcess;
  let ua: SipUserAgent;
  let sipPort: number;
  const invites: Invitation[] = [];
  let rtp: Socket;
  let rtpPackets = 0;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sip-edge-'));
    const base = await freePortRange(3);
    sipPort = base;
    edge = new KamailioProcess({
      bin: 'kamailio',
      dir,
      sharedMemoryMb: 32,
      logger,
      edge: {
        listenHost: '127.0.0.1', sipPort, domain: 'test.invalid', wsPort: base + 1, rpcToken: 'token-0123456789abcdef',
        gatewayUser: 'gateway', trunks: [Trunk.parse({ name: 'sat', address: '127.0.0.2', kind: 'satellite' })],
        pikeDensity: 10, banSeconds: 30, modulePath: DEFAULT_MODULE_PATH, children: 1,
      },
    });
    await edge.start();
    ua = new SipUserAgent({ server: `ws://127.0.0.1:${base + 1}`, domain: 'test.invalid', user: 'gateway', logger });
    const registered = new Promise<void>((r) => ua.on('registered', r));
    await ua.start();
    await registered;
    rtp = createSocket('udp4');
    rtp.on('message', () => rtpPackets++);
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r));
    ua.on('invite', (invitation) => {
      invites.push(invitation);
      const offer = parseAudio(invitation.body ?? '');
      const codec = chooseCodec(offer)!;
      ua.bind(invitation, {
        local: () => buildSdp({ address: '127.0.0.1', port: rtp.address().port, codec, telephoneEventPayloadType: offer.telephoneEventPayloadType, sessionId: 1, version: 1 }),
        remote: () => undefined,
      });
      new SipCall(invitation, ua, { keepaliveMs: null });
      void invitation.accept();
    });
  }, 30_000);

  afterAll(async () => {
    rtp?.close();
    await ua?.stop();
    await edge?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('routes a trusted trunk call to the user agent with the dialled number, and its RTP to the answer', async () => {
    const result = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: '127.0.0.2', plays: 1, timeoutS: 30 });
    expect(result.code, result.output).toBe(0);
    expect(invites).toHaveLength(1);
    expect(invites[0]!.request.getHeader('X-Dialled')).toBe('1001');
    expect(invites[0]!.request.getHeader('X-Trunk')).toBe('sat');
    // Every packet of g711a.pcap (236), give or take the edges of the capture.
    expect(rtpPackets).toBeGreaterThan(200);
  }, 60_000);

  it('restarts Kamailio when it dies, and the user agent registers again', async () => {
    const before = edge.pid!;
    const ready = new Promise<void>((r) => edge.on('ready', r));
    const registered = new Promise<void>((r) => ua.on('registered', r));
    process.kill(before, 'SIGKILL');
    await ready;
    await registered;
    expect(edge.pid).not.toBe(before);
    const result = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1003', localIp: '127.0.0.2', plays: 1, timeoutS: 30 });
    expect(result.code, result.output).toBe(0);
    expect(invites.at(-1)!.request.getHeader('X-Dialled')).toBe('1003');
  }, 60_000);

  it('refuses an INVITE from an untrusted address with 403', async () => {
    const result = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1001', localIp: '127.0.0.3', expectStatus: 403, timeoutS: 15 });
    expect(result.code, result.output).toBe(0);
    expect(invites.every((i) => i.request.getHeader('X-Trunk') === 'sat')).toBe(true);
  }, 30_000);

  it('answers malformed SIP with 400 and keeps running', async () => {
    const bad = 'INVITE sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.4:5099;branch=z9hG4bKx\r\nFrom: <sip:a@127.0.0.4>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: bad-1\r\nCSeq: notanumber INVITE\r\nContent-Length: 0\r\n\r\n';
    const replies = await sendRawSip({ host: '127.0.0.1', port: sipPort }, '127.0.0.4', bad, 1500);
    expect(replies.every((r) => !r.startsWith('SIP/2.0 2'))).toBe(true);
    await sendRawSip({ host: '127.0.0.1', port: sipPort }, '127.0.0.4', Buffer.from([0, 1, 2, 3, 255, 254]), 300);
    expect(await edge.rpc.call('core.version')).toBeTruthy();
  }, 30_000);

  it('blocks a source flooding INVITEs', async () => {
    const socket = createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (m) => replies.push(m.toString().split('\r\n')[0]!));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.5', r));
    const port = socket.address().port;
    for (let n = 0; n < 60; n++) socket.send(rawInvite({ to: `127.0.0.1:${sipPort}`, from: '127.0.0.5', port, number: '1001', n }), sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1500));
    const answered = replies.length;
    replies.length = 0;
    socket.send(rawInvite({ to: `127.0.0.1:${sipPort}`, from: '127.0.0.5', port, number: '1001', n: 999 }), sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1000));
    socket.close();
    // Pike answered only the first ones (403: untrusted), then dropped everything from that address.
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(60);
    expect(replies).toEqual([]);
    // A trunk from another address still gets through.
    const ok = await runUac({ proxy: `127.0.0.1:${sipPort}`, service: '1002', localIp: '127.0.0.2', plays: 1, timeoutS: 30 });
    expect(ok.code, ok.output).toBe(0);
    await waitFor('another call', () => invites.at(-1)!.request.getHeader('X-Dialled') === '1002', 5000);
  }, 60_000);
});

describe('SIP edge as a managed child', () => {
  it('takes over from a Kamailio left running by a server that was killed outright', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sip-edge-left-'));
    const base = await freePortRange(2);
    const options = {
      bin: 'kamailio', dir, sharedMemoryMb: 32, logger: pino({ level: 'silent' }),
      edge: {
        listenHost: '127.0.0.1', sipPort: base, domain: 'test.invalid', wsPort: base + 1, rpcToken: 'token-0123456789abcdef',
        gatewayUser: 'gateway', trunks: [], pikeDensity: 10, banSeconds: 30, modulePath: DEFAULT_MODULE_PATH, children: 1,
      },
    };
    const first = new KamailioProcess(options);
    const second = new KamailioProcess(options);
    try {
      await first.start();
      const leftover = first.pid!;
      // The first one's owner "died": nobody stops it. A new start must not fail on busy ports.
      await second.start();
      expect(second.pid).not.toBe(leftover);
      expect(() => process.kill(leftover, 0)).toThrow();
      expect(await second.rpc.call('core.version')).toBeTruthy();
    } finally {
      await second.stop();
      await first.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
