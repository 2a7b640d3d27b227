// DOM building, dates, exact decimal hours and dismissable messages: the helpers the three clients
// share (served at /common/). Nothing here knows about an app's texts or session.
import { t, lang } from './i18n.js';
import { localText } from './api.js';

/** A field message of the server in the page's language. */
export const fieldText = localText;

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

// The formatters are made on first use, not when the module loads: making one loads the locale's
// data, which took a slow phone a third of a second before the first field could take input.
let dateTime = null;
let fullTime = null;
export function formatTime(iso) {
  if (!iso) return '';
  dateTime ??= new Intl.DateTimeFormat(lang, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
  return dateTime.format(new Date(iso));
}
export function formatFullTime(iso) {
  if (!iso) return '';
  fullTime ??= new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
  return fullTime.format(new Date(iso));
}

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

/** Hours as people write them: "2.5" from 250, "2" from 200, "1.25" from 125. */
export function plainHundredths(h) {
  return formatHundredths(h).replace(/\.?0+$/, '');
}

/** "2.5" from whatever the server sent ("2.50"); the text as is when it does not parse. */
export function formatHours(value) {
  const h = hundredths(value);
  return h === null ? String(value ?? '') : plainHundredths(h);
}

/**
 * A message in the page's #toasts area (which sits in the flow below the header, so it never covers
 * the content): at most three at once, each with a close button; good news goes after 6 s, trouble
 * stays until dismissed or 20 s.
 */
export function toast(text, kind = 'good') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const n = el('div', { class: `toast ${kind}`, role: kind === 'bad' ? 'alert' : 'status' },
    el('span', { class: 'toast-text' }, text),
    el('button', { type: 'button', class: 'toast-close', 'aria-label': t('common.dismiss'), onclick: () => n.remove() }, '×'));
  box.append(n);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => n.remove(), kind === 'bad' ? 20000 : 6000);
}
