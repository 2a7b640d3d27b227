// The volunteers page (admin): search, register, edit (skills with levels, an ID number shown only
// masked), and each volunteer's hours ledger with corrections (ledger.js).
import { t } from '/common/i18n.js';
import { field } from '/common/forms.js';
import { api, el, put, toast } from './lib.js';
import { unavailable, save, saveButtons, show, statusSelect, row, pagedTable } from './registry.js';
import { openLedger } from './ledger.js';

function skillPicker(skills, held) {
  return el('div', { class: 'skill-grid', id: 'vol-skills' }, skills.map((s) => {
    const level = el('select', { 'aria-label': `${s.name} ${t('vol.skill_level')}`, dataset: { level: s.code } },
      [1, 2, 3, 4, 5].map((n) => el('option', { value: n }, String(n))));
    level.value = String(held.get(s.code) || 3);
    return el('label', { class: 'check skill' },
      el('input', { type: 'checkbox', value: s.code, checked: held.has(s.code), dataset: { skill: s.code } }), s.name, level);
  }));
}

/** The fields of v that the form changed (all of them for a new volunteer). */
function changes(v, form, chosen) {
  const body = {};
  const text = (name) => form.elements[name].value.trim();
  if (!v || text('name') !== v.name) body.name = text('name');
  if (!v || text('phone') !== v.phone) body.phone = text('phone');
  if (text('id_number')) body.id_number = text('id_number');
  else if (form.querySelector('#vol-id-remove')?.checked) body.id_number = null;
  if (!v || form.elements.status.value !== v.status) body.status = form.elements.status.value;
  const pairs = (list) => JSON.stringify(list.map((s) => [s.code, s.level]).sort());
  if (!v || pairs(v.skills || []) !== pairs(chosen)) body.skills = chosen;
  return body;
}

export function render(container, query) {
  const title = t('vol.title');
  let skills = [];
  const q = el('input', { type: 'search', id: 'vol-q', name: 'q', value: query.q || '', placeholder: t('vol.search_hint'), maxlength: '100' });
  const status = statusSelect('vol-status', query.status || '', true);
  const formBox = el('div', { id: 'vol-form-box' });
  const headers = [t('vol.no'), t('vol.name'), t('vol.phone'), t('vol.id_number'), t('vol.skills'), t('vol.teams'), t('reg.status'), ''];
  const table = pagedTable({
    id: 'vol-table',
    headers,
    fetchPage: (cursor) => api('/api/v1/volunteers', { query: { q: q.value.trim(), status: status.value, limit: 50, cursor } }),
    drawRow: (v) => row({ dataset: { id: v.id } }, headers, [
      v.volunteer_no, v.name, v.phone, v.id_number_masked || t('common.none'),
      (v.skills || []).map((s) => `${s.name}${s.level ? `(${s.level})` : ''}`).join('、'),
      (v.teams || []).map((x) => `${x.name}${x.role === 'lead' ? `·${t('team.role.lead')}` : ''}`).join('、'),
      t(`reg.status.${v.status}`),
      el('span', { class: 'row' },
        el('button', { type: 'button', class: 'btn small', onclick: () => openForm(v) }, t('reg.edit')),
        el('button', { type: 'button', class: 'btn small', dataset: { ledger: v.id }, onclick: () => openLedger(formBox, v) }, t('ledger.open'))),
    ]),
    onError: (r) => unavailable(container, title, r),
  });

  function openForm(v) {
    const name = el('input', { id: 'vol-name', name: 'name', maxlength: '50', required: true, value: v?.name || '' });
    const phone = el('input', { id: 'vol-phone', name: 'phone', type: 'tel', maxlength: '30', required: true, value: v?.phone || '' });
    const idn = el('input', { id: 'vol-id_number', name: 'id_number', maxlength: '18', autocomplete: 'off',
      placeholder: v?.id_number_masked ? t('vol.id_number_keep', { masked: v.id_number_masked }) : '' });
    const idRemove = v?.id_number_masked ? el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'vol-id-remove' }), t('vol.id_number_remove')) : null;
    const skillBox = skillPicker(skills, new Map((v?.skills || []).map((s) => [s.code, s.level || 3])));
    const errBox = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'card reg-form', id: 'vol-form', onsubmit: async (e) => {
      e.preventDefault();
      const chosen = [...skillBox.querySelectorAll('input[data-skill]:checked')].map((c) => ({
        code: c.value, level: Number(skillBox.querySelector(`select[data-level="${CSS.escape(c.value)}"]`).value),
      }));
      const saved = await save(form, errBox, v ? 'PATCH' : 'POST', v ? `/api/v1/volunteers/${v.id}` : '/api/v1/volunteers', changes(v, form, chosen));
      if (!saved) return;
      if (!v && saved.volunteer_no) toast(t('vol.created', { no: saved.volunteer_no }));
      put(formBox);
      table.load(true);
    } },
    el('h2', {}, v ? t('vol.edit', { name: v.name }) : t('vol.new')),
    el('div', { class: 'form-grid' },
      field('name', t('vol.name'), name),
      field('phone', t('vol.phone'), phone),
      field('id_number', t('vol.id_number'), idn, t('vol.id_number_hint')),
      field('status', t('reg.status'), statusSelect('vol-status-edit', v?.status))),
    idRemove,
    el('fieldset', { class: 'field' }, el('legend', {}, t('vol.skills')), el('p', { class: 'hint', id: 'skill-legend' }, t('vol.levels')), skillBox,
      el('p', { class: 'err', id: 'err-skills', hidden: true })),
    errBox,
    saveButtons(() => put(formBox)));
    show(formBox, form, name);
  }

  put(container,
    el('h1', {}, title),
    el('form', { class: 'filters open', role: 'search', onsubmit: (e) => { e.preventDefault(); table.load(true); } },
      el('label', { class: 'grow' }, el('span', {}, t('reg.search')), q),
      el('label', {}, el('span', {}, t('reg.status')), status),
      el('div', { class: 'filter-buttons' },
        el('button', { type: 'submit', class: 'btn primary' }, t('reg.search')),
        el('button', { type: 'button', class: 'btn', id: 'vol-new', onclick: () => openForm(null) }, t('vol.new')),
        el('a', { class: 'btn', id: 'vol-import', href: '#/volunteers/import' }, t('imp.title')))),
    formBox,
    table.node);

  (async () => {
    const s = await api('/api/v1/skills');
    skills = s.ok && s.json ? s.json.items : [];
    table.load(true);
  })();
}
