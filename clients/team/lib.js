// The team app's plumbing: the session (localStorage, so an installed app stays logged in for the
// session's lifetime), JSON calls with the Bearer token, a tiny element builder, exact decimal hours.
import { t } from './i18n.js';

const SESSION_KEY = 'paidan.team.session';

export const session = {
  get() {
    try { return JSON.parse(localStorage.getItem(SESSION_KEY) || 'null'); } catch { return null; }
  },
  set(s) {
    try { localStorage.setItem(SESSION_KEY, JSON.stringify(s)); } catch { /* private mode */ }
  },
  clear() {
    try { localStorage.removeItem(SESSION_KEY); } catch { /* private mode */ }
  },
};

/** Called when the server answers 401 to a logged-in call (set by app.js). */
let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(f) { onUnauthenticated = f; }

/**
 * A JSON call. Resolves {status, ok, json, headers}; status 0 when the network failed.
 * opts: method, body (object → JSON), query (object → ?a=b, empty values left out), signal.
 */
export async function api(path, { method = 'GET', body, query, signal, headers = {} } = {}) {
  const s = session.get();
  const h = { Accept: 'application/json', ...headers };
  if (s && s.token) h.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
    const qs = q.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  let res;
  try {
    res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    return { status: 0, ok: false, json: null, headers: new Headers() };
  }
  let json = null;
  if (res.status !== 204) {
    try { json = await res.json(); } catch { /* not JSON */ }
  }
  if (res.status === 401 && s && s.token && path !== '/api/v1/sessions') onUnauthenticated();
  return { status: res.status, ok: res.ok, json, headers: res.headers };
}

/** The server's message without its English gloss, or a plain fallback. */
export function errorText(r) {
  if (!r || r.status === 0) return t('common.network');
  const m = r.json && r.json.error && r.json.error.message;
  return m ? m.replace(/\s*\([^)]*\)\s*$/, '') : `HTTP ${r.status}`;
}

export {
  fieldText, el, put, formatTime, formatFullTime, isoDate, hundredths, formatHundredths, formatHours, toast,
} from '/common/dom.js';

/** A random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function uuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') {
    try { return crypto.randomUUID(); } catch { /* not a secure context */ }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
