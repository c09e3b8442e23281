// Sign-in: user name and password; errors from the server (wrong credentials, lock-out, rate
// limit) are shown as written, in an alert region.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, ApiError, type Me } from '../api';
import { t } from '../i18n';

export function mount(el: HTMLElement, langSelect: () => TemplateResult, done: (me: Me) => void): void {
  let error = '';
  let busy = false;

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (!username || !password) {
      error = t('signin.missing');
      draw();
      return;
    }
    busy = true;
    error = '';
    draw();
    try {
      const me = await api.post<Me>('/session', { username, password });
      done(me);
    } catch (err) {
      busy = false;
      if (err instanceof ApiError && err.status === 401) error = t('signin.wrong');
      else if (err instanceof ApiError && err.status === 429) error = t('signin.limited') + ' ' + err.message;
      else error = (err as Error).message;
      draw();
      (el.querySelector('#password') as HTMLInputElement | null)?.focus();
    }
  }

  function draw(): void {
    render(
      html`<main id="main" class="signin">
        <div class="signin-box">
          <div class="signin-head">
            <h1><span class="logo" aria-hidden="true"></span>Aegis</h1>
            ${langSelect()}
          </div>
          <p class="lede">${t('signin.lede')}</p>
          <form @submit=${submit} novalidate>
            <div class="field">
              <label for="username">${t('signin.username')}</label>
              <input id="username" name="username" autocomplete="username" required autofocus />
            </div>
            <div class="field">
              <label for="password">${t('signin.password')}</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required />
            </div>
            ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
            <button type="submit" class="primary" ?disabled=${busy}>${busy ? t('signin.busy') : t('signin.submit')}</button>
          </form>
        </div>
      </main>`,
      el,
    );
  }
  draw();
}
