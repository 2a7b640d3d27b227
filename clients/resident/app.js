// 点单: fills the static form from the catalog, checks it the way the server does, and submits it as
// JSON with an Idempotency-Key that is kept (with the body) until the server has the order, so a
// retry after a network error or a 503 can never make a second order.
import { t, applyI18n } from './i18n.js';
import {
  el, chars, normalizePhone, uuid, api, errorMessage, formatDate, recentOrders, rememberOrder,
} from './lib.js';

const PENDING_KEY = 'paidan.pending'; // sessionStorage: {key, body} of the form being sent
const FIELDS = ['community_id', 'category_id', 'description', 'contact_name', 'contact_phone', 'address', 'preferred_time'];

const $ = (id) => document.getElementById(id);
const form = $('order-form');
let catalog = null;
const touched = new Set();
let sending = false;

// ------------------------------------------------------------------ catalog → form

async function loadCatalog() {
  const state = $('load-state');
  state.hidden = false;
  state.replaceChildren(t('form.loading'));
  const r = await api('/api/v1/catalog');
  if (!r.ok || !r.json) {
    state.replaceChildren(
      t('form.load_failed'), ' ',
      el('button', { type: 'button', class: 'btn small', onclick: loadCatalog }, t('form.load_retry')), ' ',
      el('a', { href: '/form' }, t('form.load_simple')),
    );
    return;
  }
  catalog = r.json;
  state.hidden = true;
  buildForm();
  restorePending();
  form.hidden = false;
}

function buildForm() {
  const town = $('town');
  town.replaceChildren(el('option', { value: '' }, t('field.town_pick')),
    ...catalog.towns.filter((x) => x.communities.length).map((x) => el('option', { value: x.id }, x.name)));
  town.addEventListener('change', () => { fillCommunities(); check('community_id'); });
  fillCommunities();

  $('categories').replaceChildren(...catalog.categories.map((c) => el('label', { class: 'choice' },
    el('input', { type: 'radio', name: 'category_id', value: c.id, required: true }),
    el('span', { class: 'choice-text' },
      el('b', {}, c.name),
      c.description ? el('small', {}, c.description) : null))));
}

function fillCommunities(selected) {
  const townId = $('town').value;
  const select = $('community_id');
  const town = catalog.towns.find((x) => String(x.id) === townId);
  if (!town) {
    select.replaceChildren(el('option', { value: '' }, t('field.community_first')));
    select.disabled = true;
    return;
  }
  select.disabled = false;
  select.replaceChildren(el('option', { value: '' }, t('field.community_pick')),
    ...town.communities.map((c) => el('option', { value: c.id }, c.name)));
  if (town.communities.length === 1) select.value = String(town.communities[0].id);
  if (selected) select.value = String(selected);
}

// ------------------------------------------------------------------ reading and checking

function values() {
  const fd = new FormData(form);
  const v = {};
  for (const f of FIELDS) v[f] = String(fd.get(f) ?? '');
  return v;
}

/** The JSON body the server expects (ids as numbers, optional texts only when given). */
function body(v) {
  const b = {
    community_id: Number(v.community_id),
    category_id: Number(v.category_id),
    description: v.description.trim(),
    contact_name: v.contact_name.trim(),
    contact_phone: v.contact_phone.trim(),
  };
  if (v.address.trim()) b.address = v.address.trim();
  if (v.preferred_time.trim()) b.preferred_time = v.preferred_time.trim();
  return b;
}

/** What is wrong with one field (the server's rules), or ''. */
function problem(field, v) {
  const s = v[field].trim();
  switch (field) {
    case 'community_id': return /^\d+$/.test(v.community_id) ? '' : t('check.community_id');
    case 'category_id': return /^\d+$/.test(v.category_id) ? '' : t('check.category_id');
    case 'description':
      if (!s) return t('check.description');
      return chars(s) > 2000 ? t('check.description_long', { n: chars(s) - 2000 }) : '';
    case 'contact_name':
      if (!s) return t('check.contact_name');
      return chars(s) > 50 ? t('check.contact_name_long') : '';
    case 'contact_phone':
      if (!s) return t('check.contact_phone');
      return chars(s) > 30 || !normalizePhone(s) ? t('check.contact_phone_bad') : '';
    case 'address': return chars(s) > 200 ? t('check.address_long') : '';
    case 'preferred_time': return chars(s) > 100 ? t('check.preferred_time_long') : '';
    default: return '';
  }
}

function showError(field, message) {
  const p = $(`err-${field}`);
  const box = $(`f-${field}`);
  p.textContent = message || '';
  p.hidden = !message;
  box.classList.toggle('invalid', Boolean(message));
  const input = field === 'category_id' ? null : form.elements[field];
  if (input && input.setAttribute) input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

function check(field) {
  const message = problem(field, values());
  showError(field, message);
  return message;
}

function updateCounter() {
  const n = chars($('description').value.trim());
  const left = 2000 - n;
  const counter = $('left-description');
  counter.textContent = n > 1500 || left < 0 ? t('field.description_left', { n: Math.max(left, 0) }) : '';
}

function showSummary(count) {
  const s = $('error-summary');
  if (!count) { s.hidden = true; return; }
  s.textContent = t('check.summary', { n: count });
  s.hidden = false;
}

/** Focus the first field with an error, so a screen reader or a thumb lands on it. */
function focusFirstError() {
  for (const f of FIELDS) {
    if (!$(`err-${f}`).hidden) {
      const target = f === 'category_id' ? form.querySelector('input[name=category_id]')
        : f === 'community_id' && !$('town').value ? $('town') : form.elements[f];
      target.focus();
      target.scrollIntoView({ block: 'center' });
      return;
    }
  }
}

// ------------------------------------------------------------------ submitting

function pending() {
  try { return JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null'); } catch { return null; }
}

function setPending(p) {
  try {
    if (p) sessionStorage.setItem(PENDING_KEY, JSON.stringify(p));
    else sessionStorage.removeItem(PENDING_KEY);
  } catch { /* storage may be off: the key then lives only in this page */ }
}

/** The key for this body: the kept one while the body is unchanged, else a new one. */
function keyFor(text) {
  const p = pending();
  if (p && p.body === text && p.key) return p.key;
  const key = uuid();
  setPending({ key, body: text });
  return key;
}

function setSubmitState(text, { retry = false } = {}) {
  const s = $('submit-state');
  s.replaceChildren();
  s.hidden = !text;
  if (text) s.append(text);
  if (retry) {
    s.append(' ', el('button', { type: 'button', class: 'btn small', onclick: () => form.requestSubmit() }, t('submit.retry')));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  const v = values();
  let bad = 0;
  for (const f of FIELDS) {
    touched.add(f);
    if (check(f)) bad++;
  }
  showSummary(bad);
  if (bad) { focusFirstError(); return; }

  const b = body(v);
  const text = JSON.stringify(b);
  let key = keyFor(text);
  sending = true;
  $('submit').disabled = true;
  setSubmitState(t('submit.sending'));
  try {
    for (let attempt = 1; ; attempt++) {
      const r = await api('/api/v1/orders', { method: 'POST', body: b, headers: { 'Idempotency-Key': key } });
      if (r.status === 201 || r.status === 200) {
        setPending(null);
        done(r.json);
        return;
      }
      if (r.status === 422 && r.json?.error?.code === 'idempotency_key_reused' && attempt === 1) {
        setPending(null);
        key = keyFor(text);
        continue;
      }
      if (r.status === 422 && r.json?.error?.fields) {
        const fields = r.json.error.fields;
        let n = 0;
        for (const [f, message] of Object.entries(fields)) {
          if (!FIELDS.includes(f)) continue;
          showError(f, message.replace(/\s*\([^)]*\)\s*$/, ''));
          n++;
        }
        showSummary(n || Object.keys(fields).length);
        setSubmitState('');
        focusFirstError();
        return;
      }
      const transient = r.status === 0 || r.status === 503 || r.status === 502 || r.status === 504;
      if (transient && attempt < 3) {
        setSubmitState(t('submit.retrying', { n: attempt + 1 }));
        const after = Number(r.headers.get('Retry-After'));
        await sleep(Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 1500 * attempt, 8000));
        continue;
      }
      if (transient) setSubmitState(r.status === 0 ? t('submit.offline') : t('submit.busy'), { retry: true });
      else setSubmitState(t('submit.failed', { message: errorMessage(r).replace(/^[^：]*：/, '') }), { retry: r.status >= 500 });
      return;
    }
  } finally {
    sending = false;
    $('submit').disabled = false;
  }
}

function done(order) {
  const category = catalog.categories.find((c) => c.id === order.category_id);
  rememberOrder(order, category && category.name);
  $('order').hidden = true;
  $('done-code').textContent = order.tracking_code;
  $('done-track').href = `/track/${order.tracking_code}`;
  $('done').hidden = false;
  $('done').focus();
  window.scrollTo(0, 0);
  showRecent();
}

function again() {
  form.reset();
  touched.clear();
  for (const f of FIELDS) showError(f, '');
  showSummary(0);
  setSubmitState('');
  fillCommunities();
  $('restored').hidden = true;
  $('done').hidden = true;
  $('order').hidden = false;
  window.scrollTo(0, 0);
  $('town').focus();
}

/** After a reload, put back what was being sent (its key is still kept) so the resident just resends. */
function restorePending() {
  const p = pending();
  if (!p) return;
  let b;
  try { b = JSON.parse(p.body); } catch { setPending(null); return; }
  const town = catalog.towns.find((x) => x.communities.some((c) => c.id === b.community_id));
  if (town) {
    $('town').value = String(town.id);
    fillCommunities(b.community_id);
  }
  const radio = form.querySelector(`input[name=category_id][value="${Number(b.category_id)}"]`);
  if (radio) radio.checked = true;
  for (const f of ['description', 'contact_name', 'contact_phone', 'address', 'preferred_time']) {
    form.elements[f].value = b[f] || '';
  }
  updateCounter();
  $('restored').hidden = false;
}

function showRecent() {
  const list = recentOrders();
  $('recent').hidden = list.length === 0;
  $('recent-list').replaceChildren(...list.map((o) => el('li', {},
    el('a', { href: `/track/${o.code}` }, t('recent.item', { code: o.code, category: o.category, date: formatDate(o.at) })))));
}

// ------------------------------------------------------------------ start

applyI18n();
form.noValidate = true; // our own messages, next to each field, replace the browser's bubbles
form.addEventListener('submit', submit);
for (const f of FIELDS) {
  const target = f === 'category_id' ? $('categories') : form.elements[f];
  target.addEventListener('change', () => { touched.add(f); check(f); });
  if (f !== 'category_id' && f !== 'community_id') {
    target.addEventListener('blur', () => { if (form.elements[f].value.trim()) touched.add(f); if (touched.has(f)) check(f); });
    target.addEventListener('input', () => { if (touched.has(f)) check(f); });
  }
}
$('description').addEventListener('input', updateCounter);
$('done-again').addEventListener('click', again);
showRecent();
loadCatalog();
