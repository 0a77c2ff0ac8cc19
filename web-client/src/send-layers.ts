import type { types } from 'mediasoup-client';

/**
 * Which simulcast encodings the camera sends: up to the lower of what the server says anyone consumes
 * (dynacast's `producerLayers`) and the uplink's own cap (the field page's bandwidth guard). -1 leaves
 * every encoding inactive: nothing is sent, yet the producer is not muted (others see it as live).
 * A new producer starts with every layer on until the server says otherwise.
 */
export class SendLayers {
  #demanded: number;
  #applied: number;
  /** setParameters calls run one after another, so the last word wins. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly producer: types.Producer,
    private readonly top: number,
    private cap: number,
  ) {
    this.#demanded = top;
    this.#applied = top;
    if (cap < top) this.#apply();
  }

  /** The highest layer anyone consumes (from the server), -1 for none. */
  setDemanded(layer: number): void {
    this.#demanded = Math.min(layer, this.top);
    this.#apply();
  }

  setCap(layer: number): void {
    this.cap = layer;
    this.#apply();
  }

  #apply(): void {
    const layer = Math.min(this.#demanded, this.cap);
    if (layer === this.#applied) return;
    this.#applied = layer;
    this.#queue = this.#queue.then(async () => {
      if (this.producer.closed || this.#applied !== layer) return;
      await this.producer.setMaxSpatialLayer(layer).catch((err: unknown) => console.warn('could not set the sent layers', err));
    });
  }
}
