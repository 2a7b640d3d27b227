// Accounts (admin): create a sign-in for a community, department, team or volunteer, or another
// administrator (POST /api/v1/users). The scope is chosen by name from the catalog, the teams list or
// a volunteer search. Below, the accounts (GET /api/v1/users), each disabled after a confirmation or
// enabled again (PATCH /api/v1/users/{id}).
import { t } from '/common/i18n.js';
import { field } from '/common/forms.js';
import { api, el, put, errorText, formatFullTime, toast } from './lib.js';
import { store } from './store.js';
import { save } from './registry.js';

const ROLES = ['community', 'department', 'team', 'volunteer', 'admin'];

function options(list) {
  return list.map((x) => el('option', { value: x.id }, x.name));
}

/** The scope select of a role, filled from what the console already knows or from the API. */
async function scopeSelect(role) {
  if (role === 'community') return options([...store.communities.values()].map((c) => ({ id: c.id, name: `${c.town_name} ${c.name}` })));
  if (role === 'department') return options(store.catalog.departments);
  if (role === 'team') {
    const r = await api('/api/v1/teams', { query: { limit: 100 } });
    return options(r.ok && r.json ? r.json.items : []);
  }
  return [];
}

export function render(container) {
  const role = el('select', { id: 'acct-role', name: 'role' }, ROLES.map((r) => el('option', { value: r }, t(`role.${r}`))));
  const scope = el('select', { id: 'acct-scope', name: 'scope' });
  const scopeField = field('scope', t('acct.scope'), scope);
  const volunteer = el('input', { type: 'search', id: 'acct-volunteer', autocomplete: 'off', placeholder: t('vol.search_hint') });
  const volunteerField = field('volunteer_id', t('acct.volunteer'), volunteer);
  const found = el('div', { class: 'found', id: 'acct-found' });
  let chosenVolunteer = null;
  const username = el('input', { id: 'acct-username', name: 'username', maxlength: '64', required: true, autocomplete: 'off' });
  const password = el('input', { id: 'acct-password', name: 'password', type: 'password', minlength: '8', required: true, autocomplete: 'new-password' });
  const display = el('input', { id: 'acct-display', name: 'display_name', maxlength: '50' });
  const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const done = el('p', { class: 'notice', id: 'acct-done', role: 'status', hidden: true });

  async function roleChanged() {
    const r = role.value;
    put(scope, await scopeSelect(r));
    scopeField.hidden = !['community', 'department', 'team'].includes(r);
    volunteerField.hidden = r !== 'volunteer';
    found.hidden = r !== 'volunteer';
  }
  role.addEventListener('change', roleChanged);
  volunteer.addEventListener('input', async () => {
    const q = volunteer.value.trim();
    chosenVolunteer = null;
    if (!q) { put(found); return; }
    const r = await api('/api/v1/volunteers', { query: { q, limit: 8 } });
    if (!r.ok || !r.json) return;
    put(found, r.json.items.map((v) => el('button', { type: 'button', class: 'btn small', onclick: () => {
      chosenVolunteer = v;
      volunteer.value = `${v.volunteer_no} ${v.name}`;
      put(found);
    } }, `${v.volunteer_no} ${v.name}`)));
  });

  const form = el('form', { class: 'card reg-form', id: 'acct-form', onsubmit: async (e) => {
    e.preventDefault();
    done.hidden = true;
    const body = { username: username.value.trim(), password: password.value, display_name: display.value.trim() || username.value.trim(), role: role.value };
    if (['community', 'department', 'team'].includes(role.value)) body[`${role.value}_id`] = Number(scope.value);
    if (role.value === 'volunteer') body.volunteer_id = chosenVolunteer ? chosenVolunteer.id : null;
    const saved = await save(form, errBox, 'POST', '/api/v1/users', body);
    if (!saved) return;
    done.textContent = t('acct.created', { username: body.username });
    done.hidden = false;
    form.reset();
    roleChanged();
  } },
  el('h2', {}, t('acct.new')),
  el('p', { class: 'hint' }, t('acct.explain')),
  el('div', { class: 'form-grid' },
    field('role', t('acct.role'), role),
    el('div', {}, scopeField, volunteerField, found),
    field('username', t('login.username'), username),
    field('display_name', t('acct.display_name'), display),
    field('password', t('login.password'), password, t('acct.password_hint'))),
  errBox,
  el('button', { type: 'submit', class: 'btn primary' }, t('acct.create')));

  put(container, el('h1', {}, t('acct.title')), done, form, accountList());
  roleChanged();
}

/** The accounts, found by part of a name; 停用 asks first, 启用 does not. */
function accountList() {
  const headers = [t('login.username'), t('acct.display_name'), t('acct.role'), t('acct.scope'), t('acct.status')];
  const rows = el('tbody', {});
  const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const search = el('input', { type: 'search', id: 'acct-search', autocomplete: 'off' });
  let seq = 0;

  async function refresh() {
    const mine = ++seq;
    const r = await api('/api/v1/users', { query: { q: search.value.trim() || undefined, limit: 100 } });
    if (mine !== seq) return;
    if (!r.ok || !r.json) { errBox.textContent = errorText(r); errBox.hidden = false; return; }
    errBox.hidden = true;
    put(rows, r.json.items.map((u) => el('tr', { dataset: { account: u.id }, class: u.disabled ? 'disabled' : '' },
      el('td', { 'data-label': headers[0] }, u.username), el('td', { 'data-label': headers[1] }, u.display_name),
      el('td', { 'data-label': headers[2] }, t(`role.${u.role}`)), el('td', { 'data-label': headers[3] }, u.scope_name || '—'),
      el('td', { 'data-label': headers[4] }, u.disabled ? t('acct.disabled') : t('acct.active'), el('br'), el('small', { class: 'muted' }, formatFullTime(u.created_at))),
      el('td', { class: 'cell-actions' }, el('span', { class: 'row' }, u.disabled
        ? el('button', { type: 'button', class: 'btn small', dataset: { enable: u.id }, onclick: () => change(u, false) }, t('acct.enable'))
        : el('button', { type: 'button', class: 'btn small danger', dataset: { disable: u.id }, onclick: (e) => ask(e.currentTarget, u) }, t('acct.disable')))))));
  }

  function ask(button, u) {
    const cell = button.parentElement;
    put(cell, el('span', { class: 'confirm', role: 'alert' }, t('acct.disable_confirm', { username: u.username })),
      el('button', { type: 'button', class: 'btn small danger primary', id: 'disable-yes', onclick: () => change(u, true) }, t('acct.disable_yes')),
      el('button', { type: 'button', class: 'btn small', id: 'disable-no', onclick: () => refresh() }, t('acct.disable_no')));
    cell.querySelector('#disable-no').focus();
  }

  async function change(u, disabled) {
    const r = await api(`/api/v1/users/${u.id}`, { method: 'PATCH', body: { disabled } });
    if (!r.ok) { errBox.textContent = errorText(r); errBox.hidden = false; await refresh(); return; }
    toast(t(disabled ? 'acct.disabled_done' : 'acct.enabled_done', { username: u.username }));
    await refresh();
  }

  search.addEventListener('input', () => refresh());
  refresh();
  return el('section', { class: 'card', id: 'acct-list' },
    el('h2', {}, t('acct.list')),
    field('q', t('acct.search'), search),
    errBox,
    el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'acct-table' },
      el('thead', {}, el('tr', {}, [...headers, ''].map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, t('reg.actions')))))), rows)));
}
