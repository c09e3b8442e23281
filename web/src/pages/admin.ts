// User and organisation administration (coordinators, IMOs): list, add, enable/disable.
import { html, render, nothing } from 'lit-html';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import type { Ctx } from '../main';

interface User {
  id: number;
  username: string;
  display_name: string;
  role: string;
  organisation: string;
  disabled: boolean;
}
interface Org {
  id: number;
  code: string;
  name: string;
  kind: string;
}


export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  let users: User[] = [];
  let orgs: Org[] = [];
  let msg = '';
  let error = '';
  let errField = '';

  async function load(): Promise<void> {
    [users, orgs] = await Promise.all([
      api.get<{ items: User[] }>('/users').then((r) => r.items),
      api.get<{ items: Org[] }>('/organisations').then((r) => r.items),
    ]);
    draw();
  }

  async function act(fn: () => Promise<unknown>, ok: string, form?: HTMLFormElement): Promise<void> {
    error = errField = msg = '';
    try {
      await fn();
      msg = ok;
      form?.reset();
    } catch (e) {
      error = (e as Error).message;
      errField = e instanceof ApiError ? e.field : '';
    }
    await load();
  }

  function addUser(e: Event): void {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const d = Object.fromEntries(new FormData(f).entries());
    void act(() => api.post('/users', d), t('admin.user_added', { name: String(d.username) }), f);
  }
  function addOrg(e: Event): void {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const d = Object.fromEntries(new FormData(f).entries());
    void act(() => api.post('/organisations', d), t('admin.org_added', { name: String(d.code) }), f);
  }
  function toggle(u: User): void {
    void act(() => api.put('/users/' + u.id, { disabled: !u.disabled }), t(u.disabled ? 'admin.enabled' : 'admin.disabled', { name: u.username }));
  }

  function draw(): void {
    render(
      html`<h1 tabindex="-1">${t('admin.title')}</h1>
        ${msg ? html`<p class="ok" role="status">${msg}</p>` : nothing}
        ${error ? html`<p class="error" role="alert">${errField ? errField + ': ' : ''}${error}</p>` : nothing}
        <section aria-labelledby="h-users"><h2 id="h-users">${t('admin.users')}</h2>
          <div class="tablewrap" tabindex="0" role="region" aria-labelledby="h-users"><table class="list">
            <thead><tr><th scope="col">${t('signin.username')}</th><th scope="col">${t('admin.name')}</th><th scope="col">${t('admin.role')}</th>
              <th scope="col">${t('inc.organisation')}</th><th scope="col">${t('admin.state')}</th><th scope="col"><span class="vh">${t('admin.actions')}</span></th></tr></thead>
            <tbody>${users.map(
              (u) => html`<tr><td>${u.username}</td><td>${u.display_name}</td><td>${t('role.' + u.role)}</td><td>${u.organisation}</td>
                <td>${u.disabled ? t('admin.is_disabled') : t('admin.is_active')}</td>
                <td>${u.id !== ctx.me.id
                  ? html`<button type="button" @click=${() => toggle(u)} aria-label="${u.disabled ? t('admin.enable') : t('admin.disable')} ${u.username}">${u.disabled ? t('admin.enable') : t('admin.disable')}</button>`
                  : nothing}</td></tr>`,
            )}</tbody></table></div>
          <form class="entry inline-form" @submit=${addUser}>
            <h3>${t('admin.add_user')}</h3>
            <div class="row">
              <div class="field"><label for="u-name">${t('signin.username')}</label><input id="u-name" name="username" required maxlength="64" autocomplete="off" /></div>
              <div class="field"><label for="u-display">${t('admin.name')}</label><input id="u-display" name="display_name" maxlength="200" /></div>
              <div class="field"><label for="u-role">${t('admin.role')}</label><select id="u-role" name="role">${(ctx.me.may_grant ?? []).map((r) => html`<option value=${r}>${t('role.' + r)}</option>`)}</select></div>
              <div class="field"><label for="u-org">${t('inc.organisation')}</label><select id="u-org" name="organisation"><option value="">–</option>${orgs.map((o) => html`<option value=${o.code}>${o.name}</option>`)}</select></div>
              <div class="field"><label for="u-pw">${t('signin.password')}</label><input id="u-pw" name="password" type="password" required autocomplete="new-password" aria-describedby="pw-help" />
                <p class="small" id="pw-help">${t('admin.pw_help')}</p></div>
            </div>
            <button type="submit" class="primary">${t('admin.add_user')}</button>
          </form>
        </section>
        <section aria-labelledby="h-orgs"><h2 id="h-orgs">${t('admin.orgs')}</h2>
          <ul class="plain">${orgs.map((o) => html`<li><strong>${o.code}</strong> ${o.name} (${o.kind})</li>`)}</ul>
          <form class="entry inline-form" @submit=${addOrg}>
            <h3>${t('admin.add_org')}</h3>
            <div class="row">
              <div class="field"><label for="o-code">${t('admin.code')}</label><input id="o-code" name="code" required maxlength="40" /></div>
              <div class="field"><label for="o-name">${t('admin.name')}</label><input id="o-name" name="name" required maxlength="200" /></div>
              <div class="field"><label for="o-kind">${t('admin.kind')}</label><select id="o-kind" name="kind">
                ${['un_agency', 'ingo', 'nngo', 'ngo', 'government', 'research', 'other'].map((k) => html`<option value=${k}>${k}</option>`)}</select></div>
            </div>
            <button type="submit" class="primary">${t('admin.add_org')}</button>
          </form>
        </section>`,
      el,
    );
  }
  await load();
}
