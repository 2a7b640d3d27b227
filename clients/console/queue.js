// The queue: the orders this user may see, filtered, escalated and overdue first, a "more" button
// for the next page (keyset cursor), rows refreshed in place when a live event names them.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, formatTime } from './lib.js';
import { store, bus, communityName, categoryName, mine } from './store.js';

const STATES = ['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed', 'rejected', 'cancelled', 'merged'];
const FILTERS = ['state', 'town_id', 'category_id', 'overdue', 'q'];
const TABS = ['mine', 'overdue', 'open', 'done'];

/** "还剩 5 小时" / "已超时 2 小时" until (or since) the order's deadline; '' when nothing waits. */
export function timeLeft(o, now = Date.now()) {
  if (!o.due_at || ['closed', 'rejected', 'cancelled', 'merged'].includes(o.state)) return '';
  const hours = (new Date(o.due_at).getTime() - now) / 3600000;
  const n = Math.floor(Math.abs(hours));
  if (hours >= 0) return hours < 1 ? t('queue.left_soon') : hours >= 48 ? t('queue.left_days', { n: Math.floor(hours / 24) }) : t('queue.left_hours', { n });
  return -hours >= 48 ? t('queue.late_days', { n: Math.floor(-hours / 24) }) : t('queue.late_hours', { n: Math.max(1, n) });
}

/** The resident's phone as a tel: link and the address as a map link, for staff who may see them. */
function contactLinks(o) {
  const phone = o.contact_phone && !o.contact_phone.includes('*')
    ? el('a', { class: 'tel', href: `tel:${o.contact_phone}` }, `${t('queue.call')} ${o.contact_phone}`) : null;
  const place = o.address
    ? el('a', { class: 'map', href: `geo:0,0?q=${encodeURIComponent(`${communityName(o.community_id)} ${o.address}`)}` }, `${t('queue.map')} ${o.address}`) : null;
  return phone || place ? el('span', { class: 'contact-links' }, phone, place) : null;
}

/** Escalated, then overdue, then the server's order (newest first): a stable sort keeps the rest. */
function rank(o) {
  return (o.escalated ? 2 : 0) + (o.overdue ? 1 : 0);
}

export function stateBadge(state) {
  return el('span', { class: `badge s-${state}`, dataset: { state } }, t(`state.${state}`));
}

export function flags(o) {
  return [
    o.escalated ? el('span', { class: 'flag escalated' }, t('queue.escalated')) : null,
    o.overdue ? el('span', { class: 'flag overdue' }, t('queue.overdue')) : null,
    mine(o.state) ? el('span', { class: 'flag mine' }, t('queue.mine')) : null,
    o.duplicate_of && o.state === 'submitted' ? el('span', { class: 'flag duplicate', title: o.duplicate_of.work_no }, t('queue.duplicate')) : null,
  ];
}

export function render(container, query) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query[f] || '']));
  // The console opens on what waits for this user now; a filter or 'all' shows everything.
  // An admin only reads: their queue opens on everything, escalated first.
  const tab = TABS.includes(query.tab) ? query.tab
    : query.tab === 'all' || FILTERS.some((f) => filters[f]) || store.user?.role === 'admin' ? '' : 'mine';
  let items = [];
  let cursor = null;
  let loading = false;
  const rowsById = new Map();

  // ---- the filter bar
  const stateSel = el('select', { id: 'f-state', name: 'state' },
    el('option', { value: '' }, t('queue.filter.state_all')), STATES.map((s) => el('option', { value: s }, t(`state.${s}`))));
  const townSel = el('select', { id: 'f-town', name: 'town_id' },
    el('option', { value: '' }, t('queue.filter.town_all')), store.catalog.towns.map((x) => el('option', { value: x.id }, x.name)));
  const catSel = el('select', { id: 'f-category', name: 'category_id' },
    el('option', { value: '' }, t('queue.filter.category_all')), store.catalog.categories.map((c) => el('option', { value: c.id }, c.name)));
  const overdue = el('input', { type: 'checkbox', id: 'f-overdue', name: 'overdue' });
  const q = el('input', { type: 'search', id: 'f-q', name: 'q', placeholder: t('queue.filter.q_hint'), maxlength: '100' });
  stateSel.value = filters.state;
  townSel.value = filters.town_id;
  catSel.value = filters.category_id;
  overdue.checked = filters.overdue === 'true';
  q.value = filters.q;

  const apply = (e) => {
    e?.preventDefault();
    const p = new URLSearchParams();
    if (stateSel.value) p.set('state', stateSel.value);
    if (townSel.value) p.set('town_id', townSel.value);
    if (catSel.value) p.set('category_id', catSel.value);
    if (overdue.checked) p.set('overdue', 'true');
    if (q.value.trim()) p.set('q', q.value.trim());
    if (!p.toString()) p.set('tab', 'all');
    const next = `#/queue${p.toString() ? `?${p}` : ''}`;
    if (location.hash === next) load(true); else location.hash = next;
  };
  for (const s of [stateSel, townSel, catSel, overdue]) s.addEventListener('change', apply);

  const active = FILTERS.filter((f) => filters[f]).length;
  const form = el('form', { class: `filters${active ? ' open' : ''}`, id: 'queue-filters', role: 'search', onsubmit: apply },
    el('label', {}, el('span', {}, t('queue.filter.state')), stateSel),
    el('label', {}, el('span', {}, t('queue.filter.town')), townSel),
    el('label', {}, el('span', {}, t('queue.filter.category')), catSel),
    el('label', { class: 'check' }, overdue, el('span', {}, t('queue.filter.overdue'))),
    el('label', { class: 'grow' }, el('span', {}, t('queue.filter.q')), q),
    el('div', { class: 'filter-buttons' },
      el('button', { type: 'submit', class: 'btn primary' }, t('queue.filter.apply')),
      el('a', { class: 'btn', href: '#/queue' }, t('queue.filter.clear'))));

  const status = el('p', { class: 'muted', role: 'status', id: 'queue-status' });
  const tbody = el('tbody', { id: 'queue-rows' });
  const table = el('table', { class: 'queue', id: 'queue' },
    el('thead', {}, el('tr', {},
      ['code', 'state', 'category', 'community', 'description', 'created', 'due'].map((c) => el('th', { scope: 'col', class: `c-${c}` }, t(`queue.col.${c}`))))),
    tbody);
  const more = el('button', { type: 'button', class: 'btn', id: 'queue-more', hidden: true, onclick: () => load(false) }, t('queue.more'));

  const toggle = el('button', { type: 'button', class: 'btn small filters-toggle', 'aria-controls': 'queue-filters', 'aria-expanded': String(Boolean(active)),
    onclick: () => toggle.setAttribute('aria-expanded', String(form.classList.toggle('open'))) },
  t('queue.filters'), active ? ` (${active})` : '');
  const counts = {};
  const tabLink = (key, href) => el('a', { class: 'tab', role: 'tab', href, id: `tab-${key}`, 'aria-selected': String(key === (tab || 'all')), dataset: { tab: key } },
    t(`queue.tab.${key}`), el('span', { class: 'count', id: `count-${key}` }));
  const tabs = el('nav', { class: 'tabs', role: 'tablist', 'aria-label': t('queue.tabs'), id: 'queue-tabs' },
    TABS.map((k) => tabLink(k, `#/queue?tab=${k}`)), tabLink('all', '#/queue?tab=all'),
    store.user?.role === 'community' ? el('a', { class: 'tab', href: '#/callbacks', id: 'tab-callbacks' }, t('queue.tab.callbacks'), el('span', { class: 'count', id: 'count-callbacks' })) : null);
  async function loadCounts() {
    const r = await api('/api/v1/queue/counts');
    if (!r.ok || !r.json) return;
    Object.assign(counts, r.json);
    for (const k of [...TABS, 'callbacks']) {
      const n = tabs.querySelector(`#count-${k}`);
      if (n) n.textContent = ` ${r.json[k] ?? 0}`;
    }
  }
  put(container, el('div', { class: 'page-head' }, el('h1', {}, t('queue.title')), toggle), tabs, form, status, el('div', { class: 'table-wrap' }, table), el('p', { class: 'center' }, more));

  // ---- rows
  function row(o) {
    const href = `#/order/${o.id}`;
    const due = o.due_at && !['closed', 'rejected', 'cancelled', 'merged'].includes(o.state) ? formatTime(o.due_at) : '';
    const tr = el('tr', { class: ['qrow', o.escalated ? 'escalated' : '', o.overdue ? 'overdue' : ''].join(' ').trim(), dataset: { id: o.id, state: o.state } },
      el('td', { class: 'c-code' }, el('a', { href, class: 'code-link' }, o.work_no)),
      el('td', { class: 'c-state' }, stateBadge(o.state), flags(o)),
      el('td', { class: 'c-category' }, categoryName(o.category_id)),
      el('td', { class: 'c-community' }, communityName(o.community_id)),
      el('td', { class: 'c-description' }, el('a', { href, class: 'plain' }, o.description.length > 60 ? `${o.description.slice(0, 60)}…` : o.description), contactLinks(o)),
      el('td', { class: 'c-created', 'data-label': t('queue.col.created') }, formatTime(o.created_at)),
      el('td', { class: `c-due${o.overdue ? ' late' : ''}`, 'data-label': t('queue.col.due') }, el('span', { class: 'left' }, timeLeft(o)), due ? el('span', { class: 'muted small' }, ` ${due}`) : null));
    return tr;
  }

  function draw() {
    items.sort((a, b) => rank(b) - rank(a));
    rowsById.clear();
    put(tbody, items.map((o) => {
      const tr = row(o);
      rowsById.set(o.id, tr);
      return tr;
    }));
    if (!items.length) put(tbody, el('tr', {}, el('td', { colspan: 7, class: 'empty' }, t('queue.empty'))));
    status.textContent = items.length ? t('queue.count', { n: items.length }) : '';
    more.hidden = !cursor;
  }

  async function load(reset) {
    if (loading) return;
    loading = true;
    if (reset) { items = []; cursor = null; status.textContent = t('queue.loading'); }
    more.disabled = true;
    if (reset) loadCounts();
    const r = await api('/api/v1/orders', { query: { ...filters, tab, limit: 30, cursor: reset ? '' : cursor } });
    loading = false;
    more.disabled = false;
    if (!r.ok || !r.json) { status.textContent = t('common.error', { message: errorText(r) }); return; }
    const seen = new Set(items.map((o) => o.id));
    items.push(...r.json.items.filter((o) => !seen.has(o.id)));
    cursor = r.json.next_cursor;
    draw();
  }

  /** Does the order still pass the filters (q aside, which only the server can judge)? */
  function passes(o) {
    if (filters.state && o.state !== filters.state) return false;
    if (filters.category_id && String(o.category_id) !== filters.category_id) return false;
    if (filters.town_id && String(store.communities.get(o.community_id)?.town_id) !== filters.town_id) return false;
    if (filters.overdue === 'true' && !o.overdue) return false;
    if (tab === 'done' && !['closed', 'rejected', 'cancelled', 'merged'].includes(o.state)) return false;
    if (tab && tab !== 'done' && ['closed', 'rejected', 'cancelled', 'merged'].includes(o.state)) return false;
    return true;
  }

  // ---- live events: refresh the row (or add a new order that fits the filters)
  const pendingIds = new Set();
  async function refreshOne(id) {
    if (pendingIds.has(id)) return;
    pendingIds.add(id);
    const r = await api(`/api/v1/orders/${id}`);
    pendingIds.delete(id);
    if (!r.ok || !r.json) return;
    const o = r.json;
    const i = items.findIndex((x) => x.id === id);
    if (i >= 0) items[i] = o;
    else if (passes(o) && !filters.q) items.unshift(o);
    else return;
    draw();
    const tr = rowsById.get(id);
    if (tr) {
      tr.classList.add('flash');
      setTimeout(() => tr.classList.remove('flash'), 2500);
    }
  }
  // On "mine" and "overdue" an order leaves the tab when it moves on: read the page again.
  const onEvent = (e) => {
    if (tab === 'mine' || tab === 'overdue') load(true);
    else { refreshOne(e.detail.order_id); loadCounts(); }
  };
  bus.addEventListener('order', onEvent);

  load(true);
  return () => bus.removeEventListener('order', onEvent);
}
