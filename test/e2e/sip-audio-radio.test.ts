/** Radio gateway legs (half duplex): keying by VOX, RFC 4733 events and SIP INFO; hearing only the talkers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SipAudioCodec, supportedSipCodecs } from '../../media/sip-audio/codecs.js';
import { RoomAudioMixer } from '../../media/sip-audio/room-audio-mixer.js';
import type { SipAudioLeg, SipLegOptions } from '../../media/sip-audio/sip-audio-leg.js';
import { type MediaFixture, SipPeer, concat, ffmpegToneProducer, quietLogger, roomListener, startMedia, tone, toneShare, waitForPackets } from '../helpers/sip-audio.js';
import { waitFor } from '../helpers/wait.js';

const PCMU = supportedSipCodecs.find((c) => c.name === 'PCMU')!;
const EVENT_PT = 101;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silence = (n: number) => new Int16Array(n);

let media: MediaFixture;
let mixer: RoomAudioMixer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  media = await startMedia();
  mixer = await RoomAudioMixer.create(media.router, { logger: quietLogger });
});

afterAll(() => {
  for (const c of cleanups.reverse()) c();
  mixer?.close();
  media?.close();
});

async function radioLeg(participantId: string, radio: SipLegOptions['radio'], codec: SipAudioCodec = PCMU) {
  const peer = await SipPeer.open(codec);
  const leg = await mixer.addLeg({ participantId, codec, rtpIp: '127.0.0.1', rtpTimeoutMs: null, telephoneEventPayloadType: EVENT_PT, radio });
  leg.setRemote('127.0.0.1', peer.port);
  peer.sendTo(leg.rtpPort);
  const keyed: boolean[] = [];
  leg.on('keyed', (k) => keyed.push(k));
  const room = await roomListener(media.router, leg.producer);
  cleanups.push(() => {
    room.close();
    leg.close();
    peer.close();
  });
  return { peer, leg, keyed, room };
}

/** Packets the room got from the leg over `ms`. */
async function roomPacketsDuring(room: { packets: unknown[] }, ms: number): Promise<number> {
  const before = room.packets.length;
  await sleep(ms);
  return room.packets.length - before;
}

describe('radio legs', () => {
  it('VOX: voice above the threshold keys the channel into the room; silence unkeys it after the hang time', async () => {
    const { peer, leg, keyed, room } = await radioLeg('radio-vox', { keying: 'vox', voxThresholdDbov: -40, hangMs: 300 });
    peer.stream(silence);
    expect(await roomPacketsDuring(room, 600)).toBe(0);
    expect(leg.keyed).toBe(false);

    peer.stream(tone(1000, 8000, 3000)); // about -24 dBov
    await waitFor('keyed', () => leg.keyed, 5000);
    expect(keyed).toEqual([true]);
    expect(await roomPacketsDuring(room, 600)).toBeGreaterThan(5); // 30 when the machine is idle
    expect(toneShare(concat(room.packets.slice(-20).map((p) => p.pcm)), 48000, 1000)).toBeGreaterThan(0.6);

    peer.stream(silence);
    await waitFor('unkeyed', () => !leg.keyed, 5000);
    expect(keyed).toEqual([true, false]);
    await sleep(300); // what was forwarded before has arrived
    expect(await roomPacketsDuring(room, 500)).toBe(0);
    peer.stop();
  });

  it('RFC 4733: an event in progress keys the channel, its End bit unkeys it after the hang time', async () => {
    const { peer, leg, keyed, room } = await radioLeg('radio-4733', { keying: 'rfc4733', hangMs: 200 });
    const dtmf: string[] = [];
    leg.on('dtmf', (d) => dtmf.push(d));
    peer.stream(tone(1000, 8000, 3000)); // the gateway's audio flows all the time; only keyed audio may pass
    expect(await roomPacketsDuring(room, 500)).toBe(0);

    const eventTs = 777_000;
    for (let i = 1; i <= 12; i++) {
      peer.sendEvent(EVENT_PT, 0, false, eventTs, i * 400);
      await sleep(50);
    }
    expect(keyed).toEqual([true]);
    expect(room.packets.length).toBeGreaterThan(5);
    for (let i = 0; i < 3; i++) peer.sendEvent(EVENT_PT, 0, true, eventTs, 5200);
    await waitFor('unkeyed', () => !leg.keyed, 5000);
    expect(keyed).toEqual([true, false]);
    await sleep(300); // what was forwarded before has arrived
    expect(await roomPacketsDuring(room, 500)).toBe(0);
    expect(dtmf).toEqual([]); // keying events are not digits
    peer.stop();
  });

  it('SIP INFO: setKeyedByInfo keys and unkeys; it is ignored on a leg keyed otherwise', async () => {
    const { peer, leg, keyed, room } = await radioLeg('radio-info', { keying: 'info' });
    peer.stream(tone(1000, 8000, 3000));
    expect(await roomPacketsDuring(room, 400)).toBe(0);
    leg.setKeyedByInfo(true);
    expect(leg.keyed).toBe(true);
    expect(await roomPacketsDuring(room, 500)).toBeGreaterThan(5);
    leg.setKeyedByInfo(false);
    await sleep(300); // what was forwarded before has arrived
    expect(await roomPacketsDuring(room, 400)).toBe(0);
    expect(keyed).toEqual([true, false]);

    // The gateway's timestamps go back (it restarted): the room's time line still only moves forward.
    const firstSpurt = room.packets.length;
    peer.rewindTimestamps();
    leg.setKeyedByInfo(true);
    await waitFor('a second talkspurt', () => room.packets.length > firstSpurt + 10, 5000);
    leg.setKeyedByInfo(false);
    const ts = room.packets.map((p) => p.timestamp);
    for (let i = 1; i < ts.length; i++) expect((ts[i]! - ts[i - 1]!) | 0).toBeGreaterThan(0);
    const pause = (ts[firstSpurt]! - ts[firstSpurt - 1]!) >>> 0;
    expect(pause).toBeGreaterThanOrEqual(400 * 48); // at least the 400 ms unkeyed, in 48 kHz ticks

    const vox = await radioLeg('radio-vox-2', { keying: 'vox' });
    vox.leg.setKeyedByInfo(true);
    expect(vox.leg.keyed).toBe(false);
    expect(vox.keyed).toEqual([]);
    peer.stop();
  });

  it('a leg with talkers hears only them (never itself); null restores the whole room', async () => {
    const a = await ffmpegToneProducer(media.router, 'browser-a', 440);
    const b = await ffmpegToneProducer(media.router, 'browser-b', 1000);
    cleanups.push(a.stop, b.stop);
    await mixer.addSource(a.producer);
    await mixer.addSource(b.producer);
    const other = await SipPeer.open(PCMU);
    const otherLeg: SipAudioLeg = await mixer.addLeg({ participantId: 'sip-x', codec: PCMU, rtpIp: '127.0.0.1', rtpTimeoutMs: null });
    otherLeg.setRemote('127.0.0.1', other.port);
    other.sendTo(otherLeg.rtpPort);
    other.stream(tone(2000, 8000, 1500));
    cleanups.push(() => {
      otherLeg.close();
      other.close();
    });

    const { peer, leg } = await radioLeg('radio-talkers', { keying: 'info' });
    leg.setKeyedByInfo(true);
    peer.stream(tone(3000, 8000, 1500));

    const hear = async (): Promise<Int16Array> => {
      await sleep(300); // the change and the playout delay
      const since = Date.now();
      await waitFor('1 s heard', () => peer.audioSince(since).length >= 8000, 10_000);
      return peer.audioSince(since);
    };
    await Promise.all([waitForPackets(a.producer, 100), waitForPackets(b.producer, 100)]); // ffmpeg's start is bursty
    leg.setTalkers(new Set(['browser-a', 'radio-talkers']));
    let pcm = await hear();
    expect(toneShare(pcm, 8000, 440)).toBeGreaterThan(0.8);
    for (const f of [1000, 2000, 3000]) expect(toneShare(pcm, 8000, f)).toBeLessThan(0.01);

    leg.setTalkers(new Set(['sip-x']));
    pcm = await hear();
    expect(toneShare(pcm, 8000, 2000)).toBeGreaterThan(0.8);
    for (const f of [440, 1000, 3000]) expect(toneShare(pcm, 8000, f)).toBeLessThan(0.01);

    leg.setTalkers(null);
    pcm = await hear();
    for (const f of [440, 1000, 2000]) expect(toneShare(pcm, 8000, f)).toBeGreaterThan(0.15);
    expect(toneShare(pcm, 8000, 3000)).toBeLessThan(0.01);
    peer.stop();
  });
});
