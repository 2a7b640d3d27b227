// What the resident pages share: the API client (no sign-in), the phone's list of recent requests,
// the shape of a tracking code, and the server's message in plain words.
import { t } from '/common/i18n.js';
import { createClient, errorText } from '/common/api.js';

export const { api } = createClient();
export { el, put, formatFullTime as formatTime } from '/common/dom.js';

let dateOnly = null; // made on first use, like the formatters of /common/dom.js
export function formatDate(iso) {
  if (!iso) return '';
  dateOnly ??= new Intl.DateTimeFormat('zh-CN', { month: 'numeric', day: 'numeric' });
  return dateOnly.format(new Date(iso));
}

/** The server's message of an error answer in plain words. */
export function errorMessage(r) {
  return r.status === 0 ? t('error.network') : t('error.generic', { message: errorText(r) });
}

/** Recently submitted requests kept on this phone (newest first, at most 5). */
const RECENT_KEY = 'paidan.recent';
export function recentOrders() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY) || '[]').slice(0, 5); } catch { return []; }
}
export function rememberOrder(order, categoryName) {
  try {
    const list = recentOrders().filter((o) => o.code !== order.tracking_code);
    list.unshift({ code: order.tracking_code, key: order.resident_key, category: categoryName || '', at: order.created_at });
    localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, 5)));
  } catch { /* storage may be off */ }
}

/** The resident key of an order: from the link's fragment (#key=…), else as kept on this phone. */
export function residentKey(code) {
  const m = /(?:^#|&)key=([A-Za-z0-9_-]{32})(?:&|$)/.exec(location.hash);
  if (m) return m[1];
  const kept = recentOrders().find((o) => o.code === code);
  return (kept && kept.key) || '';
}

/** The status page's link, carrying the key in the fragment (never sent to a server). */
export function trackLink(code, key) {
  return key ? `/track/${code}#key=${key}` : `/track/${code}`;
}

export const TRACKING_CODE_RE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$/;
