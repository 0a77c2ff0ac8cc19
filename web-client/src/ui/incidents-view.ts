import type { Incident, LoginResponse } from '../../../protocol/http.js';
import { incidentJoinLink, listIncidents, openIncident } from '../api.js';
import { t } from '../i18n.js';
import { h } from './dom.js';

/** Active incidents for the console: open one, enter its room, show its invite QR code for field phones. */
export async function renderIncidents(root: HTMLElement, session: LoginResponse, onCommand: (incident: Incident, active: Incident[]) => void): Promise<void> {
  const { token, user } = session;
  const canOpen = user.role === 'commander' || user.role === 'admin';
  const canInvite = canOpen || user.role === 'operator';
  const qrBox = h('div', { class: 'qr-box', id: 'qr-box', hidden: true });
  const list = h('div', { class: 'incident-list' });

  const replayButton = (incident: Incident) =>
    h('button', { type: 'button', class: 'link-button', 'data-replay': incident.id, onclick: () => (location.hash = `#/replay/${incident.id}`) }, t('incidents.replay'));
  const closedList = h('div', { class: 'incident-list', id: 'closed-incidents' });
  const refresh = async () => {
    const all = await listIncidents(token);
    const active = all.filter((i) => i.status === 'active');
    const closed = all.filter((i) => i.status === 'closed');
    closedList.replaceChildren(...(closed.length ? [h('h3', {}, t('incidents.closed'))] : []),
      ...closed.map((incident) => h('div', { class: 'room-row', 'data-closed-incident': incident.id }, h('span', { class: 'name' }, incident.name), replayButton(incident))));
    list.replaceChildren(
      ...(active.length ? [] : [h('p', { class: 'muted-text' }, t('incidents.none'))]),
      ...active.map((incident) =>
        h(
          'div',
          { class: 'room-row', 'data-incident': incident.id },
          h('span', { class: 'name' }, incident.name),
          canInvite
            ? h('button', { type: 'button', class: 'link-button', onclick: async () => {
                const link = await incidentJoinLink(token, incident.id);
                qrBox.innerHTML = link.qrSvg;
                qrBox.append(h('p', { class: 'muted-text' }, t('incidents.qrHint')), h('a', { href: link.url, class: 'join-link', target: '_blank', rel: 'noopener' }, link.url));
                qrBox.hidden = false;
              } }, t('incidents.qr'))
            : null,
          replayButton(incident),
          h('button', { type: 'button', class: 'primary', 'data-command': incident.id, onclick: () => onCommand(incident, active) }, t('incidents.command')),
        ),
      ),
    );
  };

  const name = h('input', { name: 'incidentName', placeholder: t('incidents.name'), required: true, maxlength: 100 });
  const form = h('form', { class: 'room-row', id: 'incident-form' }, name, h('button', { class: 'primary', type: 'submit' }, t('incidents.open')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await openIncident(token, name.value.trim(), user.orgUnitId);
    name.value = '';
    await refresh();
  });
  root.replaceChildren(h('h2', {}, t('incidents.title')), ...(canOpen ? [form] : []), list, qrBox, closedList);
  await refresh();
}
