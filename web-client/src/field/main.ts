import type { Incident, LoginResponse } from '../../../protocol/http.js';
import { ApiError, clientConfig, joinWithLink, listIncidents, routerCapabilities } from '../api.js';
import { DeviceCache } from '../device-cache.js';
import { installDiagnostics } from '../diagnostics.js';
import { currentLang, setLang, t } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { SignallingClient } from '../signalling-client.js';
import { h } from '../ui/dom.js';
import { renderLogin } from '../ui/login-view.js';
import { renderField } from './field-view.js';

/**
 * The field page (人人皆单兵): opened from an incident's QR code or link (`#join=<token>`), or by a
 * responder with an account. Mobile first; installable (manifest + service worker).
 */
const view = document.getElementById('view')!;
const langButton = document.getElementById('lang')!;
const devices = new DeviceCache();
let client: RoomClient | undefined;
let talkClient: RoomClient | undefined;
installDiagnostics(() => client, () => talkClient);

const SESSION_KEY = 'field.session';

function savedSession(): LoginResponse | undefined {
  const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as LoginResponse | null;
  return s && s.expiresAt > Date.now() ? s : undefined;
}

function takeJoinToken(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get('join') ?? undefined;
  if (token) history.replaceState(null, '', location.pathname);
  return token;
}

function start(session: LoginResponse): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  const signalling = new SignallingClient(session.token);
  // In a cluster: if this node goes down, the phone moves to another node with the same token.
  clientConfig(session.token).then((c) => signalling.useNodes(c.clusterNodes ?? []), () => undefined);
  signalling.socket.on('connect_error', (err) => {
    const code = (err as Error & { data?: { code?: string } }).data?.code;
    if (code === 'TOKEN_EXPIRED' || code === 'INVALID_TOKEN') {
      localStorage.removeItem(SESSION_KEY);
      location.reload();
    }
  });
  routerCapabilities(session.token).then((caps) => devices.load(caps)).catch(() => undefined);
  void chooseIncident(session, signalling);
}

async function chooseIncident(session: LoginResponse, signalling: SignallingClient): Promise<void> {
  const active = (await listIncidents(session.token)).filter((i) => i.status === 'active');
  const open = (incident: Incident) => renderField(view, { session, incident, signalling, devices, onClient: (c) => (client = c), onTalkClient: (c) => (talkClient = c) });
  const only = active.length === 1 ? active[0] : active.find((i) => i.id === session.user.incidentId);
  if (only) return open(only);
  view.replaceChildren(
    h('section', { class: 'rooms' }, h('h2', {}, active.length ? t('field.pick') : t('field.noIncident')),
      ...active.map((i) => h('button', { class: 'primary', type: 'button', 'data-incident': i.id, onclick: () => open(i) }, i.name))),
  );
}

function askName(joinToken: string): void {
  const name = h('input', { name: 'displayName', placeholder: t('field.name'), required: true, maxlength: 40, autocomplete: 'name' });
  const error = h('div', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', id: 'join-form' }, h('h1', {}, t('field.title')), name, error, h('button', { class: 'primary', type: 'submit' }, t('field.join')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      start(await joinWithLink(joinToken, name.value));
    } catch (err) {
      error.textContent = err instanceof ApiError && ['TOKEN_EXPIRED', 'INVALID_TOKEN', 'FORBIDDEN'].includes(err.body.code) ? t('field.linkExpired') : `${t('error.generic')}: ${(err as Error).message}`;
    }
  });
  view.replaceChildren(form);
  name.focus();
}

langButton.textContent = t('app.lang');
langButton.addEventListener('click', () => {
  setLang(currentLang() === 'zh' ? 'en' : 'zh');
  location.reload();
});
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);

const joinToken = takeJoinToken();
const session = savedSession();
if (joinToken) askName(joinToken);
else if (session) start(session);
else renderLogin(view, start);
