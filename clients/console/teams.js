// The teams page (staff; writes are the admin's): a department's teams, create and edit (name,
// status, towns served), and each team's members (members.js).
import { t } from '/common/i18n.js';
import { field } from '/common/forms.js';
import { api, el, put } from './lib.js';
import { store, townName } from './store.js';
import { unavailable, save, saveButtons, show, statusSelect, row, pagedTable } from './registry.js';
import { openMembers } from './members.js';

function townChecks(selected) {
  const set = new Set(selected || []);
  return el('div', { class: 'skill-grid', id: 'team-towns' }, store.catalog.towns.map((x) =>
    el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'town_ids', value: x.id, checked: set.has(x.id) }), x.name)));
}

export function render(container, query) {
  const title = t('team.title');
  const isAdmin = store.user?.role === 'admin';
  const dept = el('select', { id: 'team-dept', name: 'department_id' },
    el('option', { value: '' }, t('reg.status_all')), store.catalog.departments.map((d) => el('option', { value: d.id }, d.name)));
  dept.value = query.department_id || '';
  const formBox = el('div', { id: 'team-form-box' });
  const headers = [t('team.name'), t('team.department'), t('team.towns'), t('team.members'), t('team.lead'), t('reg.status'), ''];
  const table = pagedTable({
    id: 'team-table',
    headers,
    fetchPage: (cursor) => api('/api/v1/teams', { query: { department_id: dept.value, limit: 50, cursor } }),
    drawRow: (x) => row({ dataset: { id: x.id } }, headers, [
      x.name, x.department_name, (x.town_ids || []).map((id) => townName(id)).join('、'),
      t('team.member_count', { n: x.member_count ?? 0 }), x.lead ? x.lead.name : t('team.no_lead'), t(`reg.status.${x.status}`),
      isAdmin ? el('span', { class: 'row' },
        el('button', { type: 'button', class: 'btn small', onclick: () => openForm(x) }, t('reg.edit')),
        el('button', { type: 'button', class: 'btn small', dataset: { members: x.id }, onclick: () => openMembers(formBox, x, () => table.load(true)) }, t('team.members'))) : null,
    ]),
    onError: (r) => unavailable(container, title, r),
  });

  function openForm(x) {
    const name = el('input', { id: 'team-name', name: 'name', maxlength: '100', required: true, value: x?.name || '' });
    const department = el('select', { id: 'team-department', name: 'department_id', disabled: Boolean(x) },
      store.catalog.departments.map((d) => el('option', { value: d.id }, d.name)));
    if (x) department.value = String(x.department_id);
    const st = statusSelect('team-status', x?.status);
    const towns = townChecks(x?.town_ids);
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'card reg-form', id: 'team-form', onsubmit: async (e) => {
      e.preventDefault();
      const townIds = [...towns.querySelectorAll('input:checked')].map((c) => Number(c.value));
      const body = x ? {} : { name: name.value.trim(), department_id: Number(department.value), town_ids: townIds };
      if (x) {
        if (name.value.trim() !== x.name) body.name = name.value.trim();
        if (st.value !== x.status) body.status = st.value;
        if (JSON.stringify([...townIds].sort()) !== JSON.stringify([...(x.town_ids || [])].sort())) body.town_ids = townIds;
      }
      if (!await save(form, errBox, x ? 'PATCH' : 'POST', x ? `/api/v1/teams/${x.id}` : '/api/v1/teams', body)) return;
      put(formBox);
      table.load(true);
    } },
    el('h2', {}, x ? t('team.edit', { name: x.name }) : t('team.new')),
    el('div', { class: 'form-grid' },
      field('name', t('team.name'), name),
      field('department_id', x ? t('team.department_fixed') : t('team.department'), department),
      x ? field('status', t('reg.status'), st) : null),
    el('fieldset', { class: 'field' }, el('legend', {}, t('team.towns')), towns, el('p', { class: 'err', id: 'err-town_ids', hidden: true })),
    errBox,
    saveButtons(() => put(formBox)));
    show(formBox, form, name);
  }

  put(container,
    el('h1', {}, title),
    el('form', { class: 'filters open', onsubmit: (e) => { e.preventDefault(); table.load(true); } },
      el('label', {}, el('span', {}, t('team.department')), dept),
      el('div', { class: 'filter-buttons' },
        el('button', { type: 'submit', class: 'btn primary' }, t('reg.search')),
        isAdmin ? el('button', { type: 'button', class: 'btn', id: 'team-new', onclick: () => openForm(null) }, t('team.new')) : null)),
    formBox,
    table.node);
  table.load(true);
}
