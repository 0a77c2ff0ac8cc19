import type { RoomClient } from '../room-client.js';
import { availableOutgoingKbps } from './connection-quality.js';

export type UplinkMode = 'video' | 'audio-only' | 'probing';

export interface GuardSettings {
  /** Below this for `lowForMs`, video stops and the voice goes on alone. */
  lowKbps: number;
  /** A probe must reach this for video to come back. */
  highKbps: number;
  lowForMs: number;
  /** How often, while audio-only, the lowest video layer is tried again, and for how long. */
  probeEveryMs: number;
  probeForMs: number;
}

export const DEFAULT_GUARD: GuardSettings = { lowKbps: 120, highKbps: 200, lowForMs: 4_000, probeEveryMs: 8_000, probeForMs: 6_000 };

/**
 * Keeps a field unit heard on a link too thin for video: when the browser's bandwidth estimate stays
 * under the threshold, the camera is paused (voice and position go on); every few seconds the lowest
 * video layer is tried, and if the estimate climbs past the higher threshold, video is back. Two
 * thresholds, so the mode does not flap at the boundary.
 */
export class BandwidthGuard {
  mode: UplinkMode = 'video';
  #lowSince: number | undefined;
  #since = Date.now();
  #timer: number | undefined;

  constructor(
    private readonly client: RoomClient,
    private readonly onMode: (mode: UplinkMode) => void,
    private readonly settings: GuardSettings = DEFAULT_GUARD,
  ) {}

  start(): void {
    this.#timer = window.setInterval(() => void this.#tick(), 1_000);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    const camera = this.client.localProducer('camera');
    if (!camera || this.client.state !== 'online') return;
    const kbps = availableOutgoingKbps(await this.client.sendStats());
    if (kbps === undefined) return;
    const now = Date.now();
    const { lowKbps, highKbps, lowForMs, probeEveryMs, probeForMs } = this.settings;
    if (this.mode === 'video') {
      this.#lowSince = kbps < lowKbps ? (this.#lowSince ?? now) : undefined;
      if (this.#lowSince !== undefined && now - this.#lowSince >= lowForMs) await this.#enter('audio-only', now);
    } else if (this.mode === 'audio-only') {
      if (now - this.#since >= probeEveryMs) {
        this.client.capCameraLayers(0);
        await this.client.setPaused('camera', false);
        this.#set('probing', now);
      }
    } else if (now - this.#since >= probeForMs) {
      if (kbps >= highKbps) {
        this.client.capCameraLayers(2);
        this.#lowSince = undefined;
        this.#set('video', now);
      } else {
        await this.#enter('audio-only', now);
      }
    }
  }

  async #enter(mode: 'audio-only', now: number): Promise<void> {
    await this.client.setPaused('camera', true);
    this.#set(mode, now);
  }

  #set(mode: UplinkMode, now: number): void {
    this.mode = mode;
    this.#since = now;
    this.onMode(mode);
  }
}
