// Named to run last: its 400 generated orders carry placeholder audit hashes, which `paidan audit
// verify` reports (up to 200 lines), and the tests that tamper and read verify's lines run before it.
// Scope as plain predicates (issue 11): the order list and the statistics run one statement per role,
// each with its role's part of paidan_order_visible. On generated orders in every state (offers,
// hours, escalations; tests/bench/generate_orders.sql), every demo role's list, read page by page,
// holds exactly the orders paidan_order_visible lets it see, in the list's order; and the summary's
// counts per role equal the same counts taken with paidan_order_visible directly.
// Note: the generated orders carry placeholder audit hashes, which `paidan audit verify` reports as
// broken; the files that run the verify (cli, deadlines, ordering) sort before this one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const ROLES = ['admin', 'community', 'department', 'team', 'volunteer'];
const MARK = '生成居民'; // the generated orders' contact name; the list's q filter matches it exactly
let srv;
const S = {};

function psqlFile(file, vars) {
  const args = [h.dbUrl(), '-qX', '-v', 'ON_ERROR_STOP=1', ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]), '-f', file];
  return new Promise((resolve, reject) => {
    execFile('psql', args, { timeout: 120000, env: { ...process.env, PGCLIENTENCODING: 'UTF8' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`psql -f ${file}: ${stderr}`)) : resolve(stdout));
  });
}

before(async () => {
  await h.loadDemo();
  await psqlFile(path.join(h.ROOT, 'tests/bench/generate_orders.sql'), { orders: 400 });
  srv = await h.startServer();
  for (const role of ROLES) {
    const r = await srv.http('POST', '/api/v1/sessions', { body: { username: `demo-${role}`, password: PASSWORD } });
    assert.equal(r.status, 201, r.text);
    S[role] = { token: r.json.token, user: r.json.user };
  }
});

after(async () => {
  if (srv) await srv.stop();
});

function scopeOf(role) {
  const u = S[role].user;
  return u.community_id ?? u.department_id ?? u.team_id ?? u.volunteer_id ?? 0;
}

async function listAll(role, query) {
  const ids = [];
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const qs = new URLSearchParams({ ...query, limit: '50' });
    if (cursor) qs.set('cursor', cursor);
    const r = await srv.http('GET', `/api/v1/orders?${qs}`, { headers: { authorization: `Bearer ${S[role].token}` } });
    assert.equal(r.status, 200, r.text);
    ids.push(...r.json.items.map((o) => o.id));
    cursor = r.json.next_cursor;
    if (!cursor) return ids;
  }
  throw new Error('more than 100 pages');
}

test('every role lists exactly what paidan_order_visible lets it see, escalated first, then newest', async () => {
  const generated = Number(await h.sql(`SELECT count(*) FROM orders WHERE contact_name = ${h.lit(MARK)}`));
  assert.ok(generated >= 400, `generated orders: ${generated}`);
  for (const role of ROLES) {
    for (const query of [{ q: MARK }, { q: MARK, state: 'claimed' }, { q: MARK, overdue: 'true' }]) {
      const got = await listAll(role, query);
      const where = [`contact_name = ${h.lit(MARK)}`, `paidan_order_visible(o, ${h.lit(role)}, ${scopeOf(role)})`];
      if (query.state) where.push(`state = ${h.lit(query.state)}`);
      if (query.overdue) where.push(`due_at < now() AND state NOT IN ('closed', 'rejected', 'cancelled')`);
      const want = (await h.sql(`SELECT id FROM orders o WHERE ${where.join(' AND ')}
                                  ORDER BY (escalated_at IS NOT NULL) DESC, id DESC`)).split('\n').filter(Boolean).map(Number);
      assert.deepEqual(got, want, `${role} ${JSON.stringify(query)}: the list and paidan_order_visible disagree`);
    }
  }
  // Each role sees something here, so the comparison above is not of empty lists.
  for (const role of ROLES) {
    const n = Number(await h.sql(`SELECT count(*) FROM orders o WHERE contact_name = ${h.lit(MARK)}
                                   AND paidan_order_visible(o, ${h.lit(role)}, ${scopeOf(role)})`));
    assert.ok(n > 0, `${role} sees none of the generated orders`);
  }
});

test('the summary per role counts what paidan_order_visible lets it see', async () => {
  const to = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const from = new Date(Date.now() + 8 * 3600e3 - 1094 * 86400e3).toISOString().slice(0, 10);
  for (const role of ['admin', 'community', 'department', 'team']) {
    const r = await srv.http('GET', `/api/v1/stats/summary?from=${from}&to=${to}`,
      { headers: { authorization: `Bearer ${S[role].token}` } });
    assert.equal(r.status, 200, r.text);
    const scoped = `FROM orders o WHERE o.created_at >= ${h.lit(from)}::date::timestamp AT TIME ZONE 'Asia/Shanghai'
                      AND o.created_at < (${h.lit(to)}::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
                      AND paidan_order_visible(o, ${h.lit(role)}, ${scopeOf(role)})`;
    const [total, escalated, hours] = (await h.sql(`SELECT count(*),
        count(*) FILTER (WHERE o.escalated_at IS NOT NULL OR EXISTS
          (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate')),
        (SELECT COALESCE(sum(s.hours), 0)::numeric(14, 2)::text FROM service_records s
          WHERE s.order_id IN (SELECT o.id ${scoped}) AND paidan_record_counts(s))
        ${scoped}`)).split('|');
    assert.equal(r.json.orders_total, Number(total), `${role}: orders_total`);
    assert.equal(r.json.escalated, Number(escalated), `${role}: escalated`);
    assert.equal(r.json.hours.total, hours, `${role}: hours.total`);
    const byState = Object.fromEntries((await h.sql(`SELECT state, count(*) ${scoped} GROUP BY state`))
      .split('\n').filter(Boolean).map((l) => l.split('|')).map(([s, n]) => [s, Number(n)]));
    for (const [state, n] of Object.entries(r.json.orders_by_state)) assert.equal(n, byState[state] ?? 0, `${role}: ${state}`);
    assert.ok(Number(total) > 0, `${role} counts none`);
  }
});
