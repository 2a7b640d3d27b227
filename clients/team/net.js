// The team app's state and its life on a poor connection: the signed-in user and the view on screen,
// reads that fall back to the last good answer, the banner saying what waits to be sent, and
// sending it when the connection is back.
import { t } from '/common/i18n.js';
import { api, errorText, toast } from './lib.js';
import { outbox, flush } from './outbox.js';

/** user: who is signed in; current: {tab, refresh(), onEvent(data)} of the view on screen. */
export const app = { user: null, current: null };
export const catalog = { communities: new Map(), categories: new Map(), towns: [] };

const CACHE_PREFIX = 'paidan.team.cache:';

/** GET with a copy kept on the phone: when the network fails, the last good answer (stale: true). */
export async function cachedGet(path, query) {
  const key = CACHE_PREFIX + path + (query ? `?${new URLSearchParams(query)}` : '');
  const r = await api(path, { query });
  if (r.ok && r.json) {
    try { localStorage.setItem(key, JSON.stringify(r.json)); } catch { /* full */ }
    return r;
  }
  if (r.status === 0) {
    try {
      const saved = JSON.parse(localStorage.getItem(key) || 'null');
      if (saved) return { ...r, ok: true, json: saved, stale: true };
    } catch { /* ignore */ }
  }
  return r;
}

export async function loadCatalog() {
  const r = await cachedGet('/api/v1/catalog');
  if (!r.ok || !r.json) return;
  catalog.towns = r.json.towns || [];
  for (const town of r.json.towns || []) for (const c of town.communities || []) catalog.communities.set(c.id, { ...c, town: town.name });
  for (const c of r.json.categories || []) catalog.categories.set(c.id, c);
}

export const communityName = (id) => catalog.communities.get(id)?.name || '';
export const categoryName = (id) => catalog.categories.get(id)?.name || '';

export function updateNet() {
  const net = document.getElementById('net');
  const n = outbox.size();
  const parts = [];
  if (navigator.onLine === false) parts.push(t('net.offline'));
  if (n) parts.push(t('net.outbox', { n }));
  net.textContent = parts.join(' ');
  net.hidden = parts.length === 0;
}

/** Keeps an action for later and says so. */
export function queueAction(order, action, body) {
  outbox.add(order.id, order.work_no, action, body);
  updateNet();
  toast(t('act.queued'));
}

export async function sendOutbox() {
  if (!app.user) return;
  let settled = 0;
  await flush((kind, item, r) => {
    settled++;
    const words = { code: item.code, action: t(`action.${item.action || 'complete'}`) };
    if (kind === 'sent') toast(t('net.outbox_sent', words));
    else if (kind === 'moved') toast(t('net.outbox_moved', { ...words, state: t(`state.${r.json.error.state}`) }), 'bad');
    else toast(t('net.outbox_failed', { ...words, message: errorText(r) }), 'bad');
  }, app.user.team_id);
  updateNet();
  if (settled && app.current) app.current.refresh();
}

/** What a refused action means, as a message: another team was first, the order moved, or the reason. */
export function refusal(r, action) {
  if (r.status !== 409) return t('act.failed', { message: errorText(r) });
  const state = r.json?.error?.state;
  const taken = action === 'accept' && ['accepted', 'in_progress'].includes(state);
  return taken ? t('act.taken') : t('act.moved', { state: t(`state.${state}`) });
}
