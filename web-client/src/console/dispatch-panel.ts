import type { DispatchMessage, DispatchTarget } from '../../../protocol/signalling.js';
import { t } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { h } from '../ui/dom.js';

/** Text dispatch to one person, a unit, or everyone in the incident, with the messages so far. */
export function dispatchPanel(client: RoomClient, unitName: (id: string) => string, initial: DispatchMessage[]): HTMLElement {
  const target = h('select', { id: 'dispatch-target' });
  const text = h('input', { id: 'dispatch-text', placeholder: t('dispatch.text'), maxlength: 1000 });
  const list = h('ol', { class: 'messages', id: 'messages' });
  const sent: DispatchMessage[] = [...initial];
  const form = h('form', { class: 'dispatch-form', id: 'dispatch-form' }, target, text, h('button', { class: 'primary', type: 'submit' }, t('dispatch.send')));

  const describe = (to: DispatchTarget) =>
    to.kind === 'all' ? t('dispatch.everyone') : to.kind === 'unit' ? unitName(to.orgUnitId) : ([...client.peers.values()].find((p) => p.info.user.id === to.userId)?.info.user.displayName ?? to.userId);

  const refreshTargets = () => {
    const current = target.value;
    const people = [...new Map([...client.peers.values()].map((p) => [p.info.user.id, p.info.user])).values()];
    const units = [...new Set(people.map((u) => u.orgUnitId))];
    target.replaceChildren(
      h('option', { value: 'all' }, t('dispatch.everyone')),
      ...units.map((id) => h('option', { value: `unit:${id}` }, `▣ ${unitName(id)}`)),
      ...people.map((u) => h('option', { value: `user:${u.id}` }, `● ${u.displayName}`)),
    );
    if ([...target.options].some((o) => o.value === current)) target.value = current;
  };

  const render = () => {
    const all = [...sent, ...client.messages.filter((m) => !sent.some((s) => s.id === m.id))].sort((a, b) => a.at - b.at).slice(-100);
    list.replaceChildren(...all.map((m) => h('li', {}, h('span', { class: 'muted-text' }, `${new Date(m.at).toLocaleTimeString()} ${m.from.displayName} → ${describe(m.to)}`), h('div', {}, m.text))));
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    const [kind, id] = target.value.split(/:(.*)/s) as [string, string | undefined];
    const to: DispatchTarget = kind === 'unit' ? { kind: 'unit', orgUnitId: id! } : kind === 'user' ? { kind: 'user', userId: id! } : { kind: 'all' };
    const { message } = await client.signalling.request('dispatchMessage', { to, text: text.value });
    sent.push(message);
    text.value = '';
    render();
  });
  client.onChange(() => {
    refreshTargets();
    render();
  });
  refreshTargets();
  render();
  return h('section', { class: 'panel' }, h('h3', {}, t('dispatch.title')), form, list);
}
