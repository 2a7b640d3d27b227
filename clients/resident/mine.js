// 查我的点单 (/mine.html): for a resident who lost the tracking code. Enter the phone number given
// with the order, get a 6-digit code by SMS, enter it: the orders of that phone are listed, each
// linking to its status page. The session is an HttpOnly cookie the page never sees.
import { el, put, api, formatTime, normalizePhone } from './lib.js';

const main = document.getElementById('main');

const STATES = {
  submitted: '已提交，等社区处理', dispatched: '社区已派单，等部门领单', claimed: '部门已领单，正在安排服务队',
  accepted: '服务队已接单，会和您联系', in_progress: '服务正在进行', completed: '服务已完成', closed: '已办结',
  rejected: '没有受理', cancelled: '已取消',
};

/** The server's message without its English part in brackets. */
const plain = (r, fallback) => {
  const e = r.json?.error;
  const m = (e?.fields && Object.values(e.fields)[0]) || e?.message;
  return r.status === 0 ? '网络不通，请稍后再试' : (m ? m.replace(/\s*\([^)]*\)\s*$/, '') : fallback);
};

function field(id, label, attrs) {
  const input = el('input', { id, name: id, ...attrs });
  const err = el('p', { class: 'err', id: `err-${id}`, role: 'alert', hidden: true });
  return { input, err, box: el('div', { class: 'field' }, el('label', { for: id }, label), input, err) };
}

function showError(f, text) {
  f.err.textContent = text;
  f.err.hidden = !text;
  if (text) f.input.focus();
}

async function showOrders() {
  const r = await api('/api/v1/resident/orders');
  if (r.ok && r.json?.phone === null) { askPhone(); return; }
  if (!r.ok) { put(main, el('p', { class: 'message bad', role: 'alert' }, plain(r, '暂时查不到，请稍后再试'))); return; }
  const items = r.json.items;
  put(main,
    el('h1', {}, '我的点单'),
    el('p', { class: 'muted' }, `手机号 ${r.json.phone} 留下的点单：`),
    items.length === 0 ? el('p', {}, '这个号码还没有点单。') : el('ul', { class: 'orders', id: 'my-orders' },
      ...items.map((o) => el('li', { 'data-code': o.tracking_code },
        el('a', { href: `/track/${o.tracking_code}` }, `${o.category_name} · ${o.community_name}`),
        el('br'),
        el('span', {}, `${STATES[o.state] || o.state}${o.team_name ? '（' + o.team_name + '）' : ''}`),
        el('br'),
        el('small', { class: 'muted' }, `提交于 ${formatTime(o.created_at)}`)))));
}

function askCode(phone) {
  const code = field('code', '短信验证码（6 位数字）', { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' });
  const form = el('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    const v = code.input.value.trim();
    if (!/^\d{6}$/.test(v)) { showError(code, '请填写短信里的 6 位数字'); return; }
    const r = await api('/api/v1/resident/sessions', { method: 'POST', body: { phone, code: v } });
    if (r.status === 201) { showOrders(); return; }
    showError(code, plain(r, '没有成功，请再试一次'));
  } }, code.box, el('button', { type: 'submit', class: 'btn primary big' }, '查看我的点单'));
  put(main, el('h1', {}, '查我的点单'), el('p', { role: 'status' }, '验证码已发到您的手机，5 分钟内有效。'), form,
    el('p', {}, el('button', { type: 'button', class: 'btn', onclick: askPhone }, '换个号码或重新获取')));
  code.input.focus();
}

function askPhone() {
  const phone = field('phone', '点单时留的手机号', { type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: '20' });
  const form = el('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    const p = normalizePhone(phone.input.value);
    if (!p || !/^1[3-9]\d{9}$/.test(p)) { showError(phone, '请填写 11 位手机号'); return; }
    const r = await api('/api/v1/resident/codes', { method: 'POST', body: { phone: p } });
    if (r.status === 202) { askCode(p); return; }
    showError(phone, plain(r, '验证码发送失败，请稍后再试'));
  } }, phone.box, el('button', { type: 'submit', class: 'btn primary big' }, '获取短信验证码'));
  put(main, el('h1', {}, '查我的点单'), el('p', {}, '忘了查询码？用点单时留的手机号接收验证码，就能看到您的全部点单。'), form);
  phone.input.focus();
}

showOrders();
