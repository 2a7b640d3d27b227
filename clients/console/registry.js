// What the registry pages share: the page's refusal (not yet built, not allowed), a write that shows
// the server's field messages, a status select, a paged table whose rows become cards on phones.
import { t } from '/common/i18n.js';
import { showFields } from '/common/forms.js';
import { api, el, put, errorText, toast } from './lib.js';

export function unavailable(container, title, r) {
  const text = r.status === 404 ? t('reg.unavailable') : r.status === 403 ? t('reg.forbidden') : t('reg.failed', { message: errorText(r) });
  put(container, el('h1', {}, title), el('p', { class: 'notice', id: 'reg-unavailable' }, text));
}

/** Sends a registry write and shows what went wrong; resolves the JSON on success, else null. */
export async function save(form, errBox, method, path, body) {
  showFields(form, {});
  errBox.hidden = true;
  const r = await api(path, { method, body });
  if (r.ok) { toast(t('reg.saved')); return r.json || {}; }
  const shown = r.status === 422 && r.json?.error?.fields ? showFields(form, r.json.error.fields) : 0;
  errBox.textContent = shown ? t('reg.fix') : errorText(r);
  errBox.hidden = false;
  return null;
}

/** 保存 and 取消 under a registry form. */
export function saveButtons(cancel) {
  return el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn primary' }, t('reg.save')),
    el('button', { type: 'button', class: 'btn', onclick: cancel }, t('reg.cancel')));
}

/** Puts a form in its box, brings it into view and focuses its first input. */
export function show(box, form, first) {
  put(box, form);
  form.scrollIntoView({ block: 'nearest' });
  first.focus();
}

export function statusSelect(id, value, withAll = false) {
  const s = el('select', { id, name: 'status' },
    withAll ? el('option', { value: '' }, t('reg.status_all')) : null,
    el('option', { value: 'active' }, t('reg.status.active')),
    el('option', { value: 'inactive' }, t('reg.status.inactive')));
  s.value = value || (withAll ? '' : 'active');
  return s;
}

/** A row of cells, each labelled with its column's header for the card layout on phones. */
export function row(attrs, headers, cells) {
  return el('tr', attrs, cells.map((c, i) => el('td', { 'data-label': headers[i] || null, class: headers[i] ? null : 'cell-actions' }, c)));
}

/**
 * A table (id) with headers whose rows come a page at a time from fetchPage(cursor) → api result
 * of {items, next_cursor}; drawRow(item) gives a <tr>. Returns {node, load(reset)}.
 */
export function pagedTable({ id, headers, fetchPage, drawRow, onError }) {
  let items = [];
  let cursor = null;
  const tbody = el('tbody', { id: `${id.replace(/-table$/, '')}-rows` });
  const more = el('button', { type: 'button', class: 'btn', hidden: true, onclick: () => load(false) }, t('reg.more'));
  async function load(reset) {
    const r = await fetchPage(reset ? '' : cursor);
    if (!tbody.isConnected) return;
    if (!r.ok || !r.json) { onError(r); return; }
    items = reset ? r.json.items : items.concat(r.json.items);
    cursor = r.json.next_cursor;
    more.hidden = !cursor;
    put(tbody, items.length ? items.map(drawRow) : el('tr', {}, el('td', { colspan: headers.length, class: 'empty' }, t('reg.empty'))));
  }
  const node = el('div', {},
    el('div', { class: 'table-wrap' }, el('table', { class: 'list', id },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, t('reg.actions')))))),
      tbody)),
    el('p', { class: 'center' }, more));
  return { node, load };
}
