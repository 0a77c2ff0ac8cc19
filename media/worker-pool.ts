import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from './typed-emitter.js';

/**
 * A worker forwards a few hundred SRTP streams per core (bench/results/load.json); fifty members on one
 * router, each seeing a page of video, stay well inside that.
 */
const DEFAULT_PEERS_PER_ROUTER = 50;

export interface WorkerPoolOptions {
  /** Number of mediasoup-worker processes; one per core by default. */
  size: number;
  /** Address the WebRtcServers listen on. */
  listenIp: string;
  /** Address put in ICE candidates (a LAN address when listenIp is 0.0.0.0). */
  announcedIp: string | undefined;
  /** Worker i listens on UDP and TCP port basePort + i. */
  basePort: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  /** A room opens a router on another worker once each of its routers carries this many participants. */
  peersPerRouter?: number;
  logger: Logger;
}

export interface MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  routers: number;
  /** Room participants placed on this worker's routers. */
  peers: number;
}

type WorkerPoolEvents = {
  /** A worker process died; its routers are gone. */
  workerDied: [index: number];
  /** A new worker took the dead one's slot. */
  workerReplaced: [index: number];
};

/**
 * One mediasoup worker per core, each with a WebRtcServer so all its transports share one UDP and
 * one TCP port. A worker that dies is replaced in the same slot (same ports).
 */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  readonly #slots: (MediaWorker | undefined)[] = [];
  #closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    super();
  }

  async start(): Promise<void> {
    for (let index = 0; index < this.options.size; index++) {
      this.#slots[index] = await this.#spawn(index);
    }
  }

  /** The live worker carrying the fewest routers (then the fewest participants). */
  leastLoaded(): MediaWorker {
    const best = this.leastLoadedOf(() => true);
    if (!best) throw new Error('no live mediasoup worker');
    return best;
  }

  /** Like leastLoaded, among the live workers that `eligible` accepts; undefined when there is none. */
  leastLoadedOf(eligible: (worker: MediaWorker) => boolean): MediaWorker | undefined {
    const live = this.#slots.filter((s): s is MediaWorker => s !== undefined && !s.worker.closed && eligible(s));
    return live.sort((a, b) => a.routers - b.routers || a.peers - b.peers)[0];
  }

  get peersPerRouter(): number {
    return this.options.peersPerRouter ?? DEFAULT_PEERS_PER_ROUTER;
  }

  workers(): readonly MediaWorker[] {
    return this.#slots.filter((s): s is MediaWorker => s !== undefined);
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#slots) slot?.worker.close();
  }

  async #spawn(index: number): Promise<MediaWorker> {
    const { logger, listenIp, announcedIp, basePort } = this.options;
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.options.rtcMinPort,
      rtcMaxPort: this.options.rtcMaxPort,
    });
    const port = basePort + index;
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: listenIp, announcedIp, port },
          { protocol: 'tcp', ip: listenIp, announcedIp, port },
        ],
      });
    } catch (err) {
      worker.close(); // a worker without its ports is of no use; don't leave it running
      throw err;
    }
    const slot: MediaWorker = { index, worker, webRtcServer, routers: 0, peers: 0 };
    worker.on('died', (error) => {
      if (this.#closed) return;
      logger.error({ err: error, pid: worker.pid, index }, 'mediasoup worker died; replacing it');
      this.emit('workerDied', index);
      void this.#replace(index);
    });
    logger.info({ pid: worker.pid, index, port }, 'mediasoup worker started');
    return slot;
  }

  async #replace(index: number): Promise<void> {
    // The dead process may hold its ports for a moment: retry, quickly at first, then every few seconds.
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        this.#slots[index] = await this.#spawn(index);
        this.emit('workerReplaced', index);
        return;
      } catch (err) {
        this.options.logger.warn({ err, index, attempt }, 'mediasoup worker restart failed; retrying');
        await new Promise((r) => setTimeout(r, attempt < 20 ? 250 : 5000));
      }
    }
  }
}
