import type { Incident, LoginResponse, RoomMode } from '../../protocol/http.js';
import { renderConsole } from './console/console-view.js';
import { currentLang, setLang, t, type MessageKey } from './i18n.js';
import { installDiagnostics, marks } from './diagnostics.js';
import { clientConfig, routerCapabilities, useApiNode } from './api.js';
import { DeviceCache } from './device-cache.js';
import { CAMERA_CONSTRAINTS, RoomClient } from './room-client.js';
import { SignallingClient } from './signalling-client.js';
import { showIncomingCall, toast } from './ui/call-ui.js';
import { renderLogin } from './ui/login-view.js';
import { renderRoom } from './ui/room-view.js';
import { renderRooms } from './ui/rooms-view.js';
import { renderReplay } from './replay/replay-view.js';

const view = document.getElementById('view')!;
const who = document.getElementById('who')!;
const logoutButton = document.getElementById('logout')!;
const langButton = document.getElementById('lang')!;
const banner = document.getElementById('conn-banner')!;
const alertBanner = document.getElementById('alert-banner')!;
let session: LoginResponse | undefined = readSession();
let client: RoomClient | undefined;
let signalling: SignallingClient | undefined;
let rerender: () => void = () => undefined;
let closeReplay: () => void = () => undefined;
// Read once at load: the query string is cleared after a room link has been used.
const preferH264 = new URLSearchParams(location.search).get('codec') === 'h264';
const devices = new DeviceCache();

installDiagnostics(() => client);

function readSession(): LoginResponse | undefined {
  const raw = sessionStorage.getItem('session');
  if (!raw) return undefined;
  const s = JSON.parse(raw) as LoginResponse;
  return s.expiresAt > Date.now() ? s : undefined;
}

function translateStatic(): void {
  document.title = t('app.title');
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset['i18n'] as MessageKey);
  langButton.textContent = t('app.lang');
}

function showLogin(): void {
  who.textContent = '';
  logoutButton.hidden = true;
  rerender = showLogin;
  renderLogin(view, (s) => {
    marks['loggedIn'] = performance.now();
    session = s;
    sessionStorage.setItem('session', JSON.stringify(s));
    void showRooms();
  });
}

/** A link may name a room (?room=ID): after login the user goes straight in. */
function linkedRoom(): string | null {
  const room = new URLSearchParams(location.search).get('room');
  // Used once: leaving the room must not send the user straight back in.
  if (room) history.replaceState(null, '', location.pathname);
  return room;
}

/** #/replay/<incidentId>: the incident's replay page. */
const replayTarget = () => /^#\/replay\/([A-Za-z0-9._-]{1,64})$/.exec(location.hash)?.[1];

async function showReplay(incidentId: string): Promise<void> {
  if (!session) return showLogin();
  closeReplay();
  await client?.close();
  client = undefined;
  rerender = () => void showReplay(incidentId);
  const back = () => {
    history.pushState(null, '', location.pathname + location.search);
    closeReplay();
    void showRooms();
  };
  try {
    closeReplay = await renderReplay(view, session, incidentId, back);
  } catch (err) {
    // An incident out of reach, or gone: say so and go back to the list.
    toast(`${t('replay.title')}: ${(err as Error).message}`);
    back();
  }
}

async function showRooms(): Promise<void> {
  if (!session) return showLogin();
  const replay = replayTarget();
  if (replay) return showReplay(replay);
  closeReplay();
  closeReplay = () => undefined;
  who.textContent = session.user.displayName;
  connectSignalling(session.token);
  routerCapabilities(session.token).then((caps) => devices.load(caps)).catch(() => undefined); // a head start only
  logoutButton.hidden = false;
  rerender = () => void showRooms();
  try {
    const linked = linkedRoom();
    await renderRooms(
      view,
      session,
      (roomId, name, mode) => void enterRoom(roomId, name, mode),
      (incident, active) => void enterRoom(incident.roomId, incident.name, 'conference', { incident, active }),
      linked,
    );
  } catch {
    logout();
  }
}

async function localMedia(mode: RoomMode, withCamera: boolean): Promise<MediaStream> {
  // A talk group is voice only, like the radios in it: no camera to capture, encode or send.
  if (mode === 'ptt') return navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => new MediaStream());
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, ...(withCamera ? { video: CAMERA_CONSTRAINTS } : {}) });
  } catch {
    // No camera (or it is refused): join with what there is rather than not at all.
    return navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => new MediaStream());
  }
}

/**
 * A consultation room shows the gallery, a talk group the push-to-talk panel; an incident opens the
 * command console (wall, map, dispatch).
 */
async function enterRoom(roomId: string, roomName: string, mode: RoomMode, command?: { incident: Incident; active: Incident[] }): Promise<void> {
  if (!session) return showLogin();
  const current = session;
  marks['enterRoom'] = performance.now();
  const user = session.user;
  const token = session.token;
  const stream = new MediaStream();
  let openDevices = () => {};
  // The join request leaves first; opening devices and drawing the room would hold it up by tens of ms.
  // At the console the commander talks; the wall is for the scene, not for the commander's own camera.
  const ready = new Promise<void>((r) => (openDevices = r)).then(() => localMedia(mode, !command)).then((captured) => {
    for (const track of captured.getTracks()) stream.addTrack(track);
    marks['localMedia'] ??= performance.now();
  });
  client = new RoomClient(connectSignalling(session.token), roomId, { stream, ready, preferH264, devices }, mode);
  client.onChange(() => showConnection(client?.state));
  const close = async () => {
    dispose();
    await client?.close();
    client = undefined;
    await ready;
    for (const track of stream.getTracks()) track.stop();
    showConnection(undefined);
  };
  const leave = async () => {
    await close();
    void showRooms();
  };
  let dispose = () => {};
  rerender = () => {
    dispose();
    if (!client) return;
    if (!command) {
      dispose = renderRoom(view, client, { roomName, user, token, localStream: stream, localReady: ready, onLeave: () => void leave() });
      return;
    }
    const onSwitch = async (next: Incident) => {
      await close();
      void enterRoom(next.roomId, next.name, 'conference', { incident: next, active: command.active });
    };
    let stop = () => {};
    dispose = () => stop();
    void renderConsole(view, { session: current, client, incident: command.incident, incidents: command.active, onSwitch: (i) => void onSwitch(i), onLeave: () => void leave() }).then((s) => (stop = s));
  };
  const started = client.start();
  rerender();
  openDevices();
  await started;
}

/** One signalling connection per login, opened as soon as the user is in, so rooms open at once. */
function connectSignalling(token: string): SignallingClient {
  if (signalling) return signalling;
  const connection = new SignallingClient(token);
  // A cluster lists its nodes: if this one goes down, the connection moves to another with the same token.
  void clientConfig(token).then((c) => connection.useNodes(c.clusterNodes ?? []), () => undefined);
  connection.socket.once('connect', () => (marks['connected'] ??= performance.now()));
  connection.socket.on('connect', () => useApiNode(connection.node));
  connection.socket.on('connect_error', (err) => {
    const code = (err as Error & { data?: { code?: string } }).data?.code;
    if (code === 'TOKEN_EXPIRED' || code === 'INVALID_TOKEN' || code === 'UNAUTHENTICATED') logout();
  });
  // Calls reach the user wherever they are in the app, in a room or not.
  let closeRinging = () => {};
  connection.onNotification((n) => {
    if (n.type === 'incomingCall') {
      closeRinging = showIncomingCall(n.data, (accept) => void answer(connection, n.data.callId, accept));
    } else if (n.type === 'callEnded') {
      closeRinging();
      if (n.data.outcome !== 'answered-elsewhere') toast(t(`call.${n.data.outcome}`));
    } else if (n.type === 'callAnswered') {
      toast(`${n.data.by.displayName} ${t('call.answered')}`);
    } else if (n.type === 'recordingAlert') {
      showAlert(`${t('rec.diskFull')} (${n.data.roomId}, ${(n.data.freeBytes / 1024 / 1024).toFixed(1)} MB)`);
    }
  });
  signalling = connection;
  return connection;
}

async function answer(connection: SignallingClient, callId: string, accept: boolean): Promise<void> {
  const { roomId, roomName } = await connection.request('answerCall', { callId, accept });
  if (!accept) return;
  rerender = () => undefined;
  await client?.close();
  client = undefined;
  await enterRoom(roomId, roomName, 'conference');
}

function showConnection(state: string | undefined): void {
  const text = state === 'offline' ? t('conn.lost') : state === 'recovering' ? t('conn.media') : '';
  banner.textContent = text;
  banner.hidden = !text;
}

/** A banner that stays until dismissed: something the operator must act on (a full recording disk). */
function showAlert(text: string): void {
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.className = 'link-button';
  dismiss.textContent = t('alert.dismiss');
  dismiss.addEventListener('click', () => (alertBanner.hidden = true));
  const message = document.createElement('span');
  message.textContent = text;
  alertBanner.replaceChildren(message, dismiss);
  alertBanner.hidden = false;
}

function logout(): void {
  void client?.close();
  client = undefined;
  signalling?.close();
  signalling = undefined;
  session = undefined;
  sessionStorage.removeItem('session');
  showLogin();
}

langButton.addEventListener('click', () => {
  setLang(currentLang() === 'zh' ? 'en' : 'zh');
  translateStatic();
  rerender();
});
logoutButton.addEventListener('click', logout);
window.addEventListener('hashchange', () => {
  const replay = replayTarget();
  if (session && replay) void showReplay(replay);
});
translateStatic();
if (session) void showRooms();
else showLogin();
