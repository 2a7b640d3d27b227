// After 点单: the tracking code with a 复制 button and the way to follow it; the phone's recent
// requests.
import { t } from '/common/i18n.js';
import { el, formatDate, recentOrders, rememberOrder, trackLink } from './lib.js';

const $ = (id) => document.getElementById(id);

async function copyCode() {
  const status = $('copy-state');
  try {
    await navigator.clipboard.writeText($('done-code').textContent);
    status.textContent = t('done.copied');
  } catch {
    // No clipboard (an old browser, no permission): select the code so a long press copies it.
    const range = document.createRange();
    range.selectNodeContents($('done-code'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    status.textContent = t('done.copy_failed');
  }
}

export function showRecent() {
  const list = recentOrders();
  $('recent').hidden = list.length === 0;
  $('recent-list').replaceChildren(...list.map((o) => el('li', {},
    el('a', { href: `/track/${o.code}` }, t('recent.item', { code: o.code, category: o.category, date: formatDate(o.at) })))));
}

/** Shows the code of the order just made (categoryName: for the recent list). */
export function showDone(order, categoryName) {
  rememberOrder(order, categoryName);
  $('order').hidden = true;
  $('done-code').textContent = order.tracking_code;
  $('copy-state').textContent = '';
  $('done-track').href = trackLink(order.tracking_code, order.resident_key);
  $('done').hidden = false;
  $('done').focus();
  window.scrollTo(0, 0);
  showRecent();
}

$('done-copy').addEventListener('click', copyCode);
