import type { NotificationData } from '../../../protocol/signalling.js';
import { t } from '../i18n.js';
import { h } from './dom.js';

/** A ringing call: who calls, into which room; answer or decline. Rings until closed. */
export function showIncomingCall(call: NotificationData['incomingCall'], onAnswer: (accept: boolean) => void): () => void {
  const stopRing = ring();
  const close = () => {
    stopRing();
    dialog.remove();
  };
  const dialog = h(
    'div',
    { class: 'call-dialog', id: 'incoming-call', role: 'alertdialog' },
    h('div', { class: 'call-title' }, `${t('call.incoming')}: ${call.from.displayName}`),
    h('div', { class: 'muted-text' }, call.roomName),
    h('div', { class: 'call-actions' },
      h('button', { class: 'primary', id: 'call-accept', type: 'button', onclick: () => { close(); onAnswer(true); } }, t('call.accept')),
      h('button', { class: 'link-button', id: 'call-decline', type: 'button', onclick: () => { close(); onAnswer(false); } }, t('call.decline'))),
  );
  document.body.append(dialog);
  return close;
}

/** A short note at the bottom of the screen. */
export function toast(text: string): void {
  const el = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 5_000);
}

/** A two-tone ring through WebAudio (no sound file to ship). */
function ring(): () => void {
  const ctx = new AudioContext();
  const gain = ctx.createGain();
  gain.gain.value = 0.08;
  gain.connect(ctx.destination);
  const timer = window.setInterval(() => {
    for (const [freq, at] of [[880, 0], [660, 0.25]] as const) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.2);
    }
  }, 1_500);
  return () => {
    clearInterval(timer);
    void ctx.close();
  };
}
