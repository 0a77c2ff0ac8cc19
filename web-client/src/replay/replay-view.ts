import type { Incident, LoginResponse } from '../../../protocol/http.js';
import { NO_MEDIA, type Recording, type RecordingTrack } from '../../../protocol/recording.js';
import type { TimelineEntry } from '../../../protocol/timeline.js';
import { clientConfig, exportIncident, incidentRecordings, incidentTimeline, listIncidents, trackUrl } from '../api.js';
import { IncidentMap } from '../console/incident-map.js';
import { t } from '../i18n.js';
import { h } from '../ui/dom.js';
import { followTrack, ReplayClock } from './replay-clock.js';
import { countUpTo, stateAt } from './timeline-state.js';

interface TrackRef {
  key: string;
  recording: Recording;
  index: number;
  track: RecordingTrack;
  /** ms from the incident replay's start to the track file's time 0. */
  offset: number;
}

const clockText = (ms: number) => new Date(ms).toLocaleTimeString();

function describe(e: TimelineEntry): string {
  switch (e.type) {
    case 'join': return `${e.who.name} ${t('tl.join')}`;
    case 'leave': return `${e.who.name} ${t('tl.leave')}`;
    case 'floor': return `${e.who.name} ${t('tl.floor')} ${e.action}${e.emergency ? ' !' : ''}`;
    case 'message': return `${e.who.name}: ${e.text}`;
    case 'marker': return `${e.who.name} ${t('tl.marker')} ${e.action === 'placed' ? (e.note || '⚑') : '✕'}`;
    case 'feed': return `${t('tl.feed')} ${e.name} ${t(e.action === 'started' ? 'tl.started' : 'tl.stopped')}`;
    case 'recording': return `${t('tl.recording')} ${t(e.action === 'started' ? 'tl.started' : 'tl.stopped')} (${e.by}${e.reason ? `, ${e.reason}` : ''})`;
    case 'position': return `${e.who.name} ${e.lat.toFixed(5)}, ${e.lon.toFixed(5)}`;
  }
}

/**
 * The replay page (#/replay/<incidentId>): a scrubber over the incident's time with its events drawn on it,
 * the recorded tracks to choose from, played in sync on the incident's clock, and positions and markers
 * replayed on the map as the scrubber moves.
 */
export async function renderReplay(root: HTMLElement, session: LoginResponse, incidentId: string, onBack: () => void): Promise<() => void> {
  const { token } = session;
  const [incident, recordings, entries, config] = await Promise.all([
    listIncidents(token).then((list) => list.find((i) => i.id === incidentId)),
    incidentRecordings(token, incidentId),
    incidentTimeline(token, incidentId),
    clientConfig(token),
  ]);
  // A track whose file stayed empty (it ended before its first key frame) has nothing to play.
  const tracks: Omit<TrackRef, 'offset'>[] = recordings.flatMap((recording) => recording.tracks.map((track, index) => ({ key: `${recording.id}:${index}`, recording, index, track })))
    .filter((tr) => tr.track.endReason !== NO_MEDIA);
  const times = [...recordings.map((r) => r.startedAt), ...entries.map((e) => e.at)];
  const ends = [...recordings.flatMap((r) => [r.stoppedAt ?? r.startedAt, ...r.tracks.map((tr) => tr.stoppedAt ?? tr.startedAt)]), ...entries.map((e) => e.at)];
  const start = times.length ? Math.min(...times) : Date.now();
  const length = Math.max(1000, (ends.length ? Math.max(...ends) : start) - start);
  const refs: TrackRef[] = tracks.map((tr) => ({ ...tr, offset: tr.track.startedAt - start }));
  const clock = new ReplayClock(length);
  const events = entries.filter((e) => e.type !== 'position');

  const media = h('div', { class: 'replay-media', id: 'replay-media' });
  const chosen = new Map<string, HTMLMediaElement>();
  const choose = (ref: TrackRef, on: boolean) => {
    chosen.get(ref.key)?.remove();
    chosen.delete(ref.key);
    if (!on) return;
    const el = ref.track.kind === 'video' ? h('video', { playsInline: true }) : h('audio', {});
    el.src = trackUrl(token, ref.recording.id, ref.index);
    el.preload = 'auto';
    Object.assign(el.dataset, { track: ref.key, offset: String(ref.offset), name: ref.track.name });
    const box = h('figure', { class: `replay-track ${ref.track.kind}` }, el, h('figcaption', {}, `${ref.track.name} · ${t(ref.track.kind === 'video' ? 'replay.video' : 'replay.audio')}`));
    media.append(box);
    chosen.set(ref.key, el);
    el.addEventListener('emptied', () => box.remove(), { once: true });
  };
  const trackList = h('div', { class: 'replay-tracks', id: 'replay-tracks' }, h('h3', {}, t('replay.tracks')),
    ...(refs.length ? [] : [h('p', { class: 'muted-text' }, t('replay.noTracks'))]),
    ...refs.map((ref) => {
      const box = h('input', { type: 'checkbox', 'data-track': ref.key });
      box.addEventListener('change', () => choose(ref, box.checked));
      return h('label', { class: 'replay-track-choice' }, box, ` ${ref.track.name} · ${t(ref.track.kind === 'video' ? 'replay.video' : 'replay.audio')} ${ref.track.codec} · ${clockText(ref.track.startedAt)}`);
    }));

  const scrubber = h('input', { type: 'range', id: 'replay-scrubber', min: 0, max: length, step: 100, value: '0' });
  let dragging = false;
  scrubber.addEventListener('pointerdown', () => (dragging = true));
  scrubber.addEventListener('pointerup', () => (dragging = false));
  scrubber.addEventListener('input', () => clock.seek(Number(scrubber.value)));
  const strip = h('div', { class: 'tl-strip', id: 'tl-strip' }, ...events.map((e) => {
    const mark = h('span', { class: `tl-mark tl-${e.type}`, 'data-type': e.type, title: `${clockText(e.at)} ${describe(e)}` });
    mark.style.left = `${((e.at - start) / length) * 100}%`;
    mark.addEventListener('click', () => clock.seek(e.at - start));
    return mark;
  }));
  const list = h('ol', { class: 'tl-list', id: 'tl-list' }, ...events.map((e) =>
    h('li', { 'data-type': e.type, 'data-at': String(e.at), onclick: () => clock.seek(e.at - start) }, h('time', {}, clockText(e.at)), ` ${describe(e)}`)));
  const timeLabel = h('span', { class: 'replay-time', id: 'replay-time' }, clockText(start));
  const play = h('button', { type: 'button', class: 'primary', id: 'replay-play' }, t('replay.play'));
  play.addEventListener('click', () => {
    if (clock.playing) clock.pause();
    else {
      if (clock.now() >= length) clock.seek(0);
      clock.play();
    }
    play.textContent = clock.playing ? t('replay.pause') : t('replay.play');
  });
  const exportButton = h('button', { type: 'button', class: 'link-button', id: 'replay-export' }, t('replay.export'));
  exportButton.addEventListener('click', async () => {
    const blob = await exportIncident(token, incidentId);
    const a = h('a', { href: URL.createObjectURL(blob), download: `incident-${incidentId}.zip` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  });
  const map = new IncidentMap(config, { onPerson: () => undefined });
  root.replaceChildren(h('section', { class: 'replay', id: 'replay', 'data-incident': incidentId },
    h('div', { class: 'replay-head' },
      h('button', { type: 'button', class: 'link-button', id: 'replay-back', onclick: onBack }, t('replay.back')),
      h('h2', {}, `${t('replay.title')} · ${(incident as Incident | undefined)?.name ?? incidentId}`),
      exportButton),
    h('div', { class: 'replay-body' }, trackList, media, map.el),
    h('div', { class: 'replay-controls' }, play, timeLabel, h('div', { class: 'replay-scrub' }, strip, scrubber)),
    h('h3', {}, t('replay.events')), list));
  map.refresh();

  let shownCount = -1;
  const tick = () => {
    const els = [...chosen.values()];
    const offsetOf = (el: HTMLMediaElement) => Number(el.dataset['offset']);
    // A playing element in its range is the clock's reference: its audio hardware keeps time.
    const master = clock.playing ? els.find((el) => !el.paused && !el.seeking && el.readyState >= 2) : undefined;
    if (master) clock.seek(master.currentTime * 1000 + offsetOf(master));
    const pos = clock.now();
    for (const el of els) {
      const local = (pos - offsetOf(el)) / 1000;
      const inRange = local >= 0 && (!Number.isFinite(el.duration) || local < el.duration);
      if (!clock.playing || !inRange) {
        if (!el.paused) el.pause();
        if (inRange && Math.abs(el.currentTime - local) > 0.05 && !el.seeking) el.currentTime = local;
        continue;
      }
      if (el.paused) {
        el.currentTime = local;
        void el.play().catch(() => undefined);
      } else if (el !== master && !el.seeking) {
        const action = followTrack(local, el.currentTime);
        if (action.seekTo !== undefined) el.currentTime = action.seekTo;
        el.playbackRate = action.rate;
      }
    }
    if (!dragging) scrubber.value = String(Math.round(pos));
    timeLabel.textContent = clockText(start + pos);
    const count = countUpTo(entries, start + pos);
    if (count !== shownCount) {
      shownCount = count;
      const { people, markers } = stateAt(entries, start + pos);
      for (const p of people) map.setPerson(p.id, p.name, p.lat, p.lon);
      map.setMarkers(markers);
      for (const li of list.children) li.classList.toggle('past', Number((li as HTMLElement).dataset['at']) <= start + pos);
    }
    if (clock.playing && pos >= length) {
      clock.pause();
      play.textContent = t('replay.play');
    }
  };
  const timer = window.setInterval(tick, 50);
  tick();
  return () => {
    clearInterval(timer);
    for (const el of chosen.values()) {
      el.pause();
      el.removeAttribute('src');
    }
  };
}
