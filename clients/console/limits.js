// 工作限额 (administrators): the county's defaults — how many orders a department may hold claimed
// and not yet offered, a team accepted and not completed, and the hours to offer a claimed order —
// and each category's own offer deadline (empty: the county's). Saving records the change in the
// admin chain (the server does it in the same statement).
import { t } from '/common/i18n.js';
import { api, el, put, errorText, fieldText, toast } from './lib.js';

export function render(container) {
  const status = el('p', { class: 'form-error', role: 'alert', id: 'limits-error', hidden: true });
  const box = el('div', {}, el('p', { class: 'muted' }, t('common.loading')));
  put(container, el('h1', {}, t('limits.title')), el('p', { class: 'muted' }, t('limits.intro')), box);
  const number = (id, value, max) => el('input', { id, type: 'number', min: 1, max, inputmode: 'numeric', value: String(value ?? '') });
  const load = async () => {
    const r = await api('/api/v1/settings/limits');
    if (!r.ok || !r.json) { put(box, el('p', { class: 'form-error' }, errorText(r))); return; }
    const d = r.json;
    const field = (id, label, input) => el('div', { class: 'field' }, el('label', { for: id }, label), input);
    const form = el('form', { class: 'card', id: 'limits-form', novalidate: true },
      el('h2', {}, t('limits.county')),
      field('limit-claim', t('limits.claim_limit'), number('limit-claim', d.claim_limit, 10000)),
      field('limit-accept', t('limits.accept_limit'), number('limit-accept', d.accept_limit, 10000)),
      field('limit-offer', t('limits.offer_hours'), number('limit-offer', d.offer_hours, 8760)),
      el('h2', {}, t('limits.categories')),
      el('p', { class: 'muted' }, t('limits.categories_hint')),
      el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'limits-categories' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('limits.col.category')), el('th', { scope: 'col' }, t('limits.col.offer_hours')))),
        el('tbody', {}, d.categories.map((c) => el('tr', { dataset: { category: c.id } },
          el('td', { 'data-label': t('limits.col.category') }, el('label', { for: `limit-cat-${c.id}` }, c.name)),
          el('td', { 'data-label': t('limits.col.offer_hours') },
            el('input', { id: `limit-cat-${c.id}`, type: 'number', min: 1, max: 8760, inputmode: 'numeric', placeholder: t('limits.county_default', { n: d.offer_hours }), value: c.offer_hours === null ? '' : String(c.offer_hours) }))))))),
      status,
      el('button', { type: 'submit', class: 'btn primary', id: 'limits-save' }, t('limits.save')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const n = (id) => Number(form.querySelector(`#${id}`).value);
      const body = {
        claim_limit: n('limit-claim'), accept_limit: n('limit-accept'), offer_hours: n('limit-offer'),
        categories: d.categories.map((c) => {
          const v = form.querySelector(`#limit-cat-${c.id}`).value.trim();
          return { id: c.id, offer_hours: v === '' ? null : Number(v) };
        }),
      };
      const s = await api('/api/v1/settings/limits', { method: 'PUT', body });
      if (s.ok) { status.hidden = true; toast(t('limits.saved')); return; }
      const fields = s.json?.error?.fields;
      status.textContent = fields ? Object.entries(fields).map(([k, m]) => `${t(`limits.field.${k}`)}：${fieldText(m)}`).join('；') : errorText(s);
      status.hidden = false;
    });
    put(box, form);
  };
  load();
}
