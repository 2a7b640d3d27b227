// 查我的点单 (/mine.html): for a resident who lost the tracking code or the order's link. Enter the
// phone number given with the order, get a 6-digit code by SMS, enter it: the orders of that phone
// are listed, each linking to its status page, where the session (an HttpOnly cookie this page never
// sees) also lets them cancel or rate without the link's key.
import own from './messages.js';
import { t, applyI18n, useTexts } from '/common/i18n.js';
import { applyPrefs, prefsControls } from '/common/prefs.js';
import { localText } from '/common/api.js';
import { el, put, api, formatTime } from './lib.js';
import { normalizePhone } from './checks.js';

useTexts('resident', own); // before anything renders

const main = document.getElementById('main');

/** The server's field message (or its message) in the page's language, else fallback. */
function plain(r, fallback) {
  if (r.status === 0) return t('error.network');
  const e = r.json?.error;
  const m = (e?.fields && Object.values(e.fields)[0]) || e?.message;
  return m ? localText(m) : fallback;
}

function field(id, label, attrs) {
  const err = el('p', { class: 'err', id: `err-${id}`, role: 'alert', hidden: true });
  const input = el('input', { id, name: id, 'aria-describedby': `err-${id}`, ...attrs });
  return { input, err, box: el('div', { class: 'field', id: `f-${id}` }, el('label', { for: id }, label), input, err) };
}

function showError(f, text) {
  f.err.textContent = text || '';
  f.err.hidden = !text;
  f.box.classList.toggle('invalid', Boolean(text));
  f.input.setAttribute('aria-invalid', text ? 'true' : 'false');
  if (text) f.input.focus();
}

async function showOrders() {
  const r = await api('/api/v1/resident/orders');
  if (r.ok && r.json?.phone === null) { askPhone(); return; }
  if (!r.ok || !r.json) {
    put(main, el('h1', {}, t('mine.title')), el('p', { class: 'message bad', role: 'alert' }, plain(r, t('mine.load_failed'))),
      el('button', { type: 'button', class: 'btn primary', onclick: showOrders }, t('track.retry')));
    return;
  }
  const items = r.json.items;
  put(main,
    el('h1', {}, t('mine.list_title')),
    el('p', { class: 'muted', id: 'mine-phone' }, t('mine.list_intro', { phone: r.json.phone })),
    items.length === 0 ? el('p', { id: 'mine-none' }, t('mine.none')) : el('ul', { class: 'orders', id: 'my-orders' },
      items.map((o) => el('li', { dataset: { code: o.tracking_code } },
        el('a', { href: `/track/${o.tracking_code}` }, `${o.category_name} · ${o.community_name}`),
        el('br'),
        el('span', { class: 'badge', dataset: { state: o.state } }, t(`state.${o.state}`)),
        o.team_name ? el('span', {}, ` ${o.team_name}`) : null,
        el('br'),
        el('small', { class: 'muted' }, t('mine.submitted', { time: formatTime(o.created_at) }))))),
    el('p', { class: 'muted small' }, t('mine.session_note')));
}

function askCode(phone) {
  const code = field('code', t('mine.code_label'), { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', class: 'tail' });
  const button = el('button', { type: 'submit', class: 'btn primary big' }, t('mine.code_button'));
  const form = el('form', { class: 'panel', id: 'mine-code-form', onsubmit: async (e) => {
    e.preventDefault();
    const v = code.input.value.trim();
    if (!/^\d{6}$/.test(v)) { showError(code, t('mine.code_bad')); return; }
    button.disabled = true;
    const r = await api('/api/v1/resident/sessions', { method: 'POST', body: { phone, code: v } });
    button.disabled = false;
    if (r.status === 201) { showOrders(); return; }
    showError(code, plain(r, t('mine.failed')));
  } }, code.box, button);
  put(main, el('h1', {}, t('mine.title')),
    el('p', { role: 'status', id: 'mine-sent' }, t('mine.sent')),
    form,
    el('p', {}, el('button', { type: 'button', class: 'btn', id: 'mine-again', onclick: askPhone }, t('mine.again'))));
  code.input.focus();
}

function askPhone() {
  const phone = field('phone', t('mine.phone_label'), { type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: '20' });
  const button = el('button', { type: 'submit', class: 'btn primary big' }, t('mine.phone_button'));
  const form = el('form', { class: 'panel', id: 'mine-phone-form', onsubmit: async (e) => {
    e.preventDefault();
    const p = normalizePhone(phone.input.value);
    if (!p || !/^1[3-9]\d{9}$/.test(p)) { showError(phone, t('mine.phone_bad')); return; }
    button.disabled = true;
    const r = await api('/api/v1/resident/codes', { method: 'POST', body: { phone: p } });
    button.disabled = false;
    if (r.status === 202) { askCode(p); return; }
    showError(phone, plain(r, t('mine.send_failed')));
  } }, phone.box, button);
  put(main, el('h1', {}, t('mine.title')), el('p', {}, t('mine.intro')), form);
  phone.input.focus();
}

applyPrefs();
applyI18n();
document.title = `${t('mine.title')} · ${t('app.brand')}`;
document.getElementById('prefs').replaceWith(prefsControls());
showOrders();
