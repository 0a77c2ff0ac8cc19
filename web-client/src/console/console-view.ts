import type { Incident, LoginResponse, WallLayout, WallPreset } from '../../../protocol/http.js';
import { clientConfig, loadWallLayout, orgUnits, saveWallLayout, setIncidentRecording } from '../api.js';
import { t } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { syncAudioSinks } from '../ui/audio-sinks.js';
import { toast } from '../ui/call-ui.js';
import { renderFeedsPanel } from '../ui/feeds-panel.js';
import { recordControl } from '../ui/record-control.js';
import { h } from '../ui/dom.js';
import { dispatchPanel } from './dispatch-panel.js';
import { IncidentMap } from './incident-map.js';
import { makeDraggable } from './pointer-drag.js';
import { rosterPanel } from './roster-panel.js';
import { videoSources } from './sources.js';
import { VideoWall } from './video-wall.js';

const PRESETS: WallPreset[] = ['1', '4', '9', '16', '1+5', '1+7'];

/** The incident console: sources and people on the left, the video wall, the map on the right. */
export async function renderConsole(
  root: HTMLElement,
  ctx: { session: LoginResponse; client: RoomClient; incident: Incident; incidents: Incident[]; onSwitch: (i: Incident) => void; onLeave: () => void },
): Promise<() => void> {
  const { session, client, incident } = ctx;
  const [config, units, savedLayout] = await Promise.all([clientConfig(session.token), orgUnits(session.token), loadWallLayout(session.token)]);
  const names = new Map(units.map((u) => [u.id, u.name]));
  const unitName = (id: string) => names.get(id) ?? id;

  let saveTimer: number | undefined;
  const save = (layout: WallLayout) => {
    clearTimeout(saveTimer);
    saveTimer = window.setTimeout(() => void saveWallLayout(session.token, layout).catch(() => undefined), 300);
  };
  const wall = new VideoWall(client, unitName, save);
  wall.setLayout(savedLayout ?? { preset: '4', tiles: [] });

  const map = new IncidentMap(config, {
    onPerson: (userId) => wall.assign(0, `user:${userId}`),
    onPlace: (lat, lon, note) => void client.signalling.request('placeMarker', { lat, lon, note }),
    onRemove: (markerId) => void client.signalling.request('removeMarker', { markerId }),
  });

  const sourceBar = h('div', { class: 'sources', id: 'sources' });
  let shownSources = '';
  const renderSources = () => {
    const sources = videoSources(client);
    // Only when the set changes: rebuilding chips on every update would break a drag in progress.
    const key = sources.map((s) => `${s.key}|${s.name}`).join(',');
    if (key === shownSources) return;
    shownSources = key;
    sourceBar.replaceChildren(
      ...sources.map((s) => {
        const chip = h('div', { class: 'source-chip', 'data-source': s.key }, s.name, h('span', { class: 'muted-text' }, ` ${unitName(s.unitId)}`));
        makeDraggable(chip, s.key, (key, target) => wall.assign(Number(target.dataset['tile']), key));
        return chip;
      }),
    );
  };

  const cols = h('input', { type: 'number', min: 1, max: 8, value: String(wall.layout.custom?.cols ?? 3), id: 'custom-cols', class: 'grid-size' });
  const rows = h('input', { type: 'number', min: 1, max: 8, value: String(wall.layout.custom?.rows ?? 2), id: 'custom-rows', class: 'grid-size' });
  const presetBar = h('div', { class: 'presets' }, h('span', { class: 'muted-text' }, t('wall.layout')),
    ...PRESETS.map((p) => h('button', { type: 'button', class: 'link-button', 'data-preset': p, onclick: () => wall.setPreset(p) }, p)),
    cols, '×', rows,
    h('button', { type: 'button', class: 'link-button', 'data-preset': 'custom', onclick: () => wall.setPreset('custom', { cols: Number(cols.value) || 3, rows: Number(rows.value) || 2 }) }, t('wall.custom')));

  const switcher = h('select', { id: 'incident-switch', title: t('console.switch') }, ...ctx.incidents.map((i) => h('option', { value: i.id, selected: i.id === incident.id }, i.name)));
  switcher.addEventListener('change', () => {
    const next = ctx.incidents.find((i) => i.id === switcher.value);
    if (next) ctx.onSwitch(next);
  });

  const roster = rosterPanel(session, incident.roomId, unitName, (userId) => {
    client.signalling.request('callUser', { userId }).then(() => toast(`${t('call.ringing')}…`), (err: Error) => toast(`${t('call.failed')}: ${err.message}`));
  });
  // At the console the button records the incident: all its rooms, and those that open later.
  const rec = recordControl(client, session.user, (start) => setIncidentRecording(session.token, incident.id, start));
  const head = h('div', { class: 'console-head' }, h('h2', {}, incident.name), rec.el, switcher, presetBar,
    h('button', { type: 'button', class: 'leave', id: 'leave', onclick: () => ctx.onLeave() }, t('room.leave')));
  // Camera feeds (drones, body cameras, 布控球, CCTV) are watched into the incident, then placed like any source.
  const feeds = renderFeedsPanel(client, { token: session.token, user: session.user, compact: true });
  const side = h('aside', { class: 'console-side' }, h('section', { class: 'panel' }, h('h3', {}, t('wall.sources')), sourceBar), feeds.el, dispatchPanel(client, unitName, []), roster.el);
  const audioBox = h('div', { hidden: true });
  root.replaceChildren(h('section', { class: 'console' }, head, side, wall.el, map.el, audioBox));
  map.refresh();

  const plotPositions = () => {
    const latest = new Map<string, { name: string; lat: number; lon: number }>();
    for (const { user, position } of client.positions) latest.set(user.id, { name: user.displayName, lat: position.lat, lon: position.lon });
    for (const [userId, p] of latest) map.setPerson(userId, p.name, p.lat, p.lon);
    map.setMarkers(client.markers);
  };
  const unsubscribe = client.onChange(() => {
    syncAudioSinks(client, audioBox);
    renderSources();
    plotPositions();
  });

  // What happened before we came in: markers, everyone's last position, recent messages.
  const loadSnapshot = async () => {
    const snapshot = await client.signalling.request('roomSnapshot', {});
    for (const p of snapshot.positions) if (!client.positions.some((q) => q.user.id === p.user.id)) client.positions.unshift({ user: p.user, position: p.position });
    client.markers = snapshot.markers;
    for (const m of snapshot.messages) if (!client.messages.some((q) => q.id === m.id)) client.messages.push(m);
    plotPositions();
  };
  const whenOnline = client.onChange(() => {
    if (client.state !== 'online') return;
    whenOnline();
    void loadSnapshot().catch(() => undefined);
  });
  renderSources();
  const onResize = () => map.refresh();
  window.addEventListener('resize', onResize);
  return () => {
    rec.dispose();
    unsubscribe();
    whenOnline();
    wall.dispose();
    feeds.dispose();
    roster.stop();
    window.removeEventListener('resize', onResize);
  };
}
