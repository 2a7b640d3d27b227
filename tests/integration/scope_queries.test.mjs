// Scope as plain predicates (issue 11): the order list and the statistics run one statement per role,
// each with its role's part of paidan_order_visible. On generated orders in every state (offers,
// hours, escalations; tests/bench/generate_orders.sql), every demo role's list, read page by page,
// holds exactly the orders paidan_order_visible lets it see, in the list's order; and the summary's
// counts per role equal the same counts taken with paidan_order_visible directly.
// Note: the generated orders carry placeholder audit hashes, which `paidan audit verify` reports as
// broken (up to 200 lines); the files that read verify's lines ask for their own orders only
// (`--order`), so they pass wherever this file runs.
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

async function listAll(role, query, maxPages = 100) {
  const ids = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const qs = new URLSearchParams({ limit: '50', ...query });
    if (cursor) qs.set('cursor', cursor);
    const r = await srv.http('GET', `/api/v1/orders?${qs}`, { headers: { authorization: `Bearer ${S[role].token}` } });
    assert.equal(r.status, 200, r.text);
    ids.push(...r.json.items.map((o) => o.id));
    cursor = r.json.next_cursor;
    if (!cursor) return ids;
  }
  throw new Error(`more than ${maxPages} pages`);
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

// The team's list merges the orders it holds with those offered to it, each read from its index in
// the list's order (sql/099): offers carry their order's "escalated", kept by triggers. Here the demo
// team holds orders that were also offered to it and some that were not, is offered orders it does
// not hold, escalated and not; every list kind (plain, each tab, filtered), read in small pages that
// cross the escalated/not boundary, holds exactly what paidan_order_visible lets it see, each once.
test('every list kind, paged across the escalated boundary, agrees with paidan_order_visible (team: held and offered)', async () => {
  const team = scopeOf('team');
  // The database outlives this file (the browser tests run on it next): what is changed below is put
  // back at the end, or the demo team's lists would start with these escalated orders.
  await h.sql(`DROP TABLE IF EXISTS scope_test_offers, scope_test_escalated;
    CREATE TABLE scope_test_offers AS SELECT f.* FROM order_offers f JOIN orders o ON o.id = f.order_id
     WHERE o.contact_name = ${h.lit(MARK)};
    CREATE TABLE scope_test_escalated AS SELECT id, escalated_at FROM orders WHERE contact_name = ${h.lit(MARK)};`);
  try {
    await pagedListsAgree(team);
  } finally {
    await h.sql(`UPDATE orders o SET escalated_at = s.escalated_at FROM scope_test_escalated s
                  WHERE o.id = s.id AND o.escalated_at IS DISTINCT FROM s.escalated_at;
      DELETE FROM order_offers f USING orders o WHERE f.order_id = o.id AND o.contact_name = ${h.lit(MARK)};
      INSERT INTO order_offers SELECT * FROM scope_test_offers;
      DROP TABLE scope_test_offers, scope_test_escalated;`);
  }
});

async function pagedListsAgree(team) {
  await h.sql(`
    -- orders offered to the team that it does not hold, and held ones that were never offered to it
    INSERT INTO order_offers (order_id, team_id, offered_at)
    SELECT o.id, ${team}, now() FROM orders o
     WHERE o.contact_name = ${h.lit(MARK)} AND o.team_id IS DISTINCT FROM ${team} AND o.id % 4 = 0
    ON CONFLICT DO NOTHING;
    DELETE FROM order_offers f USING orders o
     WHERE f.order_id = o.id AND f.team_id = ${team} AND o.team_id = ${team} AND o.id % 3 = 0;
    -- the flag changes on held, offered and both, in both directions
    UPDATE orders SET escalated_at = now()
     WHERE contact_name = ${h.lit(MARK)} AND escalated_at IS NULL AND id % 5 = 1;
    UPDATE orders SET escalated_at = NULL
     WHERE contact_name = ${h.lit(MARK)} AND escalated_at IS NOT NULL AND id % 7 = 2;
    -- an offer made by the statement that escalates its order
    WITH u AS (UPDATE orders SET escalated_at = now()
                WHERE contact_name = ${h.lit(MARK)} AND escalated_at IS NULL AND team_id IS DISTINCT FROM ${team}
                  AND id % 4 = 1 RETURNING id)
    INSERT INTO order_offers (order_id, team_id, offered_at) SELECT id, ${team}, now() FROM u ON CONFLICT DO NOTHING;`);
  const mismatched = await h.sql(`SELECT count(*) FROM order_offers f JOIN orders o ON o.id = f.order_id
                                   WHERE f.escalated <> (o.escalated_at IS NOT NULL)`);
  assert.equal(mismatched, '0', 'offers whose "escalated" differs from their order\'s');
  const kinds = await h.sql(`SELECT count(*) FILTER (WHERE o.team_id = ${team} AND f.order_id IS NOT NULL),
      count(*) FILTER (WHERE o.team_id = ${team} AND f.order_id IS NULL),
      count(*) FILTER (WHERE o.team_id IS DISTINCT FROM ${team} AND f.order_id IS NOT NULL),
      count(*) FILTER (WHERE o.escalated_at IS NOT NULL), count(*) FILTER (WHERE o.escalated_at IS NULL)
    FROM orders o LEFT JOIN order_offers f ON f.order_id = o.id AND f.team_id = ${team}
    WHERE o.team_id = ${team} OR f.order_id IS NOT NULL`);
  for (const [i, n] of kinds.split('|').entries()) assert.ok(Number(n) > 2, `team's orders of kind ${i}: ${kinds}`);

  for (const role of ROLES) {
    const visible = `paidan_order_visible(o, ${h.lit(role)}, ${scopeOf(role)})`;
    const cases = [[{}, 'true'], [{ q: MARK }, `contact_name = ${h.lit(MARK)}`],
      ...['mine', 'overdue', 'open', 'done'].map((tab) => [{ tab }, `paidan_queue_tab(o, ${h.lit(role)}, ${scopeOf(role)}) = ${h.lit(tab)}`])];
    for (const [query, cond] of cases) {
      const wanted = () => h.sql(`SELECT id FROM orders o WHERE ${visible} AND ${cond}
                                   ORDER BY (escalated_at IS NOT NULL) DESC, id DESC`);
      // The server's sweep may escalate meanwhile: compare when the rule gave the same before and after.
      for (let attempt = 1; ; attempt++) {
        const before = await wanted();
        // Small pages for the team (its two merged reads are what is new); the others page as
        // consoles do. Unfiltered, the whole suite's orders are in the lists: as many pages as that needs.
        const size = role === 'team' ? 7 : 50;
        const count = before.split('\n').filter(Boolean).length;
        const got = await listAll(role, { ...query, limit: String(size) }, Math.ceil(count / size) + 10);
        const after = await wanted();
        if (before !== after && attempt < 10) continue;
        const want = after.split('\n').filter(Boolean).map(Number);
        assert.deepEqual(got, want, `${role} ${JSON.stringify(query)}: the list and paidan_order_visible disagree`);
        if (role === 'team' && query.tab === undefined && !query.q) assert.ok(want.length > 40, `team sees ${want.length}`);
        break;
      }
    }
  }
}

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

// ---- Statistics from kept rows (issue 11): the summary reads order_stat_facts / order_hour_facts
// (sql/022_stats_facts.sql), kept by triggers as orders change. The reference is the summary as it
// was, a query over the orders, events, evaluations and records themselves, scoped by
// paidan_order_visible; the two must agree to the last digit, for every role and several ranges,
// after the bulk load (rebuilt) and again after changes made with the triggers on.

const STATES = ['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed', 'rejected', 'cancelled', 'merged', 'waitlisted'];

function referenceSummary(from, to, role, scope) {
  const scoped = `SELECT o.* FROM orders o
     WHERE o.created_at >= ${h.lit(from)}::date::timestamp AT TIME ZONE 'Asia/Shanghai'
       AND o.created_at < (${h.lit(to)}::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
       AND paidan_order_visible(o, ${h.lit(role)}, ${scope})`;
  return `WITH scoped AS MATERIALIZED (${scoped}), counted AS MATERIALIZED (
    SELECT s.hours, s.team_id, o.community_id, o.department_id,
           to_char(COALESCE(o.completed_at, s.recorded_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month
      FROM scoped o JOIN service_records s ON s.order_id = o.id WHERE paidan_record_counts(s)
  ), stages AS (
    SELECT st.stage, st.span FROM scoped o CROSS JOIN LATERAL (VALUES
           ('dispatch', o.dispatched_at - o.created_at), ('claim', o.claimed_at - o.dispatched_at),
           ('accept', o.accepted_at - o.claimed_at), ('start', o.started_at - o.accepted_at),
           ('complete', o.completed_at - o.started_at), ('confirm', o.closed_at - o.completed_at)) AS st (stage, span)
     WHERE st.span >= interval '0')
  SELECT json_build_object(
    'from', ${h.lit(from)}::text, 'to', ${h.lit(to)}::text,
    'orders_by_state', (SELECT json_object_agg(n.state, COALESCE(c.n, 0) ORDER BY n.ord)
        FROM unnest(ARRAY[${STATES.map(h.lit).join(',')}]) WITH ORDINALITY AS n (state, ord)
        LEFT JOIN (SELECT state, count(*) AS n FROM scoped GROUP BY state) c ON c.state = n.state),
    'orders_total', (SELECT count(*) FROM scoped),
    'orders_by_source', (SELECT json_object_agg(n.source, COALESCE(c.n, 0) ORDER BY n.ord)
        FROM unnest(ARRAY['web', 'phone', 'visit', 'hotline', 'menu']) WITH ORDINALITY AS n (source, ord)
        LEFT JOIN (SELECT source, count(*) AS n FROM scoped GROUP BY source) c ON c.source = n.source),
    'entered_by_staff', (SELECT count(*) FROM scoped o WHERE o.entered_by IS NOT NULL),
    'overdue_open', (SELECT count(*) FROM scoped o WHERE o.due_at < now() AND o.state NOT IN ('closed', 'rejected', 'cancelled', 'merged')),
    'escalated', (SELECT count(*) FROM scoped o WHERE o.escalated_at IS NOT NULL OR EXISTS
        (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate')),
    'stage_hours', (SELECT json_object_agg(n.stage, json_build_object(
            'median', round(extract(epoch FROM p.median)::numeric / 3600, 1),
            'p90', round(extract(epoch FROM p.p90)::numeric / 3600, 1),
            'n', COALESCE(p.n, 0)) ORDER BY n.ord)
        FROM unnest(ARRAY['dispatch', 'claim', 'accept', 'start', 'complete', 'confirm']) WITH ORDINALITY AS n (stage, ord)
        LEFT JOIN (SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY span) AS median,
                          percentile_cont(0.9) WITHIN GROUP (ORDER BY span) AS p90, count(*) AS n
                     FROM stages GROUP BY stage) p ON p.stage = n.stage),
    'hours', json_build_object(
        'total', (SELECT COALESCE(sum(hours), 0)::numeric(14, 2)::text FROM counted),
        'by_team', (SELECT COALESCE(json_agg(json_build_object('team_id', t.id, 'name', t.name,
                       'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)
            FROM (SELECT team_id, sum(hours) AS hours FROM counted GROUP BY team_id) x JOIN teams t ON t.id = x.team_id),
        'by_town', (SELECT COALESCE(json_agg(json_build_object('town_id', t.id, 'name', t.name,
                       'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)
            FROM (SELECT cm.town_id, sum(c.hours) AS hours FROM counted c
                    JOIN communities cm ON cm.id = c.community_id GROUP BY cm.town_id) x JOIN towns t ON t.id = x.town_id),
        'by_department', (SELECT COALESCE(json_agg(json_build_object('department_id', x.department_id,
                       'name', d.name, 'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, x.department_id), '[]'::json)
            FROM (SELECT department_id, sum(hours) AS hours FROM counted GROUP BY department_id) x
            LEFT JOIN departments d ON d.id = x.department_id),
        'by_month', (SELECT COALESCE(json_agg(json_build_object('month', x.month,
                       'hours', x.hours::numeric(14, 2)::text) ORDER BY x.month), '[]'::json)
            FROM (SELECT month, sum(hours) AS hours FROM counted GROUP BY month) x)),
    'satisfaction', (SELECT json_build_object('average', round(avg(e.rating), 2), 'rated', count(e.order_id),
            'rated_share', CASE WHEN count(*) > 0 THEN round(count(e.order_id)::numeric / count(*), 4) END,
            'closed', count(*))
        FROM scoped o LEFT JOIN evaluations e ON e.order_id = o.id WHERE o.state = 'closed'))::text`;
}

function beijingDay(offsetDays) {
  return new Date(Date.now() + 8 * 3600e3 + offsetDays * 86400e3).toISOString().slice(0, 10);
}

async function compareSummaries(when) {
  const ranges = [[beijingDay(-1094), beijingDay(0)], [beijingDay(-29), beijingDay(0)], [beijingDay(-700), beijingDay(-500)],
    [beijingDay(-3), beijingDay(-3)]];
  let compared = 0;
  for (const role of ['admin', 'community', 'department', 'team']) {
    for (const [from, to] of ranges) {
      // The server's sweep escalates overdue orders meanwhile: a comparison counts only when the
      // query over the orders gives the same before and after the server's answer.
      for (let attempt = 1; ; attempt++) {
        const before = await h.sql(referenceSummary(from, to, role, scopeOf(role)));
        const r = await srv.http('GET', `/api/v1/stats/summary?from=${from}&to=${to}`,
          { headers: { authorization: `Bearer ${S[role].token}` } });
        assert.equal(r.status, 200, r.text);
        const after = await h.sql(referenceSummary(from, to, role, scopeOf(role)));
        if (before !== after && attempt < 10) continue;
        assert.deepEqual(r.json, JSON.parse(after), `${when}: ${role} ${from}..${to}: the summary from kept rows and the query over the orders disagree`);
        break;
      }
      compared++;
    }
  }
  // The comparison is of something: the three-year range has orders, stage times, hours and ratings.
  const all = JSON.parse(await h.sql(referenceSummary(beijingDay(-1094), beijingDay(0), 'admin', 0)));
  assert.ok(all.orders_total >= 400 && all.escalated > 0 && all.hours.by_team.length > 1 && all.satisfaction.rated > 0
    && all.stage_hours.confirm.n > 0 && all.overdue_open > 0, JSON.stringify(all).slice(0, 400));
  return compared;
}

async function keptRowsMatchTheRule() {
  for (const [kept, rule] of [['order_stat_facts', 'order_stat_facts_now'], ['order_hour_facts', 'order_hour_facts_now']]) {
    const diff = await h.sql(`SELECT count(*) FROM ((TABLE ${kept} EXCEPT ALL TABLE ${rule})
                                UNION ALL (TABLE ${rule} EXCEPT ALL TABLE ${kept})) d`);
    assert.equal(diff, '0', `${kept} differs from ${rule} in ${diff} rows`);
  }
}

test('the summary from kept rows equals the query over the orders, for every role and range (bulk load)', async () => {
  await keptRowsMatchTheRule();
  const n = await compareSummaries('after the bulk load');
  console.log(`stats facts: ${n} summaries equal to the query over the orders after the bulk load`);
});

test('the kept rows follow every kind of change made with the triggers on', async () => {
  const mark = h.lit(MARK);
  const hash = "decode(repeat('cd', 32), 'hex')";
  const open = "('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed')";
  await h.sql(`
    -- new orders, some of them a little in the past
    INSERT INTO orders (tracking_code, community_id, category_id, state, description, contact_name, contact_phone,
                        created_at, due_at, last_event_hash)
    SELECT 'WWWWW' || translate(lpad(g::text, 5, '0'), '0123456789', 'ABCDEFGHJK'), (SELECT min(id) FROM communities),
           (SELECT min(id) FROM categories), 'submitted', '统计测试', ${mark}, '13900000000',
           now() - g * interval '7 hours', now() - g * interval '5 hours', ${hash}
      FROM generate_series(1, 30) g;
    -- submitted → dispatched → claimed → accepted → in_progress → completed (with hours) → closed (verified, rated)
    UPDATE orders SET state = 'dispatched', department_id = (SELECT min(id) FROM departments),
           dispatched_at = created_at + interval '3 hours 10 minutes'
     WHERE contact_name = ${mark} AND state = 'submitted' AND id % 3 = 0;
    UPDATE orders SET state = 'claimed', claimed_at = dispatched_at + interval '5 hours 3 minutes'
     WHERE contact_name = ${mark} AND state = 'dispatched' AND id % 2 = 0;
    UPDATE orders o SET state = 'accepted', accepted_at = claimed_at + interval '7 hours',
           team_id = (SELECT min(t.id) FROM teams t WHERE t.department_id = o.department_id
                         AND EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id))
     WHERE contact_name = ${mark} AND state = 'claimed' AND id % 2 = 1
       AND EXISTS (SELECT 1 FROM teams t JOIN team_members m ON m.team_id = t.id WHERE t.department_id = o.department_id);
    UPDATE orders SET state = 'in_progress', started_at = accepted_at + interval '1 hour'
     WHERE contact_name = ${mark} AND state = 'accepted' AND id % 2 = 0;
    WITH c AS (UPDATE orders SET state = 'completed', completed_at = started_at + interval '2 hours 17 minutes'
                WHERE contact_name = ${mark} AND state = 'in_progress' AND id % 2 = 1 RETURNING id, team_id, completed_at)
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
    -- corrections replace some verified records
    INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_at, verified_at, corrects_id, correction_reason)
    SELECT s.order_id, s.volunteer_id, s.team_id, s.hours + 1.25, 'verified', now(), now(), s.id, '统计测试更正'
      FROM service_records s JOIN orders o ON o.id = s.order_id
     WHERE o.contact_name = ${mark} AND s.status = 'verified' AND s.id % 11 = 0
       AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id);
    -- escalations: the sweep's way (flag and event), a flag cleared as an order moves on, a flag alone
    WITH u AS (UPDATE orders SET escalated_at = now(), event_count = event_count + 1
                WHERE contact_name = ${mark} AND state IN ${open} AND escalated_at IS NULL AND id % 5 = 0
                RETURNING id, event_count, state)
    INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at, prev_hash, hash)
    SELECT id, event_count, 'escalate', state, state, 'system', '', now(), ${hash}, ${hash} FROM u;
    UPDATE orders SET escalated_at = NULL WHERE contact_name = ${mark} AND escalated_at IS NOT NULL AND id % 3 = 0;
    UPDATE orders SET escalated_at = now() WHERE contact_name = ${mark} AND escalated_at IS NULL AND state IN ${open} AND id % 13 = 0;
    -- a returned order (department cleared) and a rejected one
    UPDATE orders SET state = 'submitted', department_id = NULL, dispatched_at = NULL
     WHERE contact_name = ${mark} AND state = 'dispatched' AND id % 4 = 1;
    UPDATE orders SET state = 'rejected' WHERE contact_name = ${mark} AND state = 'submitted' AND id % 4 = 2;
    -- a moved due time
    UPDATE orders SET due_at = now() - interval '1 minute' WHERE contact_name = ${mark} AND state IN ${open} AND id % 6 = 1;
  `);
  await keptRowsMatchTheRule();
  const n = await compareSummaries('after changes with the triggers on');
  // And a rebuild changes nothing.
  const before = await h.sql('SELECT md5(string_agg(f::text, \',\' ORDER BY order_id)) FROM order_stat_facts f');
  await h.sql('SELECT paidan_stats_rebuild()');
  assert.equal(await h.sql('SELECT md5(string_agg(f::text, \',\' ORDER BY order_id)) FROM order_stat_facts f'), before);
  console.log(`stats facts: ${n} summaries equal to the query over the orders after changes with the triggers on`);
});
