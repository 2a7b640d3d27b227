// What the resident pages share: the API client (no sign-in), the phone's list of recent requests,
// the shape of a tracking code, and the server's message in plain words.
import { t } from '/common/i18n.js';
import { createClient, errorText } from '/common/api.js';

export const { api } = createClient();
export { el, put, formatFullTime as formatTime } from '/common/dom.js';

const dateOnly = new Intl.DateTimeFormat('zh-CN', { month: 'numeric', day: 'numeric' });
export const formatDate = (iso) => (iso ? dateOnly.format(new Date(iso)) : '');

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
    list.unshift({ code: order.tracking_code, category: categoryName || '', at: order.created_at });
    localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, 5)));
  } catch { /* storage may be off */ }
}

export const TRACKING_CODE_RE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$/;
