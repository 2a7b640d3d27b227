// The status page /track/<code>: the order's state and timeline in plain words; cancel while the
// server allows it, 评单 once the work is done. Both ask for the phone's last four digits.
import { t, applyI18n } from './i18n.js';
import { el, put, api, errorMessage, formatTime, TRACKING_CODE_RE } from './lib.js';

const main = document.getElementById('main');
let order = null;
let flash = null; // {kind: 'good'|'bad', text} shown above the actions after the next render

function codeFromPath() {
  const m = /^\/track\/([^/?#]*)/.exec(location.pathname);
  return m ? decodeURIComponent(m[1]).replace(/[\s-]/g, '').toUpperCase() : '';
}

// ------------------------------------------------------------------ lookup

function lookupForm(message) {
  const input = el('input', {
    id: 'code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: '14', class: 'tail', style: 'max-width:100%;letter-spacing:.15em',
  });
  const err = el('p', { class: 'err', id: 'err-code', hidden: true });
  const form = el('form', { class: 'panel', onsubmit: (e) => {
    e.preventDefault();
    const code = input.value.replace(/[\s-]/g, '').toUpperCase();
    if (!TRACKING_CODE_RE.test(code)) {
      err.textContent = t('track.lookup_bad');
      err.hidden = false;
      input.focus();
      return;
    }
    location.href = `/track/${code}`;
  } },
  el('div', { class: 'field' }, el('label', { for: 'code' }, t('track.lookup_label')), input, err),
  el('button', { type: 'submit', class: 'btn primary big' }, t('track.lookup_button')));
  put(main, 
    el('h1', {}, t('track.lookup_title')),
    message ? el('p', { class: 'message bad', role: 'alert' }, message) : null,
    form);
  input.focus();
}

// ------------------------------------------------------------------ loading

async function load(code) {
  if (!order) put(main, el('p', { role: 'status' }, t('track.loading')));
  const r = await api(`/api/v1/track/${encodeURIComponent(code)}`);
  if (r.status === 404) { lookupForm(t('track.not_found')); return; }
  if (!r.ok || !r.json) {
    put(main, 
      el('h1', {}, t('track.title')),
      el('p', { class: 'message bad', role: 'alert' }, r.status === 0 ? t('track.load_failed') : errorMessage(r)),
      el('button', { type: 'button', class: 'btn primary', onclick: () => load(code) }, t('track.retry')));
    return;
  }
  order = r.json;
  render();
}

// ------------------------------------------------------------------ words for the timeline

function stars(n) {
  const k = Math.max(0, Math.min(5, Number(n) || 0));
  return '★'.repeat(k) + '☆'.repeat(5 - k);
}

function eventText(e, isLastAccept) {
  const department = order.department_name;
  switch (e.action) {
    case 'submit': return t('event.submit');
    case 'dispatch': return department ? t('event.dispatch', { department }) : t('event.dispatch_plain');
    case 'claim': return department ? t('event.claim', { department }) : t('event.claim_plain');
    case 'accept': return isLastAccept && order.team_name ? t('event.accept_team', { team: order.team_name }) : t('event.accept');
    case 'evaluate': return t('event.evaluate', { stars: stars(order.evaluation && order.evaluation.rating) });
    case 'reject': case 'return': case 'offer': case 'withdraw': case 'start': case 'complete':
    case 'confirm': case 'cancel': case 'escalate':
      return t(`event.${e.action}`);
    default: return t('event.other');
  }
}

/** Notes shown to the resident: only the reasons given for turning the order back or away. */
const REASON_ACTIONS = new Set(['reject', 'return', 'withdraw', 'cancel']);

function timeline() {
  const events = [...(order.events || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const lastAccept = events.map((e) => e.action).lastIndexOf('accept');
  return el('ol', { class: 'timeline', id: 'timeline' }, events.map((e, i) => el('li', { dataset: { action: e.action } },
    el('span', { class: 'when' }, formatTime(e.at)),
    el('span', { class: 'what' }, eventText(e, i === lastAccept)),
    REASON_ACTIONS.has(e.action) && e.note ? el('span', { class: 'why' }, t('event.reason', { reason: e.note })) : null)));
}

// ------------------------------------------------------------------ the page

function fact(label, value) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', {}, el('dt', {}, label), el('dd', {}, value));
}

function render() {
  const o = order;
  const note = o.state === 'completed' || o.state === 'closed' ? t(`state_note.${o.state}`) : null;
  const actions = o.actions || [];
  put(main, 
    el('h1', {}, t('track.title')),
    el('section', { class: `status-card s-${o.state}`, 'aria-live': 'polite' },
      el('p', { class: 'state', id: 'state', dataset: { state: o.state } }, t(`state.${o.state}`)),
      note ? el('p', { class: 'note' }, note) : null,
      o.reason && (o.state === 'rejected' || o.state === 'cancelled') ? el('p', { class: 'note' }, t('event.reason', { reason: o.reason })) : null,
      o.overdue ? el('p', { class: 'note' }, t('track.overdue')) : null),
    flash ? el('p', { class: `message ${flash.kind}`, role: flash.kind === 'bad' ? 'alert' : 'status' }, flash.text) : null,
    actions.includes('evaluate') ? evaluatePanel() : null,
    o.evaluation ? el('section', { class: 'panel', id: 'evaluation' },
      el('h2', {}, t('eval.yours')),
      el('p', { class: 'stars-show', 'aria-label': t('eval.star_n', { n: o.evaluation.rating }) }, stars(o.evaluation.rating)),
      o.evaluation.comment ? el('p', {}, o.evaluation.comment) : null) : null,
    el('dl', { class: 'facts' },
      fact(t('track.code'), el('b', { id: 'code' }, o.tracking_code)),
      fact(t('track.category'), o.category_name),
      fact(t('track.community'), o.community_name),
      fact(t('track.description'), o.description),
      fact(t('track.contact'), [o.contact_name, o.contact_phone].filter(Boolean).join('　')),
      fact(t('track.team'), o.team_name),
      fact(t('track.summary'), o.summary),
      fact(t('track.submitted_at'), formatTime(o.created_at))),
    el('h2', {}, t('track.timeline')),
    timeline(),
    actions.includes('cancel') ? cancelPanel() : null,
    el('p', { class: 'row', style: 'margin-top:24px' },
      el('button', { type: 'button', class: 'btn', id: 'refresh', onclick: () => { flash = null; load(o.tracking_code); } }, t('track.refresh')),
      el('a', { class: 'btn', href: '/' }, t('track.new_order'))),
  );
  flash = null;
}

// ------------------------------------------------------------------ phone tail, shared by both forms

function tailField(id) {
  const input = el('input', {
    id, name: 'phone_tail', class: 'tail', inputmode: 'numeric', pattern: '[0-9]{4}', maxlength: '4',
    autocomplete: 'off', required: true, 'aria-describedby': `err-${id}`,
  });
  const err = el('p', { class: 'err', id: `err-${id}`, hidden: true, role: 'alert' });
  return {
    input,
    err,
    node: el('div', { class: 'field' }, el('label', { for: id }, t('phone_tail.label')), input, err),
    value() {
      const v = input.value.replace(/\s/g, '');
      if (!/^\d{4}$/.test(v)) { this.show(t('phone_tail.bad')); return null; }
      this.show('');
      return v;
    },
    show(message) { err.textContent = message; err.hidden = !message; },
  };
}

/** What a refusal of the phone digits means, in plain words; null when it is something else. */
function tailRefusal(r) {
  if (r.status === 403) return t('phone_tail.wrong');
  if (r.status === 429) {
    const s = Number(r.headers.get('Retry-After'));
    return Number.isFinite(s) && s > 0 ? t('phone_tail.locked', { minutes: Math.max(1, Math.ceil(s / 60)) }) : t('phone_tail.locked_soon');
  }
  return null;
}

async function afterAction(r, tail, goodText) {
  if (r.ok && r.json) {
    order = r.json;
    flash = { kind: 'good', text: goodText };
    render();
    document.getElementById('state').scrollIntoView({ block: 'center' });
    return;
  }
  const refusal = tailRefusal(r);
  if (refusal) { tail.show(refusal); tail.input.focus(); return; }
  if (r.status === 409) {
    flash = { kind: 'bad', text: r.json?.error?.code === 'already_rated' ? t('eval.already') : t('error.conflict') };
    await load(order.tracking_code);
    return;
  }
  if (r.status === 422 && r.json?.error?.fields?.phone_tail) { tail.show(t('phone_tail.bad')); return; }
  tail.show(errorMessage(r));
}

// ------------------------------------------------------------------ cancel

function cancelPanel() {
  const tail = tailField('cancel-tail');
  const reason = el('textarea', { id: 'cancel-reason', name: 'reason', rows: '2', maxlength: '500' });
  const button = el('button', { type: 'submit', class: 'btn danger primary' }, t('cancel.submit'));
  const form = el('form', { id: 'cancel-form', hidden: true, onsubmit: async (e) => {
    e.preventDefault();
    const phone_tail = tail.value();
    if (!phone_tail) { tail.input.focus(); return; }
    button.disabled = true;
    const body = { phone_tail };
    if (reason.value.trim()) body.reason = reason.value.trim();
    const r = await api(`/api/v1/track/${order.tracking_code}/cancel`, { method: 'POST', body });
    button.disabled = false;
    await afterAction(r, tail, t('cancel.done'));
  } },
  el('p', {}, t('cancel.explain')),
  tail.node,
  el('div', { class: 'field' }, el('label', { for: 'cancel-reason' }, t('cancel.reason')), reason),
  el('div', { class: 'row' }, button,
    el('button', { type: 'button', class: 'btn', onclick: () => { form.hidden = true; open.hidden = false; } }, t('cancel.back'))));
  const open = el('button', { type: 'button', class: 'btn danger', id: 'cancel-open', onclick: () => {
    form.hidden = false;
    open.hidden = true;
    tail.input.focus();
  } }, t('cancel.open'));
  return el('section', { class: 'panel', id: 'cancel' }, el('h2', {}, t('cancel.title')), open, form);
}

// ------------------------------------------------------------------ 评单

function evaluatePanel() {
  let rating = 0;
  const words = el('p', { class: 'star-words', 'aria-live': 'polite' });
  const err = el('p', { class: 'err', hidden: true, role: 'alert' });
  const labels = [];
  const group = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': t('eval.stars') });
  const paint = (n) => labels.forEach((l, i) => l.classList.toggle('on', i < n));
  for (let n = 1; n <= 5; n++) {
    const input = el('input', { type: 'radio', name: 'rating', value: n, id: `star-${n}`, 'aria-label': t('eval.star_n', { n }) });
    const label = el('label', { for: `star-${n}`, title: t(`eval.star_words.${n}`) }, '★');
    input.addEventListener('change', () => {
      rating = n;
      paint(n);
      words.textContent = t(`eval.star_words.${n}`);
      err.hidden = true;
    });
    label.addEventListener('mouseenter', () => paint(n));
    label.addEventListener('mouseleave', () => paint(rating));
    labels.push(label);
    group.append(input, label);
  }
  const comment = el('textarea', { id: 'eval-comment', name: 'comment', rows: '3', maxlength: '500' });
  const tail = tailField('eval-tail');
  const button = el('button', { type: 'submit', class: 'btn primary big' }, t('eval.submit'));
  const form = el('form', { id: 'eval-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!rating) { err.textContent = t('eval.pick'); err.hidden = false; labels[0].scrollIntoView({ block: 'center' }); return; }
    const phone_tail = tail.value();
    if (!phone_tail) { tail.input.focus(); return; }
    const body = { phone_tail, rating };
    const c = comment.value.trim();
    if (c) body.comment = [...c].slice(0, 500).join('');
    button.disabled = true;
    const r = await api(`/api/v1/track/${order.tracking_code}/evaluation`, { method: 'POST', body });
    button.disabled = false;
    await afterAction(r, tail, t('eval.thanks'));
  } },
  el('fieldset', { class: 'field' }, el('legend', {}, t('eval.stars')), group, words, err),
  el('div', { class: 'field' }, el('label', { for: 'eval-comment' }, t('eval.comment')), comment),
  tail.node,
  button);
  return el('section', { class: 'panel', id: 'evaluate' }, el('h2', {}, t('eval.title')), form);
}

// ------------------------------------------------------------------ start

applyI18n();
const code = codeFromPath();
if (!code) lookupForm();
else if (!TRACKING_CODE_RE.test(code)) lookupForm(t('track.not_found'));
else load(code);
// Coming back to the page (e.g. from another app) shows the latest state.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && order && !document.querySelector('form:focus-within')) load(order.tracking_code);
});
