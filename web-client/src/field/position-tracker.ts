import type { PositionQueue } from './position-queue.js';

const HEARTBEAT_MS = 5_000;

/**
 * Takes fixes on movement (watchPosition) and at least every 5 s: when the device has not moved, the
 * last fix is reported again with the current time, so the center sees how fresh the position is.
 */
export class PositionTracker {
  #watch: number | undefined;
  #timer: number | undefined;
  #last: GeolocationCoordinates | undefined;
  #lastSentAt = 0;
  error: string | undefined;

  constructor(
    private readonly queue: PositionQueue,
    private readonly onUpdate: () => void,
  ) {}

  get lastFix(): GeolocationCoordinates | undefined {
    return this.#last;
  }

  start(): void {
    if (!('geolocation' in navigator)) {
      this.error = 'unavailable';
      this.onUpdate();
      return;
    }
    this.#watch = navigator.geolocation.watchPosition(
      (p) => this.#report(p.coords),
      (err) => {
        this.error = err.message || 'error';
        this.onUpdate();
      },
      { enableHighAccuracy: true, maximumAge: 2_000, timeout: 20_000 },
    );
    this.#timer = window.setInterval(() => {
      if (this.#last && Date.now() - this.#lastSentAt >= HEARTBEAT_MS - 100) this.#report(this.#last);
    }, 1_000);
  }

  stop(): void {
    if (this.#watch !== undefined) navigator.geolocation.clearWatch(this.#watch);
    clearInterval(this.#timer);
  }

  #report(coords: GeolocationCoordinates): void {
    this.#last = coords;
    this.error = undefined;
    this.#lastSentAt = Date.now();
    this.queue.add({ lat: coords.latitude, lon: coords.longitude, accuracy: coords.accuracy, at: Date.now() });
    this.onUpdate();
  }
}
