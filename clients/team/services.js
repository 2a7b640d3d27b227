// 服务清单 of the team: the standing services it publishes (booked places, the waiting list), a form
// to publish one (once, or weekly until a day) and 撤下 to take one off the menu. Bookings arrive as
// accepted work orders among the jobs.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, fieldText, formatFullTime } from './lib.js';
import { app, catalog } from './net.js';

const FIELDS = ['title', 'category_id', 'town_id', 'place', 'starts_at', 'weekday', 'time', 'ends_on', 'capacity'];

function when(s) {
  if (s.starts_at) return formatFullTime(s.starts_at);
  return t('services.weekly', { day: t(`services.weekday_${s.weekday}`), time: s.time_of_day, until: s.ends_on });
}

function field(name, label, input) {
  return el('div', { class: 'svc-field', id: `svc-f-${name}` },
    el('label', { for: `svc-${name}` }, label), input,
    el('p', { class: 'err', id: `svc-err-${name}`, hidden: true }));
}

function publishForm(onDone) {
  const status = el('p', { class: 'muted', role: 'status', id: 'svc-status' });
  const weekly = el('input', { type: 'checkbox', id: 'svc-weekly' });
  const form = el('form', { class: 'card services-form', id: 'svc-form', novalidate: true },
    el('h2', {}, t('services.new')),
    field('title', t('services.title_label'), el('input', { id: 'svc-title', name: 'title', maxlength: 100, required: true })),
    field('category_id', t('services.category'), el('select', { id: 'svc-category_id', name: 'category_id' },
      [...catalog.categories.values()].map((c) => el('option', { value: c.id }, c.name)))),
    field('town_id', t('services.town'), el('select', { id: 'svc-town_id', name: 'town_id' },
      (catalog.towns || []).map((x) => el('option', { value: x.id }, x.name)))),
    field('place', t('services.place'), el('input', { id: 'svc-place', name: 'place', maxlength: 200, required: true })),
    el('label', { class: 'remember', for: 'svc-weekly' }, weekly, ' ', t('services.weekly_box')),
    field('starts_at', t('services.starts_at'), el('input', { id: 'svc-starts_at', name: 'starts_at', type: 'datetime-local' })),
    el('div', { id: 'svc-weekly-fields', hidden: true },
      field('weekday', t('services.weekday'), el('select', { id: 'svc-weekday', name: 'weekday' },
        [1, 2, 3, 4, 5, 6, 7].map((d) => el('option', { value: d }, t(`services.weekday_${d}`))))),
      field('time', t('services.time'), el('input', { id: 'svc-time', name: 'time', type: 'time' })),
      field('ends_on', t('services.ends_on'), el('input', { id: 'svc-ends_on', name: 'ends_on', type: 'date' }))),
    field('capacity', t('services.capacity'), el('input', { id: 'svc-capacity', name: 'capacity', type: 'number', min: 1, max: 1000, value: 10, inputmode: 'numeric' })),
    status,
    el('button', { type: 'submit', class: 'btn primary big', id: 'svc-publish' }, t('services.publish')));
  weekly.addEventListener('change', () => {
    form.querySelector('#svc-weekly-fields').hidden = !weekly.checked;
    form.querySelector('#svc-f-starts_at').hidden = weekly.checked;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (n) => form.querySelector(`#svc-${n}`).value.trim();
    const body = { title: v('title'), category_id: Number(v('category_id')), town_id: Number(v('town_id')), place: v('place'), capacity: Number(v('capacity')) };
    if (weekly.checked) Object.assign(body, { weekday: Number(v('weekday')), time: v('time'), ends_on: v('ends_on') });
    else body.starts_at = v('starts_at');
    for (const f of FIELDS) { const p = form.querySelector(`#svc-err-${f}`); p.hidden = true; p.textContent = ''; }
    status.textContent = t('services.publishing');
    const r = await api('/api/v1/services', { method: 'POST', body });
    if (r.status === 201) {
      status.textContent = t('services.published');
      form.querySelector('#svc-title').value = '';
      form.querySelector('#svc-place').value = '';
      onDone();
      return;
    }
    const fields = r.json?.error?.fields || {};
    for (const [f, message] of Object.entries(fields)) {
      const p = form.querySelector(`#svc-err-${f}`);
      if (p) { p.textContent = fieldText(message); p.hidden = false; }
    }
    status.textContent = r.status === 0 ? t('common.network') : t('services.failed', { message: errorText(r) });
  });
  return form;
}

function row(s, refresh) {
  const withdraw = async () => {
    if (!window.confirm(t('services.withdraw_confirm', { title: s.title }))) return;
    const r = await api(`/api/v1/services/${s.id}/withdraw`, { method: 'POST' });
    if (!r.ok) window.alert(t('services.failed', { message: errorText(r) }));
    refresh();
  };
  return el('li', { class: 'card service', dataset: { service: s.id } },
    el('b', {}, s.title),
    el('span', { class: 'muted' }, `${s.category_name} · ${s.town_name} · ${s.place}`),
    el('span', {}, when(s)),
    el('span', { class: 'places' }, t('services.places', { booked: s.booked, capacity: s.capacity, waiting: s.waiting })),
    el('button', { type: 'button', class: 'btn small', onclick: withdraw }, t('services.withdraw')));
}

export function servicesView(view) {
  const list = el('div', {}, el('p', { class: 'muted' }, t('common.loading')));
  async function refresh() {
    const r = await api('/api/v1/services', { query: { team_id: app.user.team_id } });
    if (!list.isConnected) return;
    if (!r.ok || !r.json) { put(list, el('p', { class: 'error' }, t('services.failed', { message: errorText(r) }))); return; }
    put(list, r.json.items.length ? el('ul', { class: 'plain services', id: 'svc-list' }, r.json.items.map((s) => row(s, refresh)))
      : el('p', { class: 'muted' }, t('services.none')));
  }
  put(view, el('h1', {}, t('services.heading')), el('p', { class: 'muted' }, t('services.intro')), list, publishForm(refresh));
  refresh();
  return { tab: 'services', refresh, onEvent: () => refresh() };
}
