// The team app: offered and accepted jobs, 接单 with one tap, start, complete with hours per member
// (kept on the phone when there is no connection and sent later, once), my hours and my certificate.
import { t } from './i18n.js';
import {
  api, session, el, put, errorText, fieldText, formatTime, formatFullTime, hundredths, formatHundredths,
  formatHours, setUnauthenticatedHandler, toast,
} from './lib.js';
import { startEvents } from '/common/sse.js';
import { outbox, flush } from './outbox.js';

const view = document.getElementById('view');
let user = null;
let live = null;
let current = null; // {name, refresh()} of the view on screen
const catalog = { communities: new Map(), categories: new Map() };

// ------------------------------------------------------------------ offline-tolerant reads

const CACHE_PREFIX = 'paidan.team.cache:';

/** GET with a copy kept on the phone: when the network fails, the last good answer (stale: true). */
async function cachedGet(path, query) {
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

async function loadCatalog() {
  const r = await cachedGet('/api/v1/catalog');
  if (!r.ok || !r.json) return;
  for (const town of r.json.towns || []) for (const c of town.communities || []) catalog.communities.set(c.id, { ...c, town: town.name });
  for (const c of r.json.categories || []) catalog.categories.set(c.id, c);
}

const communityName = (id) => catalog.communities.get(id)?.name || '';
const categoryName = (id) => catalog.categories.get(id)?.name || '';
const phoneVisible = (p) => p && !p.includes('*');

// ------------------------------------------------------------------ network banner and outbox

function updateNet() {
  const net = document.getElementById('net');
  const n = outbox.size();
  const parts = [];
  if (navigator.onLine === false) parts.push(t('net.offline'));
  if (n) parts.push(t('net.outbox', { n }));
  net.textContent = parts.join(' ');
  net.hidden = parts.length === 0;
}

async function sendOutbox() {
  if (!user) return;
  let settled = 0;
  await flush((kind, item, r) => {
    settled++;
    if (kind === 'sent') toast(t('net.outbox_sent'));
    else if (kind === 'moved') toast(t('net.outbox_moved', { code: item.code, state: t(`state.${r.json.error.state}`) }), 'bad');
    else toast(t('net.outbox_failed', { code: item.code, message: errorText(r) }), 'bad');
  });
  updateNet();
  if (settled && current) current.refresh();
}

// ------------------------------------------------------------------ routing

function route() {
  if (!user) return;
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  let m;
  current = null;
  for (const a of document.querySelectorAll('#tabs a')) a.removeAttribute('aria-current');
  if ((m = /^\/job\/(\d+)$/.exec(hash))) current = jobView(Number(m[1]));
  else if (hash === '/members' && user.role === 'team') current = membersView();
  else if ((m = /^\/hours(?:\/(\d+))?$/.exec(hash))) current = hoursView(m[1] ? Number(m[1]) : user.volunteer_id);
  else current = jobsView();
  const tab = document.querySelector(`#tabs a[data-tab="${current.tab}"]`);
  if (tab) tab.setAttribute('aria-current', 'page');
  window.scrollTo(0, 0);
}

// ------------------------------------------------------------------ jobs

function jobCard(o, { offered = false } = {}) {
  const queued = outbox.has(o.id);
  return el('article', { class: `job s-${o.state}`, dataset: { id: o.id, state: o.state } },
    el('a', { class: 'job-link', href: `#/job/${o.id}` },
      el('div', { class: 'job-top' },
        el('span', { class: 'job-cat' }, categoryName(o.category_id) || o.category_name || ''),
        el('span', { class: `badge s-${o.state}` }, t(`state.${o.state}`)),
        queued ? el('span', { class: 'badge queued' }, t('jobs.queued')) : null),
      el('p', { class: 'job-desc' }, o.description),
      el('p', { class: 'job-meta' }, [communityName(o.community_id), o.preferred_time].filter(Boolean).join(' · ')),
      o.due_at && ['claimed', 'accepted', 'in_progress'].includes(o.state)
        ? el('p', { class: `job-due${o.overdue ? ' late' : ''}` }, t('jobs.due', { time: formatTime(o.due_at) })) : null),
    offered ? el('button', { type: 'button', class: 'btn accept', dataset: { accept: o.id }, onclick: (e) => accept(o, e.currentTarget) }, t('action.accept')) : null);
}

async function accept(o, button) {
  if (navigator.onLine === false) { toast(t('action.offline'), 'bad'); return; }
  button.disabled = true;
  button.textContent = t('action.sending');
  const r = await api(`/api/v1/orders/${o.id}/accept`, { method: 'POST' });
  if (r.ok) {
    toast(t('action.accepted'));
    location.hash = `#/job/${o.id}`;
    return;
  }
  button.disabled = false;
  button.textContent = t('action.accept');
  if (r.status === 409) {
    const taken = r.json?.error?.state === 'accepted' || r.json?.error?.state === 'in_progress';
    toast(taken ? t('action.taken') : t('action.moved', { state: t(`state.${r.json?.error?.state}`) }), 'bad');
  } else {
    toast(t('action.failed', { message: errorText(r) }), 'bad');
  }
  current?.refresh();
}

function jobsView() {
  const box = el('div', { class: 'jobs' }, el('p', { class: 'muted' }, t('jobs.loading')));
  put(view, box);
  let timer = null;
  async function refresh() {
    const isTeam = user.role === 'team';
    const [offered, accepted, working, done] = await Promise.all([
      isTeam ? cachedGet('/api/v1/orders', { state: 'claimed', limit: 50 }) : Promise.resolve({ ok: true, json: { items: [] } }),
      cachedGet('/api/v1/orders', { state: 'accepted', limit: 50 }),
      cachedGet('/api/v1/orders', { state: 'in_progress', limit: 50 }),
      cachedGet('/api/v1/orders', { state: 'completed', limit: 10 }),
    ]);
    if (!box.isConnected) return;
    const bad = [offered, accepted, working].find((r) => !r.ok);
    if (bad) {
      put(box, el('p', { class: 'error' }, t('jobs.failed', { message: errorText(bad) })),
        el('button', { type: 'button', class: 'btn', onclick: refresh }, t('jobs.retry')));
      return;
    }
    const active = [...working.json.items, ...accepted.json.items];
    put(box,
      isTeam ? el('section', { id: 'offered' }, el('h2', {}, t('jobs.offered')),
        offered.json.items.length ? offered.json.items.map((o) => jobCard(o, { offered: true })) : el('p', { class: 'muted' }, t('jobs.offered_none'))) : null,
      el('section', { id: 'active' }, el('h2', {}, t('jobs.active')),
        active.length ? active.map((o) => jobCard(o)) : el('p', { class: 'muted' }, t('jobs.active_none'))),
      done.ok && done.json.items.length ? el('section', { id: 'done' }, el('h2', {}, t('jobs.done')), done.json.items.map((o) => jobCard(o))) : null,
      el('p', { class: 'center' }, el('button', { type: 'button', class: 'btn ghost-dark', onclick: refresh }, t('jobs.refresh'))));
  }
  refresh();
  return {
    tab: 'jobs',
    refresh: () => { clearTimeout(timer); timer = setTimeout(refresh, 150); },
    onEvent: () => { clearTimeout(timer); timer = setTimeout(refresh, 150); },
  };
}

// ------------------------------------------------------------------ one job

function jobView(id) {
  const box = el('div', { class: 'job-page' }, el('p', { class: 'muted' }, t('job.loading')));
  put(view, el('p', {}, el('a', { href: '#/jobs', class: 'back' }, t('job.back'))), box);
  let order = null;
  let completing = false;

  async function refresh() {
    const r = await cachedGet(`/api/v1/orders/${id}`);
    if (!box.isConnected) return;
    if (r.status === 404 || r.status === 403) { put(box, el('p', { class: 'error' }, t('job.not_found'))); return; }
    if (!r.ok || !r.json) { put(box, el('p', { class: 'error' }, errorText(r))); return; }
    order = r.json;
    if (completing && order.actions?.includes('complete')) return; // keep the form being filled in
    completing = false;
    draw();
  }

  function fact(label, value) {
    return value ? el('div', {}, el('dt', {}, label), el('dd', {}, value)) : null;
  }

  function draw() {
    const o = order;
    const actions = (o.actions || []).filter((a) => ['accept', 'start', 'complete', 'withdraw'].includes(a));
    const queued = outbox.has(o.id);
    put(box,
      el('div', { class: 'job-head' },
        el('h1', {}, o.category_name || categoryName(o.category_id)),
        el('span', { class: `badge big s-${o.state}`, id: 'job-state', dataset: { state: o.state } }, t(`state.${o.state}`)),
        queued ? el('span', { class: 'badge queued' }, t('jobs.queued')) : null),
      el('dl', { class: 'facts' },
        fact(t('job.what'), o.description),
        fact(t('job.where'), [o.community_name || communityName(o.community_id), o.address].filter(Boolean).join(' ')),
        fact(t('job.when'), o.preferred_time),
        fact(t('job.contact'), o.contact_name ? el('span', {}, o.contact_name, ' ', phoneVisible(o.contact_phone)
          ? el('a', { class: 'btn small call', href: `tel:${o.contact_phone}` }, `${t('job.call')} ${o.contact_phone}`)
          : el('span', { class: 'muted' }, o.contact_phone || '')) : null),
        ['claimed', 'accepted', 'in_progress'].includes(o.state) ? fact(t('job.due'), el('span', { class: o.overdue ? 'late' : '' }, formatFullTime(o.due_at))) : null,
        fact(t('job.team'), o.team_name),
        fact(t('job.summary'), o.summary),
        (o.service_records || []).length ? fact(t('job.records'), o.service_records.map((s) => `${s.volunteer_name} ${formatHours(s.hours)}`).join('；')) : null),
      queued ? null : el('div', { class: 'actions', id: 'actions' }, actions.map((a) => el('button', {
        type: 'button',
        id: `act-${a}`,
        class: `btn ${a === 'withdraw' ? 'danger' : 'primary'} ${a === 'accept' ? 'accept' : 'big'}`,
        onclick: () => act(a),
      }, t(`action.${a}`)))),
      el('div', { id: 'action-area' }));
  }

  async function act(a) {
    if (a === 'complete') { completeForm(); return; }
    if (a === 'withdraw') { withdrawForm(); return; }
    if (a === 'accept') { await accept(order, document.getElementById('act-accept')); await refresh(); return; }
    if (navigator.onLine === false) { toast(t('action.offline'), 'bad'); return; }
    const r = await api(`/api/v1/orders/${id}/${a}`, { method: 'POST' });
    if (r.ok) toast(t(a === 'start' ? 'action.started' : 'action.completed'));
    else if (r.status === 409) toast(t('action.moved', { state: t(`state.${r.json?.error?.state}`) }), 'bad');
    else toast(t('action.failed', { message: errorText(r) }), 'bad');
    await refresh();
  }

  function withdrawForm() {
    const reason = el('textarea', { id: 'withdraw-reason', rows: '3', maxlength: '500' });
    const err = el('p', { class: 'err', hidden: true });
    put(document.getElementById('action-area'), el('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { err.textContent = t('complete.summary_required'); err.hidden = false; return; }
      const r = await api(`/api/v1/orders/${id}/withdraw`, { method: 'POST', body: { reason: reason.value.trim() } });
      if (r.ok) toast(t('action.withdrawn'));
      else toast(r.status === 409 ? t('action.moved', { state: t(`state.${r.json?.error?.state}`) }) : t('action.failed', { message: errorText(r) }), 'bad');
      await refresh();
    } },
    el('label', { for: 'withdraw-reason' }, t('withdraw.reason')), reason, err,
    el('button', { type: 'submit', class: 'btn danger big' }, t('withdraw.submit'))));
    reason.focus();
  }

  async function completeForm() {
    completing = true;
    const area = document.getElementById('action-area');
    const teamId = order.team_id || user.team_id;
    const summary = el('textarea', { id: 'complete-summary', name: 'summary', rows: '3', maxlength: '2000' });
    const rows = el('div', { class: 'hours-rows', id: 'hours-rows' });
    const total = el('p', { class: 'total', id: 'hours-total', 'aria-live': 'polite' });
    const err = el('p', { class: 'err', id: 'err-hours', hidden: true, role: 'alert' });
    const errSummary = el('p', { class: 'err', id: 'err-summary', hidden: true });
    const members = teamId ? await cachedGet(`/api/v1/teams/${teamId}/members`, { limit: 100 }) : { ok: false };
    let manual = !(members.ok && members.json && members.json.items.length);

    const hoursInput = (label) => el('input', { class: 'hours', inputmode: 'decimal', autocomplete: 'off', maxlength: '5', placeholder: '0.00', 'aria-label': label });
    const manualRow = () => el('div', { class: 'hours-row manual' },
      el('input', { class: 'vid', inputmode: 'numeric', placeholder: t('complete.volunteer_id'), 'aria-label': t('complete.volunteer_id') }),
      hoursInput(t('complete.hours')), el('span', {}, t('complete.hours')),
      el('button', { type: 'button', class: 'btn small', onclick: (e) => { e.currentTarget.parentElement.remove(); sum(); } }, t('complete.remove_row')));
    if (manual) {
      put(rows, el('p', { class: 'muted' }, t('complete.no_members')), manualRow());
    } else {
      put(rows, members.json.items.map((m) => el('div', { class: 'hours-row', dataset: { volunteer: m.volunteer_id } },
        el('label', { class: 'who' }, el('input', { type: 'checkbox', class: 'took-part', value: m.volunteer_id }),
          el('span', {}, m.name, ' ', el('small', { class: 'muted' }, m.role === 'lead' ? t('members.lead') : m.volunteer_no))),
        hoursInput(`${m.name} ${t('complete.hours')}`), el('span', {}, t('complete.hours')))));
    }
    rows.addEventListener('input', (e) => {
      if (e.target.classList.contains('hours') && !manual) {
        const box = e.target.closest('.hours-row').querySelector('.took-part');
        if (box) box.checked = e.target.value.trim() !== '';
      }
      sum();
    });

    function entries() {
      const out = [];
      for (const row of rows.querySelectorAll('.hours-row')) {
        const input = row.querySelector('input.hours');
        const vid = manual ? row.querySelector('input.vid').value.trim() : row.dataset.volunteer;
        const used = manual ? (vid || input.value.trim()) : row.querySelector('.took-part').checked;
        if (!used) continue;
        out.push({ row, input, vid, h: hundredths(input.value) });
      }
      return out;
    }
    function sum() {
      const list = entries();
      const n = list.reduce((a, x) => a + (x.h || 0), 0);
      total.textContent = list.length ? t('complete.total', { h: formatHundredths(n) }) : '';
    }

    put(area, el('form', { class: 'card complete', id: 'complete-form', onsubmit: async (e) => {
      e.preventDefault();
      err.hidden = true;
      errSummary.hidden = true;
      for (const x of rows.querySelectorAll('.invalid')) x.classList.remove('invalid');
      let ok = true;
      if (!summary.value.trim()) { errSummary.textContent = t('complete.summary_required'); errSummary.hidden = false; ok = false; }
      const list = entries();
      if (!list.length) { err.textContent = t('complete.pick'); err.hidden = false; ok = false; }
      for (const x of list) {
        if (x.h === null || x.h <= 0 || x.h > 2400 || !/^\d{1,2}(\.\d{1,2})?$/.test(x.input.value.trim()) || !/^\d+$/.test(String(x.vid))) {
          x.row.classList.add('invalid');
          err.textContent = t('complete.hours_bad');
          err.hidden = false;
          ok = false;
        }
      }
      if (!ok) return;
      const body = {
        summary: summary.value.trim(),
        hours: list.map((x) => ({ volunteer_id: Number(x.vid), hours: formatHundredths(x.h) })),
      };
      const submit = document.getElementById('complete-submit');
      const queue = () => {
        outbox.add(order.id, order.tracking_code, body);
        updateNet();
        completing = false;
        toast(t('complete.queued'));
        draw();
      };
      if (navigator.onLine === false) { queue(); return; }
      submit.disabled = true;
      submit.textContent = t('action.sending');
      const r = await api(`/api/v1/orders/${order.id}/complete`, { method: 'POST', body });
      submit.disabled = false;
      submit.textContent = t('complete.submit');
      if (r.status === 0) { queue(); return; }
      if (r.ok || (r.status === 409 && r.json?.error?.state === 'completed')) {
        completing = false;
        toast(t('action.completed'));
        await refresh();
        return;
      }
      if (r.status === 409) { completing = false; toast(t('action.moved', { state: t(`state.${r.json?.error?.state}`) }), 'bad'); await refresh(); return; }
      if (r.status === 422 && r.json?.error?.fields) {
        const f = r.json.error.fields;
        if (f.summary) { errSummary.textContent = fieldText(f.summary); errSummary.hidden = false; }
        const other = Object.entries(f).filter(([k]) => k !== 'summary').map(([, v]) => fieldText(v));
        if (other.length) { err.textContent = other.join('；'); err.hidden = false; }
        return;
      }
      err.textContent = t('action.failed', { message: errorText(r) });
      err.hidden = false;
    } },
    el('h2', {}, t('complete.title')),
    el('label', { for: 'complete-summary' }, t('complete.summary')),
    el('p', { class: 'hint' }, t('complete.summary_hint')),
    summary, errSummary,
    el('fieldset', {}, el('legend', {}, t('complete.members')), el('p', { class: 'hint' }, t('complete.hours_hint')), rows,
      manual ? el('button', { type: 'button', class: 'btn small', onclick: () => { rows.append(manualRow()); } }, t('complete.add_row')) : null,
      total, err),
    el('button', { type: 'submit', class: 'btn primary big', id: 'complete-submit' }, t('complete.submit')),
    el('button', { type: 'button', class: 'btn big', onclick: () => { completing = false; draw(); } }, t('complete.cancel'))));
    document.getElementById('actions')?.remove();
    summary.focus();
  }

  refresh();
  return {
    tab: 'jobs',
    refresh,
    onEvent: (e) => { if (e.order_id === id) refresh(); },
  };
}

// ------------------------------------------------------------------ members (team account)

function membersView() {
  const box = el('div', {}, el('p', { class: 'muted' }, t('jobs.loading')));
  put(view, el('h1', {}, t('members.title')), box);
  async function refresh() {
    const r = await cachedGet(`/api/v1/teams/${user.team_id}/members`, { limit: 100 });
    if (!box.isConnected) return;
    if (!r.ok || !r.json) { put(box, el('p', { class: 'error' }, t('members.failed', { message: errorText(r) }))); return; }
    put(box, el('ul', { class: 'members' }, r.json.items.map((m) => el('li', {},
      el('span', {}, el('b', {}, m.name), ' ', el('small', { class: 'muted' }, `${m.volunteer_no} · ${m.role === 'lead' ? t('members.lead') : t('members.member')}`)),
      el('a', { class: 'btn small', href: `#/hours/${m.volunteer_id}` }, t('members.hours'))))));
  }
  refresh();
  return { tab: 'members', refresh, onEvent: () => {} };
}

// ------------------------------------------------------------------ hours and certificate

function hoursView(volunteerId) {
  const box = el('div', {}, el('p', { class: 'muted' }, t('jobs.loading')));
  put(view, box);
  async function refresh() {
    if (!volunteerId) { put(box, el('p', { class: 'error' }, t('hours.no_volunteer'))); return; }
    const r = await cachedGet(`/api/v1/volunteers/${volunteerId}/hours`);
    if (!box.isConnected) return;
    if (!r.ok || !r.json) { put(box, el('p', { class: 'error' }, t('hours.failed', { message: errorText(r) }))); return; }
    const d = r.json;
    const own = user.volunteer_id === volunteerId;
    const certStatus = el('p', { class: 'muted', id: 'cert-status', role: 'status' });
    put(box,
      el('h1', {}, own ? t('hours.title') : t('hours.member_title', { name: d.volunteer?.name || '' })),
      el('p', { class: 'muted' }, [d.volunteer?.name, d.volunteer?.volunteer_no].filter(Boolean).join(' · ')),
      el('p', { class: 'big-total', id: 'hours-total' }, t('hours.total', { h: formatHours(d.total) })),
      el('ul', { class: 'years' }, (d.totals_by_year || []).map((y) => el('li', {}, t('hours.by_year', { year: y.year, h: formatHours(y.hours) })))),
      el('button', { type: 'button', class: 'btn primary big', id: 'certificate', onclick: () => openCertificate(volunteerId, certStatus) }, t('hours.certificate')),
      certStatus,
      el('h2', {}, t('hours.records')),
      (d.records || []).length
        ? el('ul', { class: 'records' }, d.records.map((x) => el('li', { class: x.superseded ? 'superseded' : '' },
          el('div', { class: 'rec-top' }, el('span', {}, t('hours.record', { date: x.date, category: x.category, place: x.place })),
            el('b', {}, t('hours.record_hours', { h: formatHours(x.hours) }))),
          el('div', { class: 'muted small' }, [x.team, x.confirmed_by ? t('hours.confirmed', { by: x.confirmed_by }) : '',
            x.superseded ? t('hours.superseded') : '', x.correction_reason ? t('hours.correction', { reason: x.correction_reason }) : ''].filter(Boolean).join(' · ')))))
        : el('p', { class: 'muted' }, t('hours.none')));
  }
  refresh();
  return { tab: volunteerId === user.volunteer_id ? 'hours' : 'members', refresh, onEvent: () => {} };
}

/** The certificate is HTML that needs the Bearer header: fetch it, then open it as a Blob. */
async function openCertificate(volunteerId, status) {
  const win = window.open('', '_blank'); // opened now, inside the tap, so it is not blocked as a pop-up
  status.textContent = t('hours.certificate_opening');
  let res;
  try {
    res = await fetch(`/api/v1/volunteers/${volunteerId}/certificate`, { headers: { Authorization: `Bearer ${session.get()?.token}` }, cache: 'no-store' });
  } catch {
    if (win) win.close();
    status.textContent = t('common.network');
    return;
  }
  if (!res.ok) {
    if (win) win.close();
    let json = null;
    try { json = await res.json(); } catch { /* not JSON */ }
    status.textContent = t('hours.failed', { message: errorText({ status: res.status, json }) });
    return;
  }
  const blob = new Blob([await res.arrayBuffer()], { type: 'text/html;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  if (win) win.location.href = url;
  put(status, t('hours.certificate_ready'), ' ', el('a', { href: url, target: '_blank', rel: 'noopener', id: 'cert-link' }, t('hours.certificate_link')));
}

// ------------------------------------------------------------------ log in / out

function showLogin(message) {
  user = null;
  if (live) { live.stop(); live = null; }
  document.getElementById('tabs').hidden = true;
  document.getElementById('logout').hidden = true;
  const username = el('input', { id: 'username', autocomplete: 'username', autocapitalize: 'none', required: true });
  const password = el('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = el('p', { class: 'error', role: 'alert', hidden: !message }, message || '');
  const button = el('button', { type: 'submit', class: 'btn primary big' }, t('login.submit'));
  put(view, el('form', { class: 'login', onsubmit: async (e) => {
    e.preventDefault();
    if (navigator.onLine === false) { status.textContent = t('login.offline'); status.hidden = false; return; }
    button.disabled = true;
    button.textContent = t('login.sending');
    const r = await api('/api/v1/sessions', { method: 'POST', body: { username: username.value.trim(), password: password.value } });
    button.disabled = false;
    button.textContent = t('login.submit');
    if (r.status === 201 && r.json) {
      session.set({ token: r.json.token, user: r.json.user });
      await enter(r.json.user);
      return;
    }
    status.hidden = false;
    status.textContent = r.status === 401 ? t('login.wrong') : r.status === 429 ? t('login.locked') : t('login.failed', { message: errorText(r) });
  } },
  el('h1', {}, t('login.title')),
  el('p', {}, t('login.intro')),
  el('label', { for: 'username' }, t('login.username')), username,
  el('label', { for: 'password' }, t('login.password')), password,
  status, button,
  el('p', { class: 'muted small' }, t('login.staff'), ' ', el('a', { href: '/console/' }, t('login.staff_link')))));
  username.focus();
}

async function enter(u) {
  user = u;
  await loadCatalog();
  const tabs = document.getElementById('tabs');
  const items = [['jobs', '#/jobs', t('nav.jobs')]];
  if (u.role === 'team') items.push(['members', '#/members', t('nav.members')]);
  if (u.volunteer_id) items.push(['hours', '#/hours', t('nav.hours')]);
  put(tabs, items.map(([k, href, label]) => el('a', { href, dataset: { tab: k } }, label)));
  tabs.hidden = false;
  document.getElementById('logout').hidden = false;
  live = startEvents({
    getToken: () => session.get()?.token,
    onEvent: (data) => current?.onEvent?.(data),
    onStatus: (s) => { document.body.dataset.live = s; },
    onUnauthorized: expired,
  });
  updateNet();
  route();
  sendOutbox();
}

function expired() {
  if (!user) return;
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

document.title = t('app.title');
document.getElementById('app-title').textContent = t('app.title');
document.getElementById('logout').textContent = t('nav.logout');
document.getElementById('logout').addEventListener('click', logout);
setUnauthenticatedHandler(expired);
window.addEventListener('hashchange', route);
window.addEventListener('online', () => { updateNet(); sendOutbox(); });
window.addEventListener('offline', updateNet);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/team/sw.js', { scope: '/team/' }).catch(() => { /* the app works without it */ });
}

(async () => {
  const s = session.get();
  if (!s || !s.token) { showLogin(); return; }
  const r = await api('/api/v1/me');
  if (r.ok && r.json) await enter(r.json);
  else if (r.status === 0 && s.user) await enter(s.user); // offline: carry on with what we know
  else showLogin();
})();
