// Small helpers shared by the resident pages (the form and the status page).
import { t } from './i18n.js';

/** el('p', {class: 'x', onclick: f}, 'text', child…): an element; strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Number of characters as the server counts them (Unicode code points). */
export const chars = (s) => [...s].length;

/**
 * The server's phone rule: spaces and dashes ignored, an optional +86 / 0086 prefix; an 11-digit
 * mobile 1[3-9]xxxxxxxxx or a 10–12-digit landline starting with 0 (area code). Returns the digits or null.
 */
export function normalizePhone(text) {
  let s = String(text).trim();
  if (s.startsWith('+')) s = s.slice(1);
  s = s.replace(/[ -]/g, '');
  if (!/^\d+$/.test(s)) return null;
  if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  else if (s.length === 15 && s.startsWith('0086')) s = s.slice(4);
  if (/^1[3-9]\d{9}$/.test(s)) return s;
  if (/^0[1-9]\d{8,10}$/.test(s)) return s;
  return null;
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

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
});
const dateOnly = new Intl.DateTimeFormat('zh-CN', { month: 'numeric', day: 'numeric' });

/** "2026/11/29 09:35" in the phone's time zone. */
export const formatTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '');
export const formatDate = (iso) => (iso ? dateOnly.format(new Date(iso)) : '');

/**
 * fetch as JSON. Resolves {status, ok, json, headers}; a network failure resolves status 0.
 * opts: method, body (object → JSON), headers.
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    return { status: 0, ok: false, json: null, headers: new Headers() };
  }
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, ok: res.ok, json, headers: res.headers };
}

/** The server's message of an error answer, or a plain fallback. */
export function errorMessage(r) {
  if (r.status === 0) return t('error.network');
  const m = r.json && r.json.error && r.json.error.message;
  return t('error.generic', { message: m ? m.replace(/\s*\([^)]*\)\s*$/, '') : `HTTP ${r.status}` });
}

/** Recently submitted orders kept on this phone (newest first, at most 5). */
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

/** parent.replaceChildren(...) without the null/false placeholders of conditional parts. */
export function put(parent, ...nodes) {
  parent.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
}
