// 完成服务: a line on what was done, and hours per member who took part — typed per person, or once
// for everyone ("所有人同样时长") as a number or from the start and end times. Exact hundredths
// throughout; kept on the phone and sent later when there is no connection.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, fieldText, hundredths, formatHundredths, plainHundredths, toast } from './lib.js';
import { app, cachedGet, queueAction, refusal } from './net.js';

const hoursInput = (label) => el('input', { class: 'hours', inputmode: 'decimal', autocomplete: 'off', maxlength: '5', placeholder: '0', 'aria-label': label });

/** Hundredths of an hour between two "HH:MM" times, or null when the end is not after the start. */
export function spanHundredths(start, end) {
  const m = (s) => { const x = /^(\d{1,2}):(\d{2})$/.exec(s || ''); return x ? Number(x[1]) * 60 + Number(x[2]) : null; };
  const a = m(start);
  const b = m(end);
  if (a === null || b === null || b <= a) return null;
  return Math.round(((b - a) * 100) / 60);
}

/** A member's row; spans: the attendance (null when nobody signed in on this order). */
function memberRows(members, spans) {
  return members.map((m) => {
    const a = spans?.byId.get(m.volunteer_id);
    const reason = el('input', { class: 'over-reason', id: `reason-${m.volunteer_id}`, maxlength: '200', autocomplete: 'off', 'aria-label': t('complete.reason_label', { name: m.name }) });
    return el('div', { class: 'hours-row', dataset: { volunteer: m.volunteer_id, spanMinutes: spans ? String(a?.span_minutes ?? 0) : '' } },
      el('label', { class: 'who' }, el('input', { type: 'checkbox', class: 'took-part', value: m.volunteer_id }),
        el('span', {}, m.name, ' ', el('small', { class: 'muted' }, m.role === 'lead' ? t('members.lead') : m.volunteer_no))),
      hoursInput(`${m.name} ${t('complete.hours')}`), el('span', { 'aria-hidden': 'true' }, t('complete.hours')),
      spans ? el('small', { class: 'span-note muted', id: `span-${m.volunteer_id}` }, a?.records ? t('complete.signed_span', { h: a.span_hours }) : t('complete.not_signed')) : null,
      spans ? el('div', { class: 'over', hidden: true }, el('label', { for: `reason-${m.volunteer_id}` }, t('complete.reason_label', { name: m.name })), reason) : null);
  });
}

/** Shows the reason box of each row whose hours pass its signed span by more than the tolerance. */
function markOver(rows, tolerance) {
  for (const row of rows.querySelectorAll('.hours-row')) {
    const over = row.querySelector('.over');
    if (!over || row.dataset.spanMinutes === '') continue;
    const h = hundredths(row.querySelector('input.hours').value);
    const used = row.querySelector('.took-part')?.checked;
    over.hidden = !(used && h !== null && (h * 60) / 100 > Number(row.dataset.spanMinutes) + tolerance);
  }
}

function manualRow(onRemove) {
  return el('div', { class: 'hours-row manual' },
    el('input', { class: 'vid', inputmode: 'numeric', placeholder: t('complete.volunteer_id'), 'aria-label': t('complete.volunteer_id') }),
    hoursInput(t('complete.hours')), el('span', { 'aria-hidden': 'true' }, t('complete.hours')),
    el('button', { type: 'button', class: 'btn small', onclick: (e) => { e.currentTarget.parentElement.remove(); onRemove(); } }, t('complete.remove_row')));
}

/** "所有人同样时长": hours, or start and end times, filled into every member who took part. */
function samePanel(rows, manual, changed) {
  const same = el('input', { id: 'same-hours', class: 'hours', inputmode: 'decimal', maxlength: '5', autocomplete: 'off' });
  const start = el('input', { id: 'same-start', type: 'time' });
  const end = el('input', { id: 'same-end', type: 'time' });
  const span = el('p', { class: 'muted', id: 'same-span', 'aria-live': 'polite' });
  const fromTimes = () => {
    if (!start.value || !end.value) { span.textContent = ''; return; }
    const h = spanHundredths(start.value, end.value);
    span.textContent = h === null ? t('complete.span_bad') : t('complete.span', { h: plainHundredths(h) });
    if (h !== null) same.value = plainHundredths(h);
  };
  start.addEventListener('input', fromTimes);
  end.addEventListener('input', fromTimes);
  const fill = () => {
    if (!same.value.trim()) return;
    const rowsToFill = [...rows.querySelectorAll('.hours-row')];
    const chosen = manual ? rowsToFill : rowsToFill.filter((r) => r.querySelector('.took-part').checked);
    for (const r of chosen.length ? chosen : rowsToFill) {
      r.querySelector('input.hours').value = same.value.trim();
      const box = r.querySelector('.took-part');
      if (box) box.checked = true;
    }
    changed();
  };
  return el('details', { class: 'same', id: 'same' },
    el('summary', {}, t('complete.same')),
    el('p', { class: 'hint' }, t('complete.same_hint')),
    el('div', { class: 'same-grid' },
      el('label', { for: 'same-start' }, t('complete.start_time'), start),
      el('label', { for: 'same-end' }, t('complete.end_time'), end),
      el('label', { for: 'same-hours' }, t('complete.same_hours'), same)),
    span,
    el('button', { type: 'button', class: 'btn small', id: 'same-fill', onclick: fill }, t('complete.fill')));
}

export async function completeForm(order, { done, back }) {
  const area = document.getElementById('action-area');
  const teamId = order.team_id || app.user.team_id;
  const summary = el('textarea', { id: 'complete-summary', name: 'summary', rows: '3', maxlength: '2000', 'aria-describedby': 'complete-summary-hint err-summary' });
  const rows = el('div', { class: 'hours-rows', id: 'hours-rows' });
  const total = el('p', { class: 'total', id: 'hours-total', 'aria-live': 'polite' });
  const err = el('p', { class: 'err', id: 'err-hours', hidden: true, role: 'alert' });
  const errSummary = el('p', { class: 'err', id: 'err-summary', hidden: true });
  const [members, att] = await Promise.all([
    teamId ? cachedGet(`/api/v1/teams/${teamId}/members`, { limit: 100 }) : { ok: false },
    cachedGet(`/api/v1/orders/${order.id}/attendance`)]);
  const manual = !(members.ok && members.json && members.json.items.length);
  // Hours are held against the signed spans once anyone signed in on this order.
  const signed = att.ok && att.json && att.json.items.some((x) => x.records);
  const spans = signed ? { byId: new Map(att.json.items.map((x) => [x.volunteer_id, x])) } : null;
  const tolerance = signed ? Number(att.json.tolerance_minutes) || 0 : 0;

  function entries() {
    const out = [];
    for (const row of rows.querySelectorAll('.hours-row')) {
      const input = row.querySelector('input.hours');
      const vid = manual ? row.querySelector('input.vid').value.trim() : row.dataset.volunteer;
      const used = manual ? (vid || input.value.trim()) : row.querySelector('.took-part').checked;
      if (used) out.push({ row, input, vid, h: hundredths(input.value) });
    }
    return out;
  }
  function sum() {
    const list = entries();
    total.textContent = list.length ? t('complete.total', { h: plainHundredths(list.reduce((a, x) => a + (x.h || 0), 0)) }) : '';
  }
  if (manual) put(rows, el('p', { class: 'muted' }, t('complete.no_members')), manualRow(sum));
  else put(rows, memberRows(members.json.items, spans));
  rows.addEventListener('input', () => markOver(rows, tolerance));
  rows.addEventListener('change', () => markOver(rows, tolerance));
  rows.addEventListener('input', (e) => {
    if (e.target.classList.contains('hours') && !manual) {
      const box = e.target.closest('.hours-row').querySelector('.took-part');
      if (box) box.checked = e.target.value.trim() !== '';
    }
    sum();
  });

  function check() {
    err.hidden = true;
    errSummary.hidden = true;
    form.querySelector('#field-summary').classList.remove('invalid');
    for (const x of rows.querySelectorAll('.invalid')) x.classList.remove('invalid');
    let ok = true;
    if (!summary.value.trim()) {
      errSummary.textContent = t('complete.summary_required');
      errSummary.hidden = false;
      form.querySelector('#field-summary').classList.add('invalid');
      ok = false;
    }
    const list = entries();
    if (!list.length) { err.textContent = t('complete.pick'); err.hidden = false; ok = false; }
    for (const x of list) {
      if (x.h === null || x.h <= 0 || x.h > 2400 || !/^\d{1,2}(\.\d{1,2})?$/.test(x.input.value.trim()) || !/^\d+$/.test(String(x.vid))) {
        x.row.classList.add('invalid');
        err.textContent = t('complete.hours_bad');
        err.hidden = false;
        ok = false;
      }
    }
    return ok ? list : null;
  }

  async function send(e) {
    e.preventDefault();
    const list = check();
    if (!list) { form.querySelector('.invalid input, .invalid textarea')?.focus(); return; }
    const reasonOf = (x) => { const r = x.row.querySelector('.over:not([hidden]) .over-reason'); return r && r.value.trim() ? { reason: r.value.trim() } : {}; };
    const body = { summary: summary.value.trim(), hours: list.map((x) => ({ volunteer_id: Number(x.vid), hours: formatHundredths(x.h), ...reasonOf(x) })) };
    const submit = form.querySelector('#complete-submit');
    if (navigator.onLine === false) { queueAction(order, 'complete', body); done(); return; }
    submit.disabled = true;
    submit.classList.add('busy');
    submit.textContent = t('act.sending');
    const r = await api(`/api/v1/orders/${order.id}/complete`, { method: 'POST', body });
    submit.disabled = false;
    submit.classList.remove('busy');
    submit.textContent = t('complete.submit');
    if (r.status === 0) { queueAction(order, 'complete', body); done(); return; }
    if (r.ok || (r.status === 409 && r.json?.error?.state === 'completed')) { toast(t('act.completed')); done(); return; }
    if (r.status === 409) { toast(refusal(r, 'complete'), 'bad'); done(); return; }
    if (r.status === 422 && r.json?.error?.fields) {
      const f = r.json.error.fields;
      if (f.summary) { errSummary.textContent = fieldText(f.summary); errSummary.hidden = false; }
      for (const k of Object.keys(f).filter((x) => x.startsWith('reason.'))) {
        const row = rows.querySelector(`.hours-row[data-volunteer="${k.slice(7)}"]`);
        if (row) { row.classList.add('invalid'); const over = row.querySelector('.over'); if (over) over.hidden = false; }
      }
      const other = Object.entries(f).filter(([k]) => k !== 'summary').map(([, v]) => fieldText(v));
      if (other.length) { err.textContent = other.join('；'); err.hidden = false; }
      return;
    }
    err.textContent = t('act.failed', { message: errorText(r) });
    err.hidden = false;
  }

  const form = el('form', { class: 'card complete', id: 'complete-form', onsubmit: send },
    el('h2', {}, t('complete.title')),
    el('div', { class: 'field', id: 'field-summary' },
      el('label', { for: 'complete-summary' }, t('complete.summary')),
      el('p', { class: 'hint', id: 'complete-summary-hint' }, t('complete.summary_hint')),
      summary, errSummary),
    el('fieldset', {}, el('legend', {}, t('complete.members')), el('p', { class: 'hint' }, t('complete.hours_hint')),
      samePanel(rows, manual, sum), rows,
      manual ? el('button', { type: 'button', class: 'btn small', onclick: () => rows.append(manualRow(sum)) }, t('complete.add_row')) : null,
      total, err),
    el('button', { type: 'submit', class: 'btn primary big', id: 'complete-submit' }, t('complete.submit')),
    el('button', { type: 'button', class: 'btn big', onclick: back }, t('complete.cancel')));
  put(area, form);
  document.getElementById('actions')?.remove();
  summary.focus();
}
