import type { RoomClient } from './room-client.js';

/** Wall-clock ms: comparable between two pages on one machine. */
const wallNow = () => performance.timeOrigin + performance.now();
const POLL_MS = 2;
const THRESHOLD_RMS = 0.05;
/** A sound counts as a new onset after this much quiet. */
const QUIET_MS = 150;

/** Watches analysers and notes the wall-clock moment each one goes from quiet to sound. */
class OnsetDetector {
  readonly onsets: number[] = [];
  readonly #analysers = new Set<AnalyserNode>();
  #loudAt = 0;
  #timer: number;
  readonly #buffer = new Float32Array(256);

  constructor() {
    this.#timer = window.setInterval(() => this.#poll(), POLL_MS);
  }

  watch(analyser: AnalyserNode): void {
    analyser.fftSize = 256;
    this.#analysers.add(analyser);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #poll(): void {
    const now = wallNow();
    let loud = false;
    for (const analyser of this.#analysers) {
      analyser.getFloatTimeDomainData(this.#buffer);
      let sum = 0;
      for (const v of this.#buffer) sum += v * v;
      if (Math.sqrt(sum / this.#buffer.length) > THRESHOLD_RMS) loud = true;
    }
    if (!loud) return;
    if (now - this.#loudAt > QUIET_MS) this.onsets.push(now);
    this.#loudAt = now;
  }
}

/**
 * Measurement hooks for tests and benchmarks (window.__diag.probe): a talker page sends a generated
 * 1 kHz tone instead of its microphone and notes when each burst starts; a listener page notes when
 * sound arrives on any received audio track. Both detect with the same analyser and polling, so the
 * difference is the path between them: encode, network, SFU, jitter buffer, decode.
 */
export function createToneProbe(getClient: () => RoomClient | undefined) {
  let ctx: AudioContext | undefined;
  let gain: GainNode | undefined;
  let sent: OnsetDetector | undefined;
  let heard: OnsetDetector | undefined;
  const watched = new Set<string>();

  const context = () => (ctx ??= new AudioContext());

  return {
    /** Replaces this page's microphone with a silent 1 kHz generator (see toneBurst). */
    async useToneAsMic(): Promise<void> {
      const client = getClient();
      if (!client) throw new Error('not in a room');
      const ac = context();
      await ac.resume();
      const osc = ac.createOscillator();
      osc.frequency.value = 1000;
      gain = ac.createGain();
      gain.gain.value = 0;
      const destination = ac.createMediaStreamDestination();
      const analyser = ac.createAnalyser();
      osc.connect(gain);
      gain.connect(destination);
      gain.connect(analyser);
      osc.start();
      sent = new OnsetDetector();
      sent.watch(analyser);
      await client.replaceTrack('mic', destination.stream.getAudioTracks()[0]!);
    },
    /** Sounds the tone for `ms`. */
    toneBurst(ms: number): void {
      if (!gain || !ctx) throw new Error('useToneAsMic first');
      const t = ctx.currentTime;
      gain.gain.setValueAtTime(0.5, t);
      gain.gain.setValueAtTime(0, t + ms / 1000);
    },
    sentOnsets: (): number[] => sent?.onsets ?? [],
    /** Starts noting sound on every received audio track, including ones that appear later. */
    listen(): void {
      heard ??= new OnsetDetector();
      const attach = () => {
        const client = getClient();
        if (!client || !heard) return;
        for (const consumer of client.consumers.values()) {
          if (consumer.kind !== 'audio' || watched.has(consumer.id)) continue;
          watched.add(consumer.id);
          const ac = context();
          void ac.resume();
          const analyser = ac.createAnalyser();
          ac.createMediaStreamSource(new MediaStream([consumer.track])).connect(analyser);
          heard.watch(analyser);
        }
      };
      attach();
      window.setInterval(attach, 5);
    },
    heardOnsets: (): number[] => heard?.onsets ?? [],
    /** Wall-clock time of a performance.now() mark of this page. */
    wall: (perfMs: number): number => performance.timeOrigin + perfMs,
  };
}
