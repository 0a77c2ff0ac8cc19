import type { WallLayout, WallPreset } from '../../../protocol/http.js';
import { t } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { h } from '../ui/dom.js';
import { positionAges, videoSources, type VideoSource } from './sources.js';
import { wallCells } from './wall-geometry.js';

interface TileView {
  el: HTMLElement;
  video: HTMLVideoElement;
  title: HTMLElement;
  info: HTMLElement;
  producerId: string | undefined;
  bytes: number;
  at: number;
}

/**
 * The command center's video wall: any split, any source in any tile (drop it there), overlays with
 * name, unit, age of the last position, bitrate and loss; double-click a tile for full screen.
 * Videos on no tile are paused at the server.
 */
export class VideoWall {
  readonly el = h('div', { class: 'wall', id: 'wall' });
  #layout: WallLayout = { preset: '4', tiles: [] };
  #tiles: TileView[] = [];
  readonly #stop: () => void;
  readonly #resize: ResizeObserver;

  constructor(
    private readonly client: RoomClient,
    private readonly unitName: (unitId: string) => string,
    private readonly save: (layout: WallLayout) => void,
  ) {
    const unsubscribe = client.onChange(() => this.update());
    const timer = window.setInterval(() => void this.#updateOverlays(), 1000);
    // Each tile asks for the simulcast layer that fits it: a 1×1 wall gets full size, a 16-split thumbnails.
    const resize = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const tile = this.#tiles.find((t) => t.video === entry.target);
        const dpr = window.devicePixelRatio || 1;
        client.displayHeightHint = Math.round(entry.contentRect.height * dpr);
        if (tile?.producerId) void client.setDisplaySize(tile.producerId, entry.contentRect.width * dpr, entry.contentRect.height * dpr).catch(() => undefined);
      }
    });
    this.#resize = resize;
    this.#stop = () => {
      unsubscribe();
      clearInterval(timer);
      resize.disconnect();
    };
  }

  dispose(): void {
    this.#stop();
  }

  get layout(): WallLayout {
    return this.#layout;
  }

  setLayout(layout: WallLayout): void {
    this.#layout = layout;
    this.#build();
  }

  setPreset(preset: WallPreset, custom?: { cols: number; rows: number }): void {
    this.#layout = { ...this.#layout, preset, ...(custom ? { custom } : {}) };
    this.#build();
    this.save(this.#layout);
  }

  /** Puts a source on a tile (and takes it off any other). */
  assign(tile: number, key: string): void {
    const tiles = this.#layout.tiles.map((k) => (k === key ? null : k));
    while (tiles.length <= tile) tiles.push(null);
    tiles[tile] = key;
    this.#layout = { ...this.#layout, tiles };
    this.update();
    this.save(this.#layout);
  }

  #build(): void {
    const { cols, rows, cells } = wallCells(this.#layout);
    this.el.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
    this.el.style.gridTemplateRows = `repeat(${rows}, 1fr)`;
    this.#tiles = cells.map((cell, index) => {
      const video = h('video', { autoplay: true, playsInline: true, muted: true });
      const title = h('div', { class: 'tile-title' });
      const info = h('div', { class: 'tile-info' });
      const el = h('div', { class: 'tile wall-tile', 'data-tile': String(index) }, video, h('div', { class: 'placeholder' }, t('wall.drop')), title, info);
      el.style.gridColumn = `${cell.col + 1} / span ${cell.colSpan}`;
      el.style.gridRow = `${cell.row + 1} / span ${cell.rowSpan}`;
      this.#resize.observe(video);
      el.addEventListener('dblclick', () => void (document.fullscreenElement ? document.exitFullscreen() : el.requestFullscreen()).catch(() => undefined));
      return { el, video, title, info, producerId: undefined, bytes: 0, at: 0 };
    });
    this.el.replaceChildren(...this.#tiles.map((t) => t.el));
    this.update();
  }

  update(): void {
    const sources = videoSources(this.client);
    const byKey = new Map(sources.map((s) => [s.key, s]));
    const shown = this.#autoFill(sources);
    this.#tiles.forEach((tile, i) => {
      const source = byKey.get(shown[i] ?? '');
      const consumer = source?.videoProducerId ? this.client.consumers.get(source.videoProducerId) : undefined;
      tile.el.dataset['source'] = source?.key ?? '';
      tile.title.textContent = source ? `${source.name} · ${this.unitName(source.unitId)}` : '';
      const placeholder = tile.el.querySelector('.placeholder') as HTMLElement;
      placeholder.hidden = Boolean(consumer);
      placeholder.textContent = source?.feedText ?? t('wall.drop');
      if (tile.producerId !== consumer?.producerId) {
        tile.producerId = consumer?.producerId;
        tile.video.srcObject = consumer ? new MediaStream([consumer.track]) : null;
        tile.bytes = 0;
        if (consumer) {
          const { width, height } = tile.video.getBoundingClientRect();
          void this.client.setDisplaySize(consumer.producerId, width * devicePixelRatio, height * devicePixelRatio).catch(() => undefined);
        }
      }
    });
    // Only what is on a tile is received; the rest of the room's video is not consumed at all.
    const onTiles = new Set(shown.flatMap((key) => byKey.get(key ?? '')?.videoProducerId ?? []));
    void this.client.setShownVideos(onTiles).catch(() => undefined);
  }

  /** Tiles as laid out, with sources nobody placed yet filling the empty ones (not saved). */
  #autoFill(sources: VideoSource[]): (string | null)[] {
    const shown = this.#tiles.map((_, i) => this.#layout.tiles[i] ?? null);
    // A placed source that is away keeps its tile for when it returns.
    const placed = new Set(shown.filter(Boolean));
    const waiting = sources.filter((s) => !placed.has(s.key));
    for (let i = 0; i < shown.length && waiting.length; i++) if (!shown[i]) shown[i] = waiting.shift()!.key;
    return shown;
  }

  async #updateOverlays(): Promise<void> {
    const ages = positionAges(this.client);
    for (const tile of this.#tiles) {
      const key = tile.el.dataset['source'] ?? '';
      const consumer = tile.producerId ? this.client.consumers.get(tile.producerId) : undefined;
      if (!consumer) {
        tile.info.textContent = '';
        continue;
      }
      let bytes = 0;
      let lost = 0;
      let received = 0;
      (await consumer.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] !== 'inbound-rtp') return;
        bytes += Number(s['bytesReceived'] ?? 0);
        lost += Number(s['packetsLost'] ?? 0);
        received += Number(s['packetsReceived'] ?? 0);
      });
      const now = performance.now();
      const kbps = tile.at && bytes >= tile.bytes ? Math.round(((bytes - tile.bytes) * 8) / (now - tile.at)) : 0;
      tile.bytes = bytes;
      tile.at = now;
      const age = ages.get(key.replace(/^user:/, ''));
      const loss = received + lost > 0 ? ((100 * lost) / (received + lost)).toFixed(1) : '0.0';
      tile.info.textContent = [age !== undefined ? `${t('wall.position')} ${age}s` : t('wall.noPosition'), `${kbps} kbps`, `${t('wall.loss')} ${loss}%`].join(' · ');
    }
  }
}
