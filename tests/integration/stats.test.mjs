// Statistics and exports (issue 4, part 5): GET /api/v1/stats/summary against direct SQL counts and
// against a month of orders written by hand with known stage times, hours, corrections and ratings;
// scope per role; refused ranges; the CSV exports (BOM, CRLF, quoting, formulas, masked phones) read
// back with a strict RFC 4180 parser written here; an export of 1,200 orders spanning three keyset
// pages, read fast, read slowly, and abandoned half-way.
// Note: some orders here are inserted with SQL and have no audit events, which `paidan audit verify`
// reports as broken; the files that read verify's lines ask for their own orders only (`--order`).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http_ from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const EXTRA_PASSWORD = 'stats-test-pw-1';
// Ten states since issue 14 added `merged` (a duplicate merged into an earlier order).
const STATES = ['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed', 'rejected', 'cancelled', 'merged', 'waitlisted'];
const STAGES = ['dispatch', 'claim', 'accept', 'start', 'complete', 'confirm'];
const ORDERS_HEADER = ['工单号', '状态', '社区', '镇', '服务类别', '部门', '服务队', '提交时间', '派单时间',
  '领单时间', '接单时间', '开始服务时间', '完成时间', '办结时间', '截止时间', '是否超时', '是否督办', '联系人', '联系电话',
  '地址', '期望时间', '需求描述', '原因', '服务小结', '服务时长(小时)', '评分', '评价', '来源', '代录人员'];
const HOURS_HEADER = ['志愿者', '志愿者编号', '工单号', '服务类别', '地点(社区)', '服务日期', '时长(小时)', '服务队',
  '确认人', '确认时间', '状态', '记录编号', '更正的记录', '更正原因'];
// The CSV names an order by its work-order number (工单号), as every screen does (issue 14).
const workNo = (id) => `PD${String(id).padStart(8, '0')}`;
const orderId = (no) => Number(String(no).replace(/^PD0*/, ''));
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

let srv;
const S = {}; // sessions by name: {token, user}
const ids = {};

// ------------------------------------------------------------------ helpers

async function login(username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password } });
  assert.equal(r.status, 201, `login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  return { token: r.json.token, user: r.json.user };
}

function call(who, method, path, body) {
  const headers = who ? { authorization: `Bearer ${S[who].token}` } : {};
  return srv.http(method, path, { body, headers });
}

function act(who, id, action, body) {
  return call(who, 'POST', `/api/v1/orders/${id}/${action}`, body);
}

function assertStatus(r, status, what) {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 400)}`);
}

async function sqlId(query) {
  const n = Number((await h.sql(query)).split('\n')[0]);
  assert.ok(Number.isInteger(n) && n > 0, `an id from: ${query}`);
  return n;
}

async function stats(who, query) {
  const r = await call(who, 'GET', `/api/v1/stats/summary${query ? `?${query}` : ''}`);
  assertStatus(r, 200, `stats as ${who} ${query}`);
  return r.json;
}

/** YYYY-MM-DD of a day in Asia/Shanghai (UTC+8, no daylight saving), offset by `days` from today. */
function shanghaiDate(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

/** SQL for orders created in [from, to] (Shanghai dates), the way the summary counts them. */
function createdIn(from, to, alias = 'o') {
  return `${alias}.created_at >= '${from}'::date::timestamp AT TIME ZONE 'Asia/Shanghai'
      AND ${alias}.created_at < ('${to}'::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`;
}

/** {state: n} over all nine states from SELECT state, count(*). */
async function sqlStateCounts(where) {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  const out = await h.sql(`SELECT state || ':' || count(*) FROM orders o WHERE ${where} GROUP BY state`);
  for (const line of out.split('\n').filter(Boolean)) {
    const [state, n] = line.split(':');
    counts[state] = Number(n);
  }
  return counts;
}

/** Sum of the verified hours that count (no later correction replaces them), as "12.50". */
function sqlHours(where) {
  return h.sql(`SELECT COALESCE(sum(s.hours), 0)::numeric(14, 2) FROM service_records s JOIN orders o ON o.id = s.order_id
    WHERE s.status = 'verified' AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id) AND ${where}`);
}

function randomCode(prefix = '') {
  let s = prefix;
  while (s.length < 10) s += CODE_ALPHABET[crypto.randomInt(0, CODE_ALPHABET.length)];
  return s;
}

/**
 * RFC 4180, strictly: rows end in CRLF (the last one too), a field is quoted or plain, quotes inside a
 * quoted field are doubled, a bare quote or LF outside quotes is an error. Returns arrays of strings.
 */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let state = 'start'; // start of a field | plain | quoted | closed (after the closing quote)
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (state === 'quoted') {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; } else state = 'closed';
      continue;
    }
    if (c === ',') { row.push(field); field = ''; state = 'start'; continue; }
    if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`CR without LF at ${i}`);
      row.push(field); rows.push(row); row = []; field = ''; state = 'start'; i++;
      continue;
    }
    if (state === 'closed') throw new Error(`text after a closing quote at ${i}: ${JSON.stringify(text.slice(i - 20, i + 20))}`);
    if (c === '\n') throw new Error(`bare LF outside quotes at ${i}: ${JSON.stringify(text.slice(i - 20, i + 20))}`);
    if (c === '"') {
      if (state !== 'start') throw new Error(`quote inside a plain field at ${i}`);
      state = 'quoted';
      continue;
    }
    field += c;
    state = 'plain';
  }
  if (state === 'quoted') throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0 || state !== 'start') throw new Error('the last row does not end with CRLF');
  return rows;
}

/** GET an export as admin: {status, headers, body (Buffer)}; with pauseMs the reader stops for that long after the first chunk. */
function download(path, { token = S.admin.token, pauseMs = 0, method = 'GET' } = {}) {
  return new Promise((resolve, reject) => {
    const req = http_.request({ host: '127.0.0.1', port: srv.port, path, method, agent: false,
      headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      let paused = false;
      res.on('data', (c) => {
        chunks.push(c);
        if (pauseMs && !paused) {
          paused = true;
          res.pause();
          setTimeout(() => res.resume(), pauseMs);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60000, () => req.destroy(new Error(`${path}: no answer within 60 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** An export's rows after checking the BOM, CRLF and the header row. */
function csvRows(res, header) {
  assert.equal(res.status, 200, `export: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
  assert.deepEqual([...res.body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the file starts with the UTF-8 BOM');
  const text = res.body.subarray(3).toString('utf8');
  assert.ok(!text.includes('\ufffd'), 'the export is valid UTF-8');
  const rows = parseCsv(text);
  assert.deepEqual(rows[0], header, 'the header row');
  for (const [i, r] of rows.entries()) assert.equal(r.length, header.length, `row ${i} has ${header.length} fields`);
  return rows.slice(1);
}

function column(header, name) {
  const i = header.indexOf(name);
  assert.ok(i >= 0, `column ${name}`);
  return i;
}

/** 点单 as a resident. */
async function submit(community, description, phone = h.randomPhone()) {
  const r = await srv.http('POST', '/api/v1/orders', {
    body: { community_id: community, category_id: ids.category, description, contact_name: '统计测试',
      contact_phone: phone, address: '历市镇 示例路 9 号', preferred_time: '周日下午' },
  });
  assertStatus(r, 201, 'submit');
  return { ...r.json, phone };
}

/** Through the whole model as the demo accounts: dispatch … confirm, with hours, then the resident's rating. */
async function serve(order, hours, rating) {
  const steps = [
    ['community', 'dispatch', { department_id: ids.kx }],
    ['department', 'claim'],
    ['department', 'offer', { team_ids: [ids.team] }],
    ['team', 'accept'],
    ['team', 'start'],
    ['team', 'complete', { summary: '已上门服务', hours: hours.map(([v, n]) => ({ volunteer_id: v, hours: n })) }],
    ['community', 'confirm'],
  ];
  for (const [who, action, body] of steps) assertStatus(await act(who, order.id, action, body), 200, action);
  if (rating) {
    const r = await srv.http('POST', `/api/v1/track/${order.tracking_code}/evaluation`,
      { body: { resident_key: order.resident_key, rating, comment: '很满意' } });
    assertStatus(r, 200, 'evaluation');
  }
}

function delta(after, before) {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
}

function teamHours(s, teamId) {
  const t = s.hours.by_team.find((x) => x.team_id === teamId);
  return t ? t.hours : '0.00';
}

const cents = (s) => Math.round(Number(s) * 100);

// ------------------------------------------------------------------ the tests

describe('stats and exports', () => {
  // Live data: made through the API today. Its range covers yesterday to tomorrow (Shanghai), so a
  // run across midnight still finds everything it made.
  const live = { from: shanghaiDate(-1), to: shanghaiDate(1) };
  const liveQuery = `from=${live.from}&to=${live.to}`;
  // A month written by hand (2019-03) and a month of 1,200 orders for paging (2018-06).
  const month = { from: '2019-03-01', to: '2019-03-31' };
  const bulk = { from: '2018-06-01', to: '2018-06-30' };
  const X = {}; // the hand-written orders, by name

  before(async () => {
    await h.loadDemo();
    // No sweep during the tests: counts read before and after must not move by themselves.
    srv = await h.startServer({ args: ['--sweep-interval-s', '3600'] });
    for (const name of ['admin', 'community', 'department', 'team', 'volunteer']) S[name] = await login(`demo-${name}`);
    ids.community = S.community.user.community_id;
    ids.kx = S.department.user.department_id;
    ids.team = S.team.user.team_id;
    ids.category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.kx}`));
    ids.members = (await h.sql(`SELECT volunteer_id FROM team_members WHERE team_id = ${ids.team} ORDER BY volunteer_id`))
      .split('\n').map(Number);
    assert.ok(ids.members.length >= 2, 'the demo team has two members');
    ids.otherCommunity = Number(await h.sql(`SELECT min(id) FROM communities WHERE id <> ${ids.community}`));
    ids.otherDept = Number(await h.sql(`SELECT min(id) FROM departments WHERE id <> ${ids.kx}`));

    // A town and community of our own for the hand-written month, with a community account. The town
    // sorts last in the catalog, whose first community other tests take to be the demo worker's.
    const tag = h.uniq('st');
    ids.town = await sqlId(`INSERT INTO towns (name, sort_order) VALUES (${h.lit(`统计镇-${tag}`)}, 10000) RETURNING id`);
    ids.townName = `统计镇-${tag}`;
    // Names of their own, so that a second run against the same database is told apart.
    ids.monthCommunityName = `统计样例社区-${tag}`;
    ids.monthCommunity = await sqlId(`INSERT INTO communities (town_id, name) VALUES (${ids.town}, ${h.lit(ids.monthCommunityName)}) RETURNING id`);
    ids.bulkCommunityName = `批量样例社区-${tag}`;
    ids.bulkCommunity = await sqlId(`INSERT INTO communities (town_id, name) VALUES (${ids.town}, ${h.lit(ids.bulkCommunityName)}) RETURNING id`);
    const accounts = {
      monthCommunity: { role: 'community', community_id: ids.monthCommunity },
      otherDept: { role: 'department', department_id: ids.otherDept },
    };
    for (const [name, scope] of Object.entries(accounts)) {
      const username = `${tag}-${name}`.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64);
      const r = await call('admin', 'POST', '/api/v1/users',
        { username, password: EXTRA_PASSWORD, display_name: `统计测试 ${name}`, ...scope });
      assertStatus(r, 201, `create ${name}`);
      S[name] = await login(username, EXTRA_PASSWORD);
    }
  });

  afterEach(() => {
    if (srv) srv.checkLog();
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  // ---------------------------------------------------------------- live data through the API

  test('orders made through the API move the counts by exactly what was done, and the stats agree with SQL', async () => {
    const who = ['admin', 'community', 'department', 'team'];
    const before = {};
    for (const w of who) before[w] = await stats(w, liveQuery);

    const [m0, m1] = ids.members;
    const o1 = await submit(ids.community, '帮老人学用智能手机，"健康码" 和视频通话,\n第二行：周末上午');
    await serve(o1, [[m0, '2.5'], [m1, 1.25]], 5);
    const o2 = await submit(ids.community, '=1+1');
    await serve(o2, [[m0, 3]], 4);
    const o3 = await submit(ids.community, '待领单的一单');
    assertStatus(await act('community', o3.id, 'dispatch', { department_id: ids.kx }), 200, 'dispatch o3');
    const o4 = await submit(ids.community, '不予受理的一单');
    assertStatus(await act('community', o4.id, 'reject', { reason: '不在服务范围' }), 200, 'reject o4');
    const o5 = await submit(ids.otherCommunity, '别的社区的一单');
    const o6 = await submit(ids.community, '居民取消的一单');
    assertStatus(await srv.http('POST', `/api/v1/track/${o6.tracking_code}/cancel`, { body: { resident_key: o6.resident_key } }),
      200, 'cancel o6');
    ids.live = { o1, o2, o3, o4, o5, o6 };

    const afterStats = {};
    for (const w of who) afterStats[w] = await stats(w, liveQuery);

    // Exactly what this test did, whatever else the database holds.
    const zero = Object.fromEntries(STATES.map((s) => [s, 0]));
    assert.deepEqual(delta(afterStats.admin.orders_by_state, before.admin.orders_by_state),
      { ...zero, submitted: 1, dispatched: 1, closed: 2, rejected: 1, cancelled: 1 }, 'admin: per state');
    assert.deepEqual(delta(afterStats.community.orders_by_state, before.community.orders_by_state),
      { ...zero, dispatched: 1, closed: 2, rejected: 1, cancelled: 1 }, 'community: per state (not the other community\'s)');
    assert.deepEqual(delta(afterStats.department.orders_by_state, before.department.orders_by_state),
      { ...zero, dispatched: 1, closed: 2 }, 'department: what was dispatched to it');
    assert.deepEqual(delta(afterStats.team.orders_by_state, before.team.orders_by_state),
      { ...zero, closed: 2 }, 'team: what it was offered');
    assert.equal(afterStats.admin.orders_total - before.admin.orders_total, 6);
    assert.equal(afterStats.community.orders_total - before.community.orders_total, 5);
    for (const w of who) {
      assert.equal(cents(afterStats[w].hours.total) - cents(before[w].hours.total), 675, `${w}: 2.5 + 1.25 + 3 hours more`);
      assert.equal(cents(teamHours(afterStats[w], ids.team)) - cents(teamHours(before[w], ids.team)), 675, `${w}: by team`);
      assert.equal(afterStats[w].satisfaction.closed - before[w].satisfaction.closed, 2, `${w}: closed`);
      assert.equal(afterStats[w].satisfaction.rated - before[w].satisfaction.rated, 2, `${w}: rated`);
      assert.match(afterStats[w].hours.total, /^\d+\.\d\d$/, 'hours are a decimal string with two places');
    }

    // And the same numbers straight from the tables.
    const range = createdIn(live.from, live.to);
    const scopes = {
      admin: 'true',
      community: `o.community_id = ${ids.community}`,
      department: `o.department_id = ${ids.kx}`,
      team: `(o.team_id = ${ids.team} OR EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = ${ids.team}))`,
    };
    for (const w of who) {
      const where = `${range} AND ${scopes[w]}`;
      const s = afterStats[w];
      const counts = await sqlStateCounts(where);
      assert.deepEqual(s.orders_by_state, counts, `${w}: orders_by_state = SELECT state, count(*)`);
      assert.deepEqual(Object.keys(s.orders_by_state), STATES, 'all eleven states, in the model\'s order');
      assert.equal(s.orders_total, Object.values(counts).reduce((a, b) => a + b, 0));
      assert.equal(s.hours.total, await sqlHours(where), `${w}: hours total = sum over verified records`);
      assert.equal(s.overdue_open, Number(await h.sql(`SELECT count(*) FROM orders o WHERE ${where}
        AND o.due_at < now() AND o.state NOT IN ('closed', 'rejected', 'cancelled')`)), `${w}: overdue_open`);
      assert.equal(s.escalated, Number(await h.sql(`SELECT count(*) FROM orders o WHERE ${where} AND (o.escalated_at IS NOT NULL
        OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate'))`)), `${w}: escalated, now or before`);
      const byTeam = await h.sql(`SELECT s.team_id || ':' || sum(s.hours)::numeric(14, 2) FROM service_records s JOIN orders o ON o.id = s.order_id
        WHERE s.status = 'verified' AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id) AND ${where}
        GROUP BY s.team_id ORDER BY s.team_id`);
      assert.deepEqual(s.hours.by_team.map((t) => `${t.team_id}:${t.hours}`).sort(), byTeam.split('\n').filter(Boolean).sort(),
        `${w}: hours by team`);
      assert.equal(s.from, live.from);
      assert.equal(s.to, live.to);
    }
    // A sample of the stage times: o1 went through every stage, so each has at least one.
    for (const st of STAGES) assert.ok(afterStats.admin.stage_hours[st].n >= 2, `stage ${st} counted`);
  });

  test('an order escalated by the sweep still counts as escalated once it has moved on', async () => {
    // The sweeper escalates every overdue order, and other files leave overdue orders in the demo
    // community (scope_queries generates some): the summary must move by what the audit log says
    // was escalated there, this order included.
    const escalatedInCommunity = async () => Number(await h.sql(`SELECT count(*) FROM orders o WHERE o.community_id = ${ids.community}
      AND ${createdIn(live.from, live.to)}
      AND (o.escalated_at IS NOT NULL OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate'))`));
    const before = await stats('community', liveQuery);
    const sqlBefore = await escalatedInCommunity();
    const o = await submit(ids.community, '逾期后督办的一单');
    assertStatus(await act('community', o.id, 'dispatch', { department_id: ids.kx }), 200, 'dispatch');
    await h.sql(`UPDATE orders SET due_at = now() - interval '1 minute' WHERE id = ${o.id}`);
    let s = await stats('community', liveQuery);
    assert.equal(s.overdue_open - before.overdue_open, 1, 'overdue and open');
    assert.equal(s.escalated - before.escalated, 0, 'not escalated yet');
    // A second process that sweeps every second escalates it.
    const sweeper = await h.startServer({ args: ['--sweep-interval-s', '1'] });
    try {
      for (let i = 0; i < 100; i++) {
        if (await h.sql(`SELECT escalated_at IS NOT NULL FROM orders WHERE id = ${o.id}`) === 't') break;
        await h.sleep(100);
      }
    } finally {
      await sweeper.stop();
    }
    s = await stats('community', liveQuery);
    const escalatedNow = await escalatedInCommunity() - sqlBefore;
    assert.ok(escalatedNow >= 1, 'the sweep escalated this order');
    assert.equal(s.escalated - before.escalated, escalatedNow, 'escalated');
    assertStatus(await act('department', o.id, 'claim'), 200, 'claim');
    assert.equal(await h.sql(`SELECT escalated_at IS NULL FROM orders WHERE id = ${o.id}`), 't', 'moving on clears the flag');
    s = await stats('community', liveQuery);
    assert.equal(s.escalated - before.escalated, escalatedNow, 'still counted: the audit log has the escalation');
    assert.equal(s.overdue_open - before.overdue_open, 0, 'a new stage, a new deadline');
  });

  test('without from and to the range is the last 30 days in Asia/Shanghai', async () => {
    const s = await stats('admin');
    assert.equal(s.to, shanghaiDate(0));
    assert.equal(s.from, shanghaiDate(-29));
    const e = await stats('admin', `from=${shanghaiDate(-29)}&to=${shanghaiDate(0)}`);
    assert.deepEqual(s, e);
  });

  // ---------------------------------------------------------------- a month written by hand

  test('a month of hand-written orders gives exactly the expected summary, and only to those who may see it', async () => {
    const [vA, vB] = ids.members;
    const confirmer = S.community.user.id;
    // name: [state, created (+08), hours after created of dispatched, claimed, accepted, started, completed, closed],
    // each offset relative to the previous stage; null = no such timestamp.
    const specs = {
      X1: ['closed', '2019-03-01 00:30', [1, 2, 0.25, 24, 130 / 60, 1]],
      X2: ['closed', '2019-03-10 10:00', [3, 4, 0.5, 48, 0.75, 26]],
      X3: ['closed', '2019-03-29 10:00', [2, 6, 1, 72, 0.5, 100]],
      X4: ['dispatched', '2019-03-31 23:30', [10]],
      X5: ['rejected', '2019-03-05 08:00', []],
      X7: ['completed', '2019-03-25 08:00', []],
      Y1: ['closed', '2019-02-28 23:59:59', [1, 1, 1, 1, 1, 1]], // the day before the range
      Y2: ['submitted', '2019-04-01 00:00', []], // the day after
    };
    const cols = ['dispatched_at', 'claimed_at', 'accepted_at', 'started_at', 'completed_at', 'closed_at'];
    for (const [name, [state, created, offsets]] of Object.entries(specs)) {
      const times = {};
      let t = `timestamptz '${created}+08'`;
      offsets.forEach((hours, i) => { t = `${t} + interval '${Math.round(hours * 3600)} seconds'`; times[cols[i]] = t; });
      if (name === 'X5') times.closed_at = `timestamptz '2019-03-05 09:00+08'`;
      if (name === 'X7') times.completed_at = `timestamptz '2019-03-26 08:00+08'`;
      const withTeam = ['closed', 'completed'].includes(state);
      const extra = name === 'X4' ? { due_at: `timestamptz '2019-04-02 09:30+08'`, escalated_at: `timestamptz '2019-04-02 10:00+08'` } : {};
      const all = { ...times, ...extra };
      X[name] = await sqlId(`INSERT INTO orders (tracking_code, community_id, category_id, department_id, team_id, state,
          description, contact_name, contact_phone, created_at, updated_at, last_event_hash ${Object.keys(all).map((k) => `, ${k}`).join('')})
        VALUES (${h.lit(randomCode('S'))}, ${ids.monthCommunity}, ${ids.category}, ${state === 'rejected' ? 'NULL' : ids.kx},
          ${withTeam ? ids.team : 'NULL'}, '${state}', ${h.lit(`手写的一单 ${name}`)}, '李四', '13800001234',
          timestamptz '${created}+08', timestamptz '${created}+08', decode(repeat('00', 32), 'hex')
          ${Object.values(all).map((v) => `, ${v}`).join('')})
        RETURNING id`);
    }
    // Hours: X1 two records; X2 one corrected once (3.00 → 2.00); X3 one corrected twice (1.50 → 1.00 → 0.75);
    // X7 pending (not verified yet); Y1 outside the range.
    const record = (order, v, hours, { status = 'verified', corrects = null } = {}) => sqlId(`INSERT INTO service_records
        (order_id, volunteer_id, team_id, hours, status, verified_by, verified_at, corrects_id, correction_reason)
      VALUES (${order}, ${v}, ${ids.team}, ${hours}, '${status}', ${status === 'verified' ? confirmer : 'NULL'},
        ${status === 'verified' ? "timestamptz '2019-04-10 12:00+08'" : 'NULL'}, ${corrects ?? 'NULL'},
        ${corrects ? "'更正：记录有误'" : 'NULL'}) RETURNING id`);
    const r = {};
    r.x1a = await record(X.X1, vA, '2.50');
    r.x1b = await record(X.X1, vB, '1.25');
    r.x2 = await record(X.X2, vA, '3.00');
    r.x2c = await record(X.X2, vA, '2.00', { corrects: r.x2 });
    r.x3 = await record(X.X3, vB, '1.50');
    r.x3c1 = await record(X.X3, vB, '1.00', { corrects: r.x3 });
    r.x3c2 = await record(X.X3, vB, '0.75', { corrects: r.x3c1 });
    r.x7 = await record(X.X7, vA, '5.00', { status: 'pending' });
    r.y1 = await record(X.Y1, vA, '9.00');
    ids.records = r;
    for (const [order, rating] of [[X.X1, 5], [X.X3, 4], [X.X7, 1], [X.Y1, 1]]) {
      await h.sql(`INSERT INTO evaluations (order_id, rating, comment) VALUES (${order}, ${rating}, '')`);
    }

    const expected = {
      from: month.from,
      to: month.to,
      orders_by_state: { submitted: 0, dispatched: 1, claimed: 0, accepted: 0, in_progress: 0, completed: 1, closed: 3, rejected: 1, cancelled: 0, merged: 0, waitlisted: 0 },
      orders_by_source: { web: 6, phone: 0, visit: 0, hotline: 0, menu: 0 },
      entered_by_staff: 0,
      orders_total: 6,
      overdue_open: 1,
      escalated: 1,
      stage_hours: {
        dispatch: { median: 2.5, p90: 7.9, n: 4 }, // 1, 2, 3, 10
        claim: { median: 4, p90: 5.6, n: 3 }, // 2, 4, 6
        accept: { median: 0.5, p90: 0.9, n: 3 }, // 0.25, 0.5, 1
        start: { median: 48, p90: 67.2, n: 3 }, // 24, 48, 72
        complete: { median: 0.8, p90: 1.9, n: 3 }, // 0.5, 0.75 (rounds up), 2.1667
        confirm: { median: 26, p90: 85.2, n: 3 }, // 1, 26, 100
      },
      hours: {
        total: '6.50',
        by_team: [{ team_id: ids.team, name: await h.sql(`SELECT name FROM teams WHERE id = ${ids.team}`), hours: '6.50' }],
        by_town: [{ town_id: ids.town, name: ids.townName, hours: '6.50' }],
        by_department: [{ department_id: ids.kx, name: '县科协', hours: '6.50' }],
        by_month: [{ month: '2019-03', hours: '5.75' }, { month: '2019-04', hours: '0.75' }],
      },
      satisfaction: { average: 4.5, rated: 2, rated_share: 0.6667, closed: 3 },
    };
    const query = `from=${month.from}&to=${month.to}`;
    assert.deepEqual(await stats('monthCommunity', query), expected, 'the community of those orders');
    // The admin sees them too, with whatever else March 2019 holds (nothing, unless the tests ran before).
    const admin = await stats('admin', query);
    assert.deepEqual(admin.orders_by_state, await sqlStateCounts(createdIn(month.from, month.to)));
    assert.equal(admin.hours.total, await sqlHours(createdIn(month.from, month.to)));
    assert.ok(admin.hours.by_town.some((t) => t.town_id === ids.town && t.hours === '6.50'), 'our town in the admin\'s by_town');
    const none = await stats('otherDept', query);
    assert.equal(none.orders_total, 0, 'another department sees none of them');
    assert.equal(none.hours.total, '0.00');
    assert.deepEqual(none.stage_hours.claim, { median: null, p90: null, n: 0 }, 'no data: null, n = 0');
    assert.deepEqual(none.satisfaction, { average: null, rated: 0, rated_share: null, closed: 0 });
    const team = await stats('team', query);
    assert.ok(team.orders_total >= 4, 'the team sees the four orders it served');
    assert.ok(team.hours.by_town.some((t) => t.town_id === ids.town && t.hours === '6.50'), 'and their hours');
    // The demo community is elsewhere: none of this.
    assert.equal((await stats('community', query)).hours.by_town.some((t) => t.town_id === ids.town), false);
    // One day: only X1, created at 00:30 Beijing time (16:30 UTC the day before).
    const day = await stats('monthCommunity', 'from=2019-03-01&to=2019-03-01');
    assert.equal(day.orders_total, 1);
    assert.equal(day.hours.total, '3.75');
    // And the SQL count agrees.
    assert.deepEqual(expected.orders_by_state, await sqlStateCounts(`${createdIn(month.from, month.to)} AND o.community_id = ${ids.monthCommunity}`));
    assert.equal(expected.hours.total, await sqlHours(`${createdIn(month.from, month.to)} AND o.community_id = ${ids.monthCommunity}`));
  });

  // ---------------------------------------------------------------- refusals

  test('bad or reversed dates and ranges over three years are 422 naming the field', async () => {
    const cases = [
      ['from=2026-13-01', 'from'],
      ['from=2026-02-30', 'from'],
      ['to=yesterday', 'to'],
      ['from=2026-1-1', 'from'],
      ['from=2026-05-02&to=2026-05-01', 'from'],
      ['from=2020-01-01&to=2023-01-01', 'from'],
      [`from=${shanghaiDate(1)}`, 'from'],
    ];
    for (const path of ['/api/v1/stats/summary', '/api/v1/export/orders.csv', '/api/v1/export/hours.csv']) {
      for (const [query, field] of cases) {
        const r = await call('admin', 'GET', `${path}?${query}`);
        assertStatus(r, 422, `${path}?${query}`);
        assert.equal(r.json.error.code, 'validation_failed');
        assert.deepEqual(Object.keys(r.json.error.fields), [field], `${path}?${query} names ${field}`);
      }
    }
    // Exactly three years (1,096 days) is fine.
    assert.equal((await stats('admin', 'from=2020-01-02&to=2023-01-01')).from, '2020-01-02');
  });

  test('who may read: volunteers get no stats, only admins export, no one without a session', async () => {
    assertStatus(await call('volunteer', 'GET', '/api/v1/stats/summary'), 403, 'volunteer stats');
    assertStatus(await call(null, 'GET', '/api/v1/stats/summary'), 401, 'anonymous stats');
    for (const path of ['/api/v1/export/orders.csv', '/api/v1/export/hours.csv']) {
      for (const who of ['community', 'department', 'team', 'volunteer']) {
        const r = await call(who, 'GET', path);
        assertStatus(r, 403, `${who} ${path}`);
        assert.equal(r.json.error.code, 'forbidden');
      }
      assertStatus(await call(null, 'GET', path), 401, `anonymous ${path}`);
    }
  });

  // ---------------------------------------------------------------- exports

  test('orders.csv: BOM, CRLF, Chinese header, one line per order, quoting and formulas round-trip, phones masked', async () => {
    assert.ok(ids.live, 'the live orders were made');
    const { o1, o2, o3 } = ids.live;
    const res = await download(`/api/v1/export/orders.csv?${liveQuery}`);
    assert.equal(res.headers['content-disposition'], `attachment; filename="orders-${live.from}-${live.to}.csv"`);
    const rows = csvRows(res, ORDERS_HEADER);
    const col = (name) => column(ORDERS_HEADER, name);
    const sqlIds = (await h.sql(`SELECT id FROM orders o WHERE ${createdIn(live.from, live.to)} ORDER BY created_at, id`)).split('\n').filter(Boolean);
    assert.deepEqual(rows.map((r) => r[col('工单号')]), sqlIds.map(workNo), 'one line per order, in order of submission');

    const row = (id) => rows.find((r) => r[col('工单号')] === workNo(id));
    const r1 = row(o1.id);
    assert.equal(r1[col('需求描述')], '帮老人学用智能手机，"健康码" 和视频通话,\n第二行：周末上午', 'comma, quotes and a newline round-trip');
    // No tracking code: with the phone's last four digits it would let a reader act as the resident.
    assert.ok(!res.body.toString('utf8').includes(o1.tracking_code));
    assert.equal(r1[col('状态')], '已办结');
    assert.equal(r1[col('社区')], await h.sql(`SELECT name FROM communities WHERE id = ${ids.community}`));
    assert.equal(r1[col('镇')], '历市镇');
    assert.equal(r1[col('部门')], '县科协');
    assert.equal(r1[col('联系人')], '统计测试');
    assert.equal(r1[col('联系电话')], `${o1.phone.slice(0, 3)}****${o1.phone.slice(-4)}`, 'the phone is masked');
    assert.equal(r1[col('服务时长(小时)')], '3.75');
    assert.equal(r1[col('评分')], '5');
    assert.equal(r1[col('评价')], '很满意');
    assert.match(r1[col('提交时间')], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(r1[col('提交时间')], await h.sql(`SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') FROM orders WHERE id = ${o1.id}`));
    assert.equal(row(o2.id)[col('需求描述')], "'=1+1", 'a formula gets an apostrophe');
    assert.equal(row(o3.id)[col('状态')], '待领单');
    assert.equal(row(o3.id)[col('服务时长(小时)')], '');
    const text = res.body.toString('utf8');
    for (const o of Object.values(ids.live)) assert.ok(!text.includes(o.phone), 'no full phone number anywhere');
    assert.ok(text.includes(",'=1+1,"), 'the raw cell is \'=1+1, unquoted');
  });

  test('hours.csv: every record of the month, corrections marked, the counted ones sum to the summary', async () => {
    assert.ok(ids.records, 'the hand-written month was made');
    const res = await download(`/api/v1/export/hours.csv?from=${month.from}&to=${month.to}`);
    assert.equal(res.headers['content-disposition'], `attachment; filename="hours-${month.from}-${month.to}.csv"`);
    const col = (name) => column(HOURS_HEADER, name);
    const rows = csvRows(res, HOURS_HEADER).filter((x) => x[col('地点(社区)')] === ids.monthCommunityName);
    const r = ids.records;
    const vA = await h.sql(`SELECT name || '|' || COALESCE(volunteer_no, '') FROM volunteers WHERE id = ${ids.members[0]}`);
    const vB = await h.sql(`SELECT name || '|' || COALESCE(volunteer_no, '') FROM volunteers WHERE id = ${ids.members[1]}`);
    const confirmer = S.community.user.display_name;
    const expected = [
      // record, volunteer, order, date served, hours, confirmed by, status, corrects
      [r.x1a, vA, X.X1, '2019-03-02', '2.50', confirmer, '有效', ''],
      [r.x1b, vB, X.X1, '2019-03-02', '1.25', confirmer, '有效', ''],
      [r.x2, vA, X.X2, '2019-03-12', '3.00', confirmer, '已被更正（不计）', ''],
      [r.x2c, vA, X.X2, '2019-03-12', '2.00', confirmer, '有效', String(r.x2)],
      [r.x7, vA, X.X7, '2019-03-26', '5.00', '', '待确认', ''],
      [r.x3, vB, X.X3, '2019-04-01', '1.50', confirmer, '已被更正（不计）', ''],
      [r.x3c1, vB, X.X3, '2019-04-01', '1.00', confirmer, '已被更正（不计）', String(r.x3)],
      [r.x3c2, vB, X.X3, '2019-04-01', '0.75', confirmer, '有效', String(r.x3c1)],
    ].map(([rec, v, order, date, hours, by, status, corrects]) => [
      v.split('|')[0], v.split('|')[1], workNo(order), date, hours, by, status, String(rec), corrects]);
    const got = rows.map((x) => [x[col('志愿者')], x[col('志愿者编号')], x[col('工单号')], x[col('服务日期')], x[col('时长(小时)')],
      x[col('确认人')], x[col('状态')], x[col('记录编号')], x[col('更正的记录')]]);
    assert.deepEqual(got, expected);
    assert.equal(rows[0][col('确认时间')], '2019-04-10 12:00:00');
    assert.equal(rows[3][col('更正原因')], '更正：记录有误');
    const counted = rows.filter((x) => x[col('状态')] === '有效').reduce((a, x) => a + cents(x[col('时长(小时)')]), 0);
    const summary = await stats('monthCommunity', `from=${month.from}&to=${month.to}`);
    assert.equal(counted, cents(summary.hours.total), 'the counted rows sum to the summary\'s total');
  });

  test('an export of 1,200 orders spans three pages and has every order exactly once, in order', async () => {
    // Three orders share each timestamp, so page boundaries (500, 1000) fall inside ties of created_at.
    const prefix = randomCode().slice(0, 3);
    const longText = '长'.repeat(1000);
    const inserted = (await h.sql(`INSERT INTO orders (tracking_code, community_id, category_id, state, description,
        contact_name, contact_phone, created_at, updated_at, last_event_hash)
      SELECT ${h.lit(prefix)} || translate(lpad(i::text, 7, '0'), '0123456789', '23456789AB'), ${ids.bulkCommunity}, ${ids.category},
             'submitted', '第' || i || '单，"批量" ' || ${h.lit(longText)}, '批量', '1390000' || lpad((i % 10000)::text, 4, '0'),
             timestamptz '2018-06-01 08:00+08' + (i / 3) * interval '1 minute',
             timestamptz '2018-06-01 08:00+08', decode(repeat('00', 32), 'hex')
        FROM generate_series(1, 1200) AS i
      RETURNING id`)).split('\n').filter((l) => /^\d+$/.test(l)).map(Number).sort((a, b) => a - b);
    assert.equal(inserted.length, 1200);
    ids.bulk = inserted;
    // Every order of June 2018: ours, and those of earlier runs against the same database.
    const expectedIds = (await h.sql(`SELECT id FROM orders o WHERE ${createdIn(bulk.from, bulk.to)} ORDER BY created_at, id`))
      .split('\n').map(Number);
    ids.bulkTotal = expectedIds.length;
    assert.ok(expectedIds.length >= 1200);

    for (const pauseMs of [0, 1500]) {
      const res = await download(`/api/v1/export/orders.csv?from=${bulk.from}&to=${bulk.to}`, { pauseMs });
      assert.ok(res.body.length > 3.6e6, `a few megabytes (${res.body.length} bytes)`);
      const rows = csvRows(res, ORDERS_HEADER);
      const got = rows.map((r) => orderId(r[column(ORDERS_HEADER, '工单号')]));
      assert.deepEqual(got, expectedIds, `every order once, in order of submission (reader paused ${pauseMs} ms)`);
      const ours = rows.filter((r) => r[column(ORDERS_HEADER, '社区')] === ids.bulkCommunityName).map((r) => orderId(r[column(ORDERS_HEADER, '工单号')]));
      assert.equal(ours.length, 1200, '1,200 lines of ours');
      assert.equal(new Set(ours).size, 1200, 'each once');
      assert.deepEqual(ours, inserted, 'in the order they were inserted in');
      const i = rows.findIndex((r) => r[column(ORDERS_HEADER, '工单号')] === workNo(inserted[700]));
      assert.equal(rows[i][column(ORDERS_HEADER, '需求描述')], `第701单，"批量" ${longText}`);
    }
    const lines = srv.log().split('\n').filter((l) => / msg=export .* outcome=complete rows=(\d+)$/.exec(l)?.[1] === String(ids.bulkTotal));
    assert.equal(lines.length, 2, 'the server logged both exports with all their rows');
  });

  test('HEAD gives the head of an export without its rows', async () => {
    const res = await download(`/api/v1/export/orders.csv?from=${bulk.from}&to=${bulk.to}`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.body.length, 0);
  });

  test('a database error after the head was sent ends the file with a line saying it is incomplete', async () => {
    assert.ok(ids.bulk, 'the 1,200 orders were made');
    // Deterministic: the state-label function the export calls fails from its 701st call on, so the
    // first page (500 rows) goes out and the second page's statement fails (55P03, as a lock timeout would).
    const original = await h.sql("SELECT pg_get_functiondef('paidan_state_label(text)'::regprocedure)");
    await h.sql(`CREATE SEQUENCE IF NOT EXISTS stats_export_boom; SELECT setval('stats_export_boom', 1, false);
      CREATE OR REPLACE FUNCTION paidan_state_label(p_state text) RETURNS text LANGUAGE plpgsql VOLATILE AS $f$
      BEGIN
        IF nextval('stats_export_boom') > 700 THEN
          RAISE EXCEPTION 'export test: failing on purpose' USING ERRCODE = '55P03';
        END IF;
        RETURN p_state;
      END $f$`);
    try {
      const res = await download(`/api/v1/export/orders.csv?from=${bulk.from}&to=${bulk.to}`);
      assert.equal(res.status, 200);
      const rows = parseCsv(res.body.subarray(3).toString('utf8'));
      assert.deepEqual(rows.at(-1), ['导出未完成：数据库出错，请重新导出 (export incomplete: database error; export again)'],
        'the last line says the file is incomplete');
      const data = rows.slice(1, -1);
      assert.equal(data.length, 500, 'the whole first page, nothing of the failed one');
      assert.match(srv.log(), /level=error .*msg="export stopped: database error" .*sqlstate=55P03/);
    } finally {
      await h.sql(`${original}; DROP SEQUENCE IF EXISTS stats_export_boom`);
    }
  });

  test('a client that leaves half-way stops the export; the server goes on', async () => {
    assert.ok(ids.bulk, 'the 1,200 orders were made');
    const before = srv.log().length;
    // Each page takes about a second (the state label sleeps 2 ms a row), so the client is surely
    // gone before the last page: loopback buffers could otherwise swallow the whole file at once.
    const original = await h.sql("SELECT pg_get_functiondef('paidan_state_label(text)'::regprocedure)");
    await h.sql(`CREATE OR REPLACE FUNCTION paidan_state_label(p_state text) RETURNS text LANGUAGE plpgsql VOLATILE AS $f$
      BEGIN PERFORM pg_sleep(0.002); RETURN p_state; END $f$`);
    let line;
    try {
      await new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port: srv.port }, () => {
          sock.write(`GET /api/v1/export/orders.csv?from=${bulk.from}&to=${bulk.to} HTTP/1.1\r\nHost: x\r\n` +
            `Authorization: Bearer ${S.admin.token}\r\n\r\n`);
        });
        let got = 0;
        sock.on('data', (c) => {
          got += c.length;
          if (got > 100000) {
            // Stop reading, then leave.
            sock.pause();
            setTimeout(() => { sock.destroy(); resolve(); }, 300);
          }
        });
        sock.on('error', reject);
      });
      // The export ends (logged with the rows it got to) and the server keeps answering.
      for (let i = 0; i < 80 && !line; i++) {
        await h.sleep(100);
        line = srv.log().slice(before).split('\n').find((l) => l.includes('msg=export ') && l.includes('rows='));
      }
    } finally {
      await h.sql(original);
    }
    assert.ok(line, 'the export ended');
    const rows = Number(/rows=(\d+)/.exec(line)[1]);
    assert.ok(rows < ids.bulkTotal, `it stopped early (after ${rows} of ${ids.bulkTotal} rows)`);
    assert.match(line, / outcome=connection_closed /, 'and says why');
    assertStatus(await srv.http('GET', '/healthz'), 200, 'healthz');
    assert.equal((await stats('admin', `from=${bulk.from}&to=${bulk.to}`)).orders_total, ids.bulkTotal);
  });
});
