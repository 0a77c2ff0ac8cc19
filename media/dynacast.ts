import type { types } from 'mediasoup';

/** How long a lower demand must hold before the publisher is told: a tile that flickers does not toggle encoders. */
export const LOWER_AFTER_MS = 2_000;

/** What a demand key asks for when it wants whatever the publisher sends (recorder, pipe to another node). */
const FULL = Number.MAX_SAFE_INTEGER;

interface Published {
  layerCount: number;
  /** The highest layer the publisher was last told to send (all of them, until told otherwise). */
  sent: number;
  lowering: NodeJS.Timeout | undefined;
  notify: (maxSpatialLayer: number) => void;
}

/** What a participant reports about its consumers (see MediaParticipant's `consumerDemand` event). */
export interface DemandSource {
  on(event: 'consumerDemand', listener: (producerId: string, consumerId: string, spatialLayer: number | null) => void): unknown;
}

/**
 * Dynacast: per simulcast producer, the highest spatial layer anyone consumes, told to its publisher so
 * that layers nobody watches are not encoded or sent at all. Demands are keyed by producer id (a pipe
 * producer keeps its source's id) and by who wants it: a viewer's consumer, or a named party made outside
 * the participants (`demandFull`). Raised at once, lowered after LOWER_AFTER_MS; -1 means nobody watches.
 */
export class Dynacast {
  /** producerId → demand key → spatial layer wanted. Kept for any producer, so order of arrival does not matter. */
  readonly #demands = new Map<string, Map<string, number>>();
  readonly #published = new Map<string, Published>();

  constructor(private readonly lowerAfterMs = LOWER_AFTER_MS) {}

  /**
   * A publisher's producer in this room. A simulcast one starts with every layer on (as the client does)
   * and is told from now on which it needs; closing the producer forgets it.
   */
  publish(producer: types.Producer, notify: (maxSpatialLayer: number) => void): void {
    const layerCount = producer.rtpParameters.encodings?.length ?? 1;
    if (producer.type !== 'simulcast' || layerCount < 2) return;
    this.track(producer.id, layerCount, notify);
    producer.observer.once('close', () => this.forget(producer.id));
  }

  /** `publish` without the producer object: a simulcast producer with `layerCount` spatial layers. */
  track(producerId: string, layerCount: number, notify: (maxSpatialLayer: number) => void): void {
    if (this.#published.has(producerId)) return;
    this.#published.set(producerId, { layerCount, sent: layerCount - 1, lowering: undefined, notify });
    this.#update(producerId);
  }

  /** The producer closed: nobody is told anything about it any more. */
  forget(producerId: string): void {
    const published = this.#published.get(producerId);
    if (!published) return;
    clearTimeout(published.lowering);
    this.#published.delete(producerId);
  }

  /** Follows a participant's consumers: their preferred layers, nothing while paused or once closed. */
  watch(source: DemandSource): void {
    source.on('consumerDemand', (producerId, consumerId, layer) => this.setDemand(producerId, `consumer:${consumerId}`, layer));
  }

  /** What one party (`key`) wants of a producer: a spatial layer, or null for nothing. */
  setDemand(producerId: string, key: string, layer: number | null): void {
    this.#set(producerId, key, layer);
  }

  /** Someone outside the viewers (a recorder, a pipe to another node) needs every layer until released. */
  demandFull(producerId: string, key: string): () => void {
    this.#set(producerId, key, FULL);
    return () => this.#set(producerId, key, null);
  }

  /** Layers publishers now leave off, summed over this room's simulcast producers (for the metrics). */
  pausedLayers(): number {
    let paused = 0;
    for (const p of this.#published.values()) paused += p.layerCount - 1 - p.sent;
    return paused;
  }

  /** The highest layer the publisher of `producerId` was last told to send; undefined when not tracked. */
  sentLayer(producerId: string): number | undefined {
    return this.#published.get(producerId)?.sent;
  }

  close(): void {
    for (const id of [...this.#published.keys()]) this.forget(id);
    this.#demands.clear();
  }

  #set(producerId: string, key: string, layer: number | null): void {
    let demands = this.#demands.get(producerId);
    if (layer === null) {
      if (!demands?.delete(key)) return;
      if (demands.size === 0) this.#demands.delete(producerId);
    } else {
      if (!demands) this.#demands.set(producerId, (demands = new Map()));
      if (demands.get(key) === layer) return;
      demands.set(key, layer);
    }
    this.#update(producerId);
  }

  #wanted(producerId: string, layerCount: number): number {
    let max = -1;
    for (const layer of this.#demands.get(producerId)?.values() ?? []) max = Math.max(max, Math.min(layer, layerCount - 1));
    return max;
  }

  #update(producerId: string): void {
    const published = this.#published.get(producerId);
    if (!published) return;
    const wanted = this.#wanted(producerId, published.layerCount);
    if (wanted >= published.sent) {
      clearTimeout(published.lowering);
      published.lowering = undefined;
      if (wanted > published.sent) this.#send(published, wanted);
      return;
    }
    // Lower only when the lower demand has held a while; the layer is read again then.
    published.lowering ??= setTimeout(() => {
      published.lowering = undefined;
      const now = this.#wanted(producerId, published.layerCount);
      if (now !== published.sent && this.#published.get(producerId) === published) this.#send(published, now);
    }, this.lowerAfterMs);
  }

  #send(published: Published, layer: number): void {
    published.sent = layer;
    published.notify(layer);
  }
}
