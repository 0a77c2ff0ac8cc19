/**
 * A room spanning workers, against real mediasoup workers: placement over routers, producers piped to
 * the home router at once and to other routers once on demand, pipes following pause and close, an
 * emptied router closed, and a dead worker taking only its own participants' media.
 */
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaRoom } from '../../media/media-room.js';
import type { MediaParticipant, ProducerAppData } from '../../media/media-participant.js';
import { WorkerPool } from '../../media/worker-pool.js';
import { freePortRange } from '../helpers/ports.js';
import { quietLogger } from '../helpers/sip-audio.js';
import { waitFor } from '../helpers/wait.js';

const OPUS: types.RtpParameters = {
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 1111 }],
};

async function publishAudio(participant: MediaParticipant, ssrc: number): Promise<types.Producer<ProducerAppData>> {
  const send = await participant.createTransport('send');
  return participant.produce(send.id, 'audio', { ...OPUS, encodings: [{ ssrc }] }, 'mic');
}

describe('a room spanning two workers (one participant per router)', () => {
  let pool: WorkerPool;
  let media: MediaRoom;

  beforeAll(async () => {
    const basePort = await freePortRange(2);
    pool = new WorkerPool({ size: 2, listenIp: '127.0.0.1', announcedIp: undefined, basePort, rtcMinPort: 30000, rtcMaxPort: 39999, peersPerRouter: 1, logger: quietLogger });
    await pool.start();
    media = await MediaRoom.create(pool);
  });

  afterAll(() => {
    media?.close();
    pool?.close();
  });

  it('places participants on routers of different workers, pipes producers home and to consumers once', async () => {
    const a = media.addParticipant('a');
    const b = media.addParticipant('b');
    const routers = media.routers();
    expect(routers).toHaveLength(2);
    expect(routers[0]).toMatchObject({ home: true, participants: 1, participantIds: ['a'] });
    expect(routers[1]).toMatchObject({ home: false, participants: 1, participantIds: ['b'] });
    expect(routers[0]!.workerPid).not.toBe(routers[1]!.workerPid);
    // Two workers, both used: a third participant overflows onto the room's emptiest router (the first on a tie).
    const c = media.addParticipant('c');
    expect(media.routers().map((r) => r.participants)).toEqual([2, 1]);

    const bAudio = await publishAudio(b, 2222);
    // Announced only once it is in the home router, where recorders and the SIP mixer look for it.
    expect(media.router.canConsume({ producerId: bAudio.id, rtpCapabilities: media.rtpCapabilities })).toBe(true);
    expect(media.findProducer(bAudio.id)).toBe(bAudio);

    // Consumers on the home router ask at once: one pipe, the same producer object for both.
    const [p1, p2] = await Promise.all([media.reachable(bAudio, 'a'), media.reachable(bAudio, 'c')]);
    expect(p1).toBe(p2);
    expect(p1).not.toBe(bAudio);
    expect(p1.id).toBe(bAudio.id);
    expect(p1.appData.participantId).toBe('b');
    expect(await media.reachable(bAudio, 'b')).toBe(bAudio);
    await expect(media.reachable(bAudio, 'nobody')).rejects.toThrow(/no participant nobody/);

    a.setRtpCapabilities(media.rtpCapabilities);
    await a.createTransport('recv');
    const consumer = await a.consume(p1);
    expect(consumer.producerId).toBe(bAudio.id);
    expect(media.consumerCount()).toBe(1);

    // Pause and close follow the origin.
    await bAudio.pause();
    await waitFor('pipe producer paused', () => p1.paused, 5000, 20);
    await bAudio.resume();
    await waitFor('pipe producer resumed', () => !p1.paused, 5000, 20);
    bAudio.close();
    await waitFor('pipe producer closed', () => p1.closed && consumer.closed, 5000, 20);
    expect(media.consumerCount()).toBe(0);
    expect(media.router.canConsume({ producerId: bAudio.id, rtpCapabilities: media.rtpCapabilities })).toBe(false);

    // A new producer of the same participant pipes again after the old one is gone.
    const again = await publishAudio(b, 3333);
    expect((await media.reachable(again, 'a')).id).toBe(again.id);

    media.removeParticipant('c');
    media.removeParticipant('a');
    expect(c.closed && a.closed).toBe(true);
  });

  it('closes a router other than the home one once its participants are gone', async () => {
    const before = media.routers();
    expect(before).toHaveLength(2);
    media.removeParticipant('b');
    expect(media.routers()).toHaveLength(1);
    expect(media.routers()[0]!.home).toBe(true);
    // Everything made for the participants and the pipes is closed with them.
    await waitFor('router objects closed', () => media.routerCounts().transports === 0, 5000, 20);
    expect(media.routerCounts()).toEqual({ transports: 0, producers: 0, consumers: 0 });
    expect(pool.workers().map((w) => w.routers).sort()).toEqual([0, 1]);
  });

  it('a dead worker under a non-home router loses only its participants; the home goes on', async () => {
    const home = media.addParticipant('home-member');
    const away = media.addParticipant('away-member');
    const [homeRouter, awayRouter] = media.routers();
    expect(awayRouter?.home).toBe(false);
    const homeAudio = await publishAudio(home, 4444);
    const awayAudio = await publishAudio(away, 5555);
    home.setRtpCapabilities(media.rtpCapabilities);
    await home.createTransport('recv');
    const fromAway = await home.consume(await media.reachable(awayAudio, 'home-member'));

    const lost = new Promise<string[]>((resolve) => media.on('participantsLost', resolve));
    let rebuilt = false;
    media.on('routerClosed', () => (rebuilt = true));
    process.kill(awayRouter!.workerPid, 'SIGKILL');
    expect(await lost).toEqual(['away-member']);

    expect(away.closed).toBe(true);
    expect(home.closed).toBe(false);
    expect(homeAudio.closed).toBe(false);
    await waitFor('the consumer of the lost producer closed', () => fromAway.closed, 5000, 20);
    expect(media.routers()).toEqual([{ ...homeRouter!, participants: 1, participantIds: ['home-member'] }]);
    expect(rebuilt).toBe(false);
    // The room keeps taking members; the lost one comes back on a live router.
    const back = media.addParticipant('away-member');
    const backAudio = await publishAudio(back, 6666);
    expect((await home.consume(await media.reachable(backAudio, 'home-member'))).producerId).toBe(backAudio.id);
  });

  it('a dead worker under the home router takes the whole room (it is rebuilt) and closes its other routers', async () => {
    await waitFor('the dead worker replaced', () => pool.workers().filter((w) => !w.worker.closed).length === 2, 20_000);
    media.close(); // alone on the workers, so the counts below are this room's
    expect(pool.workers().map((w) => [w.routers, w.peers])).toEqual([[0, 0], [0, 0]]);
    const room = await MediaRoom.create(pool);
    try {
      room.addParticipant('x');
      room.addParticipant('y');
      const [homeRouter, other] = room.routers();
      expect(other?.home).toBe(false);
      const otherWorker = pool.workers().find((w) => w.worker.pid === other!.workerPid)!;
      const { routers: routersBefore, peers: peersBefore } = otherWorker;
      let lost = false;
      room.on('participantsLost', () => (lost = true));
      const closed = new Promise<void>((resolve) => room.on('routerClosed', resolve));
      process.kill(homeRouter!.workerPid, 'SIGKILL');
      await closed;
      expect(lost).toBe(false);
      expect(otherWorker.routers).toBe(routersBefore - 1);
      expect(otherWorker.peers).toBe(peersBefore - 1);
      expect(() => room.addParticipant('z')).toThrow(/restarting/);
    } finally {
      room.close();
    }
  });

  it('a pipe into a router other than the home one closes once no consumer used it for a while', async () => {
    await waitFor('both workers live', () => pool.workers().filter((w) => !w.worker.closed).length === 2, 20_000);
    const room = await MediaRoom.create(pool, { pipeIdleMs: 300 });
    try {
      const x = room.addParticipant('x');
      const y = room.addParticipant('y');
      expect(room.routers()[1]?.participantIds).toEqual(['y']);
      const xAudio = await publishAudio(x, 7777);
      const yAudio = await publishAudio(y, 8888);
      y.setRtpCapabilities(room.rtpCapabilities);
      await y.createTransport('recv');
      const pipe = await room.reachable(xAudio, 'y');
      expect(pipe).not.toBe(xAudio);
      const consumer = await y.consume(pipe);
      // In use: kept past the idle time.
      await new Promise((r) => setTimeout(r, 700));
      expect(pipe.closed).toBe(false);
      await y.setConsumerPaused(consumer.id, true);
      y.closeConsumer(consumer.id);
      await waitFor('the idle pipe closed', () => pipe.closed, 5000, 20);
      expect(xAudio.closed).toBe(false);
      // The pipe into the home router stays, consumed or not: recorders and mixers look for producers there.
      expect(room.router.canConsume({ producerId: yAudio.id, rtpCapabilities: room.rtpCapabilities })).toBe(true);
      // Asked for again: piped again.
      const again = await room.reachable(xAudio, 'y');
      expect(again).not.toBe(pipe);
      expect((await y.consume(again)).producerId).toBe(xAudio.id);
      // A producer that closed meanwhile is a clear "not found", not a mediasoup TypeError.
      const late = await publishAudio(x, 9999);
      late.close();
      await expect(room.reachable(late, 'y')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      room.close();
    }
  });
});
