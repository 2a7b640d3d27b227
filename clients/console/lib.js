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

/** A field message without its English gloss. */
export const fieldText = (m) => String(m).replace(/\s*\([^)]*\)\s*$/, '');

export function el(tag, attrs = {}, ...children) {
  const node = tag === 'svg' || attrs.svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false || k === 'svg') continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.setAttribute('class', v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'value' && 'value' in node && tag !== 'option') node.value = v;
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function put(parent, ...nodes) {
  parent.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

const dateTime = new Intl.DateTimeFormat('zh-CN', { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const fullTime = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
export const formatTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '');
export const formatFullTime = (iso) => (iso ? fullTime.format(new Date(iso)) : '');

/** YYYY-MM-DD of a Date in local time. */
export function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// ---- exact decimal hours: the server's strings (or numbers) → integer hundredths, never float sums

/** Hundredths of an hour from "1.5", "1.50", 1.5 or "2"; null when it is not such a number. */
export function hundredths(value) {
  const m = /^(\d+)(?:\.(\d{1,2})\d*)?$/.exec(String(value).trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

/** "1.50" from 150. */
export function formatHundredths(h) {
  return `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;
}

/** "1.50" from whatever the server sent; the text as is when it does not parse. */
export function formatHours(value) {
  const h = hundredths(value);
  return h === null ? String(value ?? '') : formatHundredths(h);
}

export function toast(text, kind = 'good') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const n = el('div', { class: `toast ${kind}`, role: kind === 'bad' ? 'alert' : 'status' }, text);
  box.append(n);
  setTimeout(() => n.remove(), kind === 'bad' ? 9000 : 5000);
}
