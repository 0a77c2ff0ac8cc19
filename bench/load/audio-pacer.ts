/**
 * Sends the shared Opus clip's frames to every endpoint with a microphone, one frame each 20 ms.
 * Endpoints are spread over slots within the frame interval, as unsynchronised phones would be; each
 * endpoint keeps its own RTP timestamps.
 */
import { OPUS_FRAME_MS, type OpusClip } from './opus-clip.js';

export interface AudioSink {
  sendAudio(levelDbov: number, payload: Buffer): void;
}

const SLOTS = 4;

export class AudioPacer {
  readonly #sinks = new Map<AudioSink, { slot: number; levelDbov: number }>();
  #timer: NodeJS.Timeout | undefined;
  #tickIndex = 0;
  #startedAt = 0;

  constructor(private readonly clip: OpusClip) {}

  /** levelDbov: what the packets' audio-level extension says (0 loud … -127 silent). */
  add(sink: AudioSink, levelDbov: number): void {
    this.#sinks.set(sink, { slot: this.#sinks.size % SLOTS, levelDbov });
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
    for (const [sink, { slot: sinkSlot, levelDbov }] of this.#sinks) if (sinkSlot === slot) sink.sendAudio(levelDbov, payload);
    this.#tickIndex++;
    const next = this.#startedAt + this.#tickIndex * subInterval - performance.now();
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, next));
  }
}
