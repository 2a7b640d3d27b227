// Notifications in the console (issue 12): an order's notifications on its detail page (staff who
// see the order), the county's failed ones with a resend button and the group-robot settings (admin).
import { t } from '/common/i18n.js';
import { api, el, put, errorText, fieldText, formatFullTime, toast } from './lib.js';
import { store } from './store.js';

const known = (prefix, key) => (t(`${prefix}.${key}`) === `${prefix}.${key}` ? key : t(`${prefix}.${key}`));

function row(n, onResend, withOrder) {
  return el('tr', { dataset: { id: String(n.id), state: n.state } },
    withOrder ? el('td', { 'data-label': t('notify.col.order') }, el('a', { href: `#/order/${n.order_id}` }, n.work_no || `#${n.order_id}`)) : null,
    el('td', { 'data-label': t('notify.col.what') }, known('notify.rule', n.rule)),
    el('td', { 'data-label': t('notify.col.to') }, `${known('notify.channel', n.channel)} → ${n.recipient}`),
    el('td', { 'data-label': t('notify.col.state') }, el('span', { class: `badge notify-${n.state}` }, known('notify.state', n.state)),
      n.last_error ? el('small', { class: 'muted' }, ` ${n.last_error}`) : null),
    el('td', { 'data-label': t('notify.col.time') }, formatFullTime(n.sent_at || n.next_attempt_at || n.created_at),
      n.attempts ? ` · ${t('notify.attempts', { n: n.attempts })}` : ''),
    el('td', {}, n.state === 'failed' && store.user?.role === 'admin'
      ? el('button', { type: 'button', class: 'btn small', dataset: { resend: String(n.id) }, onclick: () => onResend(n) }, t('notify.resend')) : null));
}

function table(items, onResend, withOrder = false) {
  const heads = [withOrder ? 'order' : null, 'what', 'to', 'state', 'time'].filter(Boolean);
  return el('div', { class: 'table-wrap' }, el('table', { class: 'list notifications' },
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, t(`notify.col.${h}`))), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('notify.resend'))))),
    el('tbody', {}, items.map((n) => row(n, onResend, withOrder)))));
}

async function resend(n, after) {
  const r = await api(`/api/v1/notifications/${n.id}/resend`, { method: 'POST' });
  toast(r.ok ? t('notify.resent') : errorText(r), r.ok ? 'good' : 'bad');
  after();
}

/** A card listing the order's notifications (sent, pending, failed); loads itself. */
export function orderNotifications(orderId) {
  const title = el('h2', {}, t('notify.order_title'));
  const card = el('section', { class: 'card', id: 'order-notifications' }, title, el('p', { class: 'muted' }, t('detail.loading')));
  const load = async () => {
    const r = await api(`/api/v1/orders/${orderId}/notifications`);
    const content = !r.ok ? el('p', { class: 'form-error' }, errorText(r))
      : r.json.items.length ? table(r.json.items, (n) => resend(n, load)) : el('p', { class: 'muted' }, t('notify.none'));
    put(card, title, content);
  };
  load();
  return card;
}

/** #/notifications: the county's failed notifications, newest first, each with a resend button. */
export function renderFailures(container) {
  let gone = false;
  const load = async () => {
    const r = await api('/api/v1/notifications', { query: { state: 'failed', limit: 200 } });
    if (gone) return;
    put(container, el('h1', {}, t('notify.failures_title')), el('p', { class: 'muted' }, t('notify.failures_intro')),
      !r.ok ? el('p', { class: 'form-error' }, errorText(r))
        : r.json.items.length ? table(r.json.items, (n) => resend(n, load), true)
          : el('p', { class: 'muted', id: 'no-failures' }, t('notify.failures_none')));
  };
  load();
  return () => { gone = true; };
}

const SCOPES = ['community', 'department', 'county'];

/** #/robots: one 企业微信 or 钉钉 group robot per community, department and the county office. */
export function renderRobots(container) {
  const field = (id, label, input) => el('div', { class: 'field' }, el('label', { for: id }, label), input);
  const scope = el('select', { id: 'robot-scope' }, SCOPES.map((v) => el('option', { value: v }, t(`notify.scope.${v}`))));
  const scopeId = el('select', { id: 'robot-scope_id' });
  const kind = el('select', { id: 'robot-kind' }, el('option', { value: 'wecom' }, t('notify.kind.wecom')), el('option', { value: 'dingtalk' }, t('notify.kind.dingtalk')));
  const url = el('input', { id: 'robot-url', type: 'url', autocomplete: 'off', placeholder: 'https://…' });
  const secret = el('input', { id: 'robot-secret', type: 'password', autocomplete: 'off', placeholder: t('notify.secret_hint') });
  const err = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const list = el('div', { id: 'robot-list' });
  const fillIds = () => {
    const s = scope.value;
    const options = s === 'community' ? store.catalog.towns.flatMap((tw) => tw.communities.map((c) => [c.id, `${tw.name} · ${c.name}`]))
      : s === 'department' ? store.catalog.departments.map((d) => [d.id, d.name]) : [[0, t('notify.scope.county')]];
    put(scopeId, options.map(([v, l]) => el('option', { value: String(v) }, l)));
  };
  scope.addEventListener('change', fillIds);
  fillIds();
  const load = async () => {
    const r = await api('/api/v1/robots');
    put(list, !r.ok ? el('p', { class: 'form-error' }, errorText(r)) : !r.json.items.length ? el('p', { class: 'muted' }, t('notify.robots_none'))
      : el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'robots-table' },
        el('thead', {}, el('tr', {}, ['scope', 'kind', 'url', 'secret', 'updated'].map((h) => el('th', { scope: 'col' }, t(`notify.col.${h}`))),
          el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('notify.delete'))))),
        el('tbody', {}, r.json.items.map((x) => el('tr', { dataset: { scope: `${x.scope}:${x.scope_id}` } },
          el('td', { 'data-label': t('notify.col.scope') }, `${x.scope_name || ''}（${t(`notify.scope.${x.scope}`)}）`),
          el('td', { 'data-label': t('notify.col.kind') }, t(`notify.kind.${x.kind}`)),
          el('td', { 'data-label': t('notify.col.url'), class: 'break' }, x.url),
          el('td', { 'data-label': t('notify.col.secret') }, x.secret || '—'),
          el('td', { 'data-label': t('notify.col.updated') }, formatFullTime(x.updated_at)),
          el('td', {}, el('button', { type: 'button', class: 'btn small danger', onclick: async () => {
            const d = await api('/api/v1/robots', { method: 'DELETE', query: { scope: x.scope, scope_id: x.scope_id } });
            toast(d.ok ? t('notify.deleted') : errorText(d), d.ok ? 'good' : 'bad');
            load();
          } }, t('notify.delete')))))))));
  };
  const form = el('form', { class: 'card', id: 'robot-form', onsubmit: async (e) => {
    e.preventDefault();
    const body = { scope: scope.value, scope_id: Number(scopeId.value || 0), kind: kind.value, url: url.value.trim() };
    if (secret.value) body.secret = secret.value;
    const r = await api('/api/v1/robots', { method: 'PUT', body });
    if (r.ok) { toast(t('notify.saved')); url.value = ''; secret.value = ''; err.hidden = true; load(); return; }
    const fields = r.json?.error?.fields;
    err.textContent = fields ? Object.entries(fields).map(([k, m]) => `${k}：${fieldText(m)}`).join('；') : errorText(r);
    err.hidden = false;
  } },
  el('h2', {}, t('notify.robot_set')),
  field('robot-scope', t('notify.col.scope'), scope), field('robot-scope_id', t('notify.office'), scopeId),
  field('robot-kind', t('notify.col.kind'), kind), field('robot-url', t('notify.webhook_url'), url), field('robot-secret', t('notify.secret'), secret),
  err, el('button', { type: 'submit', class: 'btn primary' }, t('notify.save')));
  put(container, el('h1', {}, t('notify.robots_title')), el('p', { class: 'muted' }, t('notify.robots_intro')), list, form);
  load();
}
