// The console: log in, then a small hash router over the queue, an order, the dashboard and the
// registry; one live event stream feeds whichever view is open.
import own from './messages.js';
import { t, useTexts } from '/common/i18n.js';
import { applyPrefs, prefsControls } from '/common/prefs.js';
import { api, session, el, put, errorText, onUnauthenticated, toast } from './lib.js';
import { store, bus, loadCatalog } from './store.js';
import { startEvents } from '/common/sse.js';

useTexts('staff', own); // before anything renders

const view = document.getElementById('view');
let events = null;
let cleanup = null;

// Each view's module is loaded when it is first opened, so signing in loads only what it needs.
const ROUTES = [
  { re: /^\/queue$/, nav: 'queue', load: () => import('./queue.js'), render: (v, c, m, q) => v.render(c, q) },
  { re: /^\/order\/(\d+)$/, nav: 'queue', load: () => import('./detail.js'), render: (v, c, m) => v.render(c, Number(m[1])) },
  { re: /^\/dashboard$/, nav: 'dashboard', load: () => import('./dashboard.js'), render: (v, c, m, q) => v.render(c, q) },
  { re: /^\/volunteers$/, nav: 'volunteers', load: () => import('./volunteers.js'), render: (v, c, m, q) => v.render(c, q) },
  { re: /^\/volunteers\/import$/, nav: 'volunteers', load: () => import('./import.js'), render: (v, c) => v.render(c) },
  { re: /^\/teams$/, nav: 'teams', load: () => import('./teams.js'), render: (v, c, m, q) => v.render(c, q) },
  { re: /^\/callbacks$/, nav: 'queue', load: () => import('./callbacks.js'), render: (v, c) => v.render(c) },
  { re: /^\/enter$/, nav: 'enter', load: () => import('./enter.js'), render: (v, c) => v.render(c) },
  { re: /^\/accounts$/, nav: 'accounts', load: () => import('./accounts.js'), render: (v, c) => v.render(c) },
  { re: /^\/notifications$/, nav: 'notifications', load: () => import('./notify.js'), render: (v, c) => v.renderFailures(c) },
  { re: /^\/robots$/, nav: 'robots', load: () => import('./notify.js'), render: (v, c) => v.renderRobots(c) },
  { re: /^\/limits$/, nav: 'limits', load: () => import('./limits.js'), render: (v, c) => v.render(c) },
];
let routing = 0;

function navItems() {
  const role = store.user?.role;
  const items = [['queue', '#/queue'], ['dashboard', '#/dashboard']];
  if (role === 'community' || role === 'admin') items.splice(1, 0, ['enter', '#/enter']);
  if (role === 'admin') items.push(['volunteers', '#/volunteers']);
  if (role === 'admin' || role === 'department') items.push(['teams', '#/teams']);
  if (role === 'admin') items.push(['accounts', '#/accounts'], ['notifications', '#/notifications'], ['robots', '#/robots'], ['limits', '#/limits']);
  return items;
}

async function route() {
  if (!store.user) return;
  const mine = ++routing;
  const hash = location.hash.replace(/^#/, '') || '/queue';
  const [path, qs] = hash.split('?');
  const query = Object.fromEntries(new URLSearchParams(qs || ''));
  const r = ROUTES.find((x) => x.re.test(path));
  if (!r) { location.hash = '#/queue'; return; }
  if (cleanup) { try { cleanup(); } catch { /* view gone */ } cleanup = null; }
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.nav === r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const module = await r.load();
  if (mine !== routing) return; // another route was asked for meanwhile
  const container = el('div', { class: 'page' });
  put(view, container);
  cleanup = r.render(module, container, path.match(r.re), query) || null;
}

// ------------------------------------------------------------------ log in / out

function showLogin(message) {
  stopLive();
  store.user = null;
  for (const id of ['nav', 'live', 'logout']) document.getElementById(id).hidden = true;
  document.getElementById('who').textContent = '';
  const username = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = el('p', { class: 'form-error', role: 'alert', hidden: !message }, message || '');
  const button = el('button', { type: 'submit', class: 'btn primary wide' }, t('login.submit'));
  const form = el('form', { class: 'login card', onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    button.textContent = t('login.sending');
    const r = await api('/api/v1/sessions', { method: 'POST', body: { username: username.value.trim(), password: password.value } });
    button.disabled = false;
    button.textContent = t('login.submit');
    if (r.status === 201 && r.json) {
      const u = r.json.user;
      if (u.role === 'team' || u.role === 'volunteer') {
        session.set({ token: r.json.token });
        await api('/api/v1/sessions/current', { method: 'DELETE' });
        session.clear();
        put(status, t('login.team_app'), ' ', el('a', { href: '/team/' }, t('login.team_link')));
        status.hidden = false;
        return;
      }
      session.set({ token: r.json.token, csrf: r.json.csrf_token, user: u });
      password.value = '';
      await enter(u);
      return;
    }
    status.hidden = false;
    if (r.status === 401) status.textContent = t('login.wrong');
    else if (r.status === 429) status.textContent = t('login.locked');
    else status.textContent = t('login.failed', { message: errorText(r) });
    password.select();
  } },
  el('h1', {}, t('login.title')),
  el('p', { class: 'muted' }, t('app.subtitle')),
  el('label', { for: 'username' }, t('login.username')), username,
  el('label', { for: 'password' }, t('login.password')), password,
  status,
  button,
  el('p', { class: 'muted small' }, t('login.team_app'), ' ', el('a', { href: '/team/' }, t('login.team_link'))));
  put(view, el('div', { class: 'login-wrap' }, form));
  username.focus();
}

async function enter(user) {
  store.user = user;
  await loadCatalog();
  for (const id of ['nav', 'live', 'logout']) document.getElementById(id).hidden = false;
  document.getElementById('who').textContent = `${user.display_name || user.username}（${t(`role.${user.role}`)}）`;
  put(document.getElementById('nav'), navItems().map(([key, href]) => el('a', { href, dataset: { nav: key } }, t(`nav.${key}`))));
  startLive();
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/queue';
  else route();
}

async function logout() {
  await api('/api/v1/sessions/current', { method: 'DELETE' });
  session.clear();
  location.hash = '';
  showLogin();
}

// ------------------------------------------------------------------ live updates

function startLive() {
  stopLive();
  const live = document.getElementById('live');
  events = startEvents({
    getToken: () => session.get()?.token,
    onEvent: (data) => bus.dispatchEvent(new CustomEvent('order', { detail: data })),
    onStatus: (s) => {
      live.dataset.status = s;
      live.textContent = t(s === 'open' ? 'live.on' : s === 'down' ? 'live.off' : 'live.connecting');
    },
    onUnauthorized: () => expired(),
  });
}

function stopLive() {
  if (events) { events.stop(); events = null; }
}

function expired() {
  if (!store.user) return;
  session.clear();
  showLogin(t('login.expired'));
}

// ------------------------------------------------------------------ start

applyPrefs();
document.title = t('app.title');
document.getElementById('app-title').textContent = t('app.title');
document.getElementById('skip').textContent = t('nav.skip');
document.getElementById('nav').setAttribute('aria-label', t('nav.menu'));
document.getElementById('prefs').replaceWith(prefsControls());
document.getElementById('logout').textContent = t('nav.logout');
document.getElementById('logout').addEventListener('click', logout);
onUnauthenticated(expired);
window.addEventListener('hashchange', route);

(async () => {
  const s = session.get();
  if (!s || !s.token) { showLogin(); return; }
  const r = await api('/api/v1/me');
  if (r.ok && r.json) await enter(r.json);
  else if (r.status === 0) { toast(t('common.network'), 'bad'); showLogin(); }
  else showLogin();
})();
