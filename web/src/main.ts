// The app shell: sign-in state, navigation, language, and a hash router (#/dashboard, ...).
// The dashboard is in the first bundle; the other pages load when opened.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { allows, api, ApiError, may, refers, setCsrf, type Me } from './api';
import { initLang, setLang, t, LANGS, currentLang, type Lang } from './i18n';
import * as dashboard from './pages/dashboard';
import * as signin from './pages/signin';
import './style.css';

export interface Ctx {
  me: Me;
  path: string[]; // ["incidents", "42"]
  params: URLSearchParams;
  go: (hash: string) => void;
  refreshShell: () => void;
}

type Mount = (el: HTMLElement, ctx: Ctx) => void | Promise<void>;


interface NavItem {
  key: string;
  route: string;
  show: (me: Me) => boolean;
}
const NAV: NavItem[] = [
  { key: 'nav.dashboard', route: 'dashboard', show: () => true },
  { key: 'nav.incidents', route: 'incidents', show: () => true },
  { key: 'nav.entry', route: 'entry', show: (m) => allows(m, 'incident', 'create') || allows(m, 'monitoring', 'create') },
  { key: 'nav.imports', route: 'imports', show: (m) => may(m, 'import') },
  { key: 'nav.analysis', route: 'analysis', show: () => true },
  { key: 'nav.alerts', route: 'alerts', show: () => true },
  { key: 'nav.referrals', route: 'referrals', show: refers },
  { key: 'nav.services', route: 'services', show: refers },
  { key: 'nav.messages', route: 'messages', show: (m) => may(m, 'read_messages') },
  { key: 'nav.audit', route: 'audit', show: (m) => may(m, 'read_audit') },
  { key: 'nav.admin', route: 'admin', show: (m) => may(m, 'manage_users') || may(m, 'manage_organisations') },
];

const root = document.getElementById('app') as HTMLElement;
root.textContent = ''; // the boot message; lit-html renders after existing content otherwise
let me: Me | null = null;
let generation = 0;

function parseHash(): { path: string[]; params: URLSearchParams } {
  const h = location.hash.replace(/^#\/?/, '');
  const [p, q] = h.split('?', 2);
  return { path: (p || 'dashboard').split('/').filter(Boolean), params: new URLSearchParams(q ?? '') };
}

function go(hash: string): void {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

async function loader(name: string): Promise<Mount> {
  switch (name) {
    case 'dashboard':
      return dashboard.mount;
    case 'incidents':
      return (await import('./pages/incidents')).mount;
    case 'entry':
      return (await import('./pages/entry')).mount;
    case 'imports':
      return (await import('./pages/imports')).mount;
    case 'analysis':
      return (await import('./pages/analysis')).mount;
    case 'alerts':
      return (await import('./pages/alerts')).mount;
    case 'referrals':
      return (await import('./pages/referrals')).mount;
    case 'services':
      return (await import('./pages/services')).mount;
    case 'messages':
      return (await import('./pages/messages')).mount;
    case 'audit':
      return (await import('./pages/audit')).mount;
    case 'admin':
      return (await import('./pages/admin')).mount;
    default:
      return notFound;
  }
}

function notFound(el: HTMLElement): void {
  render(html`<h1 tabindex="-1">${t('page.not_found')}</h1><p><a href="#/dashboard">${t('nav.dashboard')}</a></p>`, el);
}

async function signOut(): Promise<void> {
  try {
    await api.del('/session');
  } catch {
    /* already signed out */
  }
  me = null;
  setCsrf('');
  location.hash = '#/signin';
  void route();
}

async function onLang(e: Event): Promise<void> {
  await setLang((e.target as HTMLSelectElement).value as Lang);
  void route();
}

function langSelect(): TemplateResult {
  return html`<label class="lang"
    ><span class="vh">${t('lang.label')}</span>
    <select @change=${onLang} aria-label=${t('lang.label')}>
      ${LANGS.map((l) => html`<option value=${l.code} lang=${l.code} ?selected=${l.code === currentLang()}>${l.name}</option>`)}
    </select></label
  >`;
}

function shell(current: string): TemplateResult {
  const m = me as Me;
  return html`<a class="skip" href="#main" @click=${skip}>${t('nav.skip')}</a>
    <header class="top">
      <div class="brand"><span class="logo" aria-hidden="true"></span>Aegis</div>
      <nav aria-label=${t('nav.label')}>
        <ul>
          ${NAV.filter((n) => n.show(m)).map(
            (n) =>
              html`<li><a href="#/${n.route}" aria-current=${n.route === current ? 'page' : nothing}>${t(n.key)}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        ${langSelect()}
        <span class="user">${m.username} · ${t('role.' + m.role)}${m.organisation ? ' · ' + m.organisation : ''}</span>
        <button type="button" class="link" @click=${signOut}>${t('nav.signout')}</button>
      </div>
    </header>
    <main id="main" tabindex="-1"></main>
    <footer class="foot">${t('footer.note')}</footer>`;
}

function skip(e: Event): void {
  e.preventDefault();
  (document.getElementById('main') as HTMLElement | null)?.focus();
}

async function route(): Promise<void> {
  const gen = ++generation;
  const { path, params } = parseHash();
  if (!me) {
    try {
      me = await api.get<Me>('/me');
      setCsrf(me.csrf_token);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      me = null;
    }
  }
  if (gen !== generation) return;
  if (!me || path[0] === 'signin') {
    if (me && path[0] === 'signin') return go('#/dashboard');
    document.title = t('signin.title') + ' · Aegis';
    render(html``, root);
    signin.mount(root, langSelect, async (who: Me) => {
      setCsrf(who.csrf_token);
      // What the user may do comes with /me (the kernel's decisions), not with the sign-in.
      me = await api.get<Me>('/me');
      setCsrf(me.csrf_token);
      const next = params.get('next');
      go(next && next.startsWith('#/') ? next : '#/dashboard');
    });
    return;
  }
  const page = path[0];
  render(shell(page), root);
  const main = document.getElementById('main') as HTMLElement;
  const mount = await loader(page);
  if (gen !== generation) return;
  const key = NAV.find((n) => n.route === page)?.key ?? 'page.not_found';
  document.title = t(key) + ' · Aegis';
  const ctx: Ctx = { me, path, params, go, refreshShell: () => render(shell(page), root) };
  try {
    await mount(main, ctx);
  } catch (e) {
    render(html`<h1 tabindex="-1">${t('error.title')}</h1><p role="alert">${(e as Error).message}</p>`, main);
  }
  const h1 = main.querySelector('h1');
  if (h1 && document.activeElement === document.body) (h1 as HTMLElement).focus({ preventScroll: true });
}

window.addEventListener('hashchange', () => void route());
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status === 401) {
    me = null;
    go('#/signin');
  }
});

// Start the dashboard's reads at once, beside the session check (one round trip less on a slow
// link); if the session is gone they fail with 401 and are dropped.
if (parseHash().path[0] === 'dashboard') dashboard.prefetch(parseHash().params);
void initLang().then(route);
