// 回访: the community's orders closed in the last 7 days, to call the resident back; each call's
// outcome is recorded (POST /api/v1/orders/{id}/callback). Uncalled and unreached ones first.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, formatFullTime, toast } from './lib.js';
import { categoryName } from './store.js';

const OUTCOMES = ['satisfied', 'unsatisfied', 'unreachable'];

export function render(container) {
  const status = el('p', { class: 'muted', role: 'status', id: 'callbacks-status' }, t('queue.loading'));
  const list = el('ul', { class: 'callbacks', id: 'callbacks' });
  put(container,
    el('p', {}, el('a', { href: '#/queue', class: 'back' }, t('detail.back'))),
    el('div', { class: 'page-head' }, el('h1', {}, t('callbacks.title'))),
    el('p', { class: 'muted' }, t('callbacks.intro')), status, list);

  function item(o) {
    const note = el('input', { id: `cb-note-${o.id}`, maxlength: '500', autocomplete: 'off', 'aria-label': t('callbacks.note'), placeholder: t('callbacks.note') });
    const record = async (outcome, button) => {
      button.disabled = true;
      const r = await api(`/api/v1/orders/${o.id}/callback`, { method: 'POST', body: note.value.trim() ? { outcome, note: note.value.trim() } : { outcome } });
      button.disabled = false;
      if (r.status === 201) { toast(t('callbacks.saved')); load(); return; }
      toast(t('common.error', { message: errorText(r) }), 'bad');
    };
    return el('li', { class: 'card callback', dataset: { id: o.id, outcome: o.outcome || 'none' } },
      el('div', { class: 'row' },
        el('a', { href: `#/order/${o.id}`, class: 'code-link' }, o.work_no), ' ',
        el('span', {}, categoryName(o.category_id)), ' ',
        el('span', { class: `flag outcome-${o.outcome || 'none'}` }, t(`callbacks.outcome.${o.outcome || 'none'}`))),
      el('p', {}, o.contact_name, ' ',
        o.contact_phone ? el('a', { class: 'btn small tel', href: `tel:${o.contact_phone}` }, `${t('queue.call')} ${o.contact_phone}`) : null),
      el('p', { class: 'muted small' }, t('callbacks.due', { date: formatFullTime(o.call_by) }),
        o.rating ? ` · ${t('callbacks.rating', { n: o.rating })}` : ''),
      el('div', { class: 'row' }, note,
        OUTCOMES.map((k) => el('button', { type: 'button', class: 'btn small', id: `cb-${k}-${o.id}`, onclick: (e) => record(k, e.currentTarget) }, t(`callbacks.outcome.${k}`)))));
  }

  async function load() {
    const r = await api('/api/v1/callbacks');
    if (!r.ok || !r.json) { status.textContent = t('common.error', { message: errorText(r) }); return; }
    status.textContent = r.json.items.length ? '' : t('callbacks.empty');
    put(list, r.json.items.map(item));
  }
  load();
}
