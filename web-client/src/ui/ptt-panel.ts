import { t, type MessageKey } from '../i18n.js';
import type { PttStatus } from '../ptt-floor.js';
import type { RoomClient } from '../room-client.js';
import { h } from './dom.js';

/** Short tones, so a member knows the outcome without looking (a radio's talk-permit tone). */
const CUES: Partial<Record<PttStatus, { hz: number; ms: number; repeat: number }>> = {
  granted: { hz: 880, ms: 120, repeat: 1 },
  queued: { hz: 600, ms: 60, repeat: 2 },
  denied: { hz: 300, ms: 250, repeat: 1 },
  revoked: { hz: 300, ms: 250, repeat: 1 },
};
/** The same outcomes felt in the hand: a phone in a glove or in the noise of a scene. */
const VIBRATIONS: Partial<Record<PttStatus, number[]>> = { granted: [80], queued: [40, 60, 40], denied: [250], revoked: [250] };

let cueContext: AudioContext | undefined;
/** A phone starts audio only inside a user gesture: the press opens the cue's output for the answer. */
function unlockCues(): void {
  try {
    cueContext ??= new AudioContext();
    void cueContext.resume();
  } catch {
    // no audio output: the colour still shows
  }
}
function playCue(status: PttStatus): void {
  const cue = CUES[status];
  if (!cue) return;
  cueContext ??= new AudioContext();
  const ctx = cueContext;
  for (let i = 0; i < cue.repeat; i++) {
    const start = ctx.currentTime + (i * cue.ms * 2) / 1000;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = cue.hz;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + cue.ms / 1000);
  }
}

const isTyping = (target: EventTarget | null) => target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;

/**
 * The push-to-talk control of a talk group: who is talking (name and unit), a large button to hold
 * (mouse or touch; Space on a desktop), an emergency button, and a coloured cue with a tone:
 * green granted, amber queued (with place), red denied or cut off.
 */
export function renderPttPanel(client: RoomClient): { el: HTMLElement; update(): void; dispose(): void } {
  const talker = h('div', { class: 'ptt-talker', id: 'ptt-talker' });
  const status = h('div', { class: 'ptt-status', id: 'ptt-status' });
  // Time left of the current talk burst: the server cuts the holder off at zero.
  const countdown = h('div', { class: 'ptt-countdown', id: 'ptt-countdown' });
  const button = h('button', { type: 'button', class: 'ptt-button', id: 'ptt-button' }, t('ptt.hold'));
  const emergency = h('button', { type: 'button', class: 'ptt-emergency', id: 'ptt-emergency' }, t('ptt.emergency'));
  const el = h('div', { class: 'ptt-panel', id: 'ptt-panel' }, talker, countdown, button, status, emergency);
  let shown: PttStatus = client.floor.status;

  const holdable = (target: HTMLElement, emergencyCall: boolean) => {
    target.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      target.setPointerCapture(e.pointerId);
      unlockCues();
      void client.floor.press(emergencyCall);
    });
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) target.addEventListener(type, () => void client.floor.release());
    target.addEventListener('contextmenu', (e) => e.preventDefault()); // a long press on a phone must not open a menu
  };
  holdable(button, false);
  holdable(emergency, true);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.code !== 'Space' || client.mode !== 'ptt' || isTyping(e.target)) return;
    e.preventDefault(); // also keeps Space from "clicking" whichever button has focus
    if (e.repeat) return;
    unlockCues();
    void client.floor.press(false);
  };
  const onKeyUp = (e: KeyboardEvent) => {
    if (e.code !== 'Space' || client.mode !== 'ptt' || isTyping(e.target)) return;
    e.preventDefault();
    void client.floor.release();
  };
  // A key held while the window loses focus never sends its keyup.
  const onBlur = () => void client.floor.release();
  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', onBlur);

  const showCountdown = () => {
    const endsAt = client.floor.state?.burstEndsAt;
    const left = endsAt ? Math.max(0, Math.ceil((endsAt - Date.now()) / 1000)) : undefined;
    countdown.textContent = left === undefined ? '' : `${t('ptt.timeLeft')} ${left} s`;
    countdown.dataset['seconds'] = left === undefined ? '' : String(left);
    countdown.classList.toggle('ending', left !== undefined && left <= 5);
  };
  const ticker = window.setInterval(showCountdown, 250);

  function update(): void {
    el.hidden = client.mode !== 'ptt';
    const floor = client.floor;
    const holder = floor.state?.holder;
    talker.textContent = holder
      ? `${holder.emergency ? `${t('ptt.emergencyOn')} ` : ''}${t('ptt.talking')}：${holder.name}（${holder.unit}）`
      : t('ptt.idle');
    talker.classList.toggle('emergency', Boolean(holder?.emergency));
    el.dataset['status'] = floor.status;
    button.className = `ptt-button ${floor.status}`;
    status.textContent = statusText(floor.status, floor.position, floor.reason);
    showCountdown();
    if (floor.status !== shown) {
      shown = floor.status;
      const vibration = VIBRATIONS[shown];
      if (vibration) navigator.vibrate?.(vibration);
      try {
        playCue(shown);
      } catch {
        // no audio output: the colour still shows
      }
    }
  }

  return {
    el,
    update,
    dispose() {
      clearInterval(ticker);
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    },
  };
}

function statusText(status: PttStatus, position: number, reason: string): string {
  switch (status) {
    case 'granted':
      return t('ptt.granted');
    case 'queued':
      return `${t('ptt.queued')} ${position}`;
    case 'requesting':
      return t('ptt.requesting');
    case 'denied':
      return `${t('ptt.denied')}${reasonText(reason)}`;
    case 'revoked':
      return `${t('ptt.revoked')}${reasonText(reason)}`;
    default:
      return t('ptt.hint');
  }
}

function reasonText(reason: string): string {
  const key = `ptt.reason.${reason}`;
  return key in REASON_KEYS ? `：${t(key as MessageKey)}` : '';
}
const REASON_KEYS = { 'ptt.reason.preempted': 1, 'ptt.reason.time-limit': 1, 'ptt.reason.listen-only': 1, 'ptt.reason.queue-full': 1 };
