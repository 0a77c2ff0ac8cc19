/**
 * SIP media through a real mediasoup router: a room participant (ffmpeg sending an Opus tone as RTP)
 * and SIP peers (UDP sockets speaking G.711, G.722 or Opus) mixed by RoomAudioMixer.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorderSdp } from '../../media/recorder-sdp.js';
import { type SipAudioCodec, supportedSipCodecs } from '../../media/sip-audio/codecs.js';
import { RoomAudioMixer } from '../../media/sip-audio/room-audio-mixer.js';
import { type MediaFixture, SipPeer, concat, ffmpegToneProducer, quietLogger, rms, roomListener, startMedia, tone, toneShare, waitForPackets } from '../helpers/sip-audio.js';
import { freePortRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const codec = (name: SipAudioCodec['name']): SipAudioCodec => supportedSipCodecs.find((c) => c.name === name)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let media: MediaFixture;
let mixer: RoomAudioMixer;
let browser: Awaited<ReturnType<typeof ffmpegToneProducer>>;
const peers: SipPeer[] = [];

beforeAll(async () => {
  media = await startMedia();
  mixer = await RoomAudioMixer.create(media.router, { logger: quietLogger });
  browser = await ffmpegToneProducer(media.router, 'browser-a', 440);
  await mixer.addSource(browser.producer);
  await mixer.addSource(browser.producer); // idempotent
  await waitForPackets(browser.producer, 100); // steady after its first two seconds
});

afterAll(() => {
  for (const p of peers) p.close();
  mixer?.close();
  browser?.stop();
  media?.close();
});

/** A SIP peer calling in, speaking a tone of `freq` (about as loud as the room's 440 Hz participant). */
async function callIn(name: SipAudioCodec['name'], participantId: string, freq: number) {
  const peer = await SipPeer.open(codec(name));
  peers.push(peer);
  const leg = await mixer.addLeg({ participantId, codec: codec(name), rtpIp: '127.0.0.1', rtpTimeoutMs: null });
  leg.setRemote('127.0.0.1', peer.port);
  peer.sendTo(leg.rtpPort);
  peer.stream(tone(freq, peer.rate, 1500));
  return { peer, leg };
}

/** The last `ms` of what the peer heard, once it has heard that much since `since`. */
async function heard(peer: SipPeer, ms: number): Promise<Int16Array> {
  const since = Date.now();
  await waitFor(`${ms} ms of audio at the peer`, () => peer.audioSince(since).length >= (peer.rate * ms) / 1000, 15_000);
  return peer.audioSince(since);
}

describe('SIP audio mixing', () => {
  it('a PCMU leg hears the room (440 Hz) and not itself (1000 Hz), in well-formed RTP', async () => {
    const { peer, leg } = await callIn('PCMU', 'sip-pcmu', 1000);
    await mixer.addSource(leg.producer); // the room would offer the leg's own producer too: no echo, no second copy
    expect(mixer.sourceCount()).toBe(1);
    await sleep(500);
    const pcm = await heard(peer, 1500);
    expect(rms(pcm)).toBeGreaterThan(700); // ffmpeg's sine is 1/8 full scale, halved, -3 dB in the stereo upmix: ~1020 RMS
    expect(toneShare(pcm, 8000, 440)).toBeGreaterThan(0.6);
    expect(toneShare(pcm, 8000, 1000)).toBeLessThan(0.01);

    const rtp = peer.received.map((r) => r.packet);
    expect(rtp[0]!.marker).toBe(true);
    expect(new Set(rtp.map((p) => p.ssrc)).size).toBe(1);
    for (let i = 1; i < rtp.length; i++) {
      expect((rtp[i]!.sequenceNumber - rtp[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
      expect((rtp[i]!.timestamp - rtp[i - 1]!.timestamp) >>> 0).toBe(160);
      expect(rtp[i]!.payload.length).toBe(160);
    }
    expect(leg.stats().packetsIn).toBeGreaterThan(50);
    const inFlight = leg.stats().packetsOut - peer.received.length; // sent, not yet read by the peer
    expect(inFlight).toBeGreaterThanOrEqual(0);
    expect(inFlight).toBeLessThanOrEqual(3);
    leg.close();
    peer.stop();
  });

  it('a PCMA leg is heard in the room: its 1000 Hz tone arrives as Opus with audio levels, and it becomes the dominant speaker', async () => {
    const observer = await media.router.createActiveSpeakerObserver({ interval: 300 });
    const dominant: string[] = [];
    observer.on('dominantspeaker', ({ producer }) => dominant.push(producer.id));
    const { peer, leg } = await callIn('PCMA', 'sip-pcma', 1000);
    expect(leg.producer.appData).toMatchObject({ participantId: 'sip-pcma', source: 'mic' });
    expect(leg.keyed).toBe(true);
    await observer.addProducer({ producerId: leg.producer.id });
    const listener = await roomListener(media.router, leg.producer);
    try {
      await waitFor('1.5 s of the leg in the room', () => listener.packets.length >= 75, 15_000);
      const pcm = concat(listener.packets.slice(-50).map((p) => p.pcm));
      expect(toneShare(pcm, 48000, 1000)).toBeGreaterThan(0.6);
      expect(toneShare(pcm, 48000, 440)).toBeLessThan(0.01); // the leg sends its own voice only
      // 1500/32768 peak → about -30 dBov RMS
      for (const { level } of listener.packets.slice(-50)) {
        expect(level).toBeGreaterThanOrEqual(28);
        expect(level).toBeLessThanOrEqual(32);
      }
      await waitFor('the leg as dominant speaker', () => dominant.includes(leg.producer.id), 10_000);
    } finally {
      listener.close();
      observer.close();
      leg.close();
      peer.stop();
    }
    expect(leg.producer.closed).toBe(true);
  });

  it('G.722 and Opus legs hear the room and each other, never themselves', async () => {
    const g722 = await callIn('G722', 'sip-g722', 700);
    const opus = await callIn('opus', 'sip-opus', 1500);
    await sleep(500);
    const [g722Heard, opusHeard] = await Promise.all([heard(g722.peer, 1500), heard(opus.peer, 1500)]);
    // two voices of about equal loudness: about half each when nothing is lost; a busy machine loses some
    expect(toneShare(g722Heard, 16000, 440)).toBeGreaterThan(0.15);
    expect(toneShare(g722Heard, 16000, 1500)).toBeGreaterThan(0.15);
    expect(toneShare(g722Heard, 16000, 700)).toBeLessThan(0.01);
    expect(toneShare(opusHeard, 48000, 440)).toBeGreaterThan(0.15);
    expect(toneShare(opusHeard, 48000, 700)).toBeGreaterThan(0.15);
    expect(toneShare(opusHeard, 48000, 1500)).toBeLessThan(0.01);
    const g722Rtp = g722.peer.received.map((r) => r.packet);
    expect(g722Rtp.at(-1)!.payload.length).toBe(160); // 20 ms of 16 kHz in 64 kbit/s
    expect((g722Rtp.at(-1)!.timestamp - g722Rtp.at(-2)!.timestamp) >>> 0).toBe(160); // 8000 Hz RTP clock
    const opusRtp = opus.peer.received.map((r) => r.packet);
    expect((opusRtp.at(-1)!.timestamp - opusRtp.at(-2)!.timestamp) >>> 0).toBe(960);
    g722.leg.close();
    opus.leg.close();
    expect(mixer.legCount()).toBe(0);
  });

  it('a G.722 leg reaches the room in wideband: ffmpeg decodes the leg\'s Opus to its 5 kHz tone', async () => {
    const { peer, leg } = await callIn('G722', 'sip-wideband', 5000);
    const base = await freePortRange(3);
    const port = base + (base % 2);
    const transport = await media.router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
    await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
    const consumer = await transport.consume({ producerId: leg.producer.id, rtpCapabilities: media.router.rtpCapabilities, paused: true });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sip-wav-'));
    try {
      await writeFile(path.join(dir, 'in.sdp'), recorderSdp({ kind: 'audio', port, codec: consumer.rtpParameters.codecs[0]! }));
      const ffmpeg = spawn('ffmpeg', ['-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', path.join(dir, 'in.sdp'), '-t', '2', '-ac', '1', '-ar', '16000', '-y', path.join(dir, 'out.wav')], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => ffmpeg.on('exit', resolve));
      await sleep(1000); // ffmpeg opens its port
      await consumer.resume();
      const timer = setTimeout(() => ffmpeg.kill('SIGKILL'), 30_000);
      expect(await exited).toBe(0);
      clearTimeout(timer);
      const wav = await readFile(path.join(dir, 'out.wav'));
      const data = wav.indexOf('data') + 8;
      const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + data, wav.byteOffset + wav.length - ((wav.length - data) % 2)));
      expect(pcm.length).toBeGreaterThan(16000);
      expect(toneShare(pcm.subarray(4800), 16000, 5000)).toBeGreaterThan(0.6);
    } finally {
      transport.close();
      await rm(dir, { recursive: true, force: true });
      leg.close();
      peer.stop();
    }
  });
});
