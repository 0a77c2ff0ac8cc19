import { AppError, ErrorCode } from '../../../protocol/errors.js';
import type { FeedState, PublicSource, SourceKind } from '../../../protocol/feeds.js';
import type { PublicUser } from '../../../protocol/http.js';
import { ApiError, createSource, listSources } from '../api.js';
import { t, type MessageKey } from '../i18n.js';
import type { RoomClient } from '../room-client.js';
import { h } from './dom.js';

const KINDS: SourceKind[] = ['drone', 'body-camera', 'ptz-ball', 'cctv'];
const REFRESH_MS = 3000;

/** "Connecting…", "Cannot pull: wrong username or password", … */
export function feedStateText(feed: FeedState): string {
  const state = t(`feed.${feed.state}` as MessageKey);
  return feed.reason && feed.state !== 'live' ? `${state}：${t(`reason.${feed.reason}` as MessageKey)}` : state;
}

/** The video-source list beside the gallery: state of each, watch/close, and (commanders) a form to add one. */
export function renderFeedsPanel(client: RoomClient, ctx: { token: string; user: PublicUser; compact?: boolean }): { el: HTMLElement; dispose: () => void } {
  const list = h('ul', { class: 'feed-list', id: 'feed-list' });
  const error = h('div', { class: 'feed-error', id: 'feed-error', role: 'alert' });
  const el = h('aside', { class: 'feeds' }, h('h3', {}, t('feeds.title')), list, error);
  if (ctx.user.role === 'admin' || ctx.user.role === 'commander') {
    // Beside the video wall the form folds away: adding a camera is rare, watching one is not.
    el.append(ctx.compact ? h('details', { class: 'feed-add' }, h('summary', {}, t('feeds.add')), addForm()) : addForm());
  }
  let sources: PublicSource[] = [];

  const showError = (err: unknown) => {
    const code = err instanceof AppError ? err.code : err instanceof ApiError ? err.body.code : undefined;
    if (code === ErrorCode.Busy) error.textContent = t('reason.capacity');
    else error.textContent = err instanceof Error ? err.message : t('error.generic');
  };

  async function refresh(): Promise<void> {
    try {
      sources = await listSources(ctx.token);
      draw();
    } catch (err) {
      showError(err);
    }
  }

  let drawn = '';
  function draw(): void {
    // Redrawn only when something shown changed, so a button is not replaced under the pointer.
    const key = JSON.stringify([sources, [...client.watchedFeeds]]);
    if (key === drawn) return;
    drawn = key;
    if (sources.length === 0) {
      list.replaceChildren(h('li', { class: 'empty' }, t('feeds.empty')));
      return;
    }
    list.replaceChildren(
      ...sources.map((s) => {
        const watching = client.watchedFeeds.has(s.id);
        const button = h('button', { type: 'button', class: 'watch' }, watching ? t('feeds.unwatch') : t('feeds.watch'));
        button.addEventListener('click', () => {
          error.textContent = '';
          const action = watching ? client.unwatchFeed(s.id) : client.watchFeed(s.id);
          void action.then(refresh, showError);
        });
        return h(
          'li',
          { 'data-feed': s.id, 'data-state': s.feed.state },
          h('span', { class: 'name' }, s.name),
          h('span', { class: 'kind' }, t(`kind.${s.kind}` as MessageKey)),
          h('span', { class: 'state' }, feedStateText(s.feed)),
          button,
        );
      }),
    );
  }

  function addForm(): HTMLElement {
    const field = (name: string, label: MessageKey, attrs: Record<string, string | boolean> = {}) =>
      h('label', {}, t(label), h('input', { name, ...attrs }));
    const kind = h('select', { name: 'kind' }, ...KINDS.map((k) => h('option', { value: k }, t(`kind.${k}` as MessageKey))));
    const transport = h('select', { name: 'transport' }, h('option', { value: 'tcp' }, 'TCP'), h('option', { value: 'udp' }, 'UDP'));
    const form = h(
      'form',
      { class: 'feed-form', id: 'feed-form' },
      h('h4', {}, t('feeds.add')),
      field('id', 'feeds.id', { required: true, pattern: '[A-Za-z0-9._-]{1,64}' }),
      field('name', 'feeds.name', { required: true }),
      field('orgUnitId', 'feeds.unit', { required: true, value: ctx.user.orgUnitId }),
      field('location', 'feeds.location'),
      h('label', {}, t('feeds.kind'), kind),
      field('url', 'feeds.url', { required: true, placeholder: 'rtsp://192.168.1.64:554/Streaming/Channels/101' }),
      h('label', {}, t('feeds.transport'), transport),
      field('username', 'feeds.username', { autocomplete: 'off' }),
      field('password', 'feeds.password', { type: 'password', autocomplete: 'new-password' }),
      h('button', { type: 'submit' }, t('feeds.save')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const v = (name: string) => String(new FormData(form).get(name) ?? '');
      error.textContent = '';
      createSource(ctx.token, {
        id: v('id'),
        name: v('name'),
        orgUnitId: v('orgUnitId'),
        location: v('location'),
        kind: v('kind') as SourceKind,
        ingest: 'rtsp',
        url: v('url'),
        transport: v('transport') === 'udp' ? 'udp' : 'tcp',
        username: v('username'),
        password: v('password'),
      }).then(() => {
        form.reset();
        void refresh();
      }, showError);
    });
    return form;
  }

  void refresh();
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  const off = client.onChange(draw);
  return {
    el,
    dispose: () => {
      window.clearInterval(timer);
      off();
    },
  };
}
