export type KeyingMode = 'vox' | 'rfc4733' | 'info';

export interface RadioOptions {
  keying: KeyingMode;
  /** VOX: a frame louder than this keys the channel (default -40 dBov). */
  voxThresholdDbov?: number;
  /** VOX and RFC 4733: how long the channel stays keyed after the last activity (default 500 ms). */
  hangMs?: number;
}

export const DEFAULT_VOX_THRESHOLD_DBOV = -40;
export const DEFAULT_HANG_MS = 500;
/**
 * RFC 4733 senders refresh a long event every packet time; an event not refreshed for this long
 * (its End packets lost) is over.
 */
const EVENT_STALE_MS = 1000;

/**
 * Whether a half-duplex radio gateway is transmitting into the room ("keyed"), from whichever signal
 * the gateway uses: voice activity on its RTP (VOX), RFC 4733 events, or SIP INFO. Time is passed in
 * (milliseconds, monotonic) so the mixer's tick drives the hang timers: no timer per leg.
 */
export class RadioKeying {
  #keyed = false;
  #lastActivity = 0;
  #eventEndedAt: number | null = null;
  readonly #threshold: number;
  readonly #hangMs: number;

  constructor(
    readonly mode: KeyingMode,
    options: Omit<RadioOptions, 'keying'>,
    private readonly onChange: (keyed: boolean) => void,
  ) {
    this.#threshold = options.voxThresholdDbov ?? DEFAULT_VOX_THRESHOLD_DBOV;
    this.#hangMs = options.hangMs ?? DEFAULT_HANG_MS;
  }

  get keyed(): boolean {
    return this.#keyed;
  }

  /** Level of each 20 ms of received audio, before deciding whether to forward it. */
  onAudioLevel(dbov: number, now: number): void {
    if (this.mode !== 'vox') return;
    if (dbov >= this.#threshold) {
      this.#lastActivity = now;
      this.#set(true);
    } else this.tick(now);
  }

  onTelephoneEvent(end: boolean, now: number): void {
    if (this.mode !== 'rfc4733') return;
    this.#lastActivity = now;
    if (end) this.#eventEndedAt ??= now;
    else {
      this.#eventEndedAt = null;
      this.#set(true);
    }
  }

  setByInfo(keyed: boolean): void {
    if (this.mode === 'info') this.#set(keyed);
  }

  /** Ends a transmission whose hang time has run out. */
  tick(now: number): void {
    if (!this.#keyed) return;
    if (this.mode === 'vox' && now - this.#lastActivity >= this.#hangMs) this.#set(false);
    if (this.mode === 'rfc4733') {
      const ended = this.#eventEndedAt !== null && now - this.#eventEndedAt >= this.#hangMs;
      if (ended || now - this.#lastActivity >= EVENT_STALE_MS + this.#hangMs) this.#set(false);
    }
  }

  #set(keyed: boolean): void {
    if (keyed === this.#keyed) return;
    this.#keyed = keyed;
    this.onChange(keyed);
  }
}
