/**
 * Sends the shared Opus clip's frames to every endpoint with a microphone, one frame each 20 ms.
 * Endpoints are spread over slots within the frame interval, as unsynchronised phones would be; each
 * endpoint keeps its own RTP timestamps.
 */
import { OPUS_FRAME_MS, type OpusClip } from './opus-clip.js';
import { SlotClock } from './slot-clock.js';

export interface AudioSink {
  sendAudio(levelDbov: number, payload: Buffer): void;
}

const SLOTS = 4;

export class AudioPacer {
  readonly #sinks = new Map<AudioSink, { slot: number; levelDbov: number }>();
  readonly #clock: SlotClock;

  constructor(private readonly clip: OpusClip) {
    this.#clock = new SlotClock(OPUS_FRAME_MS, SLOTS, (frameIndex, slot) => this.#send(frameIndex, slot));
  }

  /** levelDbov: what the packets' audio-level extension says (0 loud … -127 silent). */
  add(sink: AudioSink, levelDbov: number): void {
    this.#sinks.set(sink, { slot: this.#sinks.size % SLOTS, levelDbov });
  }

  start(): void {
    this.#clock.start();
  }

  stop(): void {
    this.#clock.stop();
  }

  #send(frameIndex: number, slot: number): void {
    const payload = this.clip.frames[frameIndex % this.clip.frames.length]!;
    for (const [sink, placed] of this.#sinks) if (placed.slot === slot) sink.sendAudio(placed.levelDbov, payload);
  }
}
