/** Real pieces for SIP media tests: a mediasoup worker pool and room router, ffmpeg RTP senders, a SIP peer on a UDP socket, tone analysis. */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, createSocket } from 'node:dgram';
import type { types } from 'mediasoup';
import pino from 'pino';
import { roomMediaCodecs } from '../../media/media-codecs.js';
import type { ProducerAppData } from '../../media/media-participant.js';
import type { SipAudioCodec } from '../../media/sip-audio/codecs.js';
import { alaw, mulaw } from '../../media/sip-audio/g711.js';
import { G722Decoder, G722Encoder } from '../../media/sip-audio/g722.js';
import { OpusDecoder, OpusEncoder } from '../../media/sip-audio/opus.js';
import { type RtpPacket, buildRtp, parseRtp } from '../../media/sip-audio/rtp-packet.js';
import { WorkerPool } from '../../media/worker-pool.js';
import { freePortRange } from './ports.js';

export const quietLogger = pino({ level: 'silent' });

export interface MediaFixture {
  pool: WorkerPool;
  router: types.Router;
  close(): void;
}

/** One real mediasoup worker and a router with the rooms' codecs. */
export async function startMedia(): Promise<MediaFixture> {
  const basePort = await freePortRange(1);
  const pool = new WorkerPool({ size: 1, listenIp: '127.0.0.1', announcedIp: undefined, basePort, rtcMinPort: 30000, rtcMaxPort: 39999, logger: quietLogger });
  await pool.start();
  const router = await pool.leastLoaded().worker.createRouter({ mediaCodecs: roomMediaCodecs });
  return { pool, router, close: () => pool.close() };
}

/**
 * Fraction (0..1) of the signal's energy at `freq`: Goertzel over 100 ms blocks, energy-weighted, so a
 * phase jump (a lost or repeated frame) costs only its block instead of cancelling the whole window.
 * A pure tone gives about 1; the test tones are whole cycles per block (multiples of 10 Hz).
 */
export function toneShare(pcm: Int16Array, rate: number, freq: number): number {
  const block = rate / 10;
  let power = 0;
  let energy = 0;
  for (let start = 0; start + block <= pcm.length; start += block) {
    const b = goertzel(pcm.subarray(start, start + block), rate, freq);
    power += (2 * b.power) / block;
    energy += b.energy;
  }
  return energy === 0 ? 0 : power / energy;
}

function goertzel(pcm: Int16Array, rate: number, freq: number): { power: number; energy: number } {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < pcm.length; i++) {
    const x = pcm[i]!;
    energy += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return { power: s1 * s1 + s2 * s2 - coeff * s1 * s2, energy };
}

export function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const x of pcm) sum += x * x;
  return pcm.length ? Math.sqrt(sum / pcm.length) : 0;
}

export function concat(chunks: Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A sine generator that keeps its phase across frames. */
export function tone(freq: number, rate: number, amplitude = 8000): (samples: number) => Int16Array {
  let phase = 0;
  return (samples) => {
    const out = new Int16Array(samples);
    for (let i = 0; i < samples; i++) {
      out[i] = Math.round(amplitude * Math.sin(phase));
      phase += (2 * Math.PI * freq) / rate;
    }
    return out;
  };
}

const pcmRate = (c: SipAudioCodec): number => (c.name === 'opus' ? 48000 : c.name === 'G722' ? 16000 : 8000);

/** Encoder/decoder pair as a SIP phone would have for one codec. */
function peerCodec(codec: SipAudioCodec) {
  switch (codec.name) {
    case 'PCMU':
      return { encode: (p: Int16Array) => mulaw.encode(p), decode: (b: Uint8Array) => mulaw.decode(b), close: () => {} };
    case 'PCMA':
      return { encode: (p: Int16Array) => alaw.encode(p), decode: (b: Uint8Array) => alaw.decode(b), close: () => {} };
    case 'G722': {
      const e = new G722Encoder();
      const d = new G722Decoder();
      return { encode: (p: Int16Array) => e.encode(p), decode: (b: Uint8Array) => d.decode(b), close: () => {} };
    }
    case 'opus': {
      const e = new OpusEncoder(48000, 32000);
      const d = new OpusDecoder(48000);
      return {
        encode: (p: Int16Array) => e.encode(p),
        decode: (b: Uint8Array) => d.decode(b),
        close: () => {
          e.close();
          d.close();
        },
      };
    }
  }
}

/**
 * The far end of a SIP call's media: a UDP socket that sends RTP (a tone, silence, telephone events,
 * garbage) every 20 ms and keeps what it receives, decoded.
 */
export class SipPeer {
  readonly received: { packet: RtpPacket; pcm: Int16Array; at: number }[] = [];
  readonly #codec: ReturnType<typeof peerCodec>;
  readonly rate: number;
  #seq = 1000;
  #ts = 5000;
  #timer: NodeJS.Timeout | undefined;
  #target: { address: string; port: number } | undefined;

  private constructor(
    readonly socket: Socket,
    readonly codec: SipAudioCodec,
  ) {
    this.#codec = peerCodec(codec);
    this.rate = pcmRate(codec);
    socket.on('message', (msg) => {
      const packet = parseRtp(msg);
      if (!packet || packet.payloadType !== codec.payloadType) return;
      this.received.push({ packet, pcm: this.#codec.decode(packet.payload), at: Date.now() });
    });
  }

  static async open(codec: SipAudioCodec): Promise<SipPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new SipPeer(socket, codec);
  }

  get port(): number {
    return this.socket.address().port;
  }

  sendTo(port: number, address = '127.0.0.1'): void {
    this.#target = { address, port };
  }

  /** Sets the RTP timestamp back, as a gateway that restarts or stands still while idle does. */
  rewindTimestamps(): void {
    this.#ts = 5000;
  }

  /** Sends one raw datagram to the leg. */
  raw(buf: Buffer): void {
    if (this.#target) this.socket.send(buf, this.#target.port, this.#target.address);
  }

  /** Sends one 20 ms voice packet. */
  sendFrame(pcm: Int16Array, marker = false): void {
    const payload = this.#codec.encode(pcm);
    this.raw(buildRtp({ payloadType: this.codec.payloadType, marker, sequenceNumber: this.#seq++, timestamp: this.#ts, ssrc: 0x1234, payload }));
    this.#ts += this.codec.clockRate / 50;
  }

  /** RFC 4733: one packet of an event (same timestamp for all packets of one event). */
  sendEvent(payloadType: number, event: number, end: boolean, eventTs: number, duration: number): void {
    const payload = Buffer.from([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
    this.raw(buildRtp({ payloadType, marker: false, sequenceNumber: this.#seq++, timestamp: eventTs, ssrc: 0x1234, payload }));
  }

  /** Sends frames from `source` every 20 ms (drift-corrected) until stop(). */
  stream(source: (samples: number) => Int16Array): void {
    this.stop();
    const frame = this.rate / 50;
    const start = Date.now();
    let sent = 0;
    const run = (): void => {
      while (Date.now() - start >= sent * 20) {
        this.sendFrame(source(frame));
        sent++;
      }
      this.#timer = setTimeout(run, Math.max(1, start + sent * 20 - Date.now()));
    };
    run();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Received audio since `since` (Date.now()), concatenated. */
  audioSince(since: number): Int16Array {
    return concat(this.received.filter((r) => r.at >= since).map((r) => r.pcm));
  }

  close(): void {
    this.stop();
    this.socket.close();
    this.#codec.close();
  }
}

/** A room participant whose "microphone" is ffmpeg sending an Opus tone as RTP into a PlainTransport producer. */
export async function ffmpegToneProducer(router: types.Router, participantId: string, freq: number, durationS = 60): Promise<{ producer: types.Producer<ProducerAppData>; stop(): void }> {
  const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const ssrc = 1 + Math.floor(Math.random() * 0x7ffffff0);
  const producer = await transport.produce<ProducerAppData>({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 101, rtcpFeedback: [] }], encodings: [{ ssrc }] },
    appData: { participantId, source: 'mic' },
  });
  const rtcpPort = transport.rtcpTuple?.localPort ?? transport.tuple.localPort;
  const ff: ChildProcess = spawn(
    'ffmpeg',
    ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=48000:duration=${durationS}`, '-filter:a', 'volume=0.5',
      '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '32k', '-application', 'lowdelay', '-payload_type', '101', '-ssrc', String(ssrc),
      '-f', 'rtp', `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${rtcpPort}&pkt_size=1200`],
    { stdio: 'ignore' },
  );
  return {
    producer,
    stop: () => {
      ff.kill('SIGKILL');
      transport.close();
    },
  };
}

/** Waits until a producer has received `packets` RTP packets: ffmpeg's start is bursty on a busy machine. */
export async function waitForPackets(producer: types.Producer, packets: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await producer.getStats();
    if ((stats[0]?.packetCount ?? 0) >= packets) return;
    if (Date.now() > deadline) throw new Error(`producer got fewer than ${packets} packets in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What the room hears from a producer: a consumer on a PlainTransport connected to a local socket,
 * its Opus decoded at 48 kHz; also the ssrc-audio-level of each packet.
 */
export async function roomListener(router: types.Router, producer: types.Producer): Promise<{ packets: { at: number; pcm: Int16Array; level: number | null; timestamp: number }[]; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
  const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
  const levelExt = consumer.rtpParameters.headerExtensions?.find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:ssrc-audio-level')?.id;
  const decoder = new OpusDecoder(48000);
  const packets: { at: number; pcm: Int16Array; level: number | null; timestamp: number }[] = [];
  socket.on('message', (msg) => {
    const packet = parseRtp(msg);
    if (!packet || packet.payloadType !== consumer.rtpParameters.codecs[0]!.payloadType) return;
    packets.push({ at: Date.now(), pcm: decoder.decode(packet.payload), level: levelExt === undefined ? null : readAudioLevel(msg, levelExt), timestamp: packet.timestamp });
  });
  return {
    packets,
    close: () => {
      transport.close();
      socket.close();
      decoder.close();
    },
  };
}

/** The level (0..127, -dBov) in a packet's one-byte header extension `id`, or null. */
function readAudioLevel(msg: Buffer, id: number): number | null {
  if (!(msg[0]! & 0x10)) return null;
  let off = 12 + 4 * (msg[0]! & 0x0f);
  if (msg.readUInt16BE(off) !== 0xbede) return null;
  const end = off + 4 + 4 * msg.readUInt16BE(off + 2);
  off += 4;
  while (off < end) {
    const b = msg[off]!;
    if (b === 0) {
      off++;
      continue;
    }
    const extId = b >> 4;
    const len = (b & 0x0f) + 1;
    if (extId === id) return msg[off + 1]! & 0x7f;
    off += 1 + len;
  }
  return null;
}
