/**
 * Sends the shared Opus clip's frames to every endpoint with a microphone, one frame each 20 ms.
 * Endpoints are spread over slots within the frame interval, as unsynchronised phones would be.
 */
import { OPUS_FRAME_MS, type OpusClip } from './opus-clip.js';

export interface AudioSink {
  sendAudio(payload: Buffer, timestamp: number): void;
}

const SLOTS = 4;
const SAMPLES_PER_FRAME = (48000 * OPUS_FRAME_MS) / 1000;

export class AudioPacer {
  readonly #sinks = new Map<AudioSink, number>();
  #timer: NodeJS.Timeout | undefined;
  #tickIndex = 0;
  #startedAt = 0;

  constructor(private readonly clip: OpusClip) {}

  add(sink: AudioSink): void {
    this.#sinks.set(sink, this.#sinks.size % SLOTS);
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #tick(): void {
    const subInterval = OPUS_FRAME_MS / SLOTS;
    // A late generator skips frames rather than bursting them.
    this.#tickIndex = Math.max(this.#tickIndex, Math.floor((performance.now() - this.#startedAt) / subInterval));
    const frameIndex = Math.floor(this.#tickIndex / SLOTS);
    const slot = this.#tickIndex % SLOTS;
    const payload = this.clip.frames[frameIndex % this.clip.frames.length]!;
    const timestamp = (frameIndex * SAMPLES_PER_FRAME) >>> 0;
    for (const [sink, sinkSlot] of this.#sinks) if (sinkSlot === slot) sink.sendAudio(payload, timestamp);
    this.#tickIndex++;
    const next = this.#startedAt + this.#tickIndex * subInterval - performance.now();
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, next));
  }
}
