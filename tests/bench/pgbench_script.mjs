// Turns what PostgreSQL logged while the server answered one request (log_min_duration_statement = 0)
// into a pgbench script of the same statements with the same parameters, so that pgbench runs the
// exact SQL the route sends, taken from the server and never copied by hand.
//   node pgbench_script.mjs LOG_PART OUT.sql [VARY...]  → prints the pgbench -D options, one per line
// Each "$n" becomes ":pn" (pgbench -M prepared sends it as a parameter again); a NULL parameter is
// written as NULL, an empty one as ''. VARY "n=code" gives parameter n a fresh tracking code per transaction (submits
// insert a unique code), drawn by pgbench itself. VARY "phone=VALUE" gives every parameter captured as
// VALUE one fresh phone number per transaction (each resident has their own: one phone with thousands
// of open orders measures the per-phone checks, not the route).
import { readFileSync, writeFileSync } from 'node:fs';

const [logPath, outPath, ...vary] = process.argv.slice(2);
// What the server runs on its own while the request is served (the live-update poll, the
// notification sender, the sweeps) is logged in the same window but is not the route's SQL.
const BACKGROUND = /^(events_poll|events_prune|outbox_|sweep_|stale_work_|checkpoint_|ping$)/;
const lines = readFileSync(logPath, 'utf8').split('\n');
const phone = vary.find((v) => v.startsWith('phone='))?.slice('phone='.length);
const varied = new Map(vary.filter((v) => !v.startsWith('phone=')).map((v) => v.split('=')).map(([n, kind]) => [Number(n), kind]));
const statements = [];
for (let i = 0; i < lines.length; i++) {
  const m = /duration: [\d.]+ ms {2}execute ([^:]+): (.*)$/.exec(lines[i]);
  if (!m || BACKGROUND.test(m[1])) continue;
  const params = new Map();
  const detail = /DETAIL: {2}parameters: (.*)$/.exec(lines[i + 1] ?? '');
  if (detail) {
    for (const p of detail[1].matchAll(/\$(\d+) = (NULL|'((?:[^']|'')*)')/g))
      params.set(Number(p[1]), p[2] === 'NULL' ? null : p[3].replaceAll("''", "'"));
  }
  statements.push({ sql: m[2], params });
}
if (statements.length === 0) {
  console.error(`no statements logged in ${logPath}`);
  process.exit(1);
}
// pgbench reads ":name" anywhere in a statement as its variable, also inside a string literal
// ('HH24:MI', '[[:space:]]'): such a literal is written as a concatenation of its pieces around each
// colon, which PostgreSQL computes to the same text.
function hideColons(sql) {
  return sql.replace(/'((?:[^']|'')*)'/g, (literal, body, offset) => {
    if (!/:[A-Za-z0-9_]/.test(body) || /[A-Za-z0-9_]/.test(sql[offset - 1] ?? '')) return literal;
    return `(${body.split(':').map((piece) => `'${piece}'`).join(" || ':' || ")})`;
  });
}
const NULL_MARK = '(null)';
const defines = new Map();
const script = [];
if (phone) script.push('\\set phone random(0, 99999999)');
statements.forEach(({ sql, params }, k) => {
  // Only where the captured value is a tracking code: other statements of the route have a $n of
  // another type in that place (a submit's id, say), and a code there aborts pgbench.
  const isCode = (n) => varied.get(n) === 'code' && /^[2-9A-HJKMNP-Z]{10}$/.test(params.get(n) ?? '');
  for (const [n] of varied) if (isCode(n)) script.push(`\\set code${k}_${n} random(0, 1099511627775)`);
  const text = hideColons(sql).replace(/\$(\d+)/g, (_, d, offset, whole) => {
    const n = Number(d);
    if (!params.has(n)) throw new Error(`statement ${k}: no value for $${n}`);
    const value = params.get(n);
    if (isCode(n)) return `upper(translate(lpad(to_hex(:code${k}_${n}::bigint), 10, '2'), '01', 'ZY'))`;
    if (phone && value === phone) return "('139' || lpad(:phone::text, 8, '0'))";
    // A NULL stays a parameter where the statement casts it (the list's optional filters are
    // "$n::text IS NULL OR …": a literal NULL would let the planner drop them, which the server's
    // generic plan cannot), sent as a marker that NULLIF turns back into NULL.
    if (value === null && whole.startsWith('::', offset + 1 + d.length)) {
      defines.set(`s${k}p${n}`, NULL_MARK);
      return `NULLIF(:s${k}p${n}, '${NULL_MARK}')`;
    }
    if (value === null) return 'NULL';
    if (value === '') return "''"; // pgbench -D takes no empty value
    const name = `s${k}p${n}`;
    defines.set(name, value);
    return `:${name}`;
  });
  script.push(text + ';');
});
writeFileSync(outPath, script.join('\n') + '\n');
for (const [name, value] of defines) console.log(`${name}=${value}`);
