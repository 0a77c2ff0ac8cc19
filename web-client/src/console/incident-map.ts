import L from 'leaflet';
import type { ClientConfig } from '../../../protocol/http.js';
import type { MapMarker } from '../../../protocol/signalling.js';
import { t } from '../i18n.js';
import { h } from '../ui/dom.js';

/**
 * The incident map (一张图): everyone's latest position, and the markers commanders share. Tiles come
 * from MAP_TILE_URL (an internal tile server); without one the map is a blank base that still shows
 * and places everything, since isolated networks often have no tiles.
 */
export class IncidentMap {
  readonly el = h('div', { class: 'map-panel' });
  readonly #map: L.Map;
  readonly #people = new Map<string, L.CircleMarker>();
  readonly #shared = L.layerGroup();
  #placing = false;

  constructor(
    config: ClientConfig,
    private readonly handlers: { onPerson: (userId: string) => void; onPlace?: (lat: number, lon: number, note: string) => void; onRemove?: (markerId: string) => void },
  ) {
    const canvas = h('div', { class: 'map', id: 'map' });
    const placeButton = h('button', { type: 'button', class: 'link-button', id: 'place-marker' }, t('map.place'));
    this.el.append(canvas);
    if (handlers.onPlace) this.el.append(h('div', { class: 'map-tools' }, placeButton));
    this.#map = L.map(canvas, { center: config.map.center, zoom: 13, attributionControl: Boolean(config.map.tileUrl) });
    if (config.map.tileUrl) L.tileLayer(config.map.tileUrl, { maxZoom: 19 }).addTo(this.#map);
    L.control.scale({ imperial: false }).addTo(this.#map);
    this.#shared.addTo(this.#map);
    placeButton.addEventListener('click', () => {
      this.#placing = !this.#placing;
      placeButton.classList.toggle('active', this.#placing);
    });
    this.#map.on('click', (e: L.LeafletMouseEvent) => {
      if (!this.#placing) return;
      this.#placing = false;
      placeButton.classList.remove('active');
      this.#askNote(e.latlng);
    });
  }

  /** Leaflet measures its box when shown: call after the panel is in the page or resized. */
  refresh(): void {
    this.#map.invalidateSize();
  }

  setPerson(userId: string, name: string, lat: number, lon: number): void {
    let marker = this.#people.get(userId);
    if (!marker) {
      marker = L.circleMarker([lat, lon], { radius: 9, color: '#ffffff', weight: 2, fillColor: '#2f81f7', fillOpacity: 1 })
        .bindTooltip(name, { permanent: true, direction: 'right', className: 'person-label' })
        .on('click', () => this.handlers.onPerson(userId))
        .addTo(this.#map);
      this.#people.set(userId, marker);
      if (this.#people.size === 1) this.#map.setView([lat, lon]);
    }
    marker.setLatLng([lat, lon]);
    const el = marker.getElement();
    if (el) Object.assign((el as HTMLElement).dataset, { userMarker: userId, lat: String(lat), lon: String(lon) });
  }

  setMarkers(markers: MapMarker[]): void {
    this.#shared.clearLayers();
    for (const m of markers) {
      const marker = L.circleMarker([m.lat, m.lon], { radius: 8, color: '#ffffff', weight: 2, fillColor: '#e8502f', fillOpacity: 1 })
        .bindTooltip(`${m.note || '⚑'} (${m.by.displayName})`, { direction: 'top' });
      if (this.handlers.onRemove) marker.on('contextmenu', () => this.handlers.onRemove?.(m.id));
      marker.addTo(this.#shared);
      const el = marker.getElement();
      if (el) Object.assign((el as HTMLElement).dataset, { sharedMarker: m.id, lat: String(m.lat), lon: String(m.lon) });
    }
  }

  #askNote(at: L.LatLng): void {
    const note = h('input', { name: 'markerNote', placeholder: t('map.note'), maxlength: 200 });
    const form = h('form', { class: 'map-note', id: 'marker-form' }, note, h('button', { class: 'primary', type: 'submit' }, t('map.save')),
      h('button', { class: 'link-button', type: 'button', onclick: () => form.remove() }, t('map.cancel')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.handlers.onPlace?.(at.lat, at.lng, note.value.trim());
      form.remove();
    });
    this.el.append(form);
    note.focus();
  }
}
