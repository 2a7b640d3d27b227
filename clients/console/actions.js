// The small form each action of an order needs (dispatch, reject, claim, return, offer, confirm …),
// sent to POST /api/v1/orders/{id}/{action}; the server's refusals shown next to the fields.
import { t } from '/common/i18n.js';
import { field, showFields } from '/common/forms.js';
import { api, el, put, errorText, toast } from './lib.js';
import { store } from './store.js';
import { recordsTable } from './records.js';
import { verificationNote, spanTable } from './checkin.js';

export const SECONDARY = ['reject', 'return', 'withdraw', 'dispute', 'merge'];

/** What each action asks for: its parts and how to read them into a body (or {error}). */
function parts(action, order) {
  if (action === 'dispatch') {
    const def = store.categories.get(order.category_id)?.department_id;
    const sel = el('select', { id: 'dispatch-department', name: 'department_id', required: true },
      store.catalog.departments.map((d) => el('option', { value: d.id, selected: d.id === def }, d.name + (d.id === def ? t('form.department_default') : ''))));
    if (def) sel.value = String(def);
    const note = el('textarea', { id: 'dispatch-note', name: 'note', rows: '2', maxlength: '500' });
    return {
      nodes: [field('department_id', t('form.department'), sel), field('note', t('form.note'), note)],
      collect: () => (note.value.trim() ? { department_id: Number(sel.value), note: note.value.trim() } : { department_id: Number(sel.value) }),
    };
  }
  if (SECONDARY.includes(action)) {
    const reason = el('textarea', { id: `${action}-reason`, name: 'reason', rows: '3', maxlength: '500', required: true });
    return {
      nodes: [field('reason', t('form.reason'), reason)],
      collect: () => (reason.value.trim() ? { reason: reason.value.trim() } : { error: { reason: t('form.reason_required') } }),
    };
  }
  if (action === 'merge') {
    const into = el('input', { id: 'merge-into', name: 'into', maxlength: '12', autocomplete: 'off', value: order.duplicate_of?.work_no || '' });
    const note = el('textarea', { id: 'merge-note', name: 'note', rows: '2', maxlength: '500' });
    return {
      nodes: [el('p', {}, t('form.merge_explain')), field('into', t('form.merge_into'), into), field('note', t('form.merge_note'), note)],
      collect: () => {
        const m = /^(?:PD)?0*(\d+)$/i.exec(into.value.trim());
        if (!m) return { error: { into: t('form.merge_pick') } };
        return note.value.trim() ? { into: Number(m[1]), note: note.value.trim() } : { into: Number(m[1]) };
      },
    };
  }
  if (action === 'offer') {
    const list = el('div', { class: 'suggest', id: 'suggested' }, el('p', { class: 'muted' }, t('form.offer_loading')));
    loadSuggestions(list, order);
    return {
      nodes: [el('p', {}, t('form.offer_explain')), list, el('p', { class: 'err', id: 'err-team_ids', hidden: true })],
      collect: () => {
        const ids = [...list.querySelectorAll('input[name=team_ids]:checked:not(:disabled)')].map((x) => Number(x.value));
        return ids.length ? { team_ids: ids } : { error: { team_ids: t('form.offer_pick') } };
      },
    };
  }
  if (action === 'confirm') {
    const records = order.service_records || [];
    return { nodes: [el('p', {}, t('form.confirm_explain')), verificationNote(order), spanTable(order), records.length ? recordsTable(records) : el('p', { class: 'muted' }, t('form.confirm_none'))], collect: () => ({}) };
  }
  return { nodes: action === 'claim' ? [el('p', {}, t('form.claim_explain'))] : [], collect: () => ({}) };
}

/** The form of one action; after a definite answer it calls reload(); close() folds it away. */
export function actionForm(action, order, { reload, close }) {
  const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const label = action === 'confirm' ? t('action.confirm') : t('act.submit');
  const submit = el('button', { type: 'submit', class: `btn primary${SECONDARY.includes(action) ? ' danger' : ''}`, id: 'action-submit' }, label);
  const { nodes, collect } = parts(action, order);
  const form = el('form', { class: 'action-form', id: `form-${action}`, onsubmit: async (e) => {
    e.preventDefault();
    errBox.hidden = true;
    const b = collect();
    if (b.error) { showFields(form, b.error); return; }
    showFields(form, {});
    submit.disabled = true;
    submit.classList.add('busy');
    submit.textContent = t('act.sending');
    const r = await api(`/api/v1/orders/${order.id}/${action}`, { method: 'POST', body: b });
    submit.disabled = false;
    submit.classList.remove('busy');
    submit.textContent = label;
    if (r.ok) {
      const key = `act.done.${action}`;
      toast(t(key) === key ? t('act.done.other') : t(key));
      await reload();
      return;
    }
    if (r.status === 409) {
      const state = r.json?.error?.state;
      toast(t('act.conflict', { state: state ? t(`state.${state}`) : '?' }), 'bad');
      await reload();
      return;
    }
    if (r.status === 422 && r.json?.error?.fields && showFields(form, r.json.error.fields)) return;
    errBox.textContent = r.status === 403 ? t('act.forbidden') : t('act.failed', { message: errorText(r) });
    errBox.hidden = false;
  } },
  el('h3', {}, t(`action.${action}`)),
  nodes,
  errBox,
  el('div', { class: 'row' }, submit, el('button', { type: 'button', class: 'btn', id: 'action-close', onclick: close }, t('act.close'))));
  return form;
}

async function loadSuggestions(list, order) {
  const r = await api(`/api/v1/orders/${order.id}/suggested-teams`);
  if (!list.isConnected) return;
  if (!r.ok || !r.json) { put(list, el('p', { class: 'form-error' }, errorText(r))); return; }
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
