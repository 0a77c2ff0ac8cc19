import type { PublicUser } from '../../../protocol/http.js';
import type { SipCallInfo } from '../../../protocol/signalling.js';
import { t, type MessageKey } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { toast } from './call-ui.js';
import { h } from './dom.js';

const canDial = (user: PublicUser) => user.incidentId === undefined && (user.role === 'commander' || user.role === 'admin');

/** What a SIP participant's tile says instead of "no video": ☎ state · kind · number. */
export function sipTileText(sip: SipCallInfo): string {
  const kind = t(`sip.kind.${sip.kind}` as MessageKey);
  return `☎ ${t(`sip.state.${sip.state}` as MessageKey)} · ${kind}${sip.trunk ? ` ${sip.trunk}` : ''} · ${sip.display ?? sip.number}`;
}

/** Commanders: a dial-out form (number or SIP URI, optional trunk) for the room, and a hang-up per SIP tile. */
export function sipControl(client: RoomClient, user: PublicUser): { el: HTMLElement; hangUpButton: (peerId: string) => HTMLElement | null } {
  if (!canDial(user)) return { el: h('span', {}), hangUpButton: () => null };
  const target = h('input', { name: 'sip-target', id: 'sip-target', placeholder: t('sip.target'), required: true, maxLength: 200 }) as HTMLInputElement;
  const trunk = h('input', { name: 'sip-trunk', id: 'sip-trunk', placeholder: t('sip.trunk'), maxLength: 32, size: 8 }) as HTMLInputElement;
  const form = h('form', { class: 'sip-dial', id: 'sip-dial' }, target, trunk, h('button', { type: 'submit', id: 'sip-dial-button' }, t('sip.dial')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = target.value.trim();
    if (!value) return;
    client.signalling
      .request('dialOut', { roomId: client.roomId, target: value, ...(trunk.value.trim() ? { trunk: trunk.value.trim() } : {}) })
      .then(() => (target.value = ''))
      .catch((err: Error) => toast(`${t('sip.dialFailed')}: ${err.message}`));
  });
  const hangUpButton = (peerId: string) => {
    const button = h('button', { type: 'button', class: 'sip-hangup', 'data-hangup': peerId, title: t('sip.hangUp') }, t('sip.hangUp'));
    button.addEventListener('click', () => {
      client.signalling.request('hangUp', { peerId }).catch((err: Error) => toast(`${t('sip.hangUpFailed')}: ${err.message}`));
    });
    return button;
  };
  return { el: form, hangUpButton };
}
