// The console's plumbing: the session (sessionStorage), JSON calls with the Bearer token, downloads,
// a tiny element builder, times and exact decimal hours.
import { t } from './i18n.js';

const SESSION_KEY = 'paidan.console.session';

export const session = {
  get() {
    try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null'); } catch { return null; }
  },
  set(s) {
    try { sessionStorage.setItem(SESSION_KEY, JSON.stringify(s)); } catch { /* private mode */ }
  },
  clear() {
    try { sessionStorage.removeItem(SESSION_KEY); } catch { /* private mode */ }
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

/** Fetches a file with the Bearer header and saves it under filename. Resolves the response status. */
export async function download(path, filename, query) {
  const s = session.get();
  let url = path;
  if (query) {
    const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
    if (q.toString()) url += `?${q}`;
  }
  let res;
  try {
    res = await fetch(url, { headers: s ? { Authorization: `Bearer ${s.token}` } : {}, cache: 'no-store' });
  } catch {
    return { status: 0, ok: false };
  }
  if (!res.ok) {
    let json = null;
    try { json = await res.json(); } catch { /* not JSON */ }
    return { status: res.status, ok: false, json };
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  // The server's name for the file (Content-Disposition) when it gives one.
  const named = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') || '');
  a.href = href;
  a.download = named ? named[1] : filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  return { status: res.status, ok: true };
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
