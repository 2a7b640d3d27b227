// The work-order lists: new ones offered to the team (接单 with a few seconds to undo), the ones in
// hand, and the history of finished ones.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, formatTime, toast } from './lib.js';
import { outbox } from './outbox.js';
import { app, cachedGet, categoryName, communityName, queueAction, refusal } from './net.js';

const UNDO_SECONDS = 4;

export function jobCard(o, { offered = false } = {}) {
  const queued = outbox.has(o.id);
  return el('article', { class: `job s-${o.state}`, dataset: { id: o.id, state: o.state } },
    el('a', { class: 'job-link', href: `#/job/${o.id}` },
      el('span', { class: 'job-top' },
        el('span', { class: 'job-cat' }, categoryName(o.category_id) || o.category_name || ''),
        el('span', { class: `badge s-${o.state}`, dataset: { state: o.state } }, t(`state.${o.state}`)),
        queued ? el('span', { class: 'badge queued' }, t('jobs.queued')) : null),
      el('span', { class: 'job-desc' }, o.description),
      el('span', { class: 'job-meta' }, [communityName(o.community_id), o.preferred_time].filter(Boolean).join(' · ')),
      o.due_at && ['claimed', 'accepted', 'in_progress'].includes(o.state)
        ? el('span', { class: `job-due${o.overdue ? ' late' : ''}` }, t('jobs.due', { time: formatTime(o.due_at) })) : null),
    offered ? el('button', { type: 'button', class: 'btn accept', dataset: { accept: o.id, action: 'accept' }, onclick: (e) => accept(o, e.currentTarget) }, t('action.accept')) : null);
}

/** 接单 after a short countdown that an 撤销 button stops; queued when offline. */
export function accept(o, button) {
  const holder = button.parentElement;
  let left = UNDO_SECONDS;
  const label = el('span', { class: 'undo-text', role: 'status' }, t('act.accept_wait', { n: left }));
  const undo = el('button', { type: 'button', class: 'btn undo', id: `undo-${o.id}` }, t('act.undo'));
  const bar = el('div', { class: 'undo-bar' }, label, undo);
  button.replaceWith(bar);
  undo.focus();
  const timer = setInterval(() => {
    left--;
    label.textContent = t('act.accept_wait', { n: Math.max(left, 0) });
    if (left > 0) return;
    clearInterval(timer);
    send();
  }, 1000);
  undo.addEventListener('click', () => {
    clearInterval(timer);
    bar.replaceWith(button);
    button.focus();
    toast(t('act.undone'));
  });
  async function send() {
    label.textContent = t('act.sending');
    undo.disabled = true;
    if (navigator.onLine === false) { queueAction(o, 'accept'); app.current?.refresh(); return; }
    const r = await api(`/api/v1/orders/${o.id}/accept`, { method: 'POST' });
    if (r.status === 0) { queueAction(o, 'accept'); app.current?.refresh(); return; }
    if (r.ok) {
      toast(t('act.accepted'));
      if (location.hash === `#/job/${o.id}`) app.current?.refresh();
      else location.hash = `#/job/${o.id}`;
      return;
    }
    toast(refusal(r, 'accept'), 'bad');
    if (holder?.isConnected) app.current?.refresh();
  }
}

function section(id, title, items, none, opts) {
  return el('section', { id }, el('h2', {}, title), items.length ? items.map((o) => jobCard(o, opts)) : el('p', { class: 'muted' }, none));
}

export function jobsView(view) {
  const box = el('div', { class: 'jobs' }, el('p', { class: 'muted' }, t('common.loading')));
  put(view, el('h1', { class: 'sr-only' }, t('nav.jobs')), box);
  let timer = null;
  async function refresh() {
    const isTeam = app.user.role === 'team';
    const [offered, accepted, working] = await Promise.all([
      isTeam ? cachedGet('/api/v1/orders', { state: 'claimed', limit: 50 }) : Promise.resolve({ ok: true, json: { items: [] } }),
      cachedGet('/api/v1/orders', { state: 'accepted', limit: 50 }),
      cachedGet('/api/v1/orders', { state: 'in_progress', limit: 50 }),
    ]);
    if (!box.isConnected) return;
    const bad = [offered, accepted, working].find((r) => !r.ok);
    if (bad) {
      put(box, el('p', { class: 'error' }, t('jobs.failed', { message: errorText(bad) })),
        el('button', { type: 'button', class: 'btn', onclick: refresh }, t('jobs.retry')));
      return;
    }
    put(box,
      [offered, accepted, working].some((r) => r.stale) ? el('p', { class: 'notice' }, t('jobs.stale')) : null,
      isTeam ? section('offered', t('jobs.offered'), offered.json.items, t('jobs.offered_none'), { offered: true }) : null,
      section('active', t('jobs.active'), [...working.json.items, ...accepted.json.items], t('jobs.active_none')),
      el('p', { class: 'center' }, el('button', { type: 'button', class: 'btn ghost-dark', onclick: refresh }, t('jobs.refresh'))));
  }
  refresh();
  // While an 接单 countdown runs, the list is not redrawn under the finger (its 撤销 would vanish).
  const later = () => { clearTimeout(timer); timer = setTimeout(() => (box.querySelector('.undo-bar') ? later() : refresh()), 150); };
  return { tab: 'jobs', refresh: later, onEvent: later };
}

export function historyView(view) {
  const box = el('div', { class: 'jobs' }, el('p', { class: 'muted' }, t('common.loading')));
  put(view, el('h1', {}, t('history.title')), box);
  async function refresh() {
    const [waiting, closed] = await Promise.all([
      cachedGet('/api/v1/orders', { state: 'completed', limit: 30 }),
      cachedGet('/api/v1/orders', { state: 'closed', limit: 30 }),
    ]);
    if (!box.isConnected) return;
    const bad = [waiting, closed].find((r) => !r.ok);
    if (bad) { put(box, el('p', { class: 'error' }, t('jobs.failed', { message: errorText(bad) }))); return; }
    if (!waiting.json.items.length && !closed.json.items.length) { put(box, el('p', { class: 'muted' }, t('history.none'))); return; }
    put(box,
      waiting.json.items.length ? section('waiting', t('history.waiting'), waiting.json.items, '') : null,
      closed.json.items.length ? section('closed', t('history.closed'), closed.json.items, '') : null);
  }
  refresh();
  return { tab: 'history', refresh, onEvent: refresh };
}
