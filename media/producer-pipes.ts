import type { types } from 'mediasoup';
import { AppError, ErrorCode } from '../protocol/errors.js';

/**
 * A room's producers made available in its other routers (router.pipeToRouter), each piped at most once
 * into each router: mediasoup refuses a second producer with the same id in one router, and two
 * consumers asking at once must share the pipe being made. The pipe producer keeps the producer's id
 * and appData, follows its pause and resume, and closes with it (or with either router).
 */
export class ProducerPipes {
  readonly #pipes = new Map<string, Promise<types.Producer>>();

  /** The producer as `to` has it: a pipe of it from `from`, made on first use. */
  into<P extends types.Producer>(producer: P, from: types.Router, to: types.Router): Promise<P> {
    if (from === to) return Promise.resolve(producer);
    const key = `${producer.id}>${to.id}`;
    let pipe = this.#pipes.get(key);
    if (!pipe) {
      const made = from.pipeToRouter({ producerId: producer.id, router: to }).then(({ pipeProducer }) => {
        if (!pipeProducer) throw new Error('pipeToRouter returned no producer');
        pipeProducer.observer.once('close', () => this.#forget(key, made));
        if (pipeProducer.closed) this.#forget(key, made);
        return pipeProducer;
      });
      made.catch(() => this.#forget(key, made));
      this.#pipes.set(key, made);
      pipe = made;
    }
    return pipe.then(
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

  /** Pipes made or being made. */
  get size(): number {
    return this.#pipes.size;
  }

  #forget(key: string, pipe: Promise<types.Producer>): void {
    if (this.#pipes.get(key) === pipe) this.#pipes.delete(key);
  }
}
