// An order's service records as a table with their exact total (hundredths, never float sums).
import { t } from '/common/i18n.js';
import { el, formatHours, hundredths, plainHundredths } from './lib.js';

export function recordsTable(records) {
  let total = 0;
  const rows = records.map((s) => {
    if (s.status !== 'disputed') total += hundredths(s.hours) ?? 0; // sent-back hours never count
    return el('tr', {},
      el('td', {}, s.volunteer_name || `#${s.volunteer_id}`),
      el('td', { class: 'num' }, formatHours(s.hours)),
      el('td', {}, t(`detail.record.${['verified', 'disputed'].includes(s.status) ? s.status : 'pending'}`)));
  });
  return el('table', { class: 'records', id: 'records' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('detail.record.volunteer')), el('th', { scope: 'col', class: 'num' }, t('detail.record.hours')), el('th', { scope: 'col' }, t('detail.record.status')))),
    el('tbody', {}, rows),
    el('tfoot', {}, el('tr', {}, el('th', { scope: 'row' }, t('detail.record.total')), el('td', { class: 'num', id: 'records-total' }, plainHundredths(total)), el('td', {}))));
}
