// Registry pages: volunteers and teams (list, create, edit; a team's members). Writes are the
// admin's; the server's 422 `fields` are shown next to each input, a 409 above the form.
import { t } from './i18n.js';
import { api, el, put, errorText, fieldText, formatFullTime, toast } from './lib.js';
import { store, townName } from './store.js';

function unavailable(container, title, r) {
  const text = r.status === 404 ? t('reg.unavailable') : r.status === 403 ? t('reg.forbidden') : t('reg.failed', { message: errorText(r) });
  put(container, el('h1', {}, title), el('p', { class: 'notice', id: 'reg-unavailable' }, text));
}

function field(name, label, input, hint) {
  const id = input.id || `in-${name}`;
  input.id = id;
  return el('div', { class: 'field', id: `field-${name}` },
    el('label', { for: id }, label), hint ? el('p', { class: 'hint' }, hint) : null, input,
    el('p', { class: 'err', id: `err-${name}`, hidden: true }));
}

function showFields(form, fields) {
  for (const p of form.querySelectorAll('.err')) { p.hidden = true; p.textContent = ''; }
  let n = 0;
  for (const [k, m] of Object.entries(fields || {})) {
    const base = k.replace(/\[.*$/, '');
    const p = form.querySelector(`#err-${CSS.escape(k)}`) || form.querySelector(`#err-${CSS.escape(base)}`);
    if (p) { p.textContent = (p.textContent ? `${p.textContent}；` : '') + fieldText(m); p.hidden = false; n++; }
  }
  return n;
}

/** Sends a registry write and shows what went wrong; resolves the JSON on success, else null. */
async function save(form, errBox, method, path, body) {
  showFields(form, {});
  errBox.hidden = true;
  const r = await api(path, { method, body });
  if (r.ok) { toast(t('reg.saved')); return r.json || {}; }
  if (r.status === 422 && r.json?.error?.fields) {
    const shown = showFields(form, r.json.error.fields);
    errBox.textContent = shown ? t('reg.fix') : errorText(r);
  } else {
    errBox.textContent = errorText(r);
  }
  errBox.hidden = false;
  return null;
}

const statusSelect = (id, value, withAll = false) => {
  const s = el('select', { id, name: 'status' },
    withAll ? el('option', { value: '' }, t('reg.status_all')) : null,
    el('option', { value: 'active' }, t('reg.status.active')),
    el('option', { value: 'inactive' }, t('reg.status.inactive')));
  s.value = value || (withAll ? '' : 'active');
  return s;
};

// ================================================================== volunteers

export function renderVolunteers(container, query) {
  const title = t('vol.title');
  let skills = [];
  let items = [];
  let cursor = null;
  const q = el('input', { type: 'search', id: 'vol-q', name: 'q', value: query.q || '', placeholder: t('vol.search_hint'), maxlength: '100' });
  const status = statusSelect('vol-status', query.status || '', true);
  const formBox = el('div', { id: 'vol-form-box' });
  const tbody = el('tbody', { id: 'vol-rows' });
  const more = el('button', { type: 'button', class: 'btn', hidden: true, onclick: () => load(false) }, t('reg.more'));

  async function load(reset) {
    const r = await api('/api/v1/volunteers', { query: { q: q.value.trim(), status: status.value, limit: 50, cursor: reset ? '' : cursor } });
    if (!container.isConnected) return;
    if (!r.ok || !r.json) { unavailable(container, title, r); return; }
    items = reset ? r.json.items : items.concat(r.json.items);
    cursor = r.json.next_cursor;
    more.hidden = !cursor;
    put(tbody, items.length ? items.map(row) : el('tr', {}, el('td', { colspan: 8, class: 'empty' }, t('reg.empty'))));
  }

  const row = (v) => el('tr', { dataset: { id: v.id } },
    el('td', {}, v.volunteer_no),
    el('td', {}, v.name),
    el('td', {}, v.phone),
    el('td', {}, v.id_number_masked || t('common.none')),
    el('td', {}, (v.skills || []).map((s) => `${s.name}${s.level ? `(${s.level})` : ''}`).join('、')),
    el('td', {}, (v.teams || []).map((x) => `${x.name}${x.role === 'lead' ? `·${t('team.role.lead')}` : ''}`).join('、')),
    el('td', {}, t(`reg.status.${v.status}`)),
    el('td', {}, el('button', { type: 'button', class: 'btn small', onclick: () => openForm(v) }, t('reg.edit'))));

  function openForm(v) {
    const editing = Boolean(v);
    const name = el('input', { id: 'vol-name', name: 'name', maxlength: '50', required: true, value: v?.name || '' });
    const phone = el('input', { id: 'vol-phone', name: 'phone', type: 'tel', maxlength: '30', required: true, value: v?.phone || '' });
    const idn = el('input', { id: 'vol-id_number', name: 'id_number', maxlength: '18', autocomplete: 'off',
      placeholder: v?.id_number_masked ? t('vol.id_number_keep', { masked: v.id_number_masked }) : '' });
    const idRemove = v?.id_number_masked ? el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'vol-id-remove' }), t('vol.id_number_remove')) : null;
    const st = statusSelect('vol-status-edit', v?.status);
    const held = new Map((v?.skills || []).map((s) => [s.code, s.level || 3]));
    const skillBox = el('div', { class: 'skill-grid', id: 'vol-skills' }, skills.map((s) => {
      const level = el('select', { 'aria-label': `${s.name} ${t('vol.skill_level')}`, dataset: { level: s.code } },
        [1, 2, 3, 4, 5].map((n) => el('option', { value: n }, String(n))));
      level.value = String(held.get(s.code) || 3);
      return el('label', { class: 'check skill' },
        el('input', { type: 'checkbox', value: s.code, checked: held.has(s.code), dataset: { skill: s.code } }), s.name, level);
    }));
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'card reg-form', id: 'vol-form', onsubmit: async (e) => {
      e.preventDefault();
      const chosen = [...skillBox.querySelectorAll('input[data-skill]:checked')].map((c) => ({
        code: c.value, level: Number(skillBox.querySelector(`select[data-level="${CSS.escape(c.value)}"]`).value),
      }));
      const body = {};
      if (!editing || name.value.trim() !== v.name) body.name = name.value.trim();
      if (!editing || phone.value.trim() !== v.phone) body.phone = phone.value.trim();
      if (idn.value.trim()) body.id_number = idn.value.trim();
      else if (idRemove && idRemove.querySelector('input').checked) body.id_number = null;
      if (!editing || st.value !== v.status) body.status = st.value;
      const before = JSON.stringify((v?.skills || []).map((s) => [s.code, s.level]).sort());
      const after = JSON.stringify(chosen.map((s) => [s.code, s.level]).sort());
      if (!editing || before !== after) body.skills = chosen;
      const saved = await save(form, errBox, editing ? 'PATCH' : 'POST', editing ? `/api/v1/volunteers/${v.id}` : '/api/v1/volunteers', body);
      if (!saved) return;
      if (!editing && saved.volunteer_no) toast(t('vol.created', { no: saved.volunteer_no }));
      put(formBox);
      load(true);
    } },
    el('h2', {}, editing ? t('vol.edit', { name: v.name }) : t('vol.new')),
    el('div', { class: 'form-grid' },
      field('name', t('vol.name'), name),
      field('phone', t('vol.phone'), phone),
      field('id_number', t('vol.id_number'), idn, t('vol.id_number_hint')),
      field('status', t('reg.status'), st)),
    idRemove,
    el('fieldset', { class: 'field' }, el('legend', {}, t('vol.skills')), skillBox, el('p', { class: 'err', id: 'err-skills', hidden: true })),
    errBox,
    el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn primary' }, t('reg.save')),
      el('button', { type: 'button', class: 'btn', onclick: () => put(formBox) }, t('reg.cancel'))));
    put(formBox, form);
    name.focus();
  }

  put(container,
    el('h1', {}, title),
    el('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); load(true); } },
      el('label', { class: 'grow' }, el('span', {}, t('reg.search')), q),
      el('label', {}, el('span', {}, t('reg.status')), status),
      el('div', { class: 'filter-buttons' },
        el('button', { type: 'submit', class: 'btn primary' }, t('reg.search')),
        el('button', { type: 'button', class: 'btn', id: 'vol-new', onclick: () => openForm(null) }, t('vol.new')))),
    formBox,
    el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'vol-table' },
      el('thead', {}, el('tr', {}, [t('vol.no'), t('vol.name'), t('vol.phone'), t('vol.id_number'), t('vol.skills'), t('vol.teams'), t('reg.status'), ''].map((h) => el('th', { scope: 'col' }, h)))),
      tbody)),
    el('p', { class: 'center' }, more));

  (async () => {
    const s = await api('/api/v1/skills');
    skills = s.ok && s.json ? s.json.items : [];
    load(true);
  })();
}

// ================================================================== teams

export function renderTeams(container, query) {
  const title = t('team.title');
  const isAdmin = store.user?.role === 'admin';
  let items = [];
  let cursor = null;
  const dept = el('select', { id: 'team-dept', name: 'department_id' },
    el('option', { value: '' }, t('reg.status_all')), store.catalog.departments.map((d) => el('option', { value: d.id }, d.name)));
  dept.value = query.department_id || '';
  const formBox = el('div', { id: 'team-form-box' });
  const tbody = el('tbody', { id: 'team-rows' });
  const more = el('button', { type: 'button', class: 'btn', hidden: true, onclick: () => load(false) }, t('reg.more'));

  async function load(reset) {
    const r = await api('/api/v1/teams', { query: { department_id: dept.value, limit: 50, cursor: reset ? '' : cursor } });
    if (!container.isConnected) return;
    if (!r.ok || !r.json) { unavailable(container, title, r); return; }
    items = reset ? r.json.items : items.concat(r.json.items);
    cursor = r.json.next_cursor;
    more.hidden = !cursor;
    put(tbody, items.length ? items.map(row) : el('tr', {}, el('td', { colspan: 7, class: 'empty' }, t('reg.empty'))));
  }

  const row = (x) => el('tr', { dataset: { id: x.id } },
    el('td', {}, x.name),
    el('td', {}, x.department_name),
    el('td', {}, (x.town_ids || []).map((id) => townName(id)).join('、')),
    el('td', {}, t('team.member_count', { n: x.member_count ?? 0 })),
    el('td', {}, x.lead ? x.lead.name : t('team.no_lead')),
    el('td', {}, t(`reg.status.${x.status}`)),
    el('td', { class: 'nowrap' }, isAdmin ? [
      el('button', { type: 'button', class: 'btn small', onclick: () => openForm(x) }, t('reg.edit')), ' ',
      el('button', { type: 'button', class: 'btn small', onclick: () => openMembers(x) }, t('team.members')),
    ] : null));

  function townChecks(selected) {
    const set = new Set(selected || []);
    return el('div', { class: 'skill-grid', id: 'team-towns' }, store.catalog.towns.map((x) =>
      el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'town_ids', value: x.id, checked: set.has(x.id) }), x.name)));
  }

  function openForm(x) {
    const editing = Boolean(x);
    const name = el('input', { id: 'team-name', name: 'name', maxlength: '100', required: true, value: x?.name || '' });
    const department = el('select', { id: 'team-department', name: 'department_id', disabled: editing },
      store.catalog.departments.map((d) => el('option', { value: d.id }, d.name)));
    if (x) department.value = String(x.department_id);
    const st = statusSelect('team-status', x?.status);
    const towns = townChecks(x?.town_ids);
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'card reg-form', id: 'team-form', onsubmit: async (e) => {
      e.preventDefault();
      const townIds = [...towns.querySelectorAll('input:checked')].map((c) => Number(c.value));
      const body = editing ? {} : { name: name.value.trim(), department_id: Number(department.value), town_ids: townIds };
      if (editing) {
        if (name.value.trim() !== x.name) body.name = name.value.trim();
        if (st.value !== x.status) body.status = st.value;
        if (JSON.stringify([...townIds].sort()) !== JSON.stringify([...(x.town_ids || [])].sort())) body.town_ids = townIds;
      }
      const saved = await save(form, errBox, editing ? 'PATCH' : 'POST', editing ? `/api/v1/teams/${x.id}` : '/api/v1/teams', body);
      if (!saved) return;
      put(formBox);
      load(true);
    } },
    el('h2', {}, editing ? t('team.edit', { name: x.name }) : t('team.new')),
    el('div', { class: 'form-grid' },
      field('name', t('team.name'), name),
      field('department_id', editing ? t('team.department_fixed') : t('team.department'), department),
      editing ? field('status', t('reg.status'), st) : null),
    el('fieldset', { class: 'field' }, el('legend', {}, t('team.towns')), towns, el('p', { class: 'err', id: 'err-town_ids', hidden: true })),
    errBox,
    el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn primary' }, t('reg.save')),
      el('button', { type: 'button', class: 'btn', onclick: () => put(formBox) }, t('reg.cancel'))));
    put(formBox, form);
    name.focus();
  }

  async function openMembers(x) {
    const list = el('tbody', {});
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const vid = el('input', { id: 'member-volunteer_id', name: 'volunteer_id', inputmode: 'numeric', required: true, class: 'short' });
    const search = el('input', { type: 'search', id: 'member-search', placeholder: t('team.volunteer_search') });
    const found = el('div', { class: 'found' });
    const role = el('select', { id: 'member-role', name: 'role' }, el('option', { value: 'member' }, t('team.role.member')), el('option', { value: 'lead' }, t('team.role.lead')));

    async function refresh() {
      const r = await api(`/api/v1/teams/${x.id}/members`, { query: { limit: 100 } });
      if (!r.ok || !r.json) { errBox.textContent = errorText(r); errBox.hidden = false; return; }
      put(list, r.json.items.map((m) => el('tr', {},
        el('td', {}, m.volunteer_no), el('td', {}, m.name), el('td', {}, t(`team.role.${m.role}`)), el('td', {}, formatFullTime(m.joined_at)),
        el('td', { class: 'nowrap' },
          m.role !== 'lead' ? el('button', { type: 'button', class: 'btn small', onclick: () => change('POST', { volunteer_id: m.volunteer_id, role: 'lead' }) }, t('team.make_lead')) : null, ' ',
          el('button', { type: 'button', class: 'btn small danger', onclick: () => change('DELETE', null, m.volunteer_id) }, t('team.remove'))))));
    }
    async function change(method, body, volunteerId) {
      errBox.hidden = true;
      const path = method === 'DELETE' ? `/api/v1/teams/${x.id}/members/${volunteerId}` : `/api/v1/teams/${x.id}/members`;
      const r = await api(path, { method, body: body || undefined });
      if (!r.ok) { errBox.textContent = errorText(r); errBox.hidden = false; return false; }
      toast(t('reg.saved'));
      await refresh();
      load(true);
      return true;
    }
    search.addEventListener('input', async () => {
      const text = search.value.trim();
      if (!text) { put(found); return; }
      const r = await api('/api/v1/volunteers', { query: { q: text, limit: 8 } });
      if (!r.ok || !r.json) return;
      put(found, r.json.items.map((v) => el('button', { type: 'button', class: 'btn small', onclick: () => { vid.value = String(v.id); } }, `${v.volunteer_no} ${v.name}`)));
    });
    const form = el('form', { class: 'card reg-form', id: 'members-form', onsubmit: async (e) => {
      e.preventDefault();
      if (!/^\d+$/.test(vid.value.trim())) { showFields(form, { volunteer_id: t('team.volunteer_id') }); return; }
      showFields(form, {});
      if (await change('POST', { volunteer_id: Number(vid.value.trim()), role: role.value })) vid.value = '';
    } },
    el('h2', {}, t('team.members_of', { name: x.name })),
    el('div', { class: 'table-wrap' }, el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, [t('vol.no'), t('vol.name'), t('team.role'), t('team.joined'), ''].map((h) => el('th', {}, h)))), list)),
    el('h3', {}, t('team.add_member')),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'member-search' }, t('team.volunteer_search')), search, found),
      field('volunteer_id', t('team.volunteer_id'), vid),
      field('role', t('team.role'), role)),
    errBox,
    el('div', { class: 'row' }, el('button', { type: 'submit', class: 'btn primary' }, t('team.add_member')),
      el('button', { type: 'button', class: 'btn', onclick: () => put(formBox) }, t('team.members_close'))));
    put(formBox, form);
    await refresh();
  }

  put(container,
    el('h1', {}, title),
    el('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(true); } },
      el('label', {}, el('span', {}, t('team.department')), dept),
      el('div', { class: 'filter-buttons' },
        el('button', { type: 'submit', class: 'btn primary' }, t('reg.search')),
        isAdmin ? el('button', { type: 'button', class: 'btn', id: 'team-new', onclick: () => openForm(null) }, t('team.new')) : null)),
    formBox,
    el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'team-table' },
      el('thead', {}, el('tr', {}, [t('team.name'), t('team.department'), t('team.towns'), t('team.members'), t('team.lead'), t('reg.status'), ''].map((h) => el('th', { scope: 'col' }, h)))),
      tbody)),
    el('p', { class: 'center' }, more));
  load(true);
}
