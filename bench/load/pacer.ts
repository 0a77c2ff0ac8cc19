/**
 * Sends the shared clip's frames to every publishing endpoint at the clip's frame rate. Real clients
 * are not synchronised: each endpoint gets its own place in the clip (so keyframes do not all fall
 * on one tick) and its own slot within the frame interval (so the packets do not all leave at once).
 */
import { SlotClock } from './slot-clock.js';
import { setPictureId, type Vp8Clip, type Vp8Frame } from './vp8-clip.js';

export interface FrameSink {
  sendFrame(frame: Vp8Frame, timestamp: number): void;
}

const SLOTS = 6;

interface Placed {
  slot: number;
  phase: number;
}

export class Pacer {
  readonly #sinks = new Map<FrameSink, Placed>();
  readonly #clock: SlotClock;

  constructor(private readonly clip: Vp8Clip) {
    this.#clock = new SlotClock(1000 / clip.fps, SLOTS, (frameIndex, slot) => this.#send(frameIndex, slot));
  }

  /** Frames the generator could not send in time (it fell more than a frame interval behind). */
  get lateFrames(): number {
    return this.#clock.lateFrames;
  }

  add(sink: FrameSink): void {
    const n = this.#sinks.size;
    this.#sinks.set(sink, { slot: n % SLOTS, phase: Math.floor((n * 7919) % this.clip.frames.length) });
  }

  delete(sink: FrameSink): void {
    this.#sinks.delete(sink);
  }

  start(): void {
    this.#clock.start();
  }

  stop(): void {
    this.#clock.stop();
  }

  #send(frameIndex: number, slot: number): void {
    const timestamp = (frameIndex * (90000 / this.clip.fps)) >>> 0;
    for (const [sink, placed] of this.#sinks) {
      if (placed.slot !== slot) continue;
      const frame = this.clip.frames[(frameIndex + placed.phase) % this.clip.frames.length]!;
      // The payloads are shared: the PictureID is written just before this endpoint encrypts them.
      for (const payload of frame.payloads) setPictureId(payload, frameIndex & 0x7fff);
      sink.sendFrame(frame, timestamp);
    }
  }
}
