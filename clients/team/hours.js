// A volunteer's hours: the confirmed total and records (the ledger), the hours still waiting for the
// community's confirmation, and the numbered certificate; and the team's member list.
import { t } from '/common/i18n.js';
import { api, fetchAuthorized, el, put, errorText, formatHours, hundredths, plainHundredths } from './lib.js';
import { app, cachedGet, categoryName } from './net.js';

/** Hours waiting for the community's confirmation: the ledger's `pending` list, apart from the verified records. */
function pendingPart(d) {
  const items = d.pending || [];
  if (!items.length) return null;
  return el('section', { class: 'card', id: 'hours-pending' },
    el('p', { class: 'pending-total' }, t('hours.pending', { h: formatHours(d.pending_total) })),
    el('ul', { class: 'plain' }, items.map((x) => el('li', {}, t('hours.pending_item', {
      code: x.work_no, category: x.category, h: formatHours(x.hours),
    })))));
}

function record(x) {
  return el('li', { class: x.superseded ? 'superseded' : '' },
    el('div', { class: 'rec-top' }, el('span', {}, t('hours.record', { date: x.date, category: x.category, place: x.place })),
      el('b', {}, t('hours.record_hours', { h: formatHours(x.hours) }))),
    el('div', { class: 'muted small' }, [x.team, x.confirmed_by ? t('hours.confirmed', { by: x.confirmed_by }) : '',
      x.superseded ? t('hours.superseded') : '', x.correction_reason ? t('hours.correction', { reason: x.correction_reason }) : ''].filter(Boolean).join(' · ')));
}

export function hoursView(view, volunteerId) {
  const box = el('div', {}, el('p', { class: 'muted' }, t('common.loading')));
  put(view, box);
  const own = app.user.volunteer_id === volunteerId;
  async function refresh() {
    if (!volunteerId) { put(box, el('p', { class: 'error' }, t('hours.no_volunteer'))); return; }
    const r = await cachedGet(`/api/v1/volunteers/${volunteerId}/hours`);
    if (!box.isConnected) return;
    if (!r.ok || !r.json) { put(box, el('p', { class: 'error' }, t('hours.failed', { message: errorText(r) }))); return; }
    const d = r.json;
    const certStatus = el('p', { class: 'muted', id: 'cert-status', role: 'status' });
    put(box,
      el('h1', {}, own ? t('hours.title') : t('hours.member_title', { name: d.volunteer?.name || '' })),
      el('p', { class: 'muted' }, [d.volunteer?.name, d.volunteer?.volunteer_no].filter(Boolean).join(' · ')),
      el('p', { class: 'big-total', id: 'hours-total' }, t('hours.total', { h: formatHours(d.total) })),
      d.star_level > 0 ? el('p', { class: 'star-level', id: 'star-level' }, t('hours.star', { level: t(`hours.star_${d.star_level}`) })) : null,
      el('p', { class: 'muted small' }, t('hours.verified_note')),
      pendingPart(d),
      el('ul', { class: 'years' }, (d.totals_by_year || []).map((y) => el('li', {}, t('hours.by_year', { year: y.year, h: formatHours(y.hours) })))),
      // Certificates are the volunteer's own (or an admin's, or their team lead's) to ask for, not a team account's.
      app.user.role === 'team' ? null
        : el('button', { type: 'button', class: 'btn primary big', id: 'certificate', onclick: () => openCertificate(volunteerId, certStatus) }, t('hours.certificate')),
      certStatus,
      el('h2', {}, t('hours.records')),
      (d.records || []).length ? el('ul', { class: 'records' }, d.records.map(record)) : el('p', { class: 'muted' }, t('hours.none')));
  }
  refresh();
  return { tab: own ? 'hours' : 'members', refresh, onEvent: () => {} };
}

/**
 * The certificate of the verified hours as they stand: the same records give the same number, so
 * asking again is harmless. It lives at a real address (/certificates/<code>) that can be shared.
 */
async function openCertificate(volunteerId, status) {
  const win = window.open('', '_blank'); // opened now, inside the tap, so it is not blocked as a pop-up
  status.textContent = t('hours.certificate_opening');
  const r = await api(`/api/v1/volunteers/${volunteerId}/certificates`, { method: 'POST' });
  if (!r.ok || !r.json?.url) {
    if (win) win.close();
    status.textContent = r.status === 0 ? t('common.network') : t('hours.failed', { message: errorText(r) });
    return;
  }
  if (win) win.location.href = r.json.url;
  put(status, t('hours.certificate_ready', { number: r.json.number }), ' ',
    el('a', { href: r.json.url, target: '_blank', rel: 'noopener', id: 'cert-link' }, t('hours.certificate_link')));
}

export function membersView(view) {
  const box = el('div', {}, el('p', { class: 'muted' }, t('common.loading')));
  put(view, el('h1', {}, t('members.title')), box);
  async function refresh() {
    const r = await cachedGet(`/api/v1/teams/${app.user.team_id}/members`, { limit: 100 });
    if (!box.isConnected) return;
    if (!r.ok || !r.json) { put(box, el('p', { class: 'error' }, t('members.failed', { message: errorText(r) }))); return; }
    put(box, el('ul', { class: 'members' }, r.json.items.map((m) => el('li', {},
      el('span', {}, el('b', {}, m.name), ' ', el('small', { class: 'muted' }, `${m.volunteer_no} · ${m.role === 'lead' ? t('members.lead') : t('members.member')}`)),
      el('a', { class: 'btn small', href: `#/hours/${m.volunteer_id}` }, t('members.hours'))))));
  }
  refresh();
  return { tab: 'members', refresh, onEvent: () => {} };
}
