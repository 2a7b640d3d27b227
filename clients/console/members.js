// A team's members (admin): the list, 设为队长, 移出 after a confirmation, and adding a volunteer
// found by name or volunteer number (never typed as an internal id).
import { t } from '/common/i18n.js';
import { field, showFields } from '/common/forms.js';
import { api, el, put, errorText, formatFullTime, toast } from './lib.js';

export async function openMembers(box, team, changed) {
  const list = el('tbody', {});
  const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const search = el('input', { type: 'search', id: 'member-search', autocomplete: 'off' });
  const found = el('div', { class: 'found', id: 'member-found', role: 'group', 'aria-label': t('team.volunteer_search') });
  const chosenText = el('p', { class: 'muted', id: 'member-chosen', 'aria-live': 'polite' });
  const role = el('select', { id: 'member-role', name: 'role' }, el('option', { value: 'member' }, t('team.role.member')), el('option', { value: 'lead' }, t('team.role.lead')));
  const headers = [t('vol.no'), t('vol.name'), t('team.role'), t('team.joined')];
  let chosen = null;

  async function refresh() {
    const r = await api(`/api/v1/teams/${team.id}/members`, { query: { limit: 100 } });
    if (!r.ok || !r.json) { errBox.textContent = errorText(r); errBox.hidden = false; return; }
    put(list, r.json.items.map((m) => el('tr', { dataset: { volunteer: m.volunteer_id } },
      el('td', { 'data-label': headers[0] }, m.volunteer_no), el('td', { 'data-label': headers[1] }, m.name),
      el('td', { 'data-label': headers[2] }, t(`team.role.${m.role}`)), el('td', { 'data-label': headers[3] }, formatFullTime(m.joined_at)),
      el('td', { class: 'cell-actions' }, el('span', { class: 'row' },
        m.role !== 'lead' ? el('button', { type: 'button', class: 'btn small', onclick: () => change('POST', { volunteer_id: m.volunteer_id, role: 'lead' }) }, t('team.make_lead')) : null,
        el('button', { type: 'button', class: 'btn small danger', dataset: { remove: m.volunteer_id }, onclick: (e) => askRemove(e.currentTarget, m) }, t('team.remove')))))));
  }

  function askRemove(button, m) {
    const cell = button.parentElement;
    put(cell, el('span', { class: 'confirm', role: 'alert' }, t('team.remove_confirm', { name: m.name, team: team.name })),
      el('button', { type: 'button', class: 'btn small danger primary', id: 'remove-yes', onclick: () => change('DELETE', null, m.volunteer_id) }, t('team.remove_yes')),
      el('button', { type: 'button', class: 'btn small', id: 'remove-no', onclick: () => refresh() }, t('team.remove_no')));
    cell.querySelector('#remove-no').focus();
  }

  async function change(method, body, volunteerId) {
    errBox.hidden = true;
    const path = method === 'DELETE' ? `/api/v1/teams/${team.id}/members/${volunteerId}` : `/api/v1/teams/${team.id}/members`;
    const r = await api(path, { method, body: body || undefined });
    if (!r.ok) { errBox.textContent = errorText(r); errBox.hidden = false; await refresh(); return false; }
    toast(t('reg.saved'));
    await refresh();
    changed();
    return true;
  }

  let seq = 0;
  search.addEventListener('input', async () => {
    const text = search.value.trim();
    const mine = ++seq;
    if (!text) { put(found); return; }
    const r = await api('/api/v1/volunteers', { query: { q: text, limit: 8 } });
    if (mine !== seq || !r.ok || !r.json) return;
    put(found, r.json.items.length ? r.json.items.map((v) => el('button', {
      type: 'button', class: 'btn small', 'aria-pressed': String(chosen?.id === v.id), dataset: { pick: v.id },
      onclick: (e) => {
        chosen = v;
        for (const b of found.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === e.currentTarget));
        chosenText.textContent = t('team.volunteer_chosen', { who: `${v.volunteer_no} ${v.name}` });
        showFields(form, {});
      },
    }, `${v.volunteer_no} ${v.name}`)) : el('span', { class: 'muted' }, t('team.search_none')));
  });

  const form = el('form', { class: 'card reg-form', id: 'members-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!chosen) { showFields(form, { volunteer: t('team.volunteer_pick') }); search.focus(); return; }
    showFields(form, {});
    if (await change('POST', { volunteer_id: chosen.id, role: role.value })) {
      chosen = null;
      chosenText.textContent = '';
      search.value = '';
      put(found);
    }
  } },
  el('h2', {}, t('team.members_of', { name: team.name })),
  el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'members-table' },
    el('thead', {}, el('tr', {}, [...headers, ''].map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, t('reg.actions')))))), list)),
  el('h3', {}, t('team.add_member')),
  el('div', { class: 'form-grid' },
    el('div', {}, field('volunteer', t('team.volunteer_search'), search), found, chosenText),
    field('role', t('team.role'), role)),
  errBox,
  el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn primary', id: 'member-add' }, t('team.add_member')),
    el('button', { type: 'button', class: 'btn', onclick: () => put(box) }, t('team.members_close'))));
  put(box, form);
  await refresh();
}
