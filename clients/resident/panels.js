// The two things a resident can do on the status page, each sending the resident key (or, without
// it, relying on a 查我的点单 session of the order's phone, an HttpOnly cookie the page cannot see):
// 取消点单 while the server allows it, and 评价 once the work is done.
import { t } from '/common/i18n.js';
import { el, put, api, errorMessage, residentKey } from './lib.js';

export function stars(n) {
  const k = Math.max(0, Math.min(5, Number(n) || 0));
  return '★'.repeat(k) + '☆'.repeat(5 - k);
}

// The resident key: from the link's fragment (#key=…) or this phone's list of recent orders; without it
// a 查我的点单 session may stand in, else the resident asks their community, who may act for them.
function tailField(id) {
  const err = el('p', { class: 'err', id: `err-${id}`, hidden: true, role: 'alert' });
  const node = el('div', { class: 'field' }, err);
  const show = (message, link) => {
    put(err, message || '', link ? [' ', el('a', { href: '/mine.html', id: `${id}-mine` }, t('key.mine'))] : null);
    err.hidden = !message;
    node.classList.toggle('invalid', Boolean(message));
  };
  let code = '';
  return {
    input: err,
    node,
    show,
    forOrder(c) { code = c; return this; },
    value() {
      show('');
      return residentKey(code);
    },
  };
}

/** Whether a 查我的点单 session on this phone covers the order (then it needs no key). */
async function sessionHolds(code) {
  const r = await api('/api/v1/resident/orders');
  return Boolean(r.ok && r.json?.items?.some((o) => o.tracking_code === code));
}

/** What a refusal of the key means, in plain words; null when it is something else. */
function tailRefusal(r) {
  if (r.status === 403) return t('key.wrong');
  return null;
}

/**
 * Posts {resident_key, …} to /api/v1/track/{code}/{action}; on success or conflict calls
 * settled(order or null, flash); a refusal is shown under the form.
 */
async function post(code, action, tail, body, goodText, settled) {
  const key = tail.forOrder(code).value();
  if (!key && !(await sessionHolds(code))) { tail.show(t('key.missing'), true); return; }
  const r = await api(`/api/v1/track/${code}/${action}`, { method: 'POST', body: key ? { resident_key: key, ...body } : body });
  if (r.ok && r.json) { settled(r.json, { kind: 'good', text: goodText }); return; }
  const refusal = tailRefusal(r);
  if (refusal) { tail.show(refusal); return; }
  if (r.status === 409) { settled(null, { kind: 'bad', text: r.json?.error?.code === 'already_rated' ? t('eval.already') : t('error.conflict') }); return; }
  if (r.status === 422 && r.json?.error?.fields?.resident_key) { tail.show(t('key.wrong')); return; }
  tail.show(errorMessage(r));
}

export function cancelPanel(order, settled) {
  const tail = tailField('cancel-tail');
  const reason = el('textarea', { id: 'cancel-reason', name: 'reason', rows: '2', maxlength: '500' });
  const button = el('button', { type: 'submit', class: 'btn danger primary' }, t('cancel.submit'));
  const form = el('form', { id: 'cancel-form', hidden: true, onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    await post(order.tracking_code, 'cancel', tail, reason.value.trim() ? { reason: reason.value.trim() } : {}, t('cancel.done'), settled);
    button.disabled = false;
  } },
  el('p', {}, t('cancel.explain')),
  tail.node,
  el('div', { class: 'field' }, el('label', { for: 'cancel-reason' }, t('cancel.reason')), reason),
  el('div', { class: 'row' }, button,
    el('button', { type: 'button', class: 'btn', onclick: () => { form.hidden = true; open.hidden = false; open.focus(); } }, t('cancel.back'))));
  const open = el('button', { type: 'button', class: 'btn danger', id: 'cancel-open', dataset: { action: 'cancel' }, onclick: () => {
    form.hidden = false;
    open.hidden = true;
  } }, t('action.cancel'));
  return el('section', { class: 'panel', id: 'cancel' }, el('h2', {}, t('cancel.title')), open, form);
}

function starGroup(onPick) {
  const labels = [];
  const group = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': t('eval.stars') });
  const paint = (n) => labels.forEach((l, i) => l.classList.toggle('on', i < n));
  let rating = 0;
  for (let n = 1; n <= 5; n++) {
    const input = el('input', { type: 'radio', name: 'rating', value: n, id: `star-${n}`, 'aria-label': t('eval.star_n', { n }) });
    const label = el('label', { for: `star-${n}`, title: t(`eval.star_words.${n}`) }, el('span', { 'aria-hidden': 'true' }, '★'));
    input.addEventListener('change', () => { rating = n; paint(n); onPick(n); });
    label.addEventListener('mouseenter', () => paint(n));
    label.addEventListener('mouseleave', () => paint(rating));
    labels.push(label);
    group.append(input, label);
  }
  return { group, first: labels[0] };
}

export function evaluatePanel(order, settled) {
  let rating = 0;
  const words = el('p', { class: 'star-words', 'aria-live': 'polite' });
  const err = el('p', { class: 'err', hidden: true, role: 'alert' });
  const { group, first } = starGroup((n) => { rating = n; words.textContent = t(`eval.star_words.${n}`); err.hidden = true; });
  const comment = el('textarea', { id: 'eval-comment', name: 'comment', rows: '3', maxlength: '500' });
  const tail = tailField('eval-tail');
  const button = el('button', { type: 'submit', class: 'btn primary big' }, t('eval.submit'));
  const form = el('form', { id: 'eval-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!rating) { err.textContent = t('eval.pick'); err.hidden = false; first.scrollIntoView({ block: 'center' }); return; }
    const body = { rating };
    const c = comment.value.trim();
    if (c) body.comment = [...c].slice(0, 500).join('');
    button.disabled = true;
    await post(order.tracking_code, 'evaluation', tail, body, t('eval.thanks'), settled);
    button.disabled = false;
  } },
  el('fieldset', { class: 'field' }, el('legend', {}, t('eval.stars')), group, words, err),
  el('div', { class: 'field' }, el('label', { for: 'eval-comment' }, t('eval.comment')), comment),
  tail.node,
  button);
  return el('section', { class: 'panel', id: 'evaluate' }, el('h2', {}, t('eval.title')), form);
}
