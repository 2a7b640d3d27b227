// 代点单: a community worker enters an order for a resident who phoned, walked in or called the
// hotline. The same fields and checks as the public form, plus how it came in; afterwards a slip to
// print or read out: the work-order number, the tracking code and the link with the resident's key.
import { t } from '/common/i18n.js';
import { field, showFields } from '/common/forms.js';
import { api, el, put, errorText } from './lib.js';
import { store, categoryName, communityName } from './store.js';

const SOURCES = ['phone', 'visit', 'hotline'];

function trackUrl(code, key) {
  return `${location.origin}/track/${code}${key ? `#key=${key}` : ''}`;
}

function slip(container, order, again) {
  const url = trackUrl(order.tracking_code, order.resident_key);
  put(container,
    el('div', { class: 'page-head' }, el('h1', {}, t('enter.done_title'))),
    el('section', { class: 'card slip', id: 'enter-slip' },
      el('h2', {}, t('enter.slip_title')),
      el('dl', { class: 'facts' },
        el('dt', {}, t('enter.slip_work_no')), el('dd', { id: 'slip-work-no' }, order.work_no),
        el('dt', {}, t('enter.slip_code')), el('dd', { id: 'slip-code', class: 'code' }, order.tracking_code),
        el('dt', {}, t('enter.slip_category')), el('dd', {}, categoryName(order.category_id)),
        el('dt', {}, t('enter.slip_community')), el('dd', {}, communityName(order.community_id)),
        el('dt', {}, t('enter.slip_link')), el('dd', {}, el('a', { href: url, id: 'slip-link', class: 'break' }, url))),
      el('p', { class: 'hint' }, t('enter.slip_hint'))),
    el('p', { class: 'no-print' },
      el('button', { type: 'button', class: 'btn primary', id: 'slip-print', onclick: () => window.print() }, t('enter.print')), ' ',
      el('button', { type: 'button', class: 'btn', id: 'enter-again', onclick: again }, t('enter.again')), ' ',
      el('a', { class: 'btn', href: `#/order/${order.id}` }, t('enter.open'))));
}

export function render(container) {
  const own = store.user?.role === 'community' ? store.user.community_id : null;
  const communities = [...store.communities.values()].filter((c) => !own || c.id === own);

  function form() {
    const source = el('select', { id: 'in-source', name: 'source', required: true },
      SOURCES.map((s) => el('option', { value: s }, t(`source.${s}`))));
    const community = el('select', { id: 'in-community_id', name: 'community_id', required: true, disabled: own ? true : undefined },
      communities.map((c) => el('option', { value: c.id }, `${c.town_name} · ${c.name}`)));
    const category = el('select', { id: 'in-category_id', name: 'category_id', required: true },
      el('option', { value: '' }, t('enter.choose')),
      store.catalog.categories.map((c) => el('option', { value: c.id }, c.name)));
    const description = el('textarea', { id: 'in-description', name: 'description', required: true, maxlength: '2000', rows: '4' });
    const name = el('input', { id: 'in-contact_name', name: 'contact_name', required: true, maxlength: '50', autocomplete: 'off' });
    const phone = el('input', { id: 'in-contact_phone', name: 'contact_phone', required: true, type: 'tel', maxlength: '30', autocomplete: 'off' });
    const address = el('input', { id: 'in-address', name: 'address', maxlength: '200', autocomplete: 'off' });
    const when = el('input', { id: 'in-preferred_time', name: 'preferred_time', maxlength: '100', autocomplete: 'off' });
    // Notifications (issue 12): with the resident's yes, the progress goes to their phone by SMS.
    const sms = el('input', { type: 'checkbox', id: 'in-sms_consent', name: 'sms_consent' });
    const status = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const button = el('button', { type: 'submit', class: 'btn primary', id: 'enter-submit' }, t('enter.submit'));
    const f = el('form', { class: 'card form enter', id: 'enter-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      status.hidden = true;
      const body = {
        source: source.value,
        community_id: Number(community.value),
        category_id: category.value ? Number(category.value) : 0,
        description: description.value.trim(),
        contact_name: name.value.trim(),
        contact_phone: phone.value.trim(),
        address: address.value.trim(),
        preferred_time: when.value.trim(),
        sms_consent: sms.checked,
      };
      button.disabled = true;
      const r = await api('/api/v1/orders', { method: 'POST', body });
      button.disabled = false;
      if (r.status === 201 && r.json) { slip(container, r.json, () => form()); return; }
      if (r.status === 422 && r.json?.error?.fields && showFields(f, r.json.error.fields)) return;
      status.textContent = t('common.error', { message: errorText(r) });
      status.hidden = false;
    } },
    field('source', t('enter.source'), source),
    field('community_id', t('enter.community'), community),
    field('category_id', t('enter.category'), category),
    field('description', t('enter.description'), description, t('enter.description_hint')),
    field('contact_name', t('enter.contact_name'), name),
    field('contact_phone', t('enter.contact_phone'), phone),
    field('address', t('enter.address'), address),
    field('preferred_time', t('enter.preferred_time'), when),
    el('label', { class: 'check', for: 'in-sms_consent' }, sms, el('span', {}, t('enter.sms_consent'))),
    status,
    el('p', {}, button));
    put(container, el('div', { class: 'page-head' }, el('h1', {}, t('enter.title'))), el('p', { class: 'muted' }, t('enter.intro')), f);
  }
  form();
}
