// One order: its facts, timeline, offers, service records and evaluation, and one button per entry
// of the order's `actions`, each opening the small form that action needs (actions.js).
import { t } from '/common/i18n.js';
import { api, el, put, errorText, formatFullTime, fetchAuthorized } from './lib.js';
import { bus, communityName, categoryName, departmentName } from './store.js';
import { stateBadge, flags } from './queue.js';
import { actionForm, SECONDARY } from './actions.js';
import { recordsTable } from './records.js';
import { orderNotifications } from './notify.js';
import { checkinCard, verificationNote } from './checkin.js';
import { photoGallery } from '/common/photos.js';

function fact(label, value, attrs = {}) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', attrs, el('dt', {}, label), el('dd', {}, value));
}

/** The address in the phone's map app: a geo: URI on phones (Android opens the map app; iOS falls
 * back to the web map), the web map elsewhere. */
export function mapLink(o) {
  const place = `${o.community_name || communityName(o.community_id)} ${o.address}`.trim();
  return /Android|iPhone|iPad/.test(navigator.userAgent)
    ? `geo:0,0?q=${encodeURIComponent(place)}`
    : `https://uri.amap.com/search?keyword=${encodeURIComponent(place)}`;
}

function facts(o) {
  const open = !['closed', 'rejected', 'cancelled', 'merged'].includes(o.state);
  return el('dl', { class: 'facts' },
    fact(t('detail.category'), o.category_name || categoryName(o.category_id)),
    fact(t('detail.community'), o.community_name || communityName(o.community_id)),
    fact(t('detail.description'), o.description, { class: 'wide' }),
    fact(t('detail.contact'), o.contact_name),
    fact(t('detail.phone'), o.contact_phone && !o.contact_phone.includes('*')
      ? el('a', { href: `tel:${o.contact_phone}`, id: 'detail-tel' }, o.contact_phone) : o.contact_phone),
    fact(t('detail.address'), o.address ? el('a', { href: mapLink(o), id: 'detail-map', target: '_blank', rel: 'noopener' }, o.address) : ''),
    o.source && o.source !== 'web' ? fact(t('detail.source'), t(`source.${o.source}`), { id: 'detail-source' }) : null,
    o.duplicate_of && o.state === 'submitted' ? fact(t('detail.duplicate_of'), el('a', { href: `#/order/${o.duplicate_of.id}`, id: 'detail-duplicate' }, o.duplicate_of.work_no), { class: 'wide dup' }) : null,
    o.merged_into ? fact(t('detail.merged_into'), el('a', { href: `#/order/${o.merged_into.id}`, id: 'detail-merged-into' }, o.merged_into.work_no)) : null,
    (o.merged_from || []).length ? fact(t('detail.merged_from'), o.merged_from.map((m, i) => [i ? '、' : '', el('a', { href: `#/order/${m.id}` }, m.work_no)])) : null,
    fact(t('detail.preferred_time'), o.preferred_time),
    fact(t('detail.department'), o.department_name || (o.department_id ? departmentName(o.department_id) : '')),
    fact(t('detail.team'), o.team_name),
    fact(t('detail.created'), formatFullTime(o.created_at)),
    open ? fact(t('detail.due'), el('span', { class: o.overdue ? 'late' : '' }, formatFullTime(o.due_at))) : null,
    fact(t('detail.summary'), o.summary),
    fact(t('detail.reason'), o.reason));
}

function timeline(o) {
  const events = [...(o.events || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return el('ol', { class: 'timeline', id: 'timeline' }, events.map((e) => el('li', { dataset: { event: e.action } },
    el('div', { class: 'when' }, formatFullTime(e.at)),
    el('div', {}, el('b', {}, t(`event.${e.action}`)), ' · ',
      e.actor && e.actor !== e.actor_role ? e.actor : t(`actor.${e.actor_role || e.actor}`)),
    e.note && e.action !== 'offer' ? el('div', { class: 'note' }, e.note) : null)));
}

function card(title, content, attrs = {}) {
  return el('section', { class: 'card', ...attrs }, el('h2', {}, title), content);
}

function evaluation(e) {
  if (!e) return el('p', { class: 'muted' }, t('detail.evaluation_none'));
  return el('div', { id: 'evaluation' },
    el('p', { class: 'stars', role: 'img', 'aria-label': t('detail.stars', { n: e.rating }) }, '★'.repeat(e.rating) + '☆'.repeat(5 - e.rating)),
    e.comment ? el('p', {}, e.comment) : null);
}

export function render(container, id) {
  let order = null;
  let openAction = null; // the action whose form is open
  let notifications = null; // the notifications card, made anew with each load of the order
  let gone = false;

  const notice = el('div', { class: 'notice', id: 'detail-notice', role: 'status', hidden: true });
  const body = el('div', { id: 'detail' }, el('p', { class: 'muted' }, t('detail.loading')));
  put(container, el('p', {}, el('a', { href: '#/queue', class: 'back' }, t('detail.back'))), notice, body);

  async function load() {
    const r = await api(`/api/v1/orders/${id}`);
    if (gone) return;
    if (r.status === 404 || r.status === 403) { put(body, el('p', { class: 'form-error' }, t('detail.not_found'))); return; }
    if (!r.ok || !r.json) { put(body, el('p', { class: 'form-error' }, errorText(r))); return; }
    order = r.json;
    notifications = orderNotifications(id);
    openAction = null;
    notice.hidden = true;
    draw();
  }

  function actionsCard() {
    const actions = order.actions || [];
    const toggle = (a) => { openAction = openAction === a ? null : a; draw(); };
    return el('section', { class: 'card actions-card', 'aria-labelledby': 'actions-title' },
      el('h2', { id: 'actions-title' }, t('detail.actions')),
      actions.length
        ? el('div', { class: 'action-buttons' }, actions.map((a) => el('button', {
          type: 'button', class: `btn ${SECONDARY.includes(a) ? 'danger' : 'primary'}`, id: `act-${a}`, dataset: { action: a },
          'aria-expanded': String(openAction === a), onclick: () => toggle(a),
        }, t(`action.${a}`))))
        : el('p', { class: 'muted' }, t('detail.no_actions')),
      openAction ? actionForm(openAction, order, { reload: load, close: () => toggle(openAction) }) : null);
  }

  function draw() {
    const o = order;
    const records = o.service_records || [];
    put(body,
      el('div', { class: 'detail-head' },
        el('h1', {}, t('detail.title', { code: o.work_no })),
        el('div', { class: 'head-badges', id: 'detail-state' }, stateBadge(o.state), flags(o))),
      actionsCard(),
      checkinCard(o),
      el('div', { class: 'detail-grid' },
        el('div', {},
          card(t('detail.info'), facts(o)),
          card(t('detail.records'), [verificationNote(o), records.length ? recordsTable(records) : el('p', { class: 'muted' }, t('detail.records_none'))]),
          card(t('detail.evaluation'), evaluation(o.evaluation)),
          ['in_progress', 'completed', 'closed'].includes(o.state)
            ? card(t('photos.title'), photoGallery(`/api/v1/orders/${o.id}/photos`, (p) => fetchAuthorized(p), { empty: t('photos.none'), label: t('photos.title') }))
            : null),
        el('div', {},
          card(t('detail.timeline'), timeline(o)),
          card(t('detail.offers'), (o.offers || []).length
            ? el('ul', { class: 'plain-list', id: 'offers' }, o.offers.map((f) => el('li', {}, f.team_name, ' ', el('span', { class: 'muted' }, formatFullTime(f.offered_at)))))
            : el('p', { class: 'muted' }, t('detail.offers_none'))),
          notifications)));
    const first = body.querySelector('.action-form input, .action-form select, .action-form textarea');
    if (first) first.focus();
  }

  const onEvent = (e) => {
    if (e.detail.order_id !== id || !order) return;
    const typing = [...body.querySelectorAll('.action-form textarea, .action-form input[type=text]')].some((x) => x.value.trim());
    if (!typing) { load(); return; }
    put(notice, t('detail.changed', { state: t(`state.${e.detail.state}`) }), ' ',
      el('button', { type: 'button', class: 'btn small', onclick: load }, t('detail.reload')));
    notice.hidden = false;
  };
  bus.addEventListener('order', onEvent);
  load();
  return () => { gone = true; bus.removeEventListener('order', onEvent); };
}
