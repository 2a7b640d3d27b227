// Display choices remembered on the device: 长辈模式 (larger type, bigger buttons, fewer words) and
// the language. applyPrefs() runs before the first paint of each page; prefsControls() gives the two
// switches for the page's header.
import { t, lang, switchLang } from './i18n.js';
import { el } from './dom.js';

const ELDER_KEY = 'paidan.elder';

export function elderMode() {
  try { return localStorage.getItem(ELDER_KEY) === '1'; } catch { return false; }
}

export function applyPrefs() {
  document.documentElement.classList.toggle('elder', elderMode());
  document.documentElement.lang = lang;
}

function setElder(on) {
  try { localStorage.setItem(ELDER_KEY, on ? '1' : '0'); } catch { /* storage may be off */ }
  applyPrefs();
}

/** Two buttons: 长辈模式 (a toggle, aria-pressed) and the other language. */
export function prefsControls() {
  const elder = el('button', { type: 'button', class: 'pref', id: 'pref-elder', 'aria-pressed': String(elderMode()) }, t('prefs.elder'));
  elder.addEventListener('click', () => {
    const on = !elderMode();
    setElder(on);
    elder.setAttribute('aria-pressed', String(on));
  });
  const language = el('button', {
    type: 'button', class: 'pref', id: 'pref-lang', lang: lang === 'en' ? 'zh-CN' : 'en', 'aria-label': t('prefs.lang_label'), onclick: switchLang,
  }, t('prefs.lang'));
  return el('span', { class: 'prefs' }, elder, language);
}
