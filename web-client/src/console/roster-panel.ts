import type { LoginResponse } from '../../../protocol/http.js';
import { roster } from '../api.js';
import { t } from '../i18n.js';
import { h } from '../ui/dom.js';

/** People the commander may reach, grouped by unit, with live status (in this incident / online / offline). */
export function rosterPanel(session: LoginResponse, roomId: string, unitName: (id: string) => string, onCall: (userId: string) => void): { el: HTMLElement; stop: () => void } {
  const list = h('div', { class: 'roster', id: 'roster' });
  const refresh = async () => {
    const people = await roster(session.token).catch(() => []);
    const byUnit = new Map<string, typeof people>();
    for (const p of people) byUnit.set(p.user.orgUnitId, [...(byUnit.get(p.user.orgUnitId) ?? []), p]);
    list.replaceChildren(
      ...[...byUnit].map(([unit, members]) =>
        h('details', { open: members.some((m) => m.online) }, h('summary', {}, unitName(unit)),
          ...members.map((m) => {
            const status = m.roomIds.includes(roomId) ? 'in-room' : m.online ? 'online' : 'offline';
            const label = status === 'in-room' ? t('roster.inRoom') : status === 'online' ? t('roster.online') : t('roster.offline');
            const callable = status === 'online' && m.user.id !== session.user.id;
            return h('div', { class: `person ${status}`, 'data-user': m.user.id }, h('span', { class: 'dot' }), m.user.displayName, h('span', { class: 'muted-text' }, ` ${label}`),
              callable ? h('button', { type: 'button', class: 'link-button call-button', 'data-call': m.user.id, onclick: () => onCall(m.user.id) }, t('call.call')) : null);
          })),
      ),
    );
  };
  void refresh();
  const timer = window.setInterval(() => void refresh(), 5_000);
  return { el: h('section', { class: 'panel' }, h('h3', {}, t('roster.title')), list), stop: () => clearInterval(timer) };
}
