/**
 * Sends the shared clip's frames to every publishing endpoint at the clip's frame rate. Real clients
 * are not synchronised: each endpoint gets its own place in the clip (so keyframes do not all fall
 * on one tick) and its own slot within the frame interval (so the packets do not all leave at once).
 */
import { setPictureId, type Vp8Clip, type Vp8Frame } from './vp8-clip.js';

export interface FrameSink {
  sendFrame(frame: Vp8Frame, timestamp: number): void;
}

const SLOTS = 6;

interface Placed {
  sink: FrameSink;
  slot: number;
  phase: number;
}

export class Pacer {
  readonly #sinks = new Map<FrameSink, Placed>();
  #timer: NodeJS.Timeout | undefined;
  #tickIndex = 0;
  #startedAt = 0;
  /** Sub-ticks run late by more than a frame interval: the generator could not keep up. */
  lateFrames = 0;

  constructor(private readonly clip: Vp8Clip) {}

  add(sink: FrameSink): void {
    const n = this.#sinks.size;
    this.#sinks.set(sink, { sink, slot: n % SLOTS, phase: Math.floor((n * 7919) % this.clip.frames.length) });
  }

  delete(sink: FrameSink): void {
    this.#sinks.delete(sink);
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #tick(): void {
    const subInterval = 1000 / this.clip.fps / SLOTS;
    const due = Math.floor((performance.now() - this.#startedAt) / subInterval);
    if (due - this.#tickIndex > SLOTS) this.lateFrames += Math.floor((due - this.#tickIndex) / SLOTS);
    // A late generator skips frames rather than bursting them, as a real encoder would.
    this.#tickIndex = Math.max(this.#tickIndex, due);
    const frameIndex = Math.floor(this.#tickIndex / SLOTS);
    const slot = this.#tickIndex % SLOTS;
    const timestamp = (frameIndex * (90000 / this.clip.fps)) >>> 0;
    for (const placed of this.#sinks.values()) {
      if (placed.slot !== slot) continue;
      const frame = this.clip.frames[(frameIndex + placed.phase) % this.clip.frames.length]!;
      // The payloads are shared: the PictureID is written just before this endpoint encrypts them.
      for (const payload of frame.payloads) setPictureId(payload, frameIndex & 0x7fff);
      placed.sink.sendFrame(frame, timestamp);
    }
    this.#tickIndex++;
    const next = this.#startedAt + this.#tickIndex * subInterval - performance.now();
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, next));
  }
}
