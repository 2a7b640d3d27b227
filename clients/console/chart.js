// A tiny SVG chart helper: horizontal bars (one or two series) and columns. Values are drawn to
// scale; the text printed beside each bar is whatever the caller gives (e.g. the server's exact
// decimal string), so nothing shown is a rounded float.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

/** Rough width of a label in px at font size fs: CJK characters are square, others about half. */
function textWidth(s, fs) {
  let w = 0;
  for (const ch of String(s)) w += /[\u0000-\u00ff]/.test(ch) ? fs * 0.58 : fs;
  return w;
}

function clip(s, maxPx, fs) {
  if (textWidth(s, fs) <= maxPx) return String(s);
  let out = '';
  for (const ch of String(s)) {
    if (textWidth(`${out}${ch}…`, fs) > maxPx) return `${out}…`;
    out += ch;
  }
  return out;
}

/** A nice upper bound for the axis. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Horizontal bars. rows: [{label, values: [number…], texts: [string…]}]; series: [{name, color}].
 * Returns an <svg> that scales to its container's width.
 */
export function hbars(rows, { series = [{ name: '', color: '#0a4f9e' }], width = 640, title = '' } = {}) {
  const fs = 14;
  const barH = series.length > 1 ? 14 : 22;
  const rowH = series.length * (barH + 3) + 12;
  const labelW = Math.min(Math.max(...rows.map((r) => textWidth(r.label, fs)), 40) + 10, width * 0.38);
  const textW = Math.min(90, width * 0.28);
  const plotW = width - labelW - textW;
  const legendH = series.length > 1 ? 24 : 0;
  const height = legendH + rows.length * rowH + 6;
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => r.values.map((v) => Number(v) || 0))));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'chart', 'aria-label': title });
  if (title) root.append(svg('title', {}, title));
  if (series.length > 1) {
    const legendW = series.reduce((a, s) => a + 44 + textWidth(s.name, fs), 0);
    let x = Math.max(4, Math.min(labelW, width - legendW));
    for (const s of series) {
      root.append(svg('rect', { x, y: 5, width: 14, height: 14, fill: s.color }));
      root.append(svg('text', { x: x + 20, y: 17, 'font-size': fs, fill: '#222' }, s.name));
      x += 28 + textWidth(s.name, fs) + 16;
    }
  }
  rows.forEach((r, i) => {
    const y0 = legendH + i * rowH + 6;
    const label = svg('text', { x: labelW - 8, y: y0 + (rowH - 12) / 2 + fs / 2 - 1, 'font-size': fs, 'text-anchor': 'end', fill: '#222' }, clip(r.label, labelW - 10, fs));
    label.append(svg('title', {}, r.label));
    root.append(label);
    series.forEach((s, j) => {
      const v = Math.max(0, Number(r.values[j]) || 0);
      const w = Math.max(v > 0 ? 2 : 0, (v / max) * plotW);
      const y = y0 + j * (barH + 3);
      const bar = svg('rect', { x: labelW, y, width: w, height: barH, fill: s.color, rx: 2 });
      bar.append(svg('title', {}, `${r.label}${s.name ? ` · ${s.name}` : ''}: ${r.texts?.[j] ?? v}`));
      root.append(bar);
      root.append(svg('text', { x: labelW + w + 6, y: y + barH / 2 + fs / 2 - 2, 'font-size': fs - (series.length > 1 ? 2 : 0), fill: '#222' }, r.texts?.[j] ?? String(v)));
    });
  });
  root.append(svg('line', { x1: labelW, x2: labelW, y1: legendH, y2: height, stroke: '#555', 'stroke-width': 1 }));
  return root;
}

/** Columns (e.g. months). rows: [{label, value, text}]. */
export function columns(rows, { width = 640, height = 220, color = '#0a4f9e', title = '' } = {}) {
  const fs = 13;
  const top = 20;
  const bottom = 30;
  const left = 8;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...rows.map((r) => Number(r.value) || 0)));
  const slot = (width - left * 2) / Math.max(rows.length, 1);
  const barW = Math.max(4, Math.min(48, slot * 0.6));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'chart', 'aria-label': title });
  if (title) root.append(svg('title', {}, title));
  rows.forEach((r, i) => {
    const v = Math.max(0, Number(r.value) || 0);
    const h = (v / max) * plotH;
    const cx = left + slot * i + slot / 2;
    const bar = svg('rect', { x: cx - barW / 2, y: top + plotH - h, width: barW, height: h, fill: color, rx: 2 });
    bar.append(svg('title', {}, `${r.label}: ${r.text ?? v}`));
    root.append(bar);
    if (slot > 28 || i % Math.ceil(28 / slot) === 0) {
      root.append(svg('text', { x: cx, y: height - 10, 'font-size': fs, 'text-anchor': 'middle', fill: '#222' }, r.label));
    }
    if (slot > 36) root.append(svg('text', { x: cx, y: top + plotH - h - 5, 'font-size': fs - 1, 'text-anchor': 'middle', fill: '#222' }, r.text ?? String(v)));
  });
  root.append(svg('line', { x1: left, x2: width - left, y1: top + plotH, y2: top + plotH, stroke: '#555' }));
  return root;
}
