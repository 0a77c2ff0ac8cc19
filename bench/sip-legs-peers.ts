/**
 * Child process of the legs benchmark: plays N SIP peers, each a UDP socket that sends a G.711 tone every
 * 20 ms to its leg and times the leg's packets coming back. Runs apart from the server side so that
 * its CPU is not counted as the mixer's.
 */
import { type Socket, createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { mulaw } from '../media/sip-audio/g711.js';
import { buildRtp } from '../media/sip-audio/rtp-packet.js';
import { type FromPeersMessage, GAP_MS, toPeersMessage } from './sip-legs-protocol.js';

interface Peer {
  socket: Socket;
  legPort: number;
  seq: number;
  ts: number;
  lastAt: number | null;
  received: number;
  maxGapMs: number;
  gaps: number;
}

// One second of a 440 Hz tone, as 50 G.711 frames, reused in turn.
const FRAMES = Array.from({ length: 50 }, (_, f) =>
  mulaw.encode(Int16Array.from({ length: 160 }, (_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 440 * (f * 160 + i)) / 8000)))),
);

let peers: Peer[] = [];
let timer: NodeJS.Timeout | undefined;
let senderMaxLateMs = 0;

const send = (m: FromPeersMessage): void => void process.send?.(m);

async function open(count: number): Promise<void> {
  peers = await Promise.all(
    Array.from({ length: count }, async () => {
      const socket = createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
      const peer: Peer = { socket, legPort: 0, seq: 0, ts: 0, lastAt: null, received: 0, maxGapMs: 0, gaps: 0 };
      socket.on('message', () => {
        const now = performance.now();
        if (peer.lastAt !== null) {
          const gap = now - peer.lastAt;
          if (gap > peer.maxGapMs) peer.maxGapMs = gap;
          if (gap > GAP_MS) peer.gaps++;
        }
        peer.lastAt = now;
        peer.received++;
      });
      return peer;
    }),
  );
  send({ type: 'opened', ports: peers.map((p) => p.socket.address().port) });
}

function start(legPorts: number[], payloadType: number): void {
  peers.forEach((p, i) => (p.legPort = legPorts[i] ?? 0));
  const t0 = performance.now();
  let tick = 0;
  const run = (): void => {
    const now = performance.now();
    senderMaxLateMs = Math.max(senderMaxLateMs, now - (t0 + tick * 20));
    while (t0 + tick * 20 <= now) {
      const payload = FRAMES[tick % FRAMES.length]!;
      for (const p of peers) {
        if (!p.legPort) continue;
        p.socket.send(buildRtp({ payloadType, marker: tick === 0, sequenceNumber: p.seq++, timestamp: p.ts, ssrc: 0x5150, payload }), p.legPort, '127.0.0.1');
        p.ts += 160;
      }
      tick++;
    }
    timer = setTimeout(run, Math.max(0, t0 + tick * 20 - performance.now()));
  };
  run();
}

function measure(): void {
  senderMaxLateMs = 0;
  for (const p of peers) Object.assign(p, { received: 0, maxGapMs: 0, gaps: 0, lastAt: null });
}

function stop(): void {
  clearTimeout(timer);
  const now = performance.now();
  // A leg that went quiet before the end of the window has a gap up to now.
  for (const p of peers) {
    const tail = p.lastAt === null ? Infinity : now - p.lastAt;
    if (tail > p.maxGapMs) p.maxGapMs = tail;
    if (tail > GAP_MS) p.gaps++;
  }
  send({ type: 'report', legs: peers.map((p) => ({ received: p.received, maxGapMs: Number.isFinite(p.maxGapMs) ? p.maxGapMs : 1e9, gaps: p.gaps })), senderMaxLateMs });
  for (const p of peers) p.socket.close();
  peers = [];
}

process.on('message', (raw) => {
  const parsed = toPeersMessage.safeParse(raw);
  if (!parsed.success) {
    console.error('sip-legs-peers: bad message', parsed.error.message);
    return;
  }
  const m = parsed.data;
  if (m.type === 'open') void open(m.count);
  else if (m.type === 'start') start(m.legPorts, m.payloadType);
  else if (m.type === 'measure') measure();
  else stop();
});
process.on('disconnect', () => process.exit(0));
