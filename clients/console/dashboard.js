// The dashboard: GET /api/v1/stats/summary drawn as SVG bars, and (for admins) CSV exports fetched
// with the Bearer header. Tolerant of the summary's exact shape: a breakdown may come as an object
// {name: value} or a list of {name|label|…, value|hours|count|…}.
import { t } from '/common/i18n.js';
import { api, download, el, put, errorText, isoDate, formatHours, toast } from './lib.js';
import { store, townName, departmentName } from './store.js';
import { hbars, columns } from './chart.js';

const STATE_ORDER = ['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed', 'rejected', 'cancelled', 'merged'];
const STAGES = ['dispatch', 'claim', 'accept', 'start', 'complete', 'confirm'];

/** [{key, label, value (number for drawing), text (as shown)}] from an object or a list. */
function entries(data, { labelOf = (k) => k, hours = false } = {}) {
  if (!data) return [];
  const list = Array.isArray(data)
    ? data.map((x) => {
      const key = x.key ?? x.id ?? x.team_id ?? x.town_id ?? x.department_id ?? x.month ?? x.state ?? x.name ?? x.label;
      const label = x.name ?? x.label ?? x.team ?? x.town ?? x.department ?? x.month ?? labelOf(key);
      const raw = x.hours ?? x.value ?? x.count ?? x.total ?? x.n ?? 0;
      return { key, label: String(label), raw };
    })
    : Object.entries(data).map(([k, v]) => ({ key: k, label: labelOf(k), raw: typeof v === 'object' && v !== null ? (v.hours ?? v.count ?? v.value ?? 0) : v }));
  return list.map((x) => ({ ...x, value: Number(x.raw) || 0, text: hours ? formatHours(x.raw) : String(x.raw) }));
}

/** "9月" for "2026-09" (with the year when the months span more than one). */
function monthLabel(label, all) {
  const m = /^(\d{4})-(\d{1,2})/.exec(String(label));
  if (!m) return String(label);
  const years = new Set(all.map((x) => String(x.label).slice(0, 4)));
  return years.size > 1 ? t('dash.month_year', { year: m[1], month: Number(m[2]) }) : t('dash.month', { month: Number(m[2]) });
}

function card(title, content, id) {
  return el('section', { class: 'card chart-card', id }, el('h2', {}, title), content);
}

/** Charts are drawn at the width they are shown at, so their 14 px labels stay 14 px on a phone. */
let chartWidth = 640;

function barsOrEmpty(rows, title) {
  return rows.length ? hbars(rows.map((r) => ({ label: r.label, values: [r.value], texts: [r.text] })), { title, width: chartWidth }) : el('p', { class: 'muted' }, t('dash.no_data'));
}

export function render(container, query) {
  const today = new Date();
  const from = el('input', { type: 'date', id: 'dash-from', name: 'from', value: query.from || `${today.getFullYear()}-01-01` });
  const to = el('input', { type: 'date', id: 'dash-to', name: 'to', value: query.to || isoDate(today) });
  const out = el('div', { id: 'dash' });
  const isAdmin = store.user?.role === 'admin';

  const exportButton = (kind) => el('button', { type: 'button', class: 'btn', id: `export-${kind}`, onclick: async (e) => {
    const b = e.currentTarget;
    b.disabled = true;
    const label = b.textContent;
    b.textContent = t('dash.export_running');
    const r = await download(`/api/v1/export/${kind}.csv`, `paidan-${kind}-${from.value}-${to.value}.csv`, { from: from.value, to: to.value });
    b.disabled = false;
    b.textContent = label;
    if (r.status === 404) toast(t('dash.export_unavailable'), 'bad');
    else if (!r.ok) toast(t('dash.export_failed', { message: errorText(r) }), 'bad');
  } }, t(`dash.export_${kind}`));

  put(container,
    el('h1', {}, t('dash.title')),
    el('form', { class: 'filters open', onsubmit: (e) => {
      e.preventDefault();
      location.hash = `#/dashboard?from=${from.value}&to=${to.value}`;
    } },
    el('label', {}, el('span', {}, t('dash.from')), from),
    el('label', {}, el('span', {}, t('dash.to')), to),
    el('div', { class: 'filter-buttons' }, el('button', { type: 'submit', class: 'btn primary' }, t('dash.apply'))),
    isAdmin ? el('div', { class: 'filter-buttons exports' }, exportButton('orders'), exportButton('hours')) : null),
    out);

  (async () => {
    put(out, el('p', { class: 'muted' }, t('dash.loading')));
    const r = await api('/api/v1/stats/summary', { query: { from: from.value, to: to.value } });
    if (!out.isConnected) return;
    if (r.status === 404) { put(out, el('p', { class: 'notice', id: 'dash-unavailable' }, t('dash.unavailable'))); return; }
    if (r.status === 403) { put(out, el('p', { class: 'notice' }, t('dash.forbidden'))); return; }
    if (!r.ok || !r.json) { put(out, el('p', { class: 'form-error' }, t('dash.failed', { message: errorText(r) }))); return; }
    draw(out, r.json);
  })();
}

function draw(out, s) {
  chartWidth = Math.max(150, Math.min(640, out.clientWidth - 24));
  const byState = entries(s.orders_by_state, { labelOf: (k) => t(`state.${k}`) })
    .sort((a, b) => STATE_ORDER.indexOf(a.key) - STATE_ORDER.indexOf(b.key));
  const stages = s.stage_hours || {};
  const stageRows = STAGES.filter((k) => stages[k]).map((k) => ({
    label: `${t(`stage.${k}`)}（${t('dash.stage_n', { n: stages[k].n ?? 0 })}）`,
    values: [Number(stages[k].median) || 0, Number(stages[k].p90) || 0],
    texts: [stages[k].median ?? '—', stages[k].p90 ?? '—'].map((v) => (v === null ? '—' : String(v))),
  }));
  const hours = s.hours || {};
  const sat = s.satisfaction || {};
  const share = sat.rated_share === null || sat.rated_share === undefined ? '—'
    : `${Math.round(Number(sat.rated_share) * (Number(sat.rated_share) <= 1 ? 100 : 1))}%`;
  const month = entries(hours.by_month, { hours: true }).sort((a, b) => String(a.key).localeCompare(String(b.key)));

  put(out,
    el('div', { class: 'tiles' },
      el('div', { class: 'tile warn', id: 'tile-overdue' }, el('span', { class: 'tile-n' }, String(s.overdue_open ?? '—')), el('span', {}, t('dash.overdue_open'))),
      el('div', { class: 'tile warn' }, el('span', { class: 'tile-n' }, String(s.escalated ?? '—')), el('span', {}, t('dash.escalated'))),
      el('div', { class: 'tile' }, el('span', { class: 'tile-n' }, hours.total === undefined ? '—' : formatHours(hours.total)), el('span', {}, t('dash.hours_total'))),
      el('div', { class: 'tile' },
        el('span', { class: 'tile-n' }, sat.average === null || sat.average === undefined ? '—' : t('dash.satisfaction_value', { avg: sat.average })),
        el('span', {}, t('dash.satisfaction')),
        el('span', { class: 'muted small' }, t('dash.rated', { n: sat.rated ?? 0, share })))),
    el('div', { class: 'chart-grid' },
      card(t('dash.orders_by_state'), barsOrEmpty(byState, t('dash.orders_by_state')), 'chart-states'),
      card(t('dash.stage_hours'), stageRows.length
        ? hbars(stageRows, { series: [{ name: t('dash.stage_median'), color: '#0a4f9e' }, { name: t('dash.stage_p90'), color: '#a05f00' }], title: t('dash.stage_hours'), width: chartWidth })
        : el('p', { class: 'muted' }, t('dash.no_data')), 'chart-stages'),
      card(t('dash.hours_by_town'), barsOrEmpty(entries(hours.by_town, { hours: true, labelOf: (k) => townName(Number(k)) || k }), t('dash.hours_by_town')), 'chart-towns'),
      card(t('dash.hours_by_team'), barsOrEmpty(entries(hours.by_team, { hours: true }), t('dash.hours_by_team')), 'chart-teams'),
      card(t('dash.hours_by_department'), barsOrEmpty(entries(hours.by_department, { hours: true, labelOf: (k) => departmentName(Number(k)) || k }), t('dash.hours_by_department')), 'chart-departments'),
      card(t('dash.hours_by_month'), month.length ? columns(month.map((m) => ({ label: monthLabel(m.label, month), value: m.value, text: m.text })), { title: t('dash.hours_by_month'), width: chartWidth }) : el('p', { class: 'muted' }, t('dash.no_data')), 'chart-months')));
}
