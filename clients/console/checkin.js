// Proof of service in the console: the check-in code a community worker shows for a resident without
// a phone (while the order is accepted), and whether the start was verified on site, shown where the
// hours are confirmed.
import { t } from '/common/i18n.js';
import { api, el, put, errorText } from './lib.js';
import { store } from './store.js';

/** 'verified', 'unverified', or null when the order has not started. The server writes the start
 * event's note in one of two fixed forms (server/checkin.c). */
export function startVerification(order) {
  const start = [...(order.events || [])].reverse().find((e) => e.action === 'start');
  if (!start) return null;
  return /^到场核验：已核验/.test(start.note || '') ? 'verified' : 'unverified';
}

/** The line shown with the hours to confirm. */
export function verificationNote(order) {
  const v = startVerification(order);
  if (!v) return null;
  return el('p', { class: `checkin-flag ${v}`, id: 'checkin-flag', role: v === 'unverified' ? 'alert' : null, dataset: { verification: v } },
    t(`checkin.${v}`));
}

function svgNode(text) {
  const doc = new DOMParser().parseFromString(text || '', 'image/svg+xml');
  return doc.documentElement?.nodeName === 'svg' ? document.importNode(doc.documentElement, true) : null;
}

/** A card with a button that shows the order's current check-in code, renewed every minute. */
export function checkinCard(order) {
  if (order.state !== 'accepted' || !['community', 'admin'].includes(store.user?.role)) return null;
  const out = el('div', { id: 'console-checkin', 'aria-live': 'polite' });
  let timer = null;
  async function show() {
    clearTimeout(timer);
    if (timer !== null && !out.isConnected) return;
    const r = await api(`/api/v1/orders/${order.id}/checkin-code`);
    if (!out.isConnected && timer !== null) return;
    if (!r.ok || !r.json) { put(out, el('p', { class: 'form-error' }, r.status === 409 ? t('checkin.gone') : errorText(r))); return; }
    put(out,
      el('p', { class: 'checkin-code', id: 'console-checkin-code', dataset: { code: r.json.code } }, `${r.json.code.slice(0, 3)} ${r.json.code.slice(3)}`),
      el('div', { class: 'checkin-qr' }, svgNode(r.json.qr_svg)),
      el('p', { class: 'muted' }, t('checkin.changes')));
    const wait = Math.max(1000, Math.min(60000, Date.parse(r.json.valid_until) - Date.now() + 500));
    timer = setTimeout(show, Number.isFinite(wait) ? wait : 30000);
  }
  return el('section', { class: 'card', id: 'checkin-card' },
    el('h2', {}, t('checkin.title')),
    el('p', { class: 'muted' }, t('checkin.explain')),
    out,
    el('button', { type: 'button', class: 'btn', id: 'show-checkin', onclick: () => { timer = timer ?? 0; show(); } }, t('checkin.show')));
}

/** Each volunteer's signed span beside the hours claimed (and the reason for hours beyond it). */
export function spanTable(order) {
  const box = el('div', { id: 'span-table' });
  (async () => {
    const r = await api(`/api/v1/orders/${order.id}/attendance`);
    if (!box.isConnected && !r.ok) return;
    if (!r.ok || !r.json) { put(box, el('p', { class: 'form-error' }, errorText(r))); return; }
    const items = r.json.items || [];
    if (!items.some((x) => x.records)) { put(box, el('p', { class: 'checkin-flag unverified', id: 'no-attendance' }, t('attendance.none'))); return; }
    put(box, el('table', { class: 'records', id: 'attendance-table' },
      el('caption', {}, t('attendance.caption')),
      el('thead', {}, el('tr', {}, ['attendance.volunteer', 'attendance.span', 'attendance.claimed', 'attendance.reason'].map((k) => el('th', { scope: 'col' }, t(k))))),
      el('tbody', {}, items.map((x) => {
        const over = x.hours_claimed && Number(x.hours_claimed) * 60 > Number(x.span_minutes) + Number(r.json.tolerance_minutes);
        return el('tr', { class: over ? 'over' : '', dataset: { volunteer: x.volunteer_id } },
          el('td', {}, x.name),
          el('td', { class: 'num' }, x.records ? x.span_hours : t('attendance.not_signed')),
          el('td', { class: 'num' }, x.hours_claimed || '—'),
          el('td', {}, x.over_span_reason || (over ? t('attendance.no_reason') : '')));
      }))));
  })();
  return box;
}
