// 点单: fills the static form from the catalog, checks it the way the server does (checks.js), sends
// it once (send.js), and shows the tracking code with a 复制 button.
import own from './messages.js';
import { t, applyI18n, useTexts } from '/common/i18n.js';
import { applyPrefs, prefsControls } from '/common/prefs.js';
import { localText } from '/common/api.js';
import { el, api, errorMessage } from './lib.js';
import { showDone, showRecent } from './done.js';
import { FIELDS, chars, body, problem } from './checks.js';
import { sendOrder, pending, setPending } from './send.js';
import { setupMenu, choose, booking, serviceWhen } from './menu.js';

useTexts('resident', own); // before anything renders

const $ = (id) => document.getElementById(id);
const form = $('order-form');
let catalog = null;
const touched = new Set();
let sending = false;

// ------------------------------------------------------------------ catalog → form

async function loadCatalog() {
  const state = $('load-state');
  state.hidden = false;
  state.replaceChildren(el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('form.loading'));
  const r = await api('/api/v1/catalog');
  if (!r.ok || !r.json) {
    state.replaceChildren(t('form.load_failed'), ' ',
      el('button', { type: 'button', class: 'btn small', onclick: loadCatalog }, t('form.load_retry')), ' ',
      el('a', { href: '/form' }, t('form.load_simple')));
    return;
  }
  catalog = r.json;
  state.hidden = true;
  buildForm();
  restorePending();
}

/** The "not sure / other" kind (code other) goes last, with a word of explanation. */
function categoryChoice(c) {
  const other = c.code === 'other';
  return el('label', { class: `choice${other ? ' other' : ''}` },
    el('input', { type: 'radio', name: 'category_id', value: c.id, required: true }),
    el('span', { class: 'choice-text' }, el('b', {}, c.name),
      other ? el('small', {}, t('field.category_other_hint')) : c.description ? el('small', {}, c.description) : null));
}

/** How long the personal part of a request is kept: the server's --erase-after-days, as people say it. */
function privacyText(days = 730) {
  const kept = days % 365 === 0 ? t('form.kept_years', { n: days / 365 }) : t('form.kept_days', { n: days });
  $('privacy-text').textContent = t('form.privacy', { kept });
}

function buildForm() {
  const town = $('town');
  town.replaceChildren(el('option', { value: '' }, t('field.town_pick')),
    ...catalog.towns.filter((x) => x.communities.length).map((x) => el('option', { value: x.id }, x.name)));
  town.addEventListener('change', () => { fillCommunities(); check('community_id'); });
  fillCommunities();
  const cats = [...catalog.categories].sort((a, b) => (a.code === 'other') - (b.code === 'other'));
  $('categories').replaceChildren(...cats.map(categoryChoice));
  const organizer = catalog.organizer || {};
  privacyText(catalog.erase_after_days);
  setupMenu(catalog, chooseService);
  $('who-runs').replaceChildren(t('form.who_runs', { organizer: organizer.name || t('form.organizer') }), ' ',
    organizer.phone ? el('span', {}, t('form.call'), el('a', { href: `tel:${organizer.phone}` }, organizer.phone)) : t('form.call_community'));
}

function fillCommunities(selected) {
  const select = $('community_id');
  const town = catalog.towns.find((x) => String(x.id) === $('town').value);
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

/** 预约 from the service menu: the form books that service (its kind of help), the rest as usual. */
function chooseService(s) {
  choose(s);
  showError('category_id', '');
  if (!$('description').value.trim()) $('description').value = t('menu.prefill', { title: s.title });
  if (!$('town').value) { $('town').value = String(s.town_id); fillCommunities(); }
  $('menu').open = false;
  $('booking').scrollIntoView({ block: 'start' });
  $('booking-text').focus?.();
}

/** The fields the server checks: a booking takes its kind of help from the service. */
const fieldsNow = () => (booking() ? FIELDS.filter((f) => f !== 'category_id') : FIELDS);

// ------------------------------------------------------------------ checking

function values() {
  const fd = new FormData(form);
  return { ...Object.fromEntries(FIELDS.map((f) => [f, String(fd.get(f) ?? '')])), sms_consent: fd.get('sms_consent') === 'true' };
}

function showError(field, message) {
  const p = $(`err-${field}`);
  p.textContent = message || '';
  p.hidden = !message;
  $(`f-${field}`).classList.toggle('invalid', Boolean(message));
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
  $('left-description').textContent = n > 1500 ? t('field.description_left', { n: Math.max(2000 - n, 0) }) : '';
}

function showSummary(count) {
  const s = $('error-summary');
  s.hidden = !count;
  if (count) s.textContent = t('check.summary', { n: count });
}

/** Focus the first field with an error, so a screen reader or a thumb lands on it. */
function focusFirstError() {
  const f = FIELDS.find((x) => !$(`err-${x}`).hidden);
  if (!f) return;
  const target = f === 'category_id' ? form.querySelector('input[name=category_id]')
    : f === 'community_id' && !$('town').value ? $('town') : form.elements[f];
  target.focus();
  target.scrollIntoView({ block: 'center' });
}

// ------------------------------------------------------------------ submitting

function setSubmitState(text, { retry = false, busy = false } = {}) {
  const s = $('submit-state');
  s.replaceChildren();
  s.hidden = !text;
  if (busy) s.append(el('span', { class: 'spinner', 'aria-hidden': 'true' }));
  if (text) s.append(text);
  if (retry) s.append(' ', el('button', { type: 'button', class: 'btn small', onclick: () => form.requestSubmit() }, t('submit.retry')));
}

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  if (!catalog) { $('load-state').scrollIntoView({ block: 'center' }); return; }
  let bad = 0;
  for (const f of fieldsNow()) {
    touched.add(f);
    if (check(f)) bad++;
  }
  showSummary(bad);
  if (bad) { focusFirstError(); return; }
  sending = true;
  $('submit').disabled = true;
  $('submit').classList.add('busy');
  setSubmitState(t('submit.sending'), { busy: true });
  try {
    const service = booking();
    const b = body(values());
    if (service) delete b.category_id;
    const { kind, r } = await sendOrder(b, (n) => setSubmitState(t('submit.retrying', { n }), { busy: true }),
      service ? `/api/v1/services/${service.id}/bookings` : undefined);
    if (kind === 'done') {
      showDone(r.json, catalog.categories.find((c) => c.id === r.json.category_id)?.name);
      const note = $('done-booking');
      note.hidden = !service;
      if (service) {
        note.textContent = r.json.state === 'waitlisted' ? t('done.waiting')
          : t('done.booked', { title: service.title, when: serviceWhen(service), place: service.place });
      }
      return;
    }
    if (kind === 'fields') {
      const fields = r.json.error.fields;
      const known = Object.entries(fields).filter(([f]) => FIELDS.includes(f));
      for (const [f, message] of known) showError(f, localText(message));
      showSummary(known.length || Object.keys(fields).length);
      setSubmitState('');
      focusFirstError();
      return;
    }
    if (kind === 'transient') setSubmitState(r.status === 0 ? t('submit.offline') : t('submit.busy'), { retry: true });
    else setSubmitState(t('submit.failed', { message: errorMessage(r).replace(/^[^：:]*[：:]\s*/, '') }), { retry: r.status >= 500 });
  } finally {
    sending = false;
    $('submit').disabled = false;
    $('submit').classList.remove('busy');
  }
}

function again() {
  form.reset();
  choose(null);
  touched.clear();
  for (const f of FIELDS) showError(f, '');
  showSummary(0);
  setSubmitState('');
  fillCommunities();
  $('restored').hidden = true;
  $('done').hidden = true;
  $('order').hidden = false;
  window.scrollTo(0, 0);
  $('description').focus();
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
    if (!form.elements[f].value) form.elements[f].value = b[f] || '';
  }
  form.elements.sms_consent.checked = b.sms_consent === true;
  updateCounter();
  $('restored').hidden = false;
}

// ------------------------------------------------------------------ start

applyPrefs();
applyI18n();
document.title = t('app.title');
$('prefs').replaceWith(prefsControls());
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
$('booking-off').addEventListener('click', () => choose(null));
showRecent();
loadCatalog();
