import { ApiError, login } from '../api.js';
import { marks } from '../diagnostics.js';
import { t } from '../i18n.js';
import type { LoginResponse } from '../../../protocol/http.js';
import { h } from './dom.js';

export function renderLogin(root: HTMLElement, onLoggedIn: (session: LoginResponse) => void): void {
  const username = h('input', { name: 'username', autocomplete: 'username', placeholder: t('login.username'), required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: t('login.password'), required: true });
  const error = h('div', { class: 'error', role: 'alert' });
  const submit = h('button', { class: 'primary', type: 'submit' }, t('login.submit'));
  const form = h('form', { class: 'card', id: 'login-form' }, h('h1', {}, t('login.title')), username, password, error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    marks['loginSubmitted'] = performance.now();
    submit.disabled = true;
    error.textContent = '';
    try {
      onLoggedIn(await login({ username: username.value.trim(), password: password.value }));
    } catch (err) {
      error.textContent = err instanceof ApiError && err.body.code === 'UNAUTHENTICATED' ? t('login.failed') : `${t('error.generic')}: ${(err as Error).message}`;
      submit.disabled = false;
    }
  });
  root.replaceChildren(form);
  username.focus();
}
