// A volunteer's hours ledger in the console (admin): every verified record, and a correction form
// for each one that counts (POST /api/v1/service-records/{id}/corrections: a new record replaces it;
// the original stays, marked).
import { t } from '/common/i18n.js';
import { field, showFields } from '/common/forms.js';
import { api, el, put, errorText, formatHours, toast } from './lib.js';

export async function openLedger(box, v) {
  const panel = el('section', { class: 'card', id: 'ledger', 'aria-labelledby': 'ledger-title' },
    el('h2', { id: 'ledger-title' }, t('ledger.title', { name: v.name, no: v.volunteer_no })), el('p', { class: 'muted' }, t('common.loading')));
  put(box, panel);
  const r = await api(`/api/v1/volunteers/${v.id}/hours`);
  if (!panel.isConnected) return;
  if (!r.ok || !r.json) { put(panel, el('p', { class: 'form-error' }, errorText(r))); return; }
  const d = r.json;
  const headers = [t('ledger.date'), t('ledger.order'), t('ledger.place'), t('ledger.hours'), t('ledger.team'), ''];
  const records = d.records || [];
  put(panel,
    el('h2', { id: 'ledger-title' }, t('ledger.title', { name: v.name, no: v.volunteer_no })),
    el('p', { class: 'big-total', id: 'ledger-total' }, t('ledger.total', { h: formatHours(d.total) })),
    records.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'ledger-table' },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, t('reg.actions')))))),
      el('tbody', {}, records.map((x) => el('tr', { class: x.superseded ? 'superseded' : '', dataset: { record: x.id } },
        el('td', { 'data-label': headers[0] }, x.date),
        el('td', { 'data-label': headers[1] }, `${x.work_no} ${x.category}`),
        el('td', { 'data-label': headers[2] }, x.place),
        el('td', { 'data-label': headers[3], class: 'num' }, formatHours(x.hours), x.superseded ? ` ${t('ledger.superseded')}` : '',
          x.correction_reason ? el('div', { class: 'muted small' }, t('ledger.reason', { reason: x.correction_reason })) : null),
        el('td', { 'data-label': headers[4] }, x.team),
        el('td', { class: 'cell-actions' }, x.superseded ? null
          : el('button', { type: 'button', class: 'btn small', dataset: { correct: x.id }, onclick: (e) => correct(e.currentTarget.closest('tr'), x) }, t('ledger.correct'))))))))
      : el('p', { class: 'muted' }, t('ledger.none')),
    el('div', { id: 'ledger-form' }),
    el('p', {}, el('button', { type: 'button', class: 'btn', onclick: () => put(box) }, t('team.members_close'))));

  function correct(tr, x) {
    const hours = el('input', { id: 'corr-hours', name: 'hours', inputmode: 'decimal', maxlength: '5', required: true, value: formatHours(x.hours) });
    const reason = el('textarea', { id: 'corr-reason', name: 'reason', rows: '2', maxlength: '500', required: true });
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'action-form', id: 'correction-form', onsubmit: async (e) => {
      e.preventDefault();
      const problems = {};
      if (!/^\d{1,2}(\.\d{1,2})?$/.test(hours.value.trim()) || Number(hours.value) > 24) problems.hours = t('ledger.hours_bad');
      if (!reason.value.trim()) problems.reason = t('form.reason_required');
      if (showFields(form, problems)) return;
      const c = await api(`/api/v1/service-records/${x.id}/corrections`, { method: 'POST', body: { hours: hours.value.trim(), reason: reason.value.trim() } });
      if (c.ok) { toast(t('ledger.corrected')); openLedger(box, v); return; }
      if (c.status === 422 && c.json?.error?.fields && showFields(form, c.json.error.fields)) return;
      errBox.textContent = errorText(c);
      errBox.hidden = false;
    } },
    el('h3', {}, t('ledger.correct_title', { date: x.date, hours: formatHours(x.hours) })),
    field('hours', t('ledger.new_hours'), hours), field('reason', t('ledger.correct_reason'), reason), errBox,
    el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn primary' }, t('ledger.correct')),
      el('button', { type: 'button', class: 'btn', onclick: () => put(panel.querySelector('#ledger-form')) }, t('act.close'))));
    put(panel.querySelector('#ledger-form'), form);
    tr.classList.add('flash');
    hours.focus();
  }
}
