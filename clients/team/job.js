// One work order: what, where, when, whom to call; its actions (开始服务 first and large, 退单 below
// it and plain), the completion form (complete.js) and the give-back form.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, formatFullTime, formatHours, toast } from './lib.js';
import { outbox } from './outbox.js';
import { cachedGet, categoryName, communityName, queueAction, refusal, app } from './net.js';
import { accept } from './jobs.js';
import { completeForm } from './complete.js';
import { startForm } from './checkin.js';
import { attendanceCard } from './attendance.js';
import { photosCard } from './photos.js';

const phoneVisible = (p) => p && !p.includes('*');

function fact(label, value) {
  return value ? el('div', {}, el('dt', {}, label), el('dd', {}, value)) : null;
}

/** Why the community sent the completed order back (hours questioned), while the team redoes it. */
function disputed(o) {
  const last = (o.events || []).at(-1);
  return o.state === 'in_progress' && last?.action === 'dispute' && o.reason
    ? el('p', { class: 'notice bad', id: 'job-disputed', role: 'status' }, t('job.disputed', { reason: o.reason })) : null;
}

function facts(o) {
  return el('dl', { class: 'facts' },
    fact(t('job.what'), o.description),
    fact(t('job.where'), [o.community_name || communityName(o.community_id), o.address].filter(Boolean).join(' ')),
    fact(t('job.when'), o.preferred_time),
    fact(t('job.contact'), o.contact_name ? el('span', {}, o.contact_name, ' ', phoneVisible(o.contact_phone)
      ? el('a', { class: 'btn small call', href: `tel:${o.contact_phone}` }, `${t('job.call')} ${o.contact_phone}`)
      : el('span', { class: 'muted' }, o.contact_phone || '')) : null),
    ['claimed', 'accepted', 'in_progress'].includes(o.state) ? fact(t('job.due'), el('span', { class: o.overdue ? 'late' : '' }, formatFullTime(o.due_at))) : null,
    fact(t('job.team'), o.team_name),
    fact(t('job.summary'), o.summary),
    (o.service_records || []).length ? fact(t('job.records'), o.service_records.filter((s) => s.status !== 'disputed').map((s) => `${s.volunteer_name} ${formatHours(s.hours)}`).join('；')) : null);
}

export function jobView(view, id) {
  const box = el('div', { class: 'job-page' }, el('p', { class: 'muted' }, t('common.loading')));
  put(view, el('p', {}, el('a', { href: '#/jobs', class: 'back' }, t('job.back'))), box);
  let order = null;
  let completing = false;

  async function refresh() {
    const r = await cachedGet(`/api/v1/orders/${id}`);
    if (!box.isConnected) return;
    if (r.status === 404 || r.status === 403) { put(box, el('p', { class: 'error' }, t('job.not_found'))); return; }
    if (!r.ok || !r.json) { put(box, el('p', { class: 'error' }, errorText(r))); return; }
    order = r.json;
    if (completing && (order.actions?.includes('complete') || order.actions?.includes('start'))) return; // keep the form being filled in
    completing = false;
    draw();
  }

  function button(a) {
    const kind = a === 'accept' ? 'accept' : a === 'withdraw' ? 'secondary' : 'primary big';
    return el('button', { type: 'button', id: `act-${a}`, class: `btn ${kind}`, dataset: { action: a }, onclick: (e) => act(a, e.currentTarget) }, t(`action.${a}`));
  }

  function draw() {
    const o = order;
    const actions = (o.actions || []).filter((a) => ['accept', 'start', 'complete', 'withdraw'].includes(a));
    const main = actions.filter((a) => a !== 'withdraw');
    const queued = outbox.has(o.id);
    put(box,
      el('div', { class: 'job-head' },
        el('h1', {}, o.category_name || categoryName(o.category_id)),
        el('span', { class: `badge big s-${o.state}`, id: 'job-state', dataset: { state: o.state } }, t(`state.${o.state}`)),
        queued ? el('span', { class: 'badge queued' }, t('jobs.queued')) : null),
      disputed(o),
      facts(o),
      queued ? null : el('div', { class: 'actions', id: 'actions' }, main.map(button),
        actions.includes('withdraw') ? el('div', { class: 'secondary-actions' }, el('span', { class: 'muted' }, t('act.withdraw_note')), ' ', button('withdraw')) : null),
      el('div', { id: 'action-area' }),
      o.state === 'in_progress' ? attendanceCard(o) : null,
      app.user.role === 'team' && ['in_progress', 'completed'].includes(o.state) ? photosCard(o) : null);
  }

  async function act(a, target) {
    if (a === 'complete') { completing = true; completeForm(order, { done: () => { completing = false; if (navigator.onLine === false) draw(); else refresh(); }, back: () => { completing = false; draw(); } }); return; }
    if (a === 'withdraw') { withdrawForm(); return; }
    if (a === 'start') {
      completing = true; // keep the form while the order is refreshed underneath
      const finish = () => { completing = false; if (navigator.onLine === false) draw(); else refresh(); };
      startForm(order, document.getElementById('action-area'), { done: finish, back: () => { completing = false; draw(); } });
      return;
    }
    if (a === 'accept') { accept(order, target); return; }
    if (navigator.onLine === false) { queueAction(order, a); draw(); return; }
    target.disabled = true;
    const r = await api(`/api/v1/orders/${id}/${a}`, { method: 'POST' });
    if (r.status === 0) { queueAction(order, a); draw(); return; }
    if (r.ok) toast(t('act.started'));
    else toast(refusal(r, a), 'bad');
    await refresh();
  }

  function withdrawForm() {
    const reason = el('textarea', { id: 'withdraw-reason', rows: '3', maxlength: '500', 'aria-describedby': 'err-withdraw' });
    const err = el('p', { class: 'err', id: 'err-withdraw', hidden: true });
    const form = el('form', { class: 'card', id: 'withdraw-form', onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { err.textContent = t('withdraw.required'); err.hidden = false; form.classList.add('invalid'); return; }
      const r = await api(`/api/v1/orders/${id}/withdraw`, { method: 'POST', body: { reason: reason.value.trim() } });
      if (r.ok) toast(t('act.withdrawn'));
      else toast(refusal(r, 'withdraw'), 'bad');
      await refresh();
    } },
    el('label', { for: 'withdraw-reason' }, t('withdraw.reason')), reason, err,
    el('button', { type: 'submit', class: 'btn danger big' }, t('withdraw.submit')));
    put(document.getElementById('action-area'), form);
    reason.focus();
  }

  refresh();
  return { tab: 'jobs', refresh, onEvent: (e) => { if (e.order_id === id && app.user) refresh(); } };
}
