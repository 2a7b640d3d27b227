// Notifications in the console (issue 12): an order's notifications on its detail page, the
// county's failed ones with a resend button, and the group-robot settings (admin). Texts are kept
// here rather than in i18n.js so that this module stands alone.
import { api, el, put, errorText, fieldText, formatFullTime, toast } from './lib.js';
import { store } from './store.js';

const STATE = { pending: '待发送', sending: '发送中', sent: '已送达', failed: '发送失败' };
const CHANNEL = { sms: '短信', robot: '群机器人' };
const RULE = {
  community_new_order: '社区群：新点单', department_dispatched: '部门群：新派单', resident_rejected: '群众短信：未受理',
  resident_returned: '群众短信：退回', team_lead_offered: '队长短信：服务邀请', resident_accepted: '群众短信：已接单',
  resident_completed: '群众短信：已完成', community_awaits_confirm: '社区群：待确认', resident_cancelled: '群众短信：已取消',
  responsible_escalated: '责任方群：超时', county_escalated: '县级群：超时', team_lead_escalated: '队长短信：超时',
};

function row(n, onResend) {
  return el('tr', { 'data-id': String(n.id), 'data-state': n.state },
    el('td', {}, RULE[n.rule] || n.rule),
    el('td', {}, `${CHANNEL[n.channel] || n.channel} → ${n.recipient}`),
    el('td', {}, el('span', { class: `badge state-${n.state}` }, STATE[n.state] || n.state),
      n.last_error ? el('small', { class: 'muted' }, ` ${n.last_error}`) : null),
    el('td', {}, formatFullTime(n.sent_at || n.next_attempt_at || n.created_at), n.attempts ? ` · ${n.attempts} 次` : ''),
    el('td', {}, n.state === 'failed' && store.user?.role === 'admin'
      ? el('button', { type: 'button', class: 'btn small', onclick: () => onResend(n) }, '重发') : null));
}

function table(items, onResend) {
  return el('table', { class: 'table notifications' },
    el('thead', {}, el('tr', {}, ...['通知', '发给', '状态', '时间', ''].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...items.map((n) => row(n, onResend))));
}

async function resend(n, after) {
  const r = await api(`/api/v1/notifications/${n.id}/resend`, { method: 'POST' });
  toast(r.ok ? '已重新发送' : errorText(r));
  after();
}

/** A card listing the order's notifications; loads itself. */
export function orderNotifications(orderId) {
  const card = el('section', { class: 'card', id: 'order-notifications' }, el('h2', {}, '通知'), el('p', { class: 'muted' }, '…'));
  const load = async () => {
    const r = await api(`/api/v1/orders/${orderId}/notifications`);
    const content = !r.ok ? el('p', { class: 'form-error' }, errorText(r))
      : r.json.items.length ? table(r.json.items, (n) => resend(n, load)) : el('p', { class: 'muted' }, '这一单还没有通知。');
    put(card, el('h2', {}, '通知'), content);
  };
  load();
  return card;
}

/** #/notifications: the county's failed notifications, newest first. */
export function renderFailures(container) {
  const load = async () => {
    const r = await api('/api/v1/notifications', { query: { state: 'failed', limit: 200 } });
    put(container, el('h1', {}, '发送失败的通知'),
      !r.ok ? el('p', { class: 'form-error' }, errorText(r))
        : r.json.items.length
          ? table(r.json.items.map((n) => ({ ...n, rule: n.rule })), (n) => resend(n, load))
          : el('p', { class: 'muted', id: 'no-failures' }, '没有发送失败的通知。'));
  };
  load();
}

/** #/robots: one 企业微信 or 钉钉 group robot per community, department and the county office. */
export function renderRobots(container) {
  const scope = el('select', { id: 'robot-scope' }, ...[['community', '社区'], ['department', '部门'], ['county', '县级']].map(([v, l]) => el('option', { value: v }, l)));
  const scopeId = el('input', { id: 'robot-scope_id', inputmode: 'numeric', placeholder: '社区或部门编号（县级填 0）' });
  const kind = el('select', { id: 'robot-kind' }, el('option', { value: 'wecom' }, '企业微信'), el('option', { value: 'dingtalk' }, '钉钉'));
  const url = el('input', { id: 'robot-url', type: 'url', placeholder: 'https://…' });
  const secret = el('input', { id: 'robot-secret', type: 'password', autocomplete: 'off', placeholder: '钉钉加签密钥（不改可留空）' });
  const err = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const list = el('div', { id: 'robot-list' });
  const load = async () => {
    const r = await api('/api/v1/robots');
    put(list, !r.ok ? el('p', { class: 'form-error' }, errorText(r)) : el('table', { class: 'table' },
      el('thead', {}, el('tr', {}, ...['范围', '类型', '地址', '密钥', '更新', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...r.json.items.map((x) => el('tr', {},
        el('td', {}, `${x.scope_name || ''}（${x.scope}:${x.scope_id}）`), el('td', {}, x.kind === 'dingtalk' ? '钉钉' : '企业微信'),
        el('td', {}, x.url), el('td', {}, x.secret || '—'), el('td', {}, formatFullTime(x.updated_at)),
        el('td', {}, el('button', { type: 'button', class: 'btn small danger', onclick: async () => {
          const d = await api('/api/v1/robots', { method: 'DELETE', query: { scope: x.scope, scope_id: x.scope_id } });
          toast(d.ok ? '已删除' : errorText(d));
          load();
        } }, '删除')))))));
  };
  const form = el('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const body = { scope: scope.value, scope_id: Number(scopeId.value || 0), kind: kind.value, url: url.value.trim() };
    if (secret.value) body.secret = secret.value;
    const r = await api('/api/v1/robots', { method: 'PUT', body });
    if (r.ok) { toast('已保存'); secret.value = ''; err.hidden = true; load(); return; }
    const fields = r.json?.error?.fields;
    err.textContent = fields ? Object.entries(fields).map(([k, m]) => `${k}：${fieldText(m)}`).join('；') : errorText(r);
    err.hidden = false;
  } },
  el('h2', {}, '设置群机器人'), ...[['范围', scope], ['编号', scopeId], ['类型', kind], ['Webhook 地址', url], ['密钥', secret]]
    .map(([l, i]) => el('div', { class: 'field' }, el('label', { for: i.id }, l), i)),
  err, el('button', { type: 'submit', class: 'btn primary' }, '保存'));
  put(container, el('h1', {}, '群机器人'), list, form);
  load();
}
