import type { Incident, LoginResponse } from '../../../protocol/http.js';
import { clientConfig, listRooms, orgUnits } from '../api.js';
import type { DeviceCache } from '../device-cache.js';
import { t } from '../i18n.js';
import { RoomClient } from '../room-client.js';
import { SignallingClient } from '../signalling-client.js';
import { syncAudioSinks } from '../ui/audio-sinks.js';
import { h } from '../ui/dom.js';
import { renderPttPanel } from '../ui/ptt-panel.js';
import { talkGroupsFor, type TalkGroupChoice } from './talk-groups.js';

/** One talk-group membership: its own connection, so the incident room's video keeps going beside it. */
interface Membership {
  roomId: string;
  signalling: SignallingClient;
  client: RoomClient;
  stream: MediaStream;
  disposePanel: () => void;
}

/**
 * The 对讲 (talk) section of the field page: the talk groups this responder belongs in, one joined at a
 * time, and the push-to-talk control of the joined one. A session is in one room per connection, so a
 * talk group gets a second connection of its own (voice only) while the first stays in the incident's
 * room streaming camera and position.
 */
export function renderTalkSection(ctx: {
  session: LoginResponse;
  incident: Incident;
  devices: DeviceCache;
  onClient: (c: RoomClient | undefined) => void;
}): { el: HTMLElement; close(): Promise<void> } {
  const list = h('div', { class: 'talk-groups', id: 'talk-groups' });
  const panelBox = h('div', { class: 'talk-panel' });
  const audioBox = h('div', { hidden: true });
  const el = h('section', { class: 'talk', id: 'talk' }, h('h3', {}, t('field.talk')), list, panelBox, audioBox);
  let groups: TalkGroupChoice[] = [];
  let current: Membership | undefined;
  let busy = false;

  const showList = () => {
    list.replaceChildren(
      ...(groups.length
        ? groups.map(({ room, kind }) => {
            const joined = current?.roomId === room.id;
            return h(
              'div',
              { class: `talk-group${joined ? ' joined' : ''}`, 'data-talk-group': room.id },
              h('span', { class: 'name' }, room.name),
              h('span', { class: 'muted-text' }, t(kind === 'incident' ? 'field.talkIncident' : 'field.talkUnit')),
              h('button', { class: joined ? 'talk-leave' : 'primary', type: 'button', disabled: busy, onclick: () => void (joined ? leave() : join(room.id)) }, joined ? t('field.talkLeave') : t('field.talkJoin')),
            );
          })
        : [h('p', { class: 'muted-text' }, t('field.talkNone'))]),
    );
  };

  const leave = async () => {
    const m = current;
    if (!m) return;
    current = undefined;
    busy = true;
    showList();
    m.disposePanel();
    panelBox.replaceChildren();
    ctx.onClient(undefined);
    await m.client.close();
    m.signalling.close();
    for (const track of m.stream.getTracks()) track.stop();
    syncAudioSinks(undefined, audioBox);
    busy = false;
    showList();
  };

  const join = async (roomId: string) => {
    await leave();
    const token = ctx.session.token;
    const signalling = new SignallingClient(token);
    clientConfig(token).then((c) => signalling.useNodes(c.clusterNodes ?? []), () => undefined);
    // Voice only, like the radios in the group: a capture of its own, so stopping the camera stream leaves it be.
    const stream = new MediaStream();
    const ready = navigator.mediaDevices.getUserMedia({ audio: true }).then(
      (captured) => captured.getAudioTracks().forEach((track) => stream.addTrack(track)),
      () => undefined, // no microphone: still a listener
    );
    const client = new RoomClient(signalling, roomId, { stream, ready, preferH264: false, devices: ctx.devices, receiveVideo: false }, 'ptt');
    const panel = renderPttPanel(client);
    client.onChange(() => {
      panel.update();
      syncAudioSinks(client, audioBox);
    });
    current = { roomId, signalling, client, stream, disposePanel: panel.dispose };
    ctx.onClient(client);
    panelBox.replaceChildren(panel.el);
    panel.update();
    showList();
    await client.start();
  };

  // A guest's groups are its incident's only: it needs no org tree.
  const units = ctx.session.user.incidentId === undefined ? orgUnits(ctx.session.token).catch(() => []) : Promise.resolve([]);
  void Promise.all([listRooms(ctx.session.token), units]).then(
    ([rooms, units]) => {
      groups = talkGroupsFor(rooms, units, ctx.session.user, ctx.incident.id);
      showList();
    },
    () => list.replaceChildren(h('p', { class: 'error' }, t('error.generic'))),
  );

  return { el, close: leave };
}
