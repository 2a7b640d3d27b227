// Volunteer import (admin): pick a CSV file, see its first lines, upload it (POST
// /api/v1/volunteers/import) and read the server's report line by line — the same checks and words as
// `paidan import volunteers`. All or nothing: a file with a bad line imports no one; fix it and upload
// again. One Idempotency-Key per chosen file, so pressing 上传 again after a lost answer registers no
// one twice.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, fetchAuthorized, localText, uuid } from './lib.js';

const MAX_BYTES = 256 * 1024;
const PREVIEW_LINES = 5;
const FIELDS = ['name', 'phone', 'id_number', 'skills', 'team', 'role', 'csv', 'header'];

/** The fields of one CSV record for the preview only (the server checks the file). */
function splitRecord(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

function fieldName(f) {
  return FIELDS.includes(f) ? t(`imp.field.${f}`) : f;
}

/** The report's lines as a table that becomes cards on phones. */
function reportTable(report) {
  const headers = [t('imp.line'), t('vol.name'), t('imp.result')];
  const rows = report.lines.map((l) => el('tr', { class: l.ok ? 'ok' : 'bad', dataset: { line: l.line } },
    el('td', { dataset: { label: headers[0] } }, String(l.line)),
    el('td', { dataset: { label: headers[1] } }, l.name || ''),
    el('td', { dataset: { label: headers[2] } }, l.ok
      ? (l.volunteer_no ? t('imp.line_done', { no: l.volunteer_no }) : t('imp.line_good'))
      : el('ul', { class: 'problems' }, (l.problems || []).map((p) => el('li', { dataset: { field: p.field } },
        `${fieldName(p.field)}：${localText(p.message)}`))))));
  return el('div', { class: 'table-wrap' },
    el('table', { class: 'list', id: 'imp-report' },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
}

export function render(container) {
  const input = el('input', { type: 'file', id: 'imp-file', accept: '.csv,text/csv', 'aria-describedby': 'imp-hint' });
  const preview = el('div', { id: 'imp-preview' });
  const result = el('div', { id: 'imp-result', 'aria-live': 'polite' });
  const upload = el('button', { type: 'submit', class: 'btn primary', id: 'imp-upload', disabled: true }, t('imp.upload'));
  let chosen = null; // {file, bytes, key}

  input.addEventListener('change', async () => {
    put(result);
    put(preview);
    chosen = null;
    upload.disabled = true;
    const file = input.files && input.files[0];
    if (!file) return;
    if (file.size > MAX_BYTES) {
      put(preview, el('p', { class: 'form-error', role: 'alert' }, t('imp.too_large')));
      return;
    }
    const bytes = await file.arrayBuffer();
    const text = new TextDecoder('utf-8').decode(bytes).replace(/^\ufeff/, '');
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const head = splitRecord(lines[0] || '');
    const rows = lines.slice(1, 1 + PREVIEW_LINES).map(splitRecord);
    chosen = { bytes, key: uuid() };
    upload.disabled = false;
    put(preview,
      el('p', { class: 'hint', id: 'imp-count' }, t('imp.preview', { name: file.name, n: Math.max(0, lines.length - 1) })),
      el('div', { class: 'table-wrap' },
        el('table', { class: 'list', id: 'imp-preview-table' },
          el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => el('td', { dataset: { label: head[i] || '' } }, c))))))));
  });

  const form = el('form', { class: 'card reg-form', id: 'imp-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!chosen) return;
    upload.disabled = true;
    put(result, el('p', { class: 'notice', role: 'status' }, t('imp.sending')));
    const res = await fetchAuthorized('/api/v1/volunteers/import', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv; charset=utf-8', Accept: 'application/json', 'Idempotency-Key': chosen.key },
      body: chosen.bytes,
    });
    upload.disabled = false;
    let json = null;
    if (res) { try { json = await res.json(); } catch { /* not JSON */ } }
    const r = { status: res ? res.status : 0, ok: !!res && res.ok, json };
    const report = r.ok ? json : json?.error?.report;
    if (!report) {
      put(result, el('p', { class: 'form-error', role: 'alert', id: 'imp-error' }, errorText(r)));
      return;
    }
    const summary = r.ok
      ? (report.replayed ? t('imp.replayed', { n: report.imported }) : t('imp.done', { n: report.imported }))
      : t('imp.bad', { bad: report.bad_lines, total: report.total });
    put(result,
      el('p', { class: r.ok ? 'notice' : 'form-error', role: r.ok ? 'status' : 'alert', id: 'imp-summary' }, summary),
      report.header.length ? el('ul', { class: 'problems', id: 'imp-header' },
        report.header.map((m) => el('li', {}, `${t('imp.field.header')}：${localText(m)}`))) : null,
      report.lines.length ? reportTable(report) : null);
  } },
  el('h2', {}, t('imp.choose')),
  el('p', { class: 'hint', id: 'imp-hint' }, t('imp.columns')),
  el('pre', { class: 'sample' }, 'name,phone,id_number,skills,team,role\n张三,13800000000,,first_aid;smartphone_help:3,某某服务队,member'),
  el('div', { class: 'field' }, el('label', { for: 'imp-file' }, t('imp.file')), input),
  preview,
  el('div', { class: 'filter-buttons' }, upload));

  put(container,
    el('h1', {}, t('imp.title')),
    el('p', {}, el('a', { href: '#/volunteers' }, t('imp.back'))),
    el('p', { class: 'hint' }, t('imp.explain')),
    form,
    result);
  // The registry's skill codes, for whoever writes the file.
  (async () => {
    const s = await api('/api/v1/skills');
    if (!s.ok || !s.json) return;
    form.insertBefore(el('p', { class: 'hint', id: 'imp-skills' },
      t('imp.skill_codes', { codes: s.json.items.map((x) => `${x.code}（${x.name}）`).join('、') })), preview);
  })();
}
