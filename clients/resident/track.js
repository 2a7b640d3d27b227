// The status page /track/<code>: where the order stands on the path 点单 → 派单 → 领单 → 接单 →
// 服务 → 评价 with the time the next step is due, the timeline in plain words, and the panels to
// cancel or rate (panels.js). With the resident key the page follows its order live (a stream token
// obtained with the key by POST, so the key is never in a URL); without it, or while the stream is
// down, it looks again every 30 s while open and visible.
import own from './messages.js';
import { t, applyI18n, useTexts } from '/common/i18n.js';
import { applyPrefs, prefsControls } from '/common/prefs.js';
import { PATH } from '/common/glossary.js';
import { el, put, api, errorMessage, formatTime, TRACKING_CODE_RE, residentKey } from './lib.js';
import { serviceWhen } from './menu.js';
import { startEvents } from '/common/sse.js';
import { cancelPanel, evaluatePanel, stars } from './panels.js';
import { checkinPanel } from './checkin.js';
import { photoGallery } from '/common/photos.js';

useTexts('resident', own); // before anything renders

const POLL_MS = 30000;
const main = document.getElementById('main');
let order = null;
let flash = null; // {kind: 'good'|'bad', text} shown above the actions after the next render

function codeFromPath() {
  const m = /^\/track\/([^/?#]*)/.exec(location.pathname);
  return m ? decodeURIComponent(m[1]).replace(/[\s-]/g, '').toUpperCase() : '';
}

function lookupForm(message) {
  const input = el('input', { id: 'code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '14', class: 'tail code-input' });
  const err = el('p', { class: 'err', id: 'err-code', hidden: true });
  const form = el('form', { class: 'panel', onsubmit: (e) => {
    e.preventDefault();
    const code = input.value.replace(/[\s-]/g, '').toUpperCase();
    if (TRACKING_CODE_RE.test(code)) { location.href = `/track/${code}`; return; }
    err.textContent = t('track.lookup_bad');
    err.hidden = false;
    input.focus();
  } },
  el('div', { class: 'field' }, el('label', { for: 'code' }, t('track.lookup_label')), input, err),
  el('button', { type: 'submit', class: 'btn primary big' }, t('track.lookup_button')));
  put(main, el('h1', {}, t('track.lookup_title')), message ? el('p', { class: 'message bad', role: 'alert' }, message) : null, form,
    el('p', {}, el('a', { href: '/mine.html', id: 'lookup-mine' }, t('key.mine'))));
  input.focus();
}

async function load(code) {
  if (!order) put(main, el('p', { role: 'status' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), t('track.loading')));
  const r = await api(`/api/v1/track/${encodeURIComponent(code)}`);
  if (r.status === 404) { lookupForm(t('track.not_found')); return; }
  if (!r.ok || !r.json) {
    if (order) return; // a failed look while polling: keep what is shown
    put(main, el('h1', {}, t('track.title')),
      el('p', { class: 'message bad', role: 'alert' }, r.status === 0 ? t('track.load_failed') : errorMessage(r)),
      el('button', { type: 'button', class: 'btn primary', onclick: () => load(code) }, t('track.retry')));
    return;
  }
  const changed = !order || order.state !== r.json.state || (order.events || []).length !== (r.json.events || []).length;
  order = r.json;
  if (changed || flash) render();
  follow(code);
}

let live = null; // the live stream, once the page knows the key
let liveOpen = false;
function follow(code) {
  const key = residentKey(code);
  if (live || !key) return;
  live = startEvents({
    url: `/api/v1/track/${encodeURIComponent(code)}/events`,
    getToken: async () => {
      const r = await api(`/api/v1/track/${encodeURIComponent(code)}/stream-token`, { method: 'POST', body: { resident_key: key } });
      if (r.status === 0 || r.status === 429 || r.status >= 500) throw new Error('try again later');
      return r.ok && r.json ? r.json.token : null; // a wrong key: the page keeps polling
    },
    onEvent: () => { if (!busy()) load(code); },
    onStatus: (s) => { liveOpen = s === 'open'; document.body.dataset.live = s; },
    onUnauthorized: () => 'retry', // the token ran out: a new one on the next try
  });
}

function eventText(e, isLastAccept) {
  const department = order.department_name;
  switch (e.action) {
    case 'dispatch': return department ? t('event.dispatch', { department }) : t('event.dispatch_plain');
    case 'claim': return department ? t('event.claim', { department }) : t('event.claim_plain');
    case 'accept': return isLastAccept && order.team_name ? t('event.accept_team', { team: order.team_name }) : t('event.accept');
    case 'evaluate': return t('event.evaluate', { stars: stars(order.evaluation && order.evaluation.rating) });
    default: return t(`event.${e.action}`) === `event.${e.action}` ? t('event.other') : t(`event.${e.action}`);
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

/** The six steps, each done, current or to come; the current one with its due time. */
function path(o) {
  if (['rejected', 'cancelled', 'merged'].includes(o.state)) return null;
  const rated = Boolean(o.evaluation);
  const done = PATH.map((p, i) => p.done.includes(o.state) || (i === PATH.length - 1 && rated));
  const now = done.indexOf(false);
  return el('ol', { class: 'path', id: 'path', 'aria-label': t('track.path') }, PATH.map((p, i) => {
    const kind = done[i] ? 'done' : i === now ? 'now' : 'todo';
    return el('li', { class: kind, 'aria-current': kind === 'now' ? 'step' : null },
      el('span', { class: 'step-name' }, t(`path.${i}`)),
      el('span', { class: 'sr-only' }, `（${t(`track.step_${kind}`)}）`));
  }));
}

/**
 * The service's photos for the resident: with the key, or (no key on this phone) a 查我的点单 session
 * of the order's phone, which the page cannot see: then the panel shows only once the server lets the
 * photos through. Choosing 晒单 needs the key.
 */
function photosPanel(o) {
  const key = residentKey(o.tracking_code);
  const section = el('section', { class: 'panel', id: 'photos-panel', hidden: !key });
  put(section,
    el('h2', {}, t('photos.title')),
    photoGallery(`/api/v1/track/${o.tracking_code}/photos`, async (p) => {
      const res = await fetch(p, { headers: key ? { 'X-Resident-Key': key } : {}, cache: 'no-store' }).catch(() => null);
      if (res && res.ok) section.hidden = false;
      return res;
    }, { empty: t('photos.none'), label: t('photos.title') }),
    key ? showcaseChoice(o) : null);
  return section;
}

/** 晒单: the resident chooses whether the done order may be shown publicly (photos and 评单 only). */
function showcaseChoice(o) {
  const status = el('p', { class: 'muted small', id: 'showcase-status', role: 'status' });
  const choose = async (shown) => {
    const r = await api(`/api/v1/track/${encodeURIComponent(o.tracking_code)}/showcase`, { method: 'POST', body: { resident_key: residentKey(o.tracking_code), shown } });
    status.textContent = r.ok ? t(r.json.shown ? 'showcase.shown' : 'showcase.hidden') : errorMessage(r);
  };
  return el('div', { class: 'showcase-choice' },
    el('p', {}, t('showcase.ask'), ' ', el('a', { href: '/showcase' }, t('showcase.link'))),
    el('p', { class: 'row' },
      el('button', { type: 'button', class: 'btn', id: 'showcase-yes', onclick: () => choose(true) }, t('showcase.yes')),
      el('button', { type: 'button', class: 'btn', id: 'showcase-no', onclick: () => choose(false) }, t('showcase.no'))),
    status);
}

function fact(label, value) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', {}, el('dt', {}, label), el('dd', {}, value));
}

function settled(next, message) {
  flash = message;
  if (next) { order = next; render(); document.getElementById('state').scrollIntoView({ block: 'center' }); } else load(order.tracking_code);
}

function render() {
  const o = order;
  const actions = o.actions || [];
  const open = !['completed', 'closed', 'rejected', 'cancelled', 'merged'].includes(o.state);
  put(main,
    el('h1', {}, t('track.title')),
    el('section', { class: `status-card s-${o.state}`, 'aria-live': 'polite' },
      el('p', { class: 'state', id: 'state', dataset: { state: o.state } }, t(`state.${o.state}`)),
      el('p', { class: 'note' }, t(`state_explain.${o.state}`)),
      o.reason && (o.state === 'rejected' || o.state === 'cancelled') ? el('p', { class: 'note' }, t('event.reason', { reason: o.reason })) : null,
      open && o.due_at && !o.overdue ? el('p', { class: 'note', id: 'expect' }, t('track.expect', { time: formatTime(o.due_at) })) : null,
      o.overdue ? el('p', { class: 'note' }, t('track.overdue')) : null,
      o.waiting_position ? el('p', { class: 'note', id: 'waiting' }, t('track.waiting', { n: o.waiting_position })) : null),
    path(o),
    flash ? el('p', { class: `message ${flash.kind}`, role: flash.kind === 'bad' ? 'alert' : 'status' }, flash.text) : null,
    o.state === 'accepted' ? checkinPanel(o.tracking_code) : null,
    actions.includes('evaluate') ? evaluatePanel(o, settled) : null,
    o.evaluation ? el('section', { class: 'panel', id: 'evaluation' },
      el('h2', {}, t('eval.yours')),
      el('p', { class: 'stars-show', role: 'img', 'aria-label': t('eval.star_n', { n: o.evaluation.rating }) }, stars(o.evaluation.rating)),
      o.evaluation.comment ? el('p', {}, o.evaluation.comment) : null) : null,
    el('dl', { class: 'facts' },
      fact(t('track.code'), el('b', { id: 'code' }, o.tracking_code)),
      fact(t('track.category'), o.category_name),
      o.service ? fact(t('track.service'), `${o.service.title}（${serviceWhen(o.service)}，${o.service.place}）`) : null,
      fact(t('track.community'), o.community_name),
      fact(t('track.description'), o.description),
      fact(t('track.contact'), [o.contact_name, o.contact_phone].filter(Boolean).join('　')),
      fact(t('track.team'), o.team_name),
      fact(t('track.summary'), o.summary),
      fact(t('track.submitted_at'), formatTime(o.created_at))),
    ['completed', 'closed'].includes(o.state) ? photosPanel(o) : null,
    el('h2', {}, t('track.timeline')),
    timeline(),
    actions.includes('cancel') ? cancelPanel(o, settled) : null,
    el('p', { class: 'muted small' }, t('track.auto')),
    el('p', { class: 'row' },
      el('button', { type: 'button', class: 'btn', id: 'refresh', onclick: () => { flash = null; load(o.tracking_code); } }, t('track.refresh')),
      el('a', { class: 'btn', href: '/' }, t('track.new_order'))));
  flash = null;
}

// ------------------------------------------------------------------ start

applyPrefs();
applyI18n();
document.title = `${t('track.title')} · ${t('app.brand')}`;
document.getElementById('prefs').replaceWith(prefsControls());
const code = codeFromPath();
if (!code) lookupForm();
else if (!TRACKING_CODE_RE.test(code)) lookupForm(t('track.not_found'));
else load(code);
// While the page is open and seen, look again now and then (and at once when it comes back into
// view), unless the resident is typing in one of the forms.
const busy = () => document.querySelector('form:focus-within') || [...document.querySelectorAll('textarea, input.tail')].some((x) => x.value);
setInterval(() => { if (order && !liveOpen && document.visibilityState === 'visible' && !busy()) load(order.tracking_code); }, POLL_MS);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && order && !busy()) load(order.tracking_code);
});
