// The team app: sign in (the form is in index.html), then a small hash router over the work
// orders, one order, the history, the team's members and a volunteer's hours; live updates refresh
// the view on screen; what was done offline is sent when the connection is back.
import own from './messages.js';
import { t, applyI18n, useTexts } from '/common/i18n.js';
import { applyPrefs, prefsControls } from '/common/prefs.js';
import { startEvents } from '/common/sse.js';
import { api, session, el, put, errorText, onUnauthenticated } from './lib.js';
import { app, loadCatalog, updateNet, sendOutbox } from './net.js';
import { jobsView, historyView } from './jobs.js';
import { jobView } from './job.js';
import { hoursView, membersView } from './hours.js';
import { servicesView } from './services.js';

useTexts('staff', own); // before anything renders

const view = document.getElementById('view');
const loginForm = document.getElementById('login');
let live = null;

function route() {
  if (!app.user) return;
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  let m;
  if ((m = /^\/job\/(\d+)$/.exec(hash))) app.current = jobView(view, Number(m[1]));
  else if (hash === '/history') app.current = historyView(view);
  else if (hash === '/members' && app.user.role === 'team') app.current = membersView(view);
  else if (hash === '/services' && app.user.role === 'team') app.current = servicesView(view);
  else if ((m = /^\/hours(?:\/(\d+))?$/.exec(hash))) app.current = hoursView(view, m[1] ? Number(m[1]) : app.user.volunteer_id);
  else app.current = jobsView(view);
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.tab === app.current.tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  window.scrollTo(0, 0);
}

// ------------------------------------------------------------------ sign in / out

function showLogin(message) {
  app.user = null;
  app.current = null;
  if (live) { live.stop(); live = null; }
  document.getElementById('tabs').hidden = true;
  document.getElementById('logout').hidden = true;
  const status = loginForm.querySelector('#login-status');
  status.textContent = message || '';
  status.hidden = !message;
  // At start the form is in the page already and may be in use (it takes input before this script
  // arrives): moving it would lay the page out again, and focusing would pull the cursor away.
  if (view.firstElementChild !== loginForm || view.childElementCount !== 1) put(view, loginForm);
  if (!loginForm.contains(document.activeElement)) loginForm.querySelector('#username').focus();
}

async function signIn(e) {
  e.preventDefault();
  const status = loginForm.querySelector('#login-status');
  const button = loginForm.querySelector('#login-submit');
  const say = (text) => { status.textContent = text; status.hidden = false; };
  if (navigator.onLine === false) { say(t('login.offline')); return; }
  button.disabled = true;
  button.textContent = t('login.sending');
  const r = await api('/api/v1/sessions', { method: 'POST', body: { username: loginForm.username.value.trim(), password: loginForm.password.value, remember_device: loginForm.remember.checked } });
  button.disabled = false;
  button.textContent = t('login.submit');
  if (r.status === 201 && r.json) {
    session.set({ token: r.json.token, user: r.json.user });
    loginForm.password.value = '';
    await enter(r.json.user);
    return;
  }
  say(r.status === 401 ? t('login.wrong') : r.status === 429 ? t('login.locked') : t('login.failed', { message: errorText(r) }));
}

async function enter(u) {
  app.user = u;
  await loadCatalog();
  const tabs = document.getElementById('tabs');
  const items = [['jobs', '#/jobs'], ['history', '#/history']];
  if (u.role === 'team') items.push(['members', '#/members'], ['services', '#/services']);
  if (u.volunteer_id) items.push(['hours', '#/hours']);
  put(tabs, items.map(([k, href]) => el('a', { href, dataset: { tab: k } }, t(`nav.${k}`))));
  tabs.hidden = false;
  document.getElementById('logout').hidden = false;
  live = startEvents({
    getToken: () => session.get()?.token,
    onEvent: (data) => app.current?.onEvent?.(data),
    onStatus: (s) => { document.body.dataset.live = s; },
    onUnauthorized: expired,
  });
  updateNet();
  route();
  sendOutbox();
}

function expired() {
  if (!app.user) return;
  session.clear();
  showLogin(t('login.expired'));
}

async function logout() {
  await api('/api/v1/sessions/current', { method: 'DELETE' });
  session.clear();
  location.hash = '';
  showLogin();
}

// ------------------------------------------------------------------ start

applyPrefs();
applyI18n();
document.title = t('app.title');
document.getElementById('tabs').setAttribute('aria-label', t('nav.tabs'));
document.getElementById('prefs').replaceWith(prefsControls());
document.getElementById('logout').addEventListener('click', logout);
loginForm.addEventListener('submit', signIn);
onUnauthenticated(expired);
window.addEventListener('hashchange', route);
window.addEventListener('online', () => { updateNet(); sendOutbox(); });
window.addEventListener('offline', updateNet);

// The worker fetches the whole shell when it installs: after the page has loaded, not while it loads.
if ('serviceWorker' in navigator) {
  const register = () => navigator.serviceWorker.register('/team/sw.js', { scope: '/team/' }).catch(() => { /* the app works without it */ });
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}

(async () => {
  const s = session.get();
  if (!s || !s.token) { showLogin(); return; }
  loginForm.remove();
  const r = await api('/api/v1/me');
  if (r.ok && r.json) await enter(r.json);
  else if (r.status === 0 && s.user) await enter(s.user); // offline: carry on with what we know
  else showLogin();
})();
