import type { PublicUser } from '../../../protocol/http.js';
import { t } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { toast } from './call-ui.js';
import { h } from './dom.js';

const canRecord = (user: PublicUser) => user.incidentId === undefined && (user.role === 'commander' || user.role === 'operator' || user.role === 'admin');

/**
 * A red REC indicator for everyone while the room is recorded, and a start/stop button for those who may
 * record. `toggle` replaces the room's own start/stop (the console records the whole incident).
 */
export function recordControl(client: RoomClient, user: PublicUser, toggle?: (start: boolean) => Promise<unknown>): { el: HTMLElement; dispose: () => void } {
  const indicator = h('span', { class: 'rec-indicator', id: 'rec-indicator', hidden: true }, '● REC');
  const button = h('button', { type: 'button', id: 'toggle-recording', class: 'record' }, t('rec.start'));
  let busy = false;
  const render = () => {
    const on = client.recording !== null;
    indicator.hidden = !on;
    indicator.title = on ? `${t('rec.on')}: ${client.recording!.startedBy}, ${new Date(client.recording!.startedAt).toLocaleTimeString()}` : '';
    button.textContent = on ? t('rec.stop') : t('rec.start');
    button.classList.toggle('recording', on);
    (button as HTMLButtonElement).disabled = busy;
  };
  button.addEventListener('click', () => {
    if (busy) return;
    busy = true;
    render();
    const start = client.recording === null;
    const request = toggle ? toggle(start) : start ? client.signalling.request('startRecording', {}) : client.signalling.request('stopRecording', {});
    request
      .catch((err: Error) => toast(`${t('rec.failed')}: ${err.message}`))
      .finally(() => {
        busy = false;
        render();
      });
  });
  const el = h('span', { class: 'record-control' }, indicator, ...(canRecord(user) ? [button] : []));
  render();
  return { el, dispose: client.onChange(render) };
}
