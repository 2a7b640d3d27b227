// 签到 / 签退 on an order: each volunteer signs in when they start and out when they leave, on their
// own phone or on the team lead's; the time is this phone's (the server corrects its clock), and the
// place only when the volunteer ticks the box, to about a kilometre. The signed span stands beside
// the hours claimed at completion, where hours beyond it need a reason.
import { t } from '/common/i18n.js';
import { api, el, put, errorText, toast, formatFullTime } from './lib.js';
import { app, cachedGet, queueAction } from './net.js';

/** The phone's place, rounded by the server; null when refused, unavailable or slow. */
function place() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
      () => resolve(null),
      { enableHighAccuracy: false, timeout: 8000, maximumAge: 300000 });
  });
}

const hoursOf = (minutes) => (Math.round((Number(minutes) || 0) / 60 * 100) / 100).toFixed(2);

/** The card; refresh() of the job view redraws it. */
export function attendanceCard(order) {
  const list = el('div', { class: 'attendance-list', id: 'attendance-list' }, el('p', { class: 'muted' }, t('common.loading')));
  const share = el('input', { type: 'checkbox', id: 'share-location' });
  const card = el('section', { class: 'card attendance', id: 'attendance', 'aria-labelledby': 'attendance-title' },
    el('h2', { id: 'attendance-title' }, t('attendance.title')),
    el('p', { class: 'hint' }, t('attendance.hint')),
    list,
    el('label', { class: 'consent', for: 'share-location' }, share, ' ', t('attendance.share')));

  async function sign(m, kind, button) {
    button.disabled = true;
    const location = share.checked ? await place() : null;
    const now = Date.now();
    const body = { kind, taken_at: now, sent_at: now, ...(app.user.role === 'team' ? { volunteer_id: m.volunteer_id } : {}), ...(location ? { location } : {}) };
    if (navigator.onLine === false) { queueAction(order, 'attendance', body); button.disabled = false; return; }
    const r = await api(`/api/v1/orders/${order.id}/attendance`, { method: 'POST', body });
    button.disabled = false;
    if (r.status === 0) { queueAction(order, 'attendance', body); return; }
    if (!r.ok) { toast(t('act.failed', { message: errorText(r) }), 'bad'); return; }
    toast(t(kind === 'in' ? 'attendance.signed_in' : 'attendance.signed_out', { name: m.name }));
    draw(m.members, r.json);
  }

  function draw(members, att) {
    const by = new Map((att.items || []).map((x) => [x.volunteer_id, x]));
    put(list, el('ul', { class: 'plain attendance-rows' }, members.map((m) => {
      const a = by.get(m.volunteer_id);
      const last = a?.records?.[a.records.length - 1];
      const status = !a || !a.records ? t('attendance.none')
        : a.signed_in ? t('attendance.in_since', { time: formatFullTime(last.at) })
          : t('attendance.out', { time: formatFullTime(last.at), h: hoursOf(a.span_minutes) });
      const kind = a?.signed_in ? 'out' : 'in';
      const row = { ...m, members };
      return el('li', { class: 'attendance-row', dataset: { volunteer: m.volunteer_id, signed: a?.signed_in ? 'in' : 'out' } },
        el('span', {}, el('b', {}, m.name), el('br'), el('small', { class: 'muted', id: `attendance-status-${m.volunteer_id}` }, status)),
        el('button', { type: 'button', class: `btn small ${kind === 'in' ? 'primary' : ''}`, id: `sign-${kind}-${m.volunteer_id}`,
          onclick: (e) => sign(row, kind, e.currentTarget) }, t(kind === 'in' ? 'attendance.sign_in' : 'attendance.sign_out')));
    })));
  }

  (async () => {
    const teamId = order.team_id || app.user.team_id;
    const [members, att] = await Promise.all([
      app.user.role === 'team' && teamId ? cachedGet(`/api/v1/teams/${teamId}/members`, { limit: 100 }) : Promise.resolve(null),
      cachedGet(`/api/v1/orders/${order.id}/attendance`),
    ]);
    if (!card.isConnected && !list.isConnected) { /* drawn later by the caller */ }
    const people = members?.ok ? members.json.items.map((m) => ({ volunteer_id: m.volunteer_id, name: m.name }))
      : app.user.volunteer_id ? [{ volunteer_id: app.user.volunteer_id, name: app.user.display_name || t('attendance.me') }] : [];
    if (!att.ok || !att.json) { put(list, el('p', { class: 'error' }, errorText(att))); return; }
    draw(people, att.json);
  })();
  return card;
}
