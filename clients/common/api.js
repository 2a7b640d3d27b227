// The one API/session layer of the three clients: JSON calls (Bearer token when signed in), a session
// kept in sessionStorage (console), localStorage (team app) or nowhere (resident pages), downloads,
// the server's error message without its English gloss, and random ids.
import { t, lang } from './i18n.js';

/** path?a=b with the empty values of query left out. */
export function withQuery(path, query) {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  const qs = q.toString();
  return qs ? path + (path.includes('?') ? '&' : '?') + qs : path;
}

/**
 * A client: {session, api, fetchAuthorized, download, onUnauthenticated}.
 * storage: 'local', 'session' or null (no sign-in); key: where the session is kept.
 */
export function createClient({ storage = null, key = '' } = {}) {
  const box = () => (storage === 'local' ? localStorage : storage === 'session' ? sessionStorage : null);
  const session = {
    get() {
      try { return box() ? JSON.parse(box().getItem(key) || 'null') : null; } catch { return null; }
    },
    set(s) {
      try { box()?.setItem(key, JSON.stringify(s)); } catch { /* private mode */ }
    },
    clear() {
      try { box()?.removeItem(key); } catch { /* private mode */ }
    },
  };
  let unauthenticated = () => {};

  /** fetch with the Bearer header; resolves the Response, or null when the network failed. */
  async function fetchAuthorized(path, { method = 'GET', headers = {}, body, signal } = {}) {
    const s = session.get();
    const h = { ...headers };
    if (s && s.token) h.Authorization = `Bearer ${s.token}`;
    // The phone knows it is offline: the call would only fail (and log an error), so fail it here.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return null;
    try {
      return await fetch(path, { method, headers: h, body, signal, cache: 'no-store' });
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      return null;
    }
  }

  /**
   * A JSON call. Resolves {status, ok, json, headers}; status 0 when the network failed.
   * opts: method, body (object → JSON), query (object → ?a=b), signal, headers.
   */
  async function api(path, { method = 'GET', body, query, signal, headers = {} } = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetchAuthorized(withQuery(path, query), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal });
    if (!res) return { status: 0, ok: false, json: null, headers: new Headers() };
    let json = null;
    if (res.status !== 204) {
      try { json = await res.json(); } catch { /* not JSON */ }
    }
    if (res.status === 401 && session.get()?.token && path !== '/api/v1/sessions') unauthenticated();
    return { status: res.status, ok: res.ok, json, headers: res.headers };
  }

  /** Fetches a file with the Bearer header and saves it (the server's name when it gives one). */
  async function download(path, filename, query) {
    const res = await fetchAuthorized(withQuery(path, query));
    if (!res) return { status: 0, ok: false };
    if (!res.ok) {
      let json = null;
      try { json = await res.json(); } catch { /* not JSON */ }
      return { status: res.status, ok: false, json };
    }
    const href = URL.createObjectURL(await res.blob());
    const named = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') || '');
    const a = Object.assign(document.createElement('a'), { href, download: named ? named[1] : filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    return { status: res.status, ok: true };
  }

  return { session, api, fetchAuthorized, download, onUnauthenticated: (f) => { unauthenticated = f; } };
}

/** A server message "中文 (English)" in the page's language: the Chinese, or in English the gloss. */
export function localText(m) {
  const s = String(m ?? '');
  const gloss = /\s*\(([^)]*)\)\s*$/.exec(s);
  if (!gloss) return s;
  return lang === 'en' && gloss[1] ? gloss[1] : s.slice(0, gloss.index);
}

/** The server's message of an error answer in the page's language, or a plain fallback. */
export function errorText(r) {
  if (!r || r.status === 0) return t('common.network');
  const e = r.json && r.json.error;
  if (e && e.code && t(`error.${e.code}`) !== `error.${e.code}`) return t(`error.${e.code}`);
  return e && e.message ? localText(e.message) : `HTTP ${r.status}`;
}

/** A random UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
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
