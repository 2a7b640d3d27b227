// Statistics from rollups (issue 11, item 2; sql/024_stats_rollups.sql): the summary of the admin, of
// every community and of every department reads per-day and per-month rollups kept by triggers, and
// must equal, byte for byte, the summary as it was computed straight from the kept facts
// (tests/integration/stats_summary_from_facts.sql, the statement before the rollups) — for ranges
// that are whole months, parts of months at either end, one day at a Beijing midnight, one empty
// day, and three years; after a bulk load and again after every kind of change made with the
// triggers on (transitions, a return, hours corrected twice, ratings changed and removed, escalations,
// sources and staff entries, merges, waitlisting, a moved order, records deleted), with spans placed on the summary's rounding edges.
// And the rollups equal a rebuild from the facts.
// Note: the generated orders carry placeholder audit hashes, which `paidan audit verify` reports as
// broken; the files that run the verify (cli, deadlines, ordering) sort before this one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const STATES = ['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed', 'rejected', 'cancelled', 'merged', 'waitlisted'];
const MARK = '统计居民'; // the contact name of this file's generated orders (scope_queries has 生成居民)
let srv;

function psqlFile(file, vars = {}) {
  const args = [h.dbUrl(), '-qX', '-v', 'ON_ERROR_STOP=1', ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]), '-f', file];
  return new Promise((resolve, reject) => {
    execFile('psql', args, { timeout: 120000, env: { ...process.env, PGCLIENTENCODING: 'UTF8' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`psql -f ${file}: ${stderr}`)) : resolve(stdout));
  });
}

/** Runs a script of statements (a transaction of its own, say); returns its last line of output. */
async function psqlScript(script) {
  const file = path.join(os.tmpdir(), `stats-rollups-${process.pid}-${Date.now()}.sql`);
  await fs.writeFile(file, script);
  try {
    const out = await new Promise((resolve, reject) => {
      execFile('psql', [h.dbUrl(), '-AtqX', '-v', 'ON_ERROR_STOP=1', '-f', file], { timeout: 120000, env: { ...process.env, PGCLIENTENCODING: 'UTF8' } },
        (err, stdout, stderr) => (err ? reject(new Error(`psql: ${stderr}`)) : resolve(stdout)));
    });
    return out.trim().split('\n').pop();
  } finally {
    await fs.rm(file, { force: true });
  }
}

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

function beijingDay(offsetDays) {
  return new Date(Date.now() + 8 * 3600e3 + offsetDays * 86400e3).toISOString().slice(0, 10);
}

/** YYYY-MM-DD of the first (last = false) or last day of the month `months` before this one. */
function monthEdge(months, last) {
  const d = new Date(Date.now() + 8 * 3600e3);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months + (last ? 1 : 0), 1));
  return new Date(first.getTime() - (last ? 86400e3 : 0)).toISOString().slice(0, 10);
}

function ranges() {
  return [
    [beijingDay(-1094), beijingDay(0)], // three years, from mid-month to today
    [monthEdge(30, false), monthEdge(1, true)], // whole months only
    [monthEdge(14, false), beijingDay(-40)], // a whole month first, part of one last
    [beijingDay(-400), monthEdge(2, true)], // part of a month first, whole months last
    [beijingDay(-29), beijingDay(0)], // the default range, within one or two months
    [beijingDay(-5), beijingDay(-5)], // one day: orders at its Beijing midnights
    [beijingDay(-1200), beijingDay(-1200)], // a day with no orders
  ];
}

const reference = (from, to, role, scope) =>
  `SELECT stats_summary_from_facts(${h.lit(from)}, ${h.lit(to)}, ${h.lit(role)}, ${scope}, ARRAY[${STATES.map(h.lit).join(',')}])`;

/** Every range for the admin, every community and every department: the summary equals the reference. */
async function compareAll(when) {
  const chains = [[['admin', 'demo-admin', null, 0]], [], []];
  for (const id of (await h.sql('SELECT id FROM communities ORDER BY id')).split('\n')) chains[1].push(['community', 'demo-community', 'community_id', Number(id)]);
  for (const id of (await h.sql('SELECT id FROM departments ORDER BY id')).split('\n')) chains[2].push(['department', 'demo-department', 'department_id', Number(id)]);
  let compared = 0;
  let nonEmpty = 0;
  // One chain per demo user (each lends its account to every scope of its role, one after another).
  await Promise.all(chains.map(async (chain) => {
    for (const [role, username, column, scope] of chain) {
      if (column) await h.sql(`UPDATE users SET ${column} = ${scope} WHERE username = ${h.lit(username)}`);
      const token = await login(username);
      for (const [from, to] of ranges()) {
        // Overdue counts move with the clock and the server's sweep escalates meanwhile: when the two
        // differ, the comparison is taken again, and counts only when the reference gives the same
        // before and after the server's answer.
        for (let attempt = 1; ; attempt++) {
          const before = attempt > 1 ? await h.sql(reference(from, to, role, scope)) : null;
          const r = await srv.http('GET', `/api/v1/stats/summary?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${token}` } });
          assert.equal(r.status, 200, r.text);
          const after = await h.sql(reference(from, to, role, scope));
          if (r.text !== after && attempt < 10 && (attempt === 1 || before !== after)) continue;
          if (r.text !== after) {
            assert.deepEqual(JSON.parse(r.text), JSON.parse(after), `${when}: ${role} ${scope} ${from}..${to}: rollups and facts disagree`);
            assert.equal(r.text, after, `${when}: ${role} ${scope} ${from}..${to}: the same figures, not the same bytes`);
          }
          if (JSON.parse(after).orders_total > 0) nonEmpty++;
          break;
        }
        compared++;
      }
    }
  }));
  assert.ok(nonEmpty > compared / 3, `${when}: only ${nonEmpty} of ${compared} summaries had orders`);
  return compared;
}

/** The kept rollups, their shards summed and empty rows left out, equal a rebuild from the facts. */
async function rollupsMatchTheFacts() {
  const out = await psqlScript(`
    BEGIN;
    CREATE TEMP TABLE kept_counts AS
      SELECT kind, scope_id, day, state, source, sum(n) n, sum(escalated) e, sum(rated) r, sum(rating_sum) rs, sum(entered) en,
             sum(dispatch) d1, sum(claim) d2, sum(accept) d3, sum(start) d4, sum(complete) d5, sum(confirm) d6
        FROM stats_day_counts GROUP BY 1, 2, 3, 4, 5
      HAVING (sum(n), sum(escalated), sum(rated), sum(rating_sum), sum(entered), sum(dispatch), sum(claim), sum(accept),
              sum(start), sum(complete), sum(confirm)) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    CREATE TEMP TABLE kept_spans AS SELECT * FROM stats_month_spans WHERE n <> 0;
    CREATE TEMP TABLE kept_coarse AS SELECT * FROM stats_month_spans_coarse WHERE n <> 0;
    CREATE TEMP TABLE kept_hours AS SELECT * FROM stats_month_hours WHERE (n, hours) <> (0, 0);
    SELECT paidan_stats_rollups_rebuild();
    SELECT (SELECT count(*) FROM ((TABLE kept_counts EXCEPT ALL
              SELECT kind, scope_id, day, state, source, n, escalated, rated, rating_sum, entered, dispatch, claim, accept,
                     start, complete, confirm FROM stats_day_counts)
            UNION ALL (SELECT kind, scope_id, day, state, source, n, escalated, rated, rating_sum, entered, dispatch, claim,
                     accept, start, complete, confirm FROM stats_day_counts EXCEPT ALL TABLE kept_counts)) x)
        || ' ' || (SELECT count(*) FROM ((TABLE kept_spans EXCEPT ALL TABLE stats_month_spans)
                   UNION ALL (TABLE stats_month_spans EXCEPT ALL TABLE kept_spans)) x)
        || ' ' || (SELECT count(*) FROM ((TABLE kept_coarse EXCEPT ALL TABLE stats_month_spans_coarse)
                   UNION ALL (TABLE stats_month_spans_coarse EXCEPT ALL TABLE kept_coarse)) x)
        || ' ' || (SELECT count(*) FROM ((TABLE kept_hours EXCEPT ALL TABLE stats_month_hours)
                   UNION ALL (TABLE stats_month_hours EXCEPT ALL TABLE kept_hours)) x)
        || ' ' || (SELECT count(*) FROM stats_day_counts) || ' ' || (SELECT count(*) FROM stats_month_spans)
        || ' ' || (SELECT count(*) FROM stats_month_spans_coarse)
        || ' ' || (SELECT count(*) FROM stats_month_hours);
    ROLLBACK;`);
  const [counts, spans, coarse, hours, ...sizes] = out.split(' ').map(Number);
  assert.deepEqual({ counts, spans, coarse, hours }, { counts: 0, spans: 0, coarse: 0, hours: 0 }, 'rows that differ between the kept rollups and a rebuild');
  assert.ok(sizes.every((n) => n > 0), `the rollups hold rows: ${sizes}`);
}

before(async () => {
  await h.loadDemo();
  // Orders of their own: tests/integration/scope_queries.test.mjs loads the same file into the same database.
  await psqlFile(path.join(h.ROOT, 'tests/bench/generate_orders.sql'), { orders: 600, code_base: 200000000, mark: MARK });
  await psqlFile(path.join(h.ROOT, 'tests/integration/stats_summary_from_facts.sql'));
  srv = await h.startServer();
});

// The demo community and department users lend their accounts to every scope; they get theirs back.
let demoScopes = '';
after(async () => {
  for (const line of demoScopes.split('\n').filter(Boolean)) {
    const [username, id] = line.split(':');
    const column = username === 'demo-community' ? 'community_id' : 'department_id';
    await h.sql(`UPDATE users SET ${column} = ${Number(id)} WHERE username = ${h.lit(username)}`);
  }
  await srv?.stop();
});

test('the summary from rollups equals the summary from facts after a bulk load', async () => {
  demoScopes = await h.sql(`SELECT username || ':' || COALESCE(community_id, department_id) FROM users
                             WHERE username IN ('demo-community', 'demo-department') ORDER BY username`);
  await rollupsMatchTheFacts();
  const n = await compareAll('after the bulk load');
  console.log(`stats rollups: ${n} summaries equal to the facts' after the bulk load`);
});

test('the rollups follow every kind of change made with the triggers on', async () => {
  const mark = h.lit(MARK);
  const hash = "decode(repeat('cd', 32), 'hex')";
  const open = "('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed')";
  await h.sql(`
    -- New orders on both sides of the Beijing midnights that begin and end the day five days ago, in every
    -- community, some of them entered by staff by phone, visit or hotline.
    INSERT INTO orders (tracking_code, community_id, category_id, state, description, contact_name, contact_phone,
                        created_at, due_at, last_event_hash, source, entered_by)
    SELECT 'VVVVV' || translate(lpad(g::text, 5, '0'), '0123456789', 'ABCDEFGHJK'),
           (SELECT id FROM communities ORDER BY id OFFSET g % (SELECT count(*) FROM communities) LIMIT 1),
           (SELECT min(id) FROM categories), 'submitted', '统计测试', ${mark}, '13900000000',
           ((now() AT TIME ZONE 'Asia/Shanghai')::date - 5)::timestamp AT TIME ZONE 'Asia/Shanghai'
             + CASE g % 4 WHEN 0 THEN interval '-1 microsecond' WHEN 1 THEN interval '0' WHEN 2 THEN interval '1 day'
                          ELSE interval '1 day -1 microsecond' END,
           now() - g * interval '5 hours', ${hash},
           (ARRAY['web', 'phone', 'visit', 'hotline'])[1 + g % 4],
           CASE WHEN g % 4 > 0 THEN (SELECT id FROM users WHERE username = 'demo-community') END
      FROM generate_series(1, 60) g;
    -- submitted → dispatched → claimed → accepted → in_progress → completed (with hours) → closed (verified,
    -- rated), the spans on and next to the summary's rounding edges (0.05 h = 180 s)
    UPDATE orders o SET state = 'dispatched', department_id = (SELECT d.id FROM departments d ORDER BY d.id OFFSET o.id % 3 LIMIT 1),
           dispatched_at = created_at + (ARRAY[interval '180 seconds', interval '179.999999 seconds',
               interval '3 hours 3 minutes', interval '1 day 23 hours 57 minutes'])[1 + id % 4]
     WHERE contact_name = ${mark} AND state = 'submitted' AND id % 5 <> 0 AND created_at > now() - interval '10 days';
    UPDATE orders SET state = 'claimed', claimed_at = dispatched_at + interval '5 hours 3 minutes' + (id % 7) * interval '1 microsecond'
     WHERE contact_name = ${mark} AND state = 'dispatched' AND id % 2 = 0;
    UPDATE orders o SET state = 'accepted', accepted_at = claimed_at + interval '7 hours',
           team_id = (SELECT min(t.id) FROM teams t WHERE t.department_id = o.department_id
                         AND EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id))
     WHERE contact_name = ${mark} AND state = 'claimed' AND id % 3 <> 2
       AND EXISTS (SELECT 1 FROM teams t JOIN team_members m ON m.team_id = t.id WHERE t.department_id = o.department_id);
    UPDATE orders SET state = 'in_progress', started_at = accepted_at + interval '1 hour'
     WHERE contact_name = ${mark} AND state = 'accepted' AND id % 2 = 0;
    WITH c AS (UPDATE orders SET state = 'completed', completed_at = started_at + interval '2 hours 17 minutes'
                WHERE contact_name = ${mark} AND state = 'in_progress' AND id % 3 <> 0 RETURNING id, team_id, completed_at)
    INSERT INTO service_records (order_id, volunteer_id, team_id, hours, recorded_at)
    SELECT c.id, (SELECT min(m.volunteer_id) FROM team_members m WHERE m.team_id = c.team_id), c.team_id, 2.75, c.completed_at
      FROM c;
    WITH c AS (UPDATE orders SET state = 'closed', closed_at = completed_at + interval '30 hours'
                WHERE contact_name = ${mark} AND state = 'completed' AND id % 2 = 0 RETURNING id, closed_at)
    UPDATE service_records s SET status = 'verified', verified_at = c.closed_at FROM c
     WHERE s.order_id = c.id AND s.status = 'pending';
    INSERT INTO evaluations (order_id, rating)
    SELECT id, 1 + id % 5 FROM orders o WHERE contact_name = ${mark} AND state IN ('completed', 'closed') AND id % 4 = 1
       AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.order_id = o.id);
    UPDATE evaluations SET rating = 6 - rating WHERE order_id % 7 = 0
       AND order_id IN (SELECT id FROM orders WHERE contact_name = ${mark});
    DELETE FROM evaluations WHERE order_id % 11 = 0 AND order_id IN (SELECT id FROM orders WHERE contact_name = ${mark});
    -- corrections replace some verified records, and one correction is corrected again
    INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_at, verified_at, corrects_id, correction_reason)
    SELECT s.order_id, s.volunteer_id, s.team_id, s.hours + 1.25, 'verified', now(), now(), s.id, '统计测试更正'
      FROM service_records s JOIN orders o ON o.id = s.order_id
     WHERE o.contact_name = ${mark} AND s.status = 'verified' AND s.id % 7 = 0
       AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id);
    INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_at, verified_at, corrects_id, correction_reason)
    SELECT s.order_id, s.volunteer_id, s.team_id, s.hours - 0.5, 'verified', now(), now(), s.id, '统计测试再更正'
      FROM service_records s
     WHERE s.correction_reason = '统计测试更正' AND s.id % 2 = 0
       AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id);
    -- escalations: the sweep's way (flag and event), a flag cleared as an order moves on, a flag alone
    WITH u AS (UPDATE orders SET escalated_at = now(), event_count = event_count + 1
                WHERE contact_name = ${mark} AND state IN ${open} AND escalated_at IS NULL AND id % 5 = 0
                RETURNING id, event_count, state)
    INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at, prev_hash, hash)
    SELECT id, event_count, 'escalate', state, state, 'system', '', now(), ${hash}, ${hash} FROM u;
    UPDATE orders SET escalated_at = NULL WHERE contact_name = ${mark} AND escalated_at IS NOT NULL AND id % 3 = 0;
    UPDATE orders SET escalated_at = now() WHERE contact_name = ${mark} AND escalated_at IS NULL AND state IN ${open} AND id % 13 = 0;
    -- a returned order (department cleared), a rejected one, merges into an earlier order, waitlisting
    UPDATE orders SET state = 'submitted', department_id = NULL, dispatched_at = NULL
     WHERE contact_name = ${mark} AND state = 'dispatched' AND id % 4 = 1;
    UPDATE orders SET state = 'rejected' WHERE contact_name = ${mark} AND state = 'submitted' AND id % 4 = 2;
    UPDATE orders o SET state = 'merged', merged_into = (SELECT min(id) FROM orders)
     WHERE contact_name = ${mark} AND state = 'submitted' AND id % 3 = 0 AND id > (SELECT min(id) FROM orders);
    INSERT INTO services (team_id, department_id, category_id, town_id, title, place, starts_at, capacity, published_by)
    SELECT t.id, t.department_id, (SELECT min(id) FROM categories), (SELECT min(id) FROM towns), '统计测试服务', '统计测试地点',
           now() + interval '3 days', 10, (SELECT id FROM users WHERE username = 'demo-admin')
      FROM teams t WHERE t.department_id IS NOT NULL ORDER BY t.id LIMIT 1;
    UPDATE orders SET state = 'waitlisted', source = 'menu', entered_by = NULL,
           service_id = (SELECT max(id) FROM services WHERE title = '统计测试服务'),
           department_id = (SELECT department_id FROM services WHERE title = '统计测试服务' ORDER BY id DESC LIMIT 1)
     WHERE contact_name = ${mark} AND state = 'submitted' AND id % 5 = 1;
    UPDATE services SET withdrawn_at = now(), withdrawn_by = published_by WHERE title = '统计测试服务';
    -- an order moved to another community, a moved due time
    UPDATE orders SET community_id = (SELECT max(id) FROM communities)
     WHERE contact_name = ${mark} AND id % 17 = 3;
    UPDATE orders SET due_at = now() - interval '1 minute' WHERE contact_name = ${mark} AND state IN ${open} AND id % 6 = 1;
    -- pending records deleted
    DELETE FROM service_records WHERE status = 'pending'
       AND order_id IN (SELECT id FROM orders WHERE contact_name = ${mark} AND id % 5 = 2);
  `);
  const n = await compareAll('after changes with the triggers on');
  await rollupsMatchTheFacts();
  console.log(`stats rollups: ${n} summaries equal to the facts' after changes with the triggers on`);
});
