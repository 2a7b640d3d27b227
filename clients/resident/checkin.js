// The check-in code at the door (到场签到码): once a team has accepted the order and until it starts,
// the resident shows this 6-digit number (and its QR code) to the volunteers, who enter or scan it;
// the server then records the start as verified on site. The code changes every minute: the panel
// fetches the new one when the old one runs out. Only the resident's own link (the key) or a 查我的点单
// session of the order's phone shows it.
import { t } from '/common/i18n.js';
import { el, put, api, errorMessage, residentKey } from './lib.js';

/** The server's SVG text as a node (parsed as SVG, never as HTML). */
function svgNode(text) {
  const doc = new DOMParser().parseFromString(text || '', 'image/svg+xml');
  const svg = doc.documentElement;
  return svg && svg.nodeName === 'svg' ? document.importNode(svg, true) : null;
}

/** A section that keeps itself up to date while it is on the page. */
export function checkinPanel(code) {
  const body = el('div', { class: 'checkin-body' }, el('p', { class: 'muted' }, t('checkin.loading')));
  const section = el('section', { class: 'panel checkin', id: 'checkin', 'aria-labelledby': 'checkin-title' },
    el('h2', { id: 'checkin-title' }, t('checkin.title')),
    el('p', { class: 'note' }, t('checkin.explain')),
    body);
  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    if (!section.isConnected && timer !== null) return; // the page moved on
    // Without the key a 查我的点单 session of the order's phone (an HttpOnly cookie) may stand in.
    const key = residentKey(code);
    const r = await api(`/api/v1/track/${encodeURIComponent(code)}/checkin`, { headers: key ? { 'X-Resident-Key': key } : {} });
    if (r.status === 409) { section.remove(); return; } // started (or withdrawn) meanwhile
    if (!key && (r.status === 422 || r.status === 403)) { put(body, el('p', { class: 'message bad' }, t('checkin.no_key'))); return; }
    if (!r.ok || !r.json) {
      put(body, el('p', { class: 'message bad', role: 'alert' }, r.status === 403 ? t('checkin.wrong_key') : errorMessage(r)));
      timer = setTimeout(refresh, 15000);
      return;
    }
    const c = r.json;
    const spaced = `${c.code.slice(0, 3)} ${c.code.slice(3)}`;
    put(body,
      el('p', { class: 'checkin-code', id: 'checkin-code', dataset: { code: c.code }, 'aria-label': t('checkin.code_label', { code: c.code.split('').join(' ') }) }, spaced),
      el('div', { class: 'checkin-qr', id: 'checkin-qr' }, svgNode(c.qr_svg)),
      el('p', { class: 'muted small' }, t('checkin.changes')));
    // The next code from the start of the next minute (a little after, so the server has moved on).
    const wait = Math.max(1000, Math.min(60000, Date.parse(c.valid_until) - Date.now() + 500));
    timer = setTimeout(refresh, Number.isFinite(wait) ? wait : 30000);
  }
  // Started once the section is in the page (the caller appends it at once).
  queueMicrotask(refresh);
  return section;
}
