import type { OrgUnitKind, PublicUser } from '../../../protocol/http.js';
import { orgUnits } from '../api.js';
import { marks } from '../diagnostics.js';
import { t } from '../i18n.js';
import { CAMERA_CONSTRAINTS, type RoomClient } from '../room-client.js';
import { syncAudioSinks } from './audio-sinks.js';
import { chooseSpotlight, consultationPage, consultationPageSize } from './consultation-layout.js';
import { h } from './dom.js';
import { feedStateText, renderFeedsPanel } from './feeds-panel.js';
import { renderPttPanel } from './ptt-panel.js';
import { recordControl } from './record-control.js';
import { sipControl, sipTileText } from './sip-control.js';

interface Tile {
  el: HTMLElement;
  video: HTMLVideoElement;
  label: HTMLElement;
  muted: HTMLElement;
  placeholder: HTMLElement;
  videoProducerId: string | undefined;
  hangUp: HTMLElement | null;
  pin: HTMLElement | null;
}

const PAGE_SIZES = [4, 9, 16] as const;

/** The consultation room: a paged gallery, active-speaker highlight, and the local controls. */
export function renderRoom(
  root: HTMLElement,
  client: RoomClient,
  ctx: { roomName: string; user: PublicUser; token: string; localStream: MediaStream; localReady: Promise<unknown>; onLeave: () => void },
): () => void {
  const tiles = new Map<string, Tile>();
  /** Commanders choose a consultation's spotlight for everyone. */
  const canPin = ctx.user.role === 'commander' || ctx.user.role === 'admin';
  let page = 0;
  let perPage: number = Number(localStorage.getItem('perPage')) || 9;
  /** The viewer's level, which sets a consultation room's page (unknown until the org list is in). */
  let unitKind: OrgUnitKind | undefined;
  void orgUnits(ctx.token).then((units) => {
    unitKind = units.find((u) => u.id === ctx.user.orgUnitId)?.kind;
    update();
  }, () => undefined);

  const gallery = h('div', { class: 'gallery', id: 'gallery' });
  const audioBox = h('div', { hidden: true });
  const pageLabel = h('span', {});
  const micButton = h('button', { type: 'button', id: 'toggle-mic' }, t('room.mic'));
  const camButton = h('button', { type: 'button', id: 'toggle-camera' }, t('room.camera'));
  const micSelect = h('select', { id: 'mic-select', title: t('room.micDevice') });
  const camSelect = h('select', { id: 'camera-select', title: t('room.cameraDevice') });
  const perPageSelect = h('select', { id: 'per-page', title: t('room.perPage') }, ...PAGE_SIZES.map((n) => h('option', { value: String(n), selected: n === perPage }, `${n}`)));
  const pager = h(
    'span',
    { class: 'pager' },
    h('button', { type: 'button', id: 'page-prev', onclick: () => setPage(page - 1) }, '‹'),
    pageLabel,
    h('button', { type: 'button', id: 'page-next', onclick: () => setPage(page + 1) }, '›'),
    perPageSelect,
  );
  const rec = recordControl(client, ctx.user);
  const sip = sipControl(client, ctx.user);
  const controls = h('div', { class: 'controls' }, micButton, camButton, micSelect, camSelect, pager, rec.el, sip.el,
    h('button', { type: 'button', class: 'leave', id: 'leave', onclick: () => ctx.onLeave() }, t('room.leave')));
  const feedsPanel = renderFeedsPanel(client, { token: ctx.token, user: ctx.user });
  const ptt = renderPttPanel(client);
  root.replaceChildren(
    h('section', { class: 'room' }, h('div', { class: 'room-head' }, h('h2', {}, ctx.roomName)), h('div', { class: 'room-body' }, gallery, feedsPanel.el), ptt.el, controls, audioBox),
  );

  micButton.addEventListener('click', () => void toggle('mic'));
  camButton.addEventListener('click', () => void toggle('camera'));
  perPageSelect.addEventListener('change', () => {
    perPage = Number(perPageSelect.value);
    localStorage.setItem('perPage', String(perPage));
    setPage(0);
  });
  micSelect.addEventListener('change', () => void switchDevice('mic', micSelect.value));
  camSelect.addEventListener('change', () => void switchDevice('camera', camSelect.value));
  void ctx.localReady.then(fillDeviceLists);
  const onDeviceChange = () => void fillDeviceLists();
  navigator.mediaDevices.addEventListener('devicechange', onDeviceChange);

  const sizeReports = new Map<string, number>();
  // The server picks each video's simulcast layer (and dynacast the publisher's) from these reports.
  // Measured when sent, after the layout settled (a tile may not be on the page yet when its video arrives).
  const reportSize = (producerId: string, video: HTMLVideoElement) => {
    clearTimeout(sizeReports.get(producerId));
    sizeReports.set(producerId, window.setTimeout(() => {
      const { width, height } = video.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      void client.setDisplaySize(producerId, width * dpr, height * dpr).catch(() => undefined);
    }, 300));
  };
  const resizeObserver = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const producerId = (entry.target as HTMLElement).dataset['producer'];
      if (producerId) reportSize(producerId, entry.target as HTMLVideoElement);
    }
  });

  function tileFor(id: string, name: string): Tile {
    let tile = tiles.get(id);
    if (!tile) {
      const video = h('video', { autoplay: true, playsInline: true, muted: true });
      const label = h('span', { class: 'label' }, name);
      const muted = h('span', { class: 'muted', hidden: true }, t('room.muted'));
      const placeholder = h('div', { class: 'placeholder' }, t('room.noVideo'));
      const el = h('div', { class: 'tile', 'data-peer': id }, video, placeholder, label, muted);
      tile = { el, video, label, muted, placeholder, videoProducerId: undefined, hangUp: null, pin: null };
      tiles.set(id, tile);
      resizeObserver.observe(video);
    }
    return tile;
  }

  function orderedIds(): string[] {
    return ['self', ...[...client.peers.keys()]];
  }

  function setPage(next: number): void {
    page = next;
    update();
  }

  /** The tiles of the page asked for: the gallery's shared grid, or a consultation page for this viewer's level. */
  function layOut(requested: number): { visible: string[]; page: number; pages: number; spotlight: string | null } {
    if (client.layout === 'consultation' && client.mode !== 'ptt') {
      const members = [...client.peers].map(([peerId, peer]) => ({ peerId, role: peer.info.user.role }));
      const spotlight = chooseSpotlight(members, client.activeSpeaker, client.spotlightPin);
      return { ...consultationPage(members.map((m) => m.peerId), spotlight, consultationPageSize(unitKind), requested), spotlight };
    }
    const ids = orderedIds();
    const pages = Math.max(1, Math.ceil(ids.length / perPage));
    const clamped = Math.min(Math.max(0, requested), pages - 1);
    return { visible: ids.slice(clamped * perPage, (clamped + 1) * perPage), page: clamped, pages, spotlight: null };
  }

  function update(): void {
    const laidOut = layOut(page);
    const { visible, pages, spotlight } = laidOut;
    const consultation = client.layout === 'consultation' && client.mode !== 'ptt';
    page = laidOut.page;
    pageLabel.textContent = `${page + 1}/${pages}`;
    perPageSelect.hidden = consultation;

    // Self tile: local preview.
    const self = tileFor('self', `${ctx.user.displayName}（${t('room.me')}）`);
    if (self.video.srcObject !== ctx.localStream) self.video.srcObject = ctx.localStream;
    const camPaused = client.localProducer('camera')?.paused ?? false;
    const micPaused = client.localProducer('mic')?.paused ?? false;
    self.placeholder.hidden = !camPaused && ctx.localStream.getVideoTracks().length > 0;
    // A talk group is voice only.
    camButton.hidden = camSelect.hidden = client.mode === 'ptt';
    self.muted.hidden = !micPaused;
    // The dominant speaker may be this member: their own tile is outlined like anyone's.
    self.el.classList.toggle('speaking', client.activeSpeaker !== null && client.activeSpeaker === client.peerId);
    micButton.classList.toggle('off', micPaused);
    camButton.classList.toggle('off', camPaused);

    const shown = new Set<string>();
    for (const [peerId, peer] of client.peers) {
      const tile = tileFor(peerId, peer.info.user.displayName);
      const producers = [...peer.producers.values()];
      const videoInfo = producers.find((p) => p.kind === 'video');
      const audioInfo = producers.find((p) => p.kind === 'audio');
      const videoConsumer = videoInfo ? client.consumers.get(videoInfo.id) : undefined;
      if (videoInfo && visible.includes(peerId)) shown.add(videoInfo.id);
      if (tile.videoProducerId !== videoConsumer?.producerId) {
        tile.videoProducerId = videoConsumer?.producerId;
        tile.video.srcObject = videoConsumer ? new MediaStream([videoConsumer.track]) : null;
        if (videoConsumer && marks['firstRemoteFrame'] === undefined && 'requestVideoFrameCallback' in tile.video) {
          tile.video.requestVideoFrameCallback(() => (marks['firstRemoteFrame'] ??= performance.now()));
        }
        if (videoConsumer) tile.video.dataset['producer'] = videoConsumer.producerId;
        else delete tile.video.dataset['producer'];
        // A tile that keeps its size fires no resize: its new video was consumed at the layout's guess.
        if (videoConsumer) reportSize(videoConsumer.producerId, tile.video);
      }
      tile.placeholder.hidden = Boolean(videoConsumer) && !videoInfo?.paused;
      // A camera feed's tile says why there is no picture: connecting, retrying, wrong password…
      const feed = peer.info.feed;
      if (feed) {
        tile.el.dataset['feedState'] = feed.state;
        const text = feedStateText(feed);
        if (tile.placeholder.textContent !== text) tile.placeholder.textContent = text;
      }
      // A SIP call is an audio tile with a phone sign, its call state, and (for commanders) a hang-up.
      const sipCall = peer.info.sip;
      if (sipCall) {
        tile.el.dataset['sipState'] = sipCall.state;
        const key = client.lastDtmf?.peerId === peerId ? ` · ${t('sip.key')} ${client.lastDtmf.digit}` : '';
        const text = sipTileText(sipCall) + key;
        if (tile.placeholder.textContent !== text) tile.placeholder.textContent = text;
        if (!tile.hangUp && (tile.hangUp = sip.hangUpButton(peerId))) tile.el.append(tile.hangUp);
      }
      tile.muted.hidden = !audioInfo?.paused;
      tile.el.classList.toggle('speaking', client.activeSpeaker === peerId);
      tile.el.classList.toggle('spotlight', spotlight === peerId);
      if (consultation && canPin && !tile.pin) {
        tile.pin = h('button', { type: 'button', class: 'pin', 'data-pin': peerId, title: t('room.pin'),
          onclick: () => void client.pinSpotlight(client.spotlightPin === peerId ? null : peerId).catch((err: unknown) => console.warn('pin failed', err)) }, '★');
        tile.el.append(tile.pin);
      }
      tile.pin?.classList.toggle('on', client.spotlightPin === peerId);
    }
    for (const id of [...tiles.keys()]) {
      if (id !== 'self' && !client.peers.has(id)) {
        resizeObserver.unobserve(tiles.get(id)!.video);
        tiles.get(id)!.el.remove();
        tiles.delete(id);
      }
    }
    syncAudioSinks(client, audioBox);
    ptt.update();

    const cols = Math.ceil(Math.sqrt(visible.length));
    const rows = Math.ceil(visible.length / cols);
    client.displayHeightHint = Math.round((gallery.clientHeight / Math.max(1, rows)) * (window.devicePixelRatio || 1));
    gallery.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
    gallery.style.gridTemplateRows = `repeat(${rows}, 1fr)`;
    const wanted = visible.map((id) => tiles.get(id)?.el).filter((el): el is HTMLElement => Boolean(el));
    if (wanted.length !== gallery.children.length || wanted.some((el, i) => gallery.children[i] !== el)) gallery.replaceChildren(...wanted);
    void client.setShownVideos(shown).catch(() => undefined);
  }

  async function toggle(source: 'mic' | 'camera'): Promise<void> {
    const producer = client.localProducer(source);
    if (producer) await client.setPaused(source, !producer.paused);
  }

  async function switchDevice(source: 'mic' | 'camera', deviceId: string): Promise<void> {
    const stream = await navigator.mediaDevices.getUserMedia(
      source === 'mic' ? { audio: { deviceId: { exact: deviceId } } } : { video: { ...CAMERA_CONSTRAINTS, deviceId: { exact: deviceId } } },
    );
    const track = source === 'mic' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (track) await client.replaceTrack(source, track);
  }

  async function fillDeviceLists(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const current = (kind: 'audio' | 'video') => (kind === 'audio' ? ctx.localStream.getAudioTracks() : ctx.localStream.getVideoTracks())[0]?.getSettings().deviceId;
    const fill = (select: HTMLSelectElement, kind: MediaDeviceKind, trackKind: 'audio' | 'video') =>
      select.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => h('option', { value: d.deviceId, selected: d.deviceId === current(trackKind) }, d.label || `${kind} ${i + 1}`)));
    fill(micSelect, 'audioinput', 'audio');
    fill(camSelect, 'videoinput', 'video');
  }

  const unsubscribe = client.onChange(update);
  update();
  return () => {
    feedsPanel.dispose();
    unsubscribe();
    ptt.dispose();
    resizeObserver.disconnect();
    navigator.mediaDevices.removeEventListener('devicechange', onDeviceChange);
  };
}
