import type { Incident, LoginResponse } from '../../../protocol/http.js';
import type { DeviceCache } from '../device-cache.js';
import { t, type MessageKey } from '../i18n.js';
import { RoomClient } from '../room-client.js';
import type { SignallingClient } from '../signalling-client.js';
import { syncAudioSinks } from '../ui/audio-sinks.js';
import { h } from '../ui/dom.js';
import { BandwidthGuard, type UplinkMode } from './bandwidth-guard.js';
import { gradeConnection } from './connection-quality.js';
import { PositionQueue } from './position-queue.js';
import { PositionTracker } from './position-tracker.js';
import { renderTalkSection } from './talk-view.js';

/** Rear camera at 720p: what the command center wants to see of the scene. */
const REAR_CAMERA: MediaTrackConstraints = { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } };

/**
 * The responder's screen: one big button starts the live return of camera, microphone and position;
 * the connection and location state stay in view; the incident's audio plays.
 */
export function renderField(
  root: HTMLElement,
  ctx: {
    session: LoginResponse;
    incident: Incident;
    signalling: SignallingClient;
    devices: DeviceCache;
    onClient: (c: RoomClient | undefined) => void;
    /** The joined talk group's client (its own connection), for diagnostics. */
    onTalkClient: (c: RoomClient | undefined) => void;
  },
): void {
  const queue = new PositionQueue(ctx.signalling);
  const preview = h('video', { autoplay: true, playsInline: true, muted: true, class: 'field-preview' });
  const quality = h('span', { class: 'quality', id: 'quality' }, '…');
  const live = h('span', { class: 'live-badge', hidden: true }, `● ${t('field.live')}`);
  const location = h('span', { id: 'location' }, t('field.noFix'));
  const queued = h('span', { id: 'queued', class: 'muted-text' });
  const audioBox = h('div', { hidden: true });
  const messages = h('ol', { class: 'field-messages', id: 'field-messages' });
  const start = h('button', { class: 'primary big', id: 'start', type: 'button' }, t('field.start'));
  const talk = renderTalkSection({ session: ctx.session, incident: ctx.incident, devices: ctx.devices, onClient: ctx.onTalkClient });
  root.replaceChildren(
    h(
      'section',
      { class: 'field' },
      h('h2', {}, ctx.incident.name),
      h('p', { class: 'muted-text' }, ctx.session.user.displayName, ' ', live),
      preview,
      start,
      h('dl', { class: 'field-status' }, h('dt', {}, t('field.connection')), h('dd', {}, quality), h('dt', {}, t('field.location')), h('dd', {}, location, ' ', queued)),
      talk.el,
      messages,
      audioBox,
    ),
  );

  let client: RoomClient | undefined;
  let tracker: PositionTracker | undefined;
  let wakeLock: WakeLockSentinel | undefined;
  let qualityTimer: number | undefined;
  let guard: BandwidthGuard | undefined;
  let uplink: UplinkMode = 'video';

  const showPosition = () => {
    const fix = tracker?.lastFix;
    location.textContent = fix ? `${fix.latitude.toFixed(5)}, ${fix.longitude.toFixed(5)} ±${Math.round(fix.accuracy)} m` : (tracker?.error ?? t('field.noFix'));
    queued.textContent = queue.pending > 0 ? `(${queue.pending} ${t('field.queued')})` : '';
  };
  queue.onChange(showPosition);

  const keepAwake = async () => {
    if (client && document.visibilityState === 'visible' && 'wakeLock' in navigator) wakeLock = await navigator.wakeLock.request('screen').catch(() => undefined);
  };
  document.addEventListener('visibilitychange', () => void keepAwake());

  const begin = async () => {
    start.disabled = true;
    const stream = new MediaStream();
    const ready = navigator.mediaDevices
      .getUserMedia({ video: REAR_CAMERA, audio: true })
      .catch(() => navigator.mediaDevices.getUserMedia({ audio: true }))
      .then((captured) => {
        for (const track of captured.getTracks()) stream.addTrack(track);
        preview.srcObject = stream;
      });
    client = new RoomClient(ctx.signalling, ctx.incident.roomId, { stream, ready, preferH264: false, devices: ctx.devices, receiveVideo: false, startBitrateKbps: 300 });
    ctx.onClient(client);
    let shownMessages = 0;
    client.onChange(() => {
      syncAudioSinks(client, audioBox);
      // Orders from the center, newest first; a new one buzzes the phone.
      if (client && client.messages.length !== shownMessages) {
        if (client.messages.length > shownMessages) navigator.vibrate?.(300);
        shownMessages = client.messages.length;
        messages.replaceChildren(...[...client.messages].reverse().map((m) => h('li', {}, h('div', { class: 'muted-text' }, `${new Date(m.at).toLocaleTimeString()} ${m.from.displayName}`), h('div', {}, m.text))));
      }
      if (client?.state === 'online') void queue.flush();
    });
    guard = new BandwidthGuard(client, (mode) => (uplink = mode));
    guard.start();
    tracker = new PositionTracker(queue, showPosition);
    tracker.start();
    qualityTimer = window.setInterval(async () => {
      const graded = gradeConnection(client?.state ?? 'offline', await client?.sendStats());
      quality.textContent = `${t(`field.quality.${graded.quality}` as MessageKey)}${graded.rttMs !== undefined ? ` · ${graded.rttMs} ms` : ''}${uplink === 'video' ? '' : ` · ${t('field.audioOnly')}`}`;
      quality.dataset['uplink'] = uplink;
      quality.dataset['quality'] = graded.quality;
      live.hidden = !client?.localProducer('camera') || client.state !== 'online';
    }, 1_000);
    await keepAwake();
    start.textContent = t('field.stop');
    start.classList.add('live');
    start.disabled = false;
    await client.start();
  };

  const end = async () => {
    clearInterval(qualityTimer);
    guard?.stop();
    uplink = 'video';
    tracker?.stop();
    await client?.close();
    ctx.onClient(undefined);
    for (const track of (preview.srcObject as MediaStream | null)?.getTracks() ?? []) track.stop();
    preview.srcObject = null;
    await wakeLock?.release().catch(() => undefined);
    client = undefined;
    start.textContent = t('field.start');
    start.classList.remove('live');
    live.hidden = true;
    quality.textContent = '…';
    delete quality.dataset['quality'];
  };

  start.addEventListener('click', () => void (client ? end() : begin()));
}
