/**
 * A camera's router and a room's router on the SAME mediasoup worker: router.pipeToRouter fails there
 * (the pipe keeps the producer's id, which the worker already has), pipeUnderNewId carries the media.
 * Real worker, real RTP over loopback UDP.
 */
import { createSocket, type Socket } from 'node:dgram';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomMediaCodecs } from '../../media/media-codecs.js';
import { pipeUnderNewId } from '../../media/pipe-under-new-id.js';
import { waitFor } from '../helpers/wait.js';

const PT = 101;
const SSRC = 4242;

function rtp(seq: number): Buffer {
  const packet = Buffer.alloc(12 + 20);
  packet[0] = 0x80;
  packet[1] = PT;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(seq * 960, 4);
  packet.writeUInt32BE(SSRC, 8);
  return packet;
}

describe('piping a producer between two routers of one worker', () => {
  let worker: types.Worker;
  let camera: types.Router;
  let room: types.Router;
  let sender: Socket;
  let receiver: Socket;
  let received = 0;
  let timer: NodeJS.Timeout;

  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'error' });
    camera = await worker.createRouter({ mediaCodecs: roomMediaCodecs });
    room = await worker.createRouter({ mediaCodecs: roomMediaCodecs });
    sender = createSocket('udp4');
    receiver = createSocket('udp4');
    receiver.on('message', () => received++);
    await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', r));
  });

  afterAll(() => {
    clearInterval(timer);
    sender?.close();
    receiver?.close();
    worker?.close();
  });

  it('forwards the media under a new id, follows pause and close, and frees its pipe', async () => {
    const ingest = await camera.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    const producer = await ingest.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: PT }], encodings: [{ ssrc: SSRC }] },
    });
    // What mediasoup's own pipe does here, and why this module exists.
    await expect(camera.pipeToRouter({ producerId: producer.id, router: room })).rejects.toThrow();

    const copy = await pipeUnderNewId(producer, camera, room);
    expect(copy.id).not.toBe(producer.id);
    expect(copy.kind).toBe('audio');

    const out = await room.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
    await out.connect({ ip: '127.0.0.1', port: receiver.address().port });
    await out.consume({ producerId: copy.id, rtpCapabilities: room.rtpCapabilities });
    let seq = 0;
    timer = setInterval(() => sender.send(rtp(seq++), ingest.tuple.localPort, '127.0.0.1'), 20);
    await waitFor('packets through the pipe', () => received >= 10, 5000);

    await producer.pause();
    await waitFor('the copy paused', () => copy.paused, 2000);
    await new Promise((r) => setTimeout(r, 200));
    const atPause = received;
    await new Promise((r) => setTimeout(r, 300));
    expect(received - atPause).toBe(0);
    await producer.resume();
    await waitFor('flowing again', () => received >= atPause + 5, 5000);

    const pipesBefore = (await room.dump()).transportIds.length;
    producer.close();
    await waitFor('the copy closed', () => copy.closed, 2000);
    // The copy's PipeTransport is gone from the room's router; the viewer's transport stays.
    await waitFor('pipe released', async () => (await room.dump()).transportIds.length === pipesBefore - 1, 2000);
  });
});
