import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../protocol/errors.js';

interface Pipe {
  made: Promise<types.Producer>;
  /** Consumers of the pipe producer in its router. */
  users: number;
  lastUsed: number;
  timer: NodeJS.Timeout | undefined;
  /** Never closed for idleness (pipes into the home router, where recorders and mixers may consume). */
  keep: boolean;
}

/**
 * A room's producers made available in its other routers (router.pipeToRouter), each piped at most once
 * into each router: mediasoup refuses a second producer with the same id in one router, and two
 * consumers asking at once must share the pipe being made. The pipe producer keeps the producer's id
 * and appData, follows its pause and resume, and closes with it (or with either router). A pipe that no
 * consumer has used for `idleMs` is closed, so a page nobody shows any more stops costing its origin
 * worker a forwarded stream.
 */
export class ProducerPipes {
  readonly #pipes = new Map<string, Pipe>();

  constructor(private readonly idleMs = 10_000) {}

  /** The producer as `to` has it: a pipe of it from `from`, made on first use. */
  into<P extends types.Producer>(producer: P, from: types.Router, to: types.Router, options: { keep?: boolean } = {}): Promise<P> {
    if (from === to) return Promise.resolve(producer);
    const key = keyOf(producer.id, to.id);
    let pipe = this.#pipes.get(key);
    if (!pipe) {
      const made = from.pipeToRouter({ producerId: producer.id, router: to }).then(({ pipeProducer }) => {
        if (!pipeProducer) throw new Error('pipeToRouter returned no producer');
        pipeProducer.observer.once('close', () => this.#forget(key, made));
        if (pipeProducer.closed) this.#forget(key, made);
        return pipeProducer;
      });
      made.catch(() => this.#forget(key, made));
      pipe = { made, users: 0, lastUsed: Date.now(), timer: undefined, keep: false };
      this.#pipes.set(key, pipe);
    }
    pipe.keep ||= options.keep ?? false;
    pipe.lastUsed = Date.now();
    this.#idleCheck(key, pipe);
    return pipe.made.then(
      (p) => {
        if (p.closed) throw new AppError(ErrorCode.NotFound, `producer ${producer.id} is gone`);
        return p as P;
      },
      (err: unknown) => {
        if (producer.closed) throw new AppError(ErrorCode.NotFound, `producer ${producer.id} is gone`);
        throw err;
      },
    );
  }

  /** Counts the router's consumers of pipes into it (call once per router). */
  watch(router: types.Router): void {
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newconsumer', (consumer) => {
        const key = keyOf(consumer.producerId, router.id);
        const pipe = this.#pipes.get(key);
        if (!pipe) return;
        pipe.users++;
        consumer.observer.once('close', () => {
          pipe.users--;
          pipe.lastUsed = Date.now();
          this.#idleCheck(key, pipe);
        });
      });
    });
  }

  /** Pipes made or being made. */
  get size(): number {
    return this.#pipes.size;
  }

  #idleCheck(key: string, pipe: Pipe): void {
    if (pipe.keep || pipe.users > 0 || pipe.timer) return;
    pipe.timer = setTimeout(() => {
      pipe.timer = undefined;
      if (this.#pipes.get(key) !== pipe || pipe.keep || pipe.users > 0) return;
      const idleFor = Date.now() - pipe.lastUsed;
      if (idleFor < this.idleMs) {
        this.#idleCheck(key, pipe);
        return;
      }
      this.#pipes.delete(key);
      // Closing the pipe producer closes its pipe consumer in the origin router too.
      pipe.made.then((p) => p.close(), () => undefined);
    }, Math.max(0, this.idleMs - (Date.now() - pipe.lastUsed)));
    pipe.timer.unref();
  }

  #forget(key: string, made: Promise<types.Producer>): void {
    const pipe = this.#pipes.get(key);
    if (pipe?.made !== made) return;
    clearTimeout(pipe.timer);
    this.#pipes.delete(key);
  }
}

const keyOf = (producerId: string, routerId: string) => `${producerId}>${routerId}`;
