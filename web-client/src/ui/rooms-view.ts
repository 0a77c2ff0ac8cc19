import type { RoomMode } from '../../../protocol/http.js';
import { listRooms } from '../api.js';
import { t } from '../i18n.js';
import { h } from './dom.js';

export async function renderRooms(
  root: HTMLElement,
  token: string,
  onEnter: (roomId: string, name: string, mode: RoomMode) => void,
  enterAtOnce: string | null = null,
): Promise<void> {
  const rooms = await listRooms(token);
  const linked = rooms.find((r) => r.id === enterAtOnce);
  if (linked) return onEnter(linked.id, linked.name, linked.mode);
  const rows = rooms.map((room) =>
    h(
      'div',
      { class: 'room-row', 'data-room': room.id },
      h('span', { class: 'name' }, room.name),
      room.mode === 'ptt' ? h('span', { class: 'badge ptt-badge' }, t('rooms.ptt')) : null,
      h('span', { class: 'count' }, `${room.participants} ${t('rooms.participants')}`),
      h('button', { class: 'primary', type: 'button', onclick: () => onEnter(room.id, room.name, room.mode) }, t('rooms.enter')),
    ),
  );
  root.replaceChildren(h('section', { class: 'rooms' }, h('h2', {}, t('rooms.title')), ...(rows.length ? rows : [h('p', {}, t('rooms.empty'))])));
}
