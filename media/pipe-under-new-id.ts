import type { types } from 'mediasoup';

/**
 * A producer made available in another router under a NEW id, over a loopback PipeTransport pair of its
 * own. mediasoup 3.12's router.pipeToRouter keeps the producer's id, and a worker refuses two producers
 * with one id: so a camera's router cannot pipeToRouter into a room router on the same worker. This
 * does what pipeToRouter does (pause, resume and close follow the origin; closing the copy releases
 * the pipe) without that limit.
 */
export async function pipeUnderNewId<A extends types.AppData>(producer: types.Producer<A>, from: types.Router, to: types.Router): Promise<types.Producer<A>> {
  const [out, into] = await Promise.all([from.createPipeTransport({ listenIp: '127.0.0.1' }), to.createPipeTransport({ listenIp: '127.0.0.1' })]);
  const release = (): void => {
    out.close();
    into.close();
  };
  try {
    await Promise.all([
      out.connect({ ip: into.tuple.localIp, port: into.tuple.localPort }),
      into.connect({ ip: out.tuple.localIp, port: out.tuple.localPort }),
    ]);
    const consumer = await out.consume({ producerId: producer.id });
    const copy = await into.produce<A>({ kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused, appData: producer.appData });
    consumer.observer.on('close', () => copy.close());
    consumer.observer.on('pause', () => void copy.pause().catch(() => undefined));
    consumer.observer.on('resume', () => void copy.resume().catch(() => undefined));
    copy.observer.on('close', release);
    out.observer.on('close', () => copy.close());
    into.observer.on('close', () => copy.close());
    if (producer.closed) copy.close();
    else if (copy.paused !== producer.paused) await (producer.paused ? copy.pause() : copy.resume());
    return copy;
  } catch (err) {
    release();
    throw err;
  }
}
