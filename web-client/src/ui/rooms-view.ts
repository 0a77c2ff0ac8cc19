import type { Incident, LoginResponse, RoomMode } from '../../../protocol/http.js';
import { listRooms } from '../api.js';
import { t } from '../i18n.js';
import { h } from './dom.js';
import { renderIncidents } from './incidents-view.js';

export async function renderRooms(
  root: HTMLElement,
  session: LoginResponse,
  onEnter: (roomId: string, name: string, mode: RoomMode) => void,
  onCommand: (incident: Incident, active: Incident[]) => void,
  enterAtOnce: string | null = null,
): Promise<void> {
  const rooms = await listRooms(session.token);
  const linked = rooms.find((r) => r.id === enterAtOnce);
  if (linked) return onEnter(linked.id, linked.name, linked.mode);
  // Incident rooms are entered from the incident list.
  const rows = rooms.filter((room) => !room.incidentId).map((room) =>
    h(
      'div',
      { class: 'room-row', 'data-room': room.id },
      h('span', { class: 'name' }, room.name),
      room.mode === 'ptt' ? h('span', { class: 'badge ptt-badge' }, t('rooms.ptt')) : null,
      room.layout === 'consultation' ? h('span', { class: 'badge consultation-badge' }, t('rooms.consultation')) : null,
      room.sipNumber ? h('span', { class: 'badge sip-number', title: t('rooms.sipNumber') }, `☎ ${room.sipNumber}`) : null,
      h('span', { class: 'count' }, `${room.participants} ${t('rooms.participants')}`),
      h('button', { class: 'primary', type: 'button', onclick: () => onEnter(room.id, room.name, room.mode) }, t('rooms.enter')),
    ),
  );
  const incidents = h('div', { class: 'incidents' });
  root.replaceChildren(h('section', { class: 'rooms' }, incidents, h('h2', {}, t('rooms.title')), ...(rows.length ? rows : [h('p', {}, t('rooms.empty'))])));
  await renderIncidents(incidents, session, onCommand);
}
