// Form fields with their error line, and the server's 422 `fields` shown next to them: shared by
// the console's action forms and registry pages and the team app.
import { el } from './dom.js';
import { localText } from './api.js';

/** A labelled field: label, optional hint, the input, and an error line #err-NAME. */
export function field(name, label, input, hint) {
  if (!input.id) input.id = `in-${name}`;
  const err = el('p', { class: 'err', id: `err-${name}`, hidden: true });
  const hintNode = hint ? el('p', { class: 'hint', id: `hint-${name}` }, hint) : null;
  input.setAttribute('aria-describedby', [hintNode ? `hint-${name}` : '', `err-${name}`].filter(Boolean).join(' '));
  return el('div', { class: 'field', id: `field-${name}` }, el('label', { for: input.id }, label), hintNode, input, err);
}

/**
 * Shows each message of fields {name: message} on the form's #err-NAME (or #err-BASE for "name[2]"),
 * marks the field invalid, clears the others; returns how many were shown.
 */
export function showFields(form, fields) {
  for (const p of form.querySelectorAll('.err')) { p.hidden = true; p.textContent = ''; }
  for (const f of form.querySelectorAll('.invalid')) f.classList.remove('invalid');
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  let shown = 0;
  for (const [k, m] of Object.entries(fields || {})) {
    const base = k.replace(/\[.*$/, '');
    const p = form.querySelector(`#err-${CSS.escape(k)}`) || form.querySelector(`#err-${CSS.escape(base)}`);
    if (!p) continue;
    p.textContent = (p.textContent ? `${p.textContent}；` : '') + localText(m);
    p.hidden = false;
    const box = p.closest('.field');
    if (box) {
      box.classList.add('invalid');
      box.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
    }
    shown++;
  }
  return shown;
}
