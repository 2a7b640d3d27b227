// 服务清单: the standing services volunteer teams publish, public and filtered by town. 预约 puts the
// 点单 form into booking mode: the service gives the kind of help, the resident gives the rest, and the
// form posts to the service's bookings instead (app.js).
import { t } from '/common/i18n.js';
import { el, api, formatTime } from './lib.js';

const $ = (id) => document.getElementById(id);
let chosen = null;

/** The service being booked, or null for a plain 点单. */
export const booking = () => chosen;

/** When a service takes place, in words: one date and time, or every week until a day. */
export function serviceWhen(s) {
  if (!s) return '';
  if (s.starts_at) return formatTime(s.starts_at);
  return t('menu.weekly', { day: t(`menu.weekday_${s.weekday}`), time: s.time_of_day, until: s.ends_on });
}

function card(s, onChoose) {
  const full = s.places_left <= 0;
  return el('li', { class: 'service', dataset: { service: s.id } },
    el('b', { class: 'service-title' }, s.title),
    el('span', {}, `${s.category_name} · ${s.team_name}`),
    el('span', {}, t('menu.where', { place: s.place })),
    el('span', {}, t('menu.when', { when: serviceWhen(s) })),
    el('span', { class: full ? 'places full' : 'places' },
      full ? t('menu.full', { n: s.waiting }) : t('menu.left', { n: s.places_left, capacity: s.capacity })),
    el('button', { type: 'button', class: 'btn primary', onclick: () => onChoose(s) },
      full ? t('menu.wait') : t('menu.book')));
}

async function load(townId, onChoose) {
  const list = $('menu-list');
  const state = $('menu-state');
  state.textContent = t('form.loading');
  const r = await api(`/api/v1/services${townId ? `?town_id=${encodeURIComponent(townId)}` : ''}`);
  if (!r.ok || !r.json) {
    state.textContent = t('menu.load_failed');
    list.replaceChildren();
    return;
  }
  state.textContent = r.json.items.length ? '' : t('menu.none');
  list.replaceChildren(...r.json.items.map((s) => card(s, onChoose)));
}

/** Fills the menu's town filter from the catalog and lists the services; onChoose(service) books. */
export function setupMenu(catalog, onChoose) {
  const town = $('menu-town');
  town.replaceChildren(el('option', { value: '' }, t('menu.all_towns')),
    ...catalog.towns.map((x) => el('option', { value: x.id }, x.name)));
  town.addEventListener('change', () => load(town.value, onChoose));
  load('', onChoose);
}

/** Booking mode on (service) or off (null): the banner, the kind-of-help field hidden. */
export function choose(service) {
  chosen = service;
  $('booking').hidden = !service;
  $('f-category_id').hidden = Boolean(service);
  $('booking-text').textContent = service ? t('menu.booking', { title: service.title, when: serviceWhen(service), place: service.place }) : '';
  $('form-title').textContent = t(service ? 'menu.form_title' : 'form.title');
}
