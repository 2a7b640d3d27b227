// The one i18n engine of the three clients. Each app registers its texts as {key: [zh-CN, en]}
// (see */messages.js); t(key, {name}) fills {name} placeholders. The language is chosen on the page
// (langSwitch) and remembered on the device under 'paidan.lang'.
import common from './messages.js';
import { glossaryMessages } from './glossary.js';

const LANGS = ['zh-CN', 'en'];
const STORE_KEY = 'paidan.lang';
const texts = new Map(); // key → [zh-CN, en]

function savedLang() {
  try {
    const v = globalThis.localStorage?.getItem(STORE_KEY);
    if (LANGS.includes(v)) return v;
  } catch { /* storage may be off */ }
  return 'zh-CN';
}

/** 'zh-CN' or 'en', fixed for the life of the page. */
export const lang = savedLang();

/** Adds texts; a later registration of a key replaces an earlier one. */
export function addMessages(dict) {
  for (const [k, v] of Object.entries(dict)) texts.set(k, v);
}

export const hasText = (key) => texts.has(key);

/** The text for key in the page's language, {name} placeholders filled; the key itself when missing. */
export function t(key, params = {}) {
  const pair = texts.get(key);
  const text = pair ? (lang === 'en' && pair[1] ? pair[1] : pair[0]) : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * Fills data-i18n (text), data-i18n-placeholder and data-i18n-aria-label under root; sets <html lang>.
 * A node that already says the text (the Chinese in the HTML) is left alone: rewriting it would make
 * the browser lay the whole page out again just as a slow phone has painted it and taken input.
 */
export function applyI18n(root = document) {
  for (const n of root.querySelectorAll('[data-i18n]')) {
    const text = t(n.dataset.i18n);
    if (n.textContent !== text) n.textContent = text;
  }
  for (const n of root.querySelectorAll('[data-i18n-placeholder]')) {
    const text = t(n.dataset.i18nPlaceholder);
    if (n.placeholder !== text) n.placeholder = text;
  }
  for (const n of root.querySelectorAll('[data-i18n-aria-label]')) {
    const text = t(n.dataset.i18nAriaLabel);
    if (n.getAttribute('aria-label') !== text) n.setAttribute('aria-label', text);
  }
  if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
}

/** Remembers the other language and reloads the page in it. */
export function switchLang() {
  try { localStorage.setItem(STORE_KEY, lang === 'en' ? 'zh-CN' : 'en'); } catch { /* storage may be off */ }
  location.reload();
}

/**
 * Registers a page's texts in order: the shared ones, the glossary's words for its audience
 * ('resident' or 'staff'), then the app's own. Call it first thing in the page's main module.
 */
export function useTexts(audience, own) {
  addMessages(common);
  addMessages(glossaryMessages(audience));
  addMessages(own);
}
