// One order: its facts, timeline, offers, service records and evaluation, and one button per
// entry of the order's `actions`, each opening the small form that action needs.
import { t } from './i18n.js';
import {
  api, el, put, errorText, fieldText, formatFullTime, formatHours, hundredths, formatHundredths, toast,
} from './lib.js';
import { store, bus, communityName, categoryName, departmentName } from './store.js';
import { stateBadge, flags } from './queue.js';

export function render(container, id) {
  let order = null;
  let openAction = null; // the action whose form is open
  let gone = false;

  const notice = el('div', { class: 'notice', id: 'detail-notice', role: 'status', hidden: true });
  put(container, el('p', {}, el('a', { href: '#/queue', class: 'back' }, t('detail.back'))), notice,
    el('div', { id: 'detail' }, el('p', { class: 'muted' }, t('detail.loading'))));
  const body = container.querySelector('#detail');

  async function load() {
    const r = await api(`/api/v1/orders/${id}`);
    if (gone) return;
    if (r.status === 404 || r.status === 403) { put(body, el('p', { class: 'form-error' }, t('detail.not_found'))); return; }
    if (!r.ok || !r.json) { put(body, el('p', { class: 'form-error' }, t('common.error', { message: errorText(r) }))); return; }
    order = r.json;
    openAction = null;
    notice.hidden = true;
    draw();
  }

  // ------------------------------------------------------------------ the page

  function fact(label, value, attrs = {}) {
    if (value === null || value === undefined || value === '') return null;
    return el('div', attrs, el('dt', {}, label), el('dd', {}, value));
  }

  function draw() {
    const o = order;
    const actions = o.actions || [];
    const open = !['closed', 'rejected', 'cancelled'].includes(o.state);
    put(body,
      el('div', { class: 'detail-head' },
        el('h1', {}, t('detail.title', { code: o.tracking_code })),
        el('div', { class: 'head-badges', id: 'detail-state' }, stateBadge(o.state), flags(o))),
      el('section', { class: 'card actions-card', 'aria-labelledby': 'actions-title' },
        el('h2', { id: 'actions-title' }, t('detail.actions')),
        actions.length
          ? el('div', { class: 'action-buttons' }, actions.map((a) => el('button', {
            type: 'button',
            class: `btn ${['reject', 'return', 'withdraw'].includes(a) ? 'danger' : 'primary'}`,
            id: `act-${a}`,
            'aria-expanded': String(openAction === a),
            onclick: () => { openAction = openAction === a ? null : a; draw(); },
          }, t(`action.${a}`))))
          : el('p', { class: 'muted' }, t('detail.no_actions')),
        openAction ? actionForm(openAction) : null),
      el('div', { class: 'detail-grid' },
        el('div', {},
          el('section', { class: 'card' },
            el('h2', {}, t('detail.info')),
            el('dl', { class: 'facts' },
              fact(t('detail.category'), o.category_name || categoryName(o.category_id)),
              fact(t('detail.community'), o.community_name || communityName(o.community_id)),
              fact(t('detail.description'), o.description, { class: 'wide' }),
              fact(t('detail.contact'), o.contact_name),
              fact(t('detail.phone'), o.contact_phone),
              fact(t('detail.address'), o.address),
              fact(t('detail.preferred_time'), o.preferred_time),
              fact(t('detail.department'), o.department_name || (o.department_id ? departmentName(o.department_id) : '')),
              fact(t('detail.team'), o.team_name),
              fact(t('detail.created'), formatFullTime(o.created_at)),
              open ? fact(t('detail.due'), el('span', { class: o.overdue ? 'late' : '' }, formatFullTime(o.due_at))) : null,
              fact(t('detail.summary'), o.summary),
              fact(t('detail.reason'), o.reason))),
          recordsCard(),
          evaluationCard()),
        el('div', {},
          el('section', { class: 'card' }, el('h2', {}, t('detail.timeline')), timeline()),
          el('section', { class: 'card' }, el('h2', {}, t('detail.offers')),
            (o.offers || []).length
              ? el('ul', { class: 'plain-list', id: 'offers' }, o.offers.map((f) => el('li', {}, f.team_name, ' ', el('span', { class: 'muted' }, formatFullTime(f.offered_at)))))
              : el('p', { class: 'muted' }, t('detail.offers_none'))))));
    const first = body.querySelector('.action-form input, .action-form select, .action-form textarea');
    if (first) first.focus();
  }

  function timeline() {
    const events = [...(order.events || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return el('ol', { class: 'timeline', id: 'timeline' }, events.map((e) => el('li', { dataset: { action: e.action } },
      el('div', { class: 'when' }, formatFullTime(e.at)),
      el('div', {}, el('b', {}, t(`event.${e.action}`)), ' · ',
        e.actor && e.actor !== e.actor_role ? e.actor : t(`actor.${e.actor_role || e.actor}`)),
      e.note && e.action !== 'offer' ? el('div', { class: 'note' }, e.note) : null)));
  }

  function recordsTable(records) {
    let total = 0;
    const rows = records.map((s) => {
      total += hundredths(s.hours) ?? 0;
      return el('tr', {},
        el('td', {}, s.volunteer_name || `#${s.volunteer_id}`),
        el('td', { class: 'num' }, formatHours(s.hours)),
        el('td', {}, t(`detail.record.${s.status === 'verified' ? 'verified' : 'pending'}`)));
    });
    return el('table', { class: 'records', id: 'records' },
      el('thead', {}, el('tr', {}, el('th', {}, t('detail.record.volunteer')), el('th', { class: 'num' }, t('detail.record.hours')), el('th', {}, t('detail.record.status')))),
      el('tbody', {}, rows),
      el('tfoot', {}, el('tr', {}, el('th', {}, t('detail.record.total')), el('th', { class: 'num', id: 'records-total' }, formatHundredths(total)), el('th', {}))));
  }

  function recordsCard() {
    const records = order.service_records || [];
    return el('section', { class: 'card' }, el('h2', {}, t('detail.records')),
      records.length ? recordsTable(records) : el('p', { class: 'muted' }, t('detail.records_none')));
  }

  function evaluationCard() {
    const e = order.evaluation;
    return el('section', { class: 'card' }, el('h2', {}, t('detail.evaluation')),
      e ? el('div', { id: 'evaluation' }, el('p', { class: 'stars' }, '★'.repeat(e.rating) + '☆'.repeat(5 - e.rating)), e.comment ? el('p', {}, e.comment) : null)
        : el('p', { class: 'muted' }, t('detail.evaluation_none')));
  }

  // ------------------------------------------------------------------ the action forms

  function field(name, label, input, hint) {
    return el('div', { class: 'field', id: `field-${name}` },
      el('label', { for: input.id }, label), hint ? el('p', { class: 'hint' }, hint) : null, input,
      el('p', { class: 'err', id: `err-${name}`, hidden: true }));
  }

  function showFields(form, fields) {
    for (const p of form.querySelectorAll('.err')) { p.hidden = true; p.textContent = ''; }
    let shown = 0;
    for (const [k, m] of Object.entries(fields || {})) {
      const p = form.querySelector(`#err-${CSS.escape(k)}`);
      if (p) { p.textContent = fieldText(m); p.hidden = false; shown++; }
    }
    return shown;
  }

  function actionForm(action) {
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const submit = el('button', { type: 'submit', class: `btn ${['reject', 'return', 'withdraw'].includes(action) ? 'danger primary' : 'primary'}`, id: 'action-submit' }, t('action.submit'));
    const parts = [];
    let collect = () => ({});

    if (action === 'dispatch') {
      const def = store.categories.get(order.category_id)?.department_id;
      const sel = el('select', { id: 'dispatch-department', name: 'department_id', required: true },
        store.catalog.departments.map((d) => el('option', { value: d.id, selected: d.id === def }, d.name + (d.id === def ? t('form.department_default') : ''))));
      if (def) sel.value = String(def);
      const note = el('textarea', { id: 'dispatch-note', name: 'note', rows: '2', maxlength: '500' });
      parts.push(field('department_id', t('form.department'), sel), field('note', t('form.note'), note));
      collect = () => (note.value.trim() ? { department_id: Number(sel.value), note: note.value.trim() } : { department_id: Number(sel.value) });
    } else if (action === 'reject' || action === 'return' || action === 'withdraw') {
      const reason = el('textarea', { id: `${action}-reason`, name: 'reason', rows: '3', maxlength: '500', required: true });
      parts.push(field('reason', t('form.reason'), reason));
      collect = () => {
        if (!reason.value.trim()) return { error: { reason: t('form.reason_required') } };
        return { reason: reason.value.trim() };
      };
    } else if (action === 'claim') {
      parts.push(el('p', {}, t('form.claim_explain')));
    } else if (action === 'offer') {
      const list = el('div', { class: 'suggest', id: 'suggested' }, el('p', { class: 'muted' }, t('form.offer_loading')));
      parts.push(el('p', {}, t('form.offer_explain')), list, el('p', { class: 'err', id: 'err-team_ids', hidden: true }));
      loadSuggestions(list);
      collect = () => {
        const ids = [...list.querySelectorAll('input[name=team_ids]:checked:not(:disabled)')].map((x) => Number(x.value));
        if (!ids.length) return { error: { team_ids: t('form.offer_pick') } };
        return { team_ids: ids };
      };
    } else if (action === 'confirm') {
      const records = order.service_records || [];
      parts.push(el('p', {}, t('form.confirm_explain')), records.length ? recordsTable(records) : el('p', { class: 'muted' }, t('form.confirm_none')));
      submit.textContent = t('action.confirm');
    }

    const form = el('form', { class: 'action-form', id: `form-${action}`, onsubmit: async (e) => {
      e.preventDefault();
      errBox.hidden = true;
      const b = collect();
      if (b.error) { showFields(form, b.error); return; }
      showFields(form, {});
      submit.disabled = true;
      submit.textContent = t('action.sending');
      const r = await api(`/api/v1/orders/${order.id}/${action}`, { method: 'POST', body: b });
      submit.disabled = false;
      submit.textContent = action === 'confirm' ? t('action.confirm') : t('action.submit');
      if (r.ok) {
        const key = `action.done.${action}`;
        toast(t(key) === key ? t('action.done.other') : t(key));
        await load();
        return;
      }
      if (r.status === 409) {
        const state = r.json?.error?.state;
        toast(t('action.conflict', { state: state ? t(`state.${state}`) : '?' }), 'bad');
        await load();
        return;
      }
      if (r.status === 422 && r.json?.error?.fields && showFields(form, r.json.error.fields)) return;
      errBox.textContent = r.status === 403 ? t('action.forbidden') : t('action.failed', { message: errorText(r) });
      errBox.hidden = false;
    } },
    el('h3', {}, t(`action.${action}`)),
    parts,
    errBox,
    el('div', { class: 'row' }, submit,
      el('button', { type: 'button', class: 'btn', onclick: () => { openAction = null; draw(); } }, t('action.close'))));
    return form;
  }

  async function loadSuggestions(list) {
    const r = await api(`/api/v1/orders/${order.id}/suggested-teams`);
    if (!list.isConnected) return;
    if (!r.ok || !r.json) { put(list, el('p', { class: 'form-error' }, t('common.error', { message: errorText(r) }))); return; }
    const items = r.json.items || [];
    const offered = new Set((order.offers || []).map((f) => f.team_id));
    const skills = (r.json.required_skills || []).map((s) => s.name).join('、');
    if (!items.length) { put(list, el('p', {}, t('form.offer_none'))); return; }
    put(list,
      skills ? el('p', { class: 'muted' }, t('form.offer_skills', { skills })) : null,
      items.map((s) => {
        const already = s.offered || offered.has(s.team_id);
        return el('label', { class: `suggestion${already ? ' offered' : ''}`, dataset: { team: s.team_id } },
          el('input', { type: 'checkbox', name: 'team_ids', value: s.team_id, checked: already, disabled: already }),
          el('span', { class: 'sug-body' },
            el('span', { class: 'sug-name' }, el('b', {}, s.name), ' ',
              already ? el('span', { class: 'flag' }, t('form.offer_offered')) : null,
              typeof s.score === 'number' ? el('span', { class: 'muted' }, ` ${t('form.offer_score', { score: Math.round(s.score * 100) })}`) : null),
            el('ul', { class: 'reasons' }, (s.reasons || []).map((x) => el('li', {}, x)))));
      }));
  }

  // ------------------------------------------------------------------ live

  const onEvent = (e) => {
    if (e.detail.order_id !== id || !order) return;
    const typing = openAction && body.querySelector('.action-form') &&
      [...body.querySelectorAll('.action-form textarea, .action-form input[type=text]')].some((x) => x.value.trim());
    if (typing) {
      put(notice, t('detail.changed', { state: t(`state.${e.detail.state}`) }), ' ',
        el('button', { type: 'button', class: 'btn small', onclick: load }, t('detail.reload')));
      notice.hidden = false;
    } else {
      load();
    }
  };
  bus.addEventListener('order', onEvent);
  load();
  return () => { gone = true; bus.removeEventListener('order', onEvent); };
}
