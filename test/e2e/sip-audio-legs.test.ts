/** A SIP leg's life: DTMF, symmetric RTP, RTP timeout, bad input, and nothing left behind when it ends. */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomMediaCodecs } from '../../media/media-codecs.js';
import { type SipAudioCodec, supportedSipCodecs } from '../../media/sip-audio/codecs.js';
import { createSipAudioMetrics } from '../../media/sip-audio/metrics.js';
import { RoomAudioMixer } from '../../media/sip-audio/room-audio-mixer.js';
import { buildRtp } from '../../media/sip-audio/rtp-packet.js';
import type { SipLegOptions } from '../../media/sip-audio/sip-audio-leg.js';
import { type MediaFixture, SipPeer, concat, quietLogger, roomListener, startMedia, tone, toneShare } from '../helpers/sip-audio.js';
import { freePortRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const codec = (name: SipAudioCodec['name']): SipAudioCodec => supportedSipCodecs.find((c) => c.name === name)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EVENT_PT = 101;

let media: MediaFixture;
let mixer: RoomAudioMixer;
const metrics = createSipAudioMetrics();
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  media = await startMedia();
  mixer = await RoomAudioMixer.create(media.router, { logger: quietLogger, metrics });
});

afterAll(() => {
  for (const c of cleanups.reverse()) c();
  mixer?.close();
  media?.close();
});

async function call(participantId: string, name: SipAudioCodec['name'], extra: Partial<SipLegOptions> = {}) {
  const peer = await SipPeer.open(codec(name));
  const leg = await mixer.addLeg({ participantId, codec: codec(name), rtpIp: '127.0.0.1', rtpTimeoutMs: null, telephoneEventPayloadType: EVENT_PT, ...extra });
  peer.sendTo(leg.rtpPort);
  cleanups.push(() => {
    leg.close();
    peer.close();
  });
  return { peer, leg };
}

const counter = async (name: string, label: string): Promise<number> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values as { value: number; labels: Record<string, string> }[] | undefined)?.filter((v) => Object.values(v.labels).includes(label)).reduce((a, v) => a + v.value, 0) ?? 0;
};

describe('SIP audio legs', () => {
  it('reports each RFC 4733 digit once, however often its packets are repeated', async () => {
    const { peer, leg } = await call('sip-dtmf', 'PCMU');
    const digits: string[] = [];
    leg.on('dtmf', (d) => digits.push(d));
    let ts = 10_000;
    for (const event of [1, 11, 1, 10]) {
      for (let i = 1; i <= 3; i++) peer.sendEvent(EVENT_PT, event, false, ts, i * 160);
      for (let i = 0; i < 3; i++) peer.sendEvent(EVENT_PT, event, true, ts, 640);
      ts += 1600;
      await sleep(30);
    }
    await waitFor('four digits', () => digits.length >= 4, 5000);
    await sleep(200);
    expect(digits).toEqual(['1', '#', '1', '*']);
  });

  it('sends to where the peer\'s RTP comes from, whatever its SDP said (symmetric RTP); refuses a remote that is not an address', async () => {
    const { peer, leg } = await call('sip-nat', 'PCMA');
    expect(() => leg.setRemote('phone.example.com', 4000)).toThrow(TypeError);
    expect(() => leg.setRemote('127.0.0.1', 70000)).toThrow(TypeError);
    leg.setRemote('0.0.0.0', 4000); // on hold: nothing sent
    await sleep(200);
    expect(peer.received.length).toBe(0);
    leg.setRemote('127.0.0.1', 9); // the address in an SDP written behind a NAT: nothing listens there
    await sleep(200);
    expect(peer.received.length).toBe(0);
    peer.stream(tone(1000, 8000));
    await waitFor('audio at the peer', () => peer.received.length > 10, 5000);
    peer.stop();
  });

  it('emits rtpTimeout once after the peer falls silent, or when none ever came; never with rtpTimeoutMs null', async () => {
    // Timeouts long enough that a busy machine's stalls do not look like a dead peer.
    const never = await call('sip-timeout-never', 'PCMU', { rtpTimeoutMs: 500 });
    const stops = await call('sip-timeout-stops', 'PCMU', { rtpTimeoutMs: 1500 });
    const radio = await call('sip-timeout-null', 'PCMU', { rtpTimeoutMs: null });
    const fired: string[] = [];
    for (const { leg } of [never, stops, radio]) leg.on('rtpTimeout', () => fired.push(leg.participantId));
    stops.peer.stream(tone(500, 8000));
    await waitFor('the silent one times out', () => fired.includes('sip-timeout-never'), 5000);
    await sleep(1000);
    expect(fired).toEqual(['sip-timeout-never']); // the streaming one has not
    const stoppedAt = Date.now();
    stops.peer.stop();
    await waitFor('the stopped one times out', () => fired.includes('sip-timeout-stops'), 10_000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1400);
    await sleep(1000);
    expect(fired).toEqual(['sip-timeout-never', 'sip-timeout-stops']); // once each; the null one never
    expect(radio.leg.closed).toBe(false);
  });

  it('drops garbage, truncated RTP, wrong payload types, RTCP and undecodable Opus, counts them, and keeps working', async () => {
    const { peer, leg } = await call('sip-garbage', 'opus');
    const room = await roomListener(media.router, leg.producer);
    cleanups.push(room.close);
    const malformedBefore = await counter('ecs_sip_rtp_dropped_total', 'malformed');
    const ptBefore = await counter('ecs_sip_rtp_dropped_total', 'payload_type');
    const decodeBefore = await counter('ecs_sip_decode_errors_total', 'opus');
    const rtp = (pt: number, payload: Buffer) => buildRtp({ payloadType: pt, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload });
    const garbage: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0x80]),
      Buffer.from('INVITE sip:x SIP/2.0\r\n\r\n'),
      rtp(111, Buffer.alloc(10)).subarray(0, 11), // shorter than a header
      Buffer.concat([Buffer.from([0x40]), rtp(111, Buffer.alloc(10)).subarray(1)]), // version 1
      Buffer.concat([Buffer.from([0x9f]), rtp(111, Buffer.alloc(4)).subarray(1)]), // 15 CSRCs and an extension that are not there
      Buffer.concat([Buffer.from([0xa0]), rtp(111, Buffer.from([1, 2, 3, 200])).subarray(1)]), // padding longer than the payload
      rtp(0, Buffer.alloc(160)), // PCMU where Opus was negotiated
      rtp(EVENT_PT, Buffer.from([1])), // truncated telephone-event
      Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0]), // RTCP sender report on the RTP port
      rtp(111, Buffer.from([0xff, 0xff, 0xff])), // Opus TOC for a packet with more frames than bytes
    ];
    for (let round = 0; round < 5; round++) for (const g of garbage) peer.raw(g);
    for (let i = 0; i < 200; i++) peer.raw(Buffer.from(Array.from({ length: i % 64 }, (_, k) => (k * 31 + i) & 0xff)));
    await sleep(300);
    expect(leg.closed).toBe(false);
    expect(await counter('ecs_sip_rtp_dropped_total', 'malformed')).toBeGreaterThan(malformedBefore + 25);
    expect(await counter('ecs_sip_rtp_dropped_total', 'payload_type')).toBeGreaterThan(ptBefore);
    expect(await counter('ecs_sip_decode_errors_total', 'opus')).toBeGreaterThan(decodeBefore);

    peer.stream(tone(1000, 48000, 3000));
    await waitFor('the room hears the leg after the garbage', () => room.packets.length > 40, 10_000);
    expect(toneShare(concat(room.packets.slice(-25).map((p) => p.pcm)), 48000, 1000)).toBeGreaterThan(0.6);
    await waitFor('the peer hears the room again', () => peer.received.length > 10, 5000);
    peer.stop();
  });

  it('leaves no socket, producer, consumer or transport behind: leg.close(), producer close, mixer.close()', async () => {
    const transportsBefore = (await media.router.dump()).transportIds.length;
    const a = await call('sip-end-a', 'PCMU');
    const b = await call('sip-end-b', 'G722');
    const closed: string[] = [];
    a.leg.on('closed', () => closed.push('a'));
    b.leg.on('closed', () => closed.push('b'));
    a.leg.close();
    a.leg.close(); // idempotent
    expect(a.leg.producer.closed).toBe(true);
    b.leg.producer.close(); // the room ending the participant ends the leg
    expect(b.leg.closed).toBe(true);
    expect(closed).toEqual(['a', 'b']);
    expect((await media.router.dump()).transportIds.length).toBe(transportsBefore);

    const c = await call('sip-end-c', 'opus');
    const other = await RoomAudioMixer.create(media.router, { logger: quietLogger });
    const d = await other.addLeg({ participantId: 'sip-end-d', codec: codec('PCMU'), rtpIp: '127.0.0.1', rtpTimeoutMs: 1000 });
    await other.addSource(c.leg.producer); // one mixer's leg is another's source (consumed through the router)
    expect(other.sourceCount()).toBe(1);
    expect((await media.router.dump()).transportIds.length).toBe(transportsBefore + 1);
    other.close();
    expect(d.closed).toBe(true);
    expect(d.producer.closed).toBe(true);
    await expect(other.addLeg({ participantId: 'late', codec: codec('PCMU'), rtpIp: '127.0.0.1', rtpTimeoutMs: null })).rejects.toThrow(/closed/);
    await other.addSource(c.leg.producer); // a closed mixer ignores it
    expect(other.sourceCount()).toBe(0);
    await waitFor('the other mixer\'s transport gone', async () => (await media.router.dump()).transportIds.length === transportsBefore, 5000);
    c.leg.close();
    // the legs' UDP ports are released
    for (const port of [a.leg.rtpPort, b.leg.rtpPort, c.leg.rtpPort, d.rtpPort]) {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, '127.0.0.1', resolve);
      });
      socket.close();
    }
  });

  it('takes even ports from a configured RTP port range, and says so when the range is full', async () => {
    const base = await freePortRange(4);
    const range = { min: base, max: base + 3 };
    const opts = { codec: codec('PCMU'), rtpIp: '127.0.0.1', rtpTimeoutMs: null, rtpPortRange: range };
    const a = await mixer.addLeg({ ...opts, participantId: 'sip-range-a' });
    const b = await mixer.addLeg({ ...opts, participantId: 'sip-range-b' });
    cleanups.push(() => a.close(), () => b.close());
    // four ports hold exactly two even ones: both taken now
    for (const leg of [a, b]) expect(leg.rtpPort % 2).toBe(0);
    expect([a.rtpPort, b.rtpPort].every((p) => p >= range.min && p <= range.max)).toBe(true);
    expect(a.rtpPort).not.toBe(b.rtpPort);
    const legsBefore = mixer.legCount();
    await expect(mixer.addLeg({ ...opts, participantId: 'sip-range-c' })).rejects.toThrow(/no free RTP port/);
    expect(mixer.legCount()).toBe(legsBefore);
    await expect(mixer.addLeg({ ...opts, participantId: 'bad', rtpPortRange: { min: 5000, max: 4000 } })).rejects.toThrow(RangeError);
  });

  it('closes with its router (a worker that died takes the room\'s media with it)', async () => {
    const router = await media.pool.leastLoaded().worker.createRouter({ mediaCodecs: roomMediaCodecs });
    const m = await RoomAudioMixer.create(router, { logger: quietLogger });
    const leg = await m.addLeg({ participantId: 'sip-router', codec: codec('PCMU'), rtpIp: '127.0.0.1', rtpTimeoutMs: null });
    router.close();
    expect(m.closed).toBe(true);
    expect(leg.closed).toBe(true);
    expect(m.legCount()).toBe(0);
  });
});
