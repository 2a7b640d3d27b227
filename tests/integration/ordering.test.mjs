// Integration tests for the ordering model over HTTP (docs/ARCHITECTURE.md; the API in README.md): the full journey with one
// account per role, refusals that change nothing, concurrent accepts, scope of reads, hours
// validation, the resident's cancel, login throttling, cookie auth with CSRF, list filters and
// pages, and the audit chain (verify, tamper, append-only guards). The tamper test runs last.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const EXTRA_PASSWORD = 'ordering-test-pw-1';

let srv;
/** Every response body this file has seen: none may carry a password hash. */
const seen = [];

// Sessions, by name: {token, csrf, user, cookie}
const S = {};
// Ids from the demo county and the extra data made here.
const ids = {};

// ------------------------------------------------------------------ helpers

async function call(method, path, { token, body, headers = {}, cookie, csrf } = {}) {
  const hd = { ...headers };
  if (token) hd.authorization = `Bearer ${token}`;
  if (cookie) hd.cookie = cookie;
  if (csrf) hd['x-csrf-token'] = csrf;
  const r = await srv.http(method, path, { body, headers: hd });
  seen.push(`${method} ${path} → ${r.status} ${r.text}`);
  return r;
}

async function login(username, password = PASSWORD) {
  const r = await call('POST', '/api/v1/sessions', { body: { username, password } });
  assert.equal(r.status, 201, `login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  const setCookie = [].concat(r.headers['set-cookie'] || []);
  const c = setCookie.find((x) => x.startsWith('paidan_session='));
  return {
    token: r.json.token,
    csrf: r.json.csrf_token,
    user: r.json.user,
    cookie: c ? c.split(';')[0] : null,
    setCookie: c,
  };
}

const as = (who) => S[who].token;

function act(who, id, action, body) {
  return call('POST', `/api/v1/orders/${id}/${action}`, { token: who ? as(who) : undefined, body });
}

function detail(who, id) {
  return call('GET', `/api/v1/orders/${id}`, { token: as(who) });
}

function track(code) {
  return call('GET', `/api/v1/track/${code}`);
}

/** Assert an error answer: status, envelope, code, and (optionally) a field in fields (string or RegExp). */
function assertError(r, status, code, field) {
  const what = `${r.status} ${r.text.slice(0, 400)}`;
  assert.equal(r.status, status, `expected ${status}, got ${what}`);
  const problem = h.errorShapeProblem(r);
  assert.equal(problem, null, problem || '');
  if (code) assert.equal(r.json.error.code, code, `error code, got ${what}`);
  if (field) {
    const fields = r.json.error.fields;
    assert.ok(fields && typeof fields === 'object', `error.fields missing, got ${what}`);
    const keys = Object.keys(fields);
    const ok = field instanceof RegExp ? keys.some((k) => field.test(k)) : keys.includes(field);
    assert.ok(ok, `error.fields should name ${field}, got ${what}`);
  }
}

function assertOk(r, what = '') {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
}

function assertConflict(r, state) {
  assertError(r, 409, 'state_conflict');
  assert.equal(r.json.error.state, state, `409 names the current state: ${r.text.slice(0, 300)}`);
}

const sorted = (a) => [...a].sort();

function assertActions(r, expected, what) {
  assertOk(r, what);
  assert.ok(Array.isArray(r.json.actions), `${what}: actions is a list: ${r.text.slice(0, 300)}`);
  assert.deepEqual(sorted(r.json.actions), sorted(expected), `${what}: actions`);
}

function mask(phone) {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

const usedPhones = new Set();
function phone() {
  let p;
  do { p = h.randomPhone(); } while (usedPhones.has(p));
  usedPhones.add(p);
  return p;
}

/** 点单 as a resident; returns the order (201) plus the phone used. */
async function submit(over = {}) {
  const contact_phone = over.contact_phone || phone();
  const body = {
    community_id: ids.community,
    category_id: ids.category,
    description: h.uniq('ordering'),
    contact_name: '王小明',
    contact_phone,
    address: '历市镇 示例路 8 号',
    preferred_time: '周六上午',
    ...over,
  };
  const r = await call('POST', '/api/v1/orders', { body });
  assert.equal(r.status, 201, `submit: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.json.state, 'submitted');
  return { ...r.json, phone: contact_phone };
}

/** The order's state and the number of its audit events, from the database. */
async function snapshot(id) {
  const row = await h.sql(`SELECT o.state || '|' || COALESCE(o.team_id::text, '') || '|' ||
      (SELECT count(*) FROM order_events e WHERE e.order_id = o.id) || '|' ||
      (SELECT count(*) FROM service_records s WHERE s.order_id = o.id) || '|' ||
      (SELECT count(*) FROM order_offers f WHERE f.order_id = o.id)
    FROM orders o WHERE o.id = ${Number(id)}`);
  const [state, team, events, records, offers] = row.split('|');
  return { state, team_id: team ? Number(team) : null, events: Number(events), records: Number(records), offers: Number(offers) };
}

async function assertUnchanged(id, before, what) {
  assert.deepEqual(await snapshot(id), before, `${what}: the order and its log are unchanged`);
}

const STEPS = ['dispatch', 'claim', 'offer', 'accept', 'start', 'complete', 'confirm'];
const AFTER = {
  dispatch: 'dispatched', claim: 'claimed', offer: 'claimed', accept: 'accepted',
  start: 'in_progress', complete: 'completed', confirm: 'closed',
};

/** Move an order along the happy path from where it is, up to and including `last` (e.g. 'accept'). */
async function advance(id, last, { teams = [ids.teamA], acceptor = 'teamA', hours } = {}) {
  const now = await snapshot(id);
  const next = {
    submitted: 'dispatch', dispatched: 'claim', claimed: now.offers > 0 ? 'accept' : 'offer',
    accepted: 'start', in_progress: 'complete', completed: 'confirm',
  }[now.state];
  assert.ok(next && STEPS.indexOf(next) <= STEPS.indexOf(last), `advance ${id} from ${now.state} to ${last}`);
  for (const step of STEPS.slice(STEPS.indexOf(next))) {
    let r;
    switch (step) {
      case 'dispatch': r = await act('community', id, 'dispatch', { department_id: ids.kx }); break;
      case 'claim': r = await act('department', id, 'claim'); break;
      case 'offer': r = await act('department', id, 'offer', { team_ids: teams }); break;
      case 'accept': r = await act(acceptor, id, 'accept'); break;
      case 'start': r = await act(acceptor, id, 'start'); break;
      case 'complete':
        r = await act(acceptor, id, 'complete', {
          summary: '已完成服务',
          hours: hours || [{ volunteer_id: ids.teamAMembers[0], hours: 1 }],
        });
        break;
      case 'confirm': r = await act('community', id, 'confirm'); break;
      default: throw new Error(step);
    }
    assertOk(r, `advance ${step}`);
    assert.equal(r.json.state, AFTER[step], `after ${step}`);
    if (step === last) return r.json;
  }
  throw new Error(`no step ${last}`);
}

async function createUser(body) {
  const r = await call('POST', '/api/v1/users', { token: as('admin'), body: { password: EXTRA_PASSWORD, ...body } });
  assert.equal(r.status, 201, `create user ${body.username}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

/** The first line of a query's output as a number (psql adds a command tag after INSERT … RETURNING). */
async function sqlId(query) {
  const n = Number((await h.sql(query)).split('\n')[0]);
  assert.ok(Number.isInteger(n) && n > 0, `an id from: ${query}`);
  return n;
}

/** Make a team of 县科协 with two fresh volunteers (no registry API for teams yet: straight SQL). */
async function makeTeam(label) {
  const name = h.uniq(`测试队-${label}`);
  const teamId = await sqlId(`INSERT INTO teams (name, department_id) VALUES (${h.lit(name)}, ${ids.kx}) RETURNING id`);
  const members = [];
  for (let i = 0; i < 2; i++) {
    const v = await sqlId(`INSERT INTO volunteers (name, phone) VALUES (${h.lit(`测试队员${label}${i}`)}, '1390000${String(9000 + i)}') RETURNING id`);
    await h.sql(`INSERT INTO team_members (team_id, volunteer_id, role) VALUES (${teamId}, ${v}, ${i === 0 ? "'lead'" : "'member'"})`);
    members.push(v);
  }
  return { teamId, members, name };
}

/** `paidan audit verify --order ID`, this order's chain only (other files' orders are theirs to judge,
 * wherever this file runs): {code, stdout, stderr}, whatever the exit code. */
function auditVerify(orderId) {
  return new Promise((resolve) => {
    execFile(h.bin(), ['audit', 'verify', '--order', String(orderId), '--database-url', h.dbUrl()], {
      timeout: 120000,
      env: { ...process.env, PAIDAN_SQL_DIR: h.SQL_DIR },
    }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      assert.doesNotMatch(`${stdout}\n${stderr}`, h.SANITIZER_RE, 'paidan audit verify: sanitizer report');
      resolve({ code, stdout, stderr });
    });
  });
}

// ------------------------------------------------------------------ the tests

describe('ordering', () => {
  before(async () => {
    await h.loadDemo();
    srv = await h.startServer();

    for (const name of ['admin', 'community', 'department', 'team', 'volunteer']) {
      S[name] = await login(`demo-${name}`);
    }
    ids.community = S.community.user.community_id;
    ids.kx = S.department.user.department_id;
    ids.teamA = S.team.user.team_id;
    assert.ok(ids.community && ids.kx && ids.teamA, 'demo accounts carry their scopes');
    assert.equal(await h.sql(`SELECT name FROM departments WHERE id = ${ids.kx}`), '县科协');
    assert.equal(Number(await h.sql(`SELECT min(id) FROM teams WHERE department_id = ${ids.kx}`)), ids.teamA,
      'the demo team is the lowest-id team of 县科协');
    ids.category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.kx}`));
    ids.teamAMembers = (await h.sql(`SELECT volunteer_id FROM team_members WHERE team_id = ${ids.teamA} ORDER BY volunteer_id`))
      .split('\n').map(Number);
    assert.ok(ids.teamAMembers.length >= 2, 'the demo team has at least two members');
    // Another community (not the demo worker's, and not the one the foundation tests use), another department.
    ids.otherCommunity = Number(await h.sql(`SELECT id FROM communities WHERE id <> ${ids.community} ORDER BY id DESC LIMIT 1`));
    // The lists' community is this file's own: every order in it is one this file made, wherever it runs
    // (other files generate orders, escalated ones too, in the demo communities).
    ids.listCommunity = await sqlId(`INSERT INTO communities (town_id, name)
      SELECT town_id, ${h.lit(h.uniq('列表社区'))} FROM communities WHERE id = ${ids.community} RETURNING id`);
    ids.otherDept = Number(await h.sql(`SELECT id FROM departments WHERE id <> ${ids.kx} ORDER BY id LIMIT 1`));
    // A volunteer of some other team (for hours of a non-member).
    ids.outsider = Number(await h.sql(`SELECT min(volunteer_id) FROM team_members WHERE volunteer_id NOT IN
      (SELECT volunteer_id FROM team_members WHERE team_id = ${ids.teamA})`));

    // Two more teams of 县科协: B is offered alongside A, C is never offered anything.
    const b = await makeTeam('B');
    const c = await makeTeam('C');
    ids.teamB = b.teamId;
    ids.teamBMembers = b.members;
    ids.teamC = c.teamId;

    const tag = h.uniq('o').replace(/[^A-Za-z0-9_.-]/g, '');
    const made = {
      teamA2: { role: 'team', team_id: ids.teamA },
      teamB: { role: 'team', team_id: ids.teamB },
      teamC: { role: 'team', team_id: ids.teamC },
      otherCommunity: { role: 'community', community_id: ids.otherCommunity },
      listCommunity: { role: 'community', community_id: ids.listCommunity },
      otherDept: { role: 'department', department_id: ids.otherDept },
    };
    for (const [name, scope] of Object.entries(made)) {
      const username = `${tag}-${name}`.slice(0, 64);
      await createUser({ username, display_name: `测试账号 ${name}`, ...scope });
      S[name] = await login(username, EXTRA_PASSWORD);
    }
    // The demo team account as "teamA" (same session as "team").
    S.teamA = S.team;
  });

  afterEach(() => {
    if (srv) srv.checkLog();
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  test('1. full journey: submit → dispatch → claim → offer → accept → start → complete → confirm → evaluate', async () => {
    const o = await submit({ contact_name: '王小明' });
    const id = o.id;
    assert.match(o.tracking_code, h.TRACKING_CODE_RE);
    assert.equal(o.contact_phone, mask(o.phone), 'the submit answer masks the phone');
    const [v1, v2] = ids.teamAMembers;

    // submitted: the community sees it in full and may dispatch or reject; others may not read it.
    let r = await detail('community', id);
    assertActions(r, ['dispatch', 'reject', 'merge'], 'community on submitted');
    assert.equal(r.json.contact_phone, o.phone, 'the community sees the full phone');
    assert.equal(r.json.state, 'submitted');
    assertError(await detail('department', id), 403, 'forbidden');
    assertError(await detail('teamA', id), 403, 'forbidden');
    r = await detail('admin', id);
    assertActions(r, [], 'admin only reads');
    let t = await track(o.tracking_code);
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(t.json.actions, ['cancel'], 'the resident may cancel a submitted order');

    // dispatch
    r = await act('community', id, 'dispatch', { department_id: ids.kx, note: '请科协安排' });
    assertOk(r, 'dispatch');
    assert.equal(r.json.state, 'dispatched');
    assert.equal(r.json.department_id, ids.kx);
    assertActions(await detail('community', id), [], 'community on dispatched');
    r = await detail('department', id);
    assertActions(r, ['claim', 'return'], 'department on dispatched');
    assert.equal(r.json.contact_phone, mask(o.phone), 'the department sees the phone masked');
    assertError(await detail('otherDept', id), 403, 'forbidden');

    // claim
    r = await act('department', id, 'claim');
    assertOk(r, 'claim');
    assert.equal(r.json.state, 'claimed');
    r = await detail('department', id);
    assertActions(r, ['return', 'offer'], 'department on claimed');
    assertError(await detail('teamA', id), 403, 'forbidden');

    // offer
    r = await act('department', id, 'offer', { team_ids: [ids.teamA] });
    assertOk(r, 'offer');
    assert.equal(r.json.state, 'claimed', 'offering keeps the order claimed');
    assert.equal(r.json.team_id, null);
    r = await detail('department', id);
    assert.deepEqual(r.json.offers.map((f) => f.team_id), [ids.teamA], 'offers');
    r = await detail('teamA', id);
    assertActions(r, ['accept'], 'offered team on claimed');
    assert.equal(r.json.contact_phone, mask(o.phone), 'an offered team sees the phone masked before accepting');
    assertError(await detail('teamB', id), 403, 'forbidden');

    // accept
    r = await act('teamA', id, 'accept');
    assertOk(r, 'accept');
    assert.equal(r.json.state, 'accepted');
    assert.equal(r.json.team_id, ids.teamA);
    assert.equal(r.json.contact_phone, o.phone, 'the accept answer shows the accepting team the full phone');
    r = await detail('teamA', id);
    assertActions(r, ['withdraw', 'start'], 'team on accepted');
    assert.equal(r.json.contact_phone, o.phone, 'the team sees the full phone after accepting');
    r = await detail('department', id);
    assertActions(r, [], 'department on accepted');
    assert.equal(r.json.contact_phone, mask(o.phone), 'the department still sees the phone masked');
    r = await detail('community', id);
    assert.equal(r.json.contact_phone, o.phone);
    t = await track(o.tracking_code);
    assert.deepEqual(t.json.actions, [], 'the resident can no longer cancel once accepted');

    // start
    r = await act('teamA', id, 'start');
    assertOk(r, 'start');
    assert.equal(r.json.state, 'in_progress');
    assertActions(await detail('teamA', id), ['complete'], 'team on in_progress');
    assertActions(await detail('community', id), [], 'community on in_progress');

    // complete, with hours for two members: a number and a string
    r = await act('teamA', id, 'complete', {
      summary: '讲了两场科普课',
      hours: [{ volunteer_id: v1, hours: 2.5 }, { volunteer_id: v2, hours: '1.25' }],
    });
    assertOk(r, 'complete');
    assert.equal(r.json.state, 'completed');
    assert.equal(r.json.summary, '讲了两场科普课');
    assert.equal(await h.sql(`SELECT string_agg(volunteer_id || ':' || hours::text || ':' || status, ',' ORDER BY volunteer_id)
      FROM service_records WHERE order_id = ${id}`), `${v1}:2.50:pending,${v2}:1.25:pending`);
    assertActions(await detail('community', id), ['confirm', 'dispute'], 'community on completed');
    assertActions(await detail('teamA', id), [], 'team on completed');
    t = await track(o.tracking_code);
    assert.deepEqual(t.json.actions, ['evaluate'], 'the resident may evaluate a completed order');

    // confirm
    r = await act('community', id, 'confirm');
    assertOk(r, 'confirm');
    assert.equal(r.json.state, 'closed');
    assert.equal(await h.sql(`SELECT string_agg(volunteer_id || ':' || hours::text || ':' || status, ',' ORDER BY volunteer_id)
      FROM service_records WHERE order_id = ${id}`), `${v1}:2.50:verified,${v2}:1.25:verified`);
    assertActions(await detail('community', id), [], 'community on closed');

    // evaluate (评单) through the tracking page
    t = await track(o.tracking_code);
    assert.deepEqual(t.json.actions, ['evaluate'], 'the resident may evaluate a closed order');
    r = await call('POST', `/api/v1/track/${o.tracking_code}/evaluation`,
      { body: { resident_key: o.resident_key, rating: 5, comment: '老师讲得很好' } });
    assertOk(r, 'evaluation');
    assert.equal(r.json.state, 'closed');
    assert.equal(await h.sql(`SELECT rating || ':' || comment FROM evaluations WHERE order_id = ${id}`), '5:老师讲得很好');
    const evCount = (await snapshot(id)).events;
    r = await call('POST', `/api/v1/track/${o.tracking_code}/evaluation`,
      { body: { resident_key: o.resident_key, rating: 1 } });
    assertError(r, 409, 'already_rated');
    assert.equal((await snapshot(id)).events, evCount, 'a second evaluation adds no event');
    assert.equal(await h.sql(`SELECT rating FROM evaluations WHERE order_id = ${id}`), '5');

    // The staff view: final state, the timeline in order, records verified with exact hours.
    const expectedTimeline = ['submit', 'dispatch', 'claim', 'offer', 'accept', 'start', 'complete', 'confirm', 'evaluate'];
    const states = [
      [null, 'submitted'], ['submitted', 'dispatched'], ['dispatched', 'claimed'], ['claimed', 'claimed'],
      ['claimed', 'accepted'], ['accepted', 'in_progress'], ['in_progress', 'completed'], ['completed', 'closed'],
      ['closed', 'closed'],
    ];
    const roles = ['resident', 'community', 'department', 'department', 'team', 'team', 'team', 'community', 'resident'];
    r = await detail('admin', id);
    assertOk(r, 'admin detail');
    const d = r.json;
    assert.equal(d.state, 'closed');
    assert.equal(d.team_id, ids.teamA);
    assert.equal(d.department_id, ids.kx);
    assert.deepEqual(d.events.map((e) => e.action), expectedTimeline, 'timeline actions');
    assert.deepEqual(d.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'timeline seq');
    assert.deepEqual(d.events.map((e) => [e.from, e.to]), states, 'timeline from/to');
    assert.deepEqual(d.events.map((e) => e.actor_role), roles, 'timeline actor roles');
    assert.equal(d.events[1].actor, S.community.user.display_name, 'staff see who dispatched');
    assert.equal(d.events[1].note, '请科协安排');
    assert.equal(d.events[2].actor, S.department.user.display_name);
    assert.equal(d.events[4].actor, S.teamA.user.display_name);
    for (const e of d.events) assert.match(String(e.at), h.RFC3339_RE, `event time ${e.at}`);
    assert.deepEqual(d.service_records.map((s) => [s.volunteer_id, Number(s.hours), s.status]),
      [[v1, 2.5, 'verified'], [v2, 1.25, 'verified']], 'service records in the detail');
    assert.equal(d.evaluation && d.evaluation.rating, 5);
    assert.equal(await h.sql(`SELECT string_agg(hours::text || ':' || status, ',' ORDER BY hours DESC)
      FROM service_records WHERE order_id = ${id}`), '2.50:verified,1.25:verified');
    assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${id}`), 'closed');
    assert.equal(await h.sql(`SELECT string_agg(action, ',' ORDER BY seq) FROM order_events WHERE order_id = ${id}`),
      expectedTimeline.join(','));

    // The resident's view: masked, roles instead of names, nothing left to do.
    t = await track(o.tracking_code);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.tracking_code, o.tracking_code);
    assert.equal(t.json.state, 'closed');
    assert.equal(t.json.contact_phone, undefined, 'no phone digits on the tracking page (issue 9)');
    assert.equal(t.json.contact_name, undefined, 'no name on the tracking page (issue 9)');
    assert.deepEqual(t.json.actions, [], 'nothing left for the resident after rating');
    assert.deepEqual(t.json.events.map((e) => e.action), expectedTimeline);
    assert.deepEqual(t.json.events.map((e) => e.actor), roles, 'the resident sees roles, not names');
    assert.equal(t.json.evaluation && t.json.evaluation.rating, 5);
    assert.ok(!t.text.includes(o.phone), 'the full phone is nowhere on the tracking page');
    assert.ok(!t.text.includes('王小明'), 'the full name is nowhere on the tracking page');
    for (const who of ['community', 'department', 'teamA']) {
      assert.ok(!t.text.includes(S[who].user.display_name), `no staff name (${S[who].user.display_name}) on the tracking page`);
      assert.ok(!t.text.includes(S[who].user.username), `no staff username on the tracking page`);
    }
    // The volunteers' names are staff data too.
    const names = (await h.sql(`SELECT name FROM volunteers WHERE id IN (${v1}, ${v2})`)).split('\n');
    for (const n of names) assert.ok(!t.text.includes(n), `no volunteer name (${n}) on the tracking page`);
    ids.journeyOrder = id;
  });

  test('2. refusals change nothing: wrong state → 409, out of scope → 403, anonymous → 401', async () => {
    // -- on a submitted order
    const o = await submit();
    let before = await snapshot(o.id);
    assert.equal(before.state, 'submitted');
    assertError(await act('otherCommunity', o.id, 'dispatch', { department_id: ids.kx }), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'another community dispatching');
    assertError(await act(null, o.id, 'dispatch', { department_id: ids.kx }), 401, 'unauthenticated');
    await assertUnchanged(o.id, before, 'anonymous dispatch');
    assertError(await call('POST', `/api/v1/orders/${o.id}/dispatch`,
      { token: 'not-a-real-token', body: { department_id: ids.kx } }), 401, 'unauthenticated');
    await assertUnchanged(o.id, before, 'dispatch with a made-up token');
    assertError(await act('teamA', o.id, 'dispatch', { department_id: ids.kx }), 403, 'forbidden');
    assertError(await act('admin', o.id, 'dispatch', { department_id: ids.kx }), 403, 'forbidden');
    assertError(await act('volunteer', o.id, 'reject', { reason: '不行' }), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'roles that never dispatch');
    assertError(await act('department', o.id, 'claim'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'claim of an order not dispatched to anyone');
    assertConflict(await act('community', o.id, 'confirm'), 'submitted');
    await assertUnchanged(o.id, before, 'confirm on submitted');
    assertError(await act('community', o.id, 'reject', {}), 422, 'validation_failed', 'reason');
    await assertUnchanged(o.id, before, 'reject without a reason');

    // -- dispatched
    await advance(o.id, 'dispatch');
    before = await snapshot(o.id);
    assertConflict(await act('community', o.id, 'dispatch', { department_id: ids.kx }), 'dispatched');
    await assertUnchanged(o.id, before, 'dispatch twice');
    assertConflict(await act('community', o.id, 'confirm'), 'dispatched');
    await assertUnchanged(o.id, before, 'confirm before complete');
    assertError(await act('otherDept', o.id, 'claim'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'claim by a department it was not dispatched to');
    assertError(await act(null, o.id, 'claim'), 401, 'unauthenticated');
    await assertUnchanged(o.id, before, 'anonymous claim');
    assertConflict(await act('department', o.id, 'offer', { team_ids: [ids.teamA] }), 'dispatched');
    await assertUnchanged(o.id, before, 'offer before claim');

    // -- claimed: a second claim is a state conflict
    await advance(o.id, 'claim');
    before = await snapshot(o.id);
    assertConflict(await act('department', o.id, 'claim'), 'claimed');
    await assertUnchanged(o.id, before, 'claim twice');
    assertError(await act('department', o.id, 'offer', { team_ids: [ids.teamA, 999999999] }), 422, 'validation_failed', 'team_ids');
    await assertUnchanged(o.id, before, 'offer to a team that does not exist');
    const otherDeptTeam = Number(await h.sql(`SELECT min(id) FROM teams WHERE department_id = ${ids.otherDept}`));
    if (otherDeptTeam) {
      assertError(await act('department', o.id, 'offer', { team_ids: [otherDeptTeam] }), 422, 'validation_failed', 'team_ids');
      await assertUnchanged(o.id, before, "offer to another department's team");
    }
    assertError(await act('teamA', o.id, 'accept'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'accept by a team not (yet) offered');
    await advance(o.id, 'offer');
    before = await snapshot(o.id);
    assert.equal(before.offers, 1);
    assertError(await act('teamB', o.id, 'accept'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'accept by a team not offered');
    assertError(await act('teamC', o.id, 'accept'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'accept by another team not offered');
    // Start belongs to the accepting team: an offered team that has not accepted is out of scope.
    assertError(await act('teamA', o.id, 'start'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'start before accept');

    // -- accepted: accept twice
    assertOk(await act('teamA', o.id, 'accept'), 'accept');
    before = await snapshot(o.id);
    assert.equal(before.state, 'accepted');
    assert.equal(before.team_id, ids.teamA);
    assertConflict(await act('teamA', o.id, 'accept'), 'accepted');
    await assertUnchanged(o.id, before, 'accept twice');
    assertConflict(await act('teamA2', o.id, 'accept'), 'accepted');
    await assertUnchanged(o.id, before, 'accept twice (a second account of the same team)');
    assertConflict(await act('community', o.id, 'confirm'), 'accepted');
    await assertUnchanged(o.id, before, 'confirm on accepted');
    assertConflict(await act('department', o.id, 'claim'), 'accepted');
    await assertUnchanged(o.id, before, 'claim on accepted');
    assertConflict(await act('department', o.id, 'return', { reason: '退回' }), 'accepted');
    await assertUnchanged(o.id, before, 'return on accepted');
    assertError(await act('teamB', o.id, 'start'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'start by a team that did not accept');
    assertConflict(await act('teamA', o.id, 'complete', { summary: 'x', hours: [{ volunteer_id: ids.teamAMembers[0], hours: 1 }] }), 'accepted');
    await assertUnchanged(o.id, before, 'complete before start');
    assertError(await act(null, o.id, 'start'), 401, 'unauthenticated');
    await assertUnchanged(o.id, before, 'anonymous start');

    // -- return puts it back to submitted; then the department no longer has it, and claim is refused.
    const o2 = await submit();
    await advance(o2.id, 'claim');
    const ret = await act('department', o2.id, 'return', { reason: '不属于本部门' });
    assertOk(ret, 'return');
    assert.equal(ret.json.state, 'submitted');
    assert.equal(ret.json.department_id, null);
    before = await snapshot(o2.id);
    assert.equal(before.state, 'submitted');
    const claimAfterReturn = await act('department', o2.id, 'claim');
    // The returned order is no longer dispatched to this department: it is out of its scope (like a read).
    assertError(claimAfterReturn, 403, 'forbidden');
    await assertUnchanged(o2.id, before, 'claim after return');
    assertError(await detail('department', o2.id), 403, 'forbidden');
    // Dispatched again: now claim works from dispatched only once.
    assertOk(await act('community', o2.id, 'dispatch', { department_id: ids.kx }), 're-dispatch');
    assertOk(await act('department', o2.id, 'claim'), 'claim after re-dispatch');
    before = await snapshot(o2.id);
    assertConflict(await act('department', o2.id, 'claim'), 'claimed');
    await assertUnchanged(o2.id, before, 'claim twice after re-dispatch');
    // The reject/dispatch of a returned order is the community's again: reject from claimed is a conflict.
    assertConflict(await act('community', o2.id, 'reject', { reason: '重复' }), 'claimed');
    await assertUnchanged(o2.id, before, 'reject on claimed');
  });

  test('3. 40 concurrent accepts by two offered teams: exactly one wins', async () => {
    const o = await submit();
    await advance(o.id, 'offer', { teams: [ids.teamA, ids.teamB] });
    const before = await snapshot(o.id);
    assert.equal(before.offers, 2);
    const who = [];
    for (let i = 0; i < 20; i++) who.push('teamA', 'teamB');
    const results = await Promise.all(who.map((w) => act(w, o.id, 'accept')));
    const ok = results.map((r, i) => [r, who[i]]).filter(([r]) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    assert.equal(ok.length, 1, `exactly one 200: ${results.map((r) => r.status).join(',')}`);
    assert.equal(conflicts.length, 39, `39 × 409: ${results.map((r) => r.status).join(',')}`);
    for (const r of conflicts) assertConflict(r, 'accepted');
    const [winner, winnerName] = ok[0];
    const winnerTeam = winnerName === 'teamA' ? ids.teamA : ids.teamB;
    assert.equal(winner.json.state, 'accepted');
    assert.equal(winner.json.team_id, winnerTeam);
    assert.equal(await h.sql(`SELECT count(*) FROM order_events WHERE order_id = ${o.id} AND action = 'accept'`), '1');
    const after = await snapshot(o.id);
    assert.equal(after.state, 'accepted');
    assert.equal(after.team_id, winnerTeam, "the order's team is the winner's");
    assert.equal(after.events, before.events + 1, 'one event added, no more');
    // The loser no longer sees it as something to accept.
    const loser = winnerName === 'teamA' ? 'teamB' : 'teamA';
    const ld = await detail(loser, o.id);
    if (ld.status === 200) assert.deepEqual(ld.json.actions, [], 'the losing team has nothing to do');
    else assertError(ld, 403, 'forbidden');
    const wd = await detail(winnerName, o.id);
    assertActions(wd, ['withdraw', 'start'], 'the winner');
  });

  test('4. a team that was not offered cannot read, list or accept the order', async () => {
    const o = await submit();
    await advance(o.id, 'offer', { teams: [ids.teamA, ids.teamB] });
    const before = await snapshot(o.id);
    assertError(await detail('teamC', o.id), 403, 'forbidden');
    let r = await call('GET', '/api/v1/orders?limit=100', { token: as('teamC') });
    assertOk(r, 'team C list');
    assert.ok(!r.json.items.some((x) => x.id === o.id), 'the order is absent from team C\'s list');
    assert.deepEqual(r.json.items.map((x) => x.id), [], 'team C was offered nothing, so its list is empty');
    r = await call('GET', `/api/v1/orders?limit=100&q=${o.tracking_code}`, { token: as('teamC') });
    assertOk(r, 'team C search');
    assert.deepEqual(r.json.items, [], 'searching by tracking code finds nothing either');
    assertError(await act('teamC', o.id, 'accept'), 403, 'forbidden');
    await assertUnchanged(o.id, before, 'accept by team C');
    // The offered teams do see it.
    for (const who of ['teamA', 'teamB']) {
      r = await call('GET', `/api/v1/orders?limit=100&q=${o.tracking_code}`, { token: as(who) });
      assertOk(r, `${who} search`);
      assert.deepEqual(r.json.items.map((x) => x.id), [o.id], `${who} finds the order it was offered`);
      assert.equal(r.json.items[0].contact_phone, mask(o.phone), 'masked in the list before accepting');
    }
    // Once B accepts, C still cannot read it, and after accepting B sees the full phone in the list.
    assertOk(await act('teamB', o.id, 'accept'), 'team B accepts');
    assertError(await detail('teamC', o.id), 403, 'forbidden');
    r = await call('GET', `/api/v1/orders?limit=100&q=${o.tracking_code}`, { token: as('teamB') });
    assert.equal(r.json.items[0].contact_phone, o.phone);
    r = await call('GET', '/api/v1/orders?limit=100', { token: as('teamC') });
    assert.deepEqual(r.json.items.map((x) => x.id), []);
  });

  test('5. hours on complete are validated; a refused completion leaves the order in_progress', async () => {
    const o = await submit();
    await advance(o.id, 'start');
    const before = await snapshot(o.id);
    assert.equal(before.state, 'in_progress');
    assert.equal(before.records, 0);
    const [v1, v2] = ids.teamAMembers;
    const HOURS_FIELD = /^hours(\[\d+\])?$/;
    const cases = [
      ['zero', [{ volunteer_id: v1, hours: 0 }], 'hours[0]'],
      ['negative', [{ volunteer_id: v1, hours: -1 }], 'hours[0]'],
      ['over 24', [{ volunteer_id: v1, hours: 25 }], 'hours[0]'],
      ['24.01', [{ volunteer_id: v1, hours: '24.01' }], 'hours[0]'],
      ['three decimals', [{ volunteer_id: v1, hours: 1.234 }], 'hours[0]'],
      ['three decimals as text', [{ volunteer_id: v1, hours: '1.234' }], 'hours[0]'],
      ['not a number', [{ volunteer_id: v1, hours: 'abc' }], 'hours[0]'],
      ['missing hours', [{ volunteer_id: v1 }], 'hours[0]'],
      ['second one bad', [{ volunteer_id: v1, hours: 1 }, { volunteer_id: v2, hours: 0 }], 'hours[1]'],
      ['not in the team', [{ volunteer_id: v1, hours: 1 }, { volunteer_id: ids.outsider, hours: 2 }], HOURS_FIELD],
      ['member of another team of the department', [{ volunteer_id: ids.teamBMembers[0], hours: 2 }], HOURS_FIELD],
      ['no such volunteer', [{ volunteer_id: 999999999, hours: 2 }], HOURS_FIELD],
      ['same volunteer twice', [{ volunteer_id: v1, hours: 1 }, { volunteer_id: v1, hours: 2 }], 'hours[1]'],
      ['empty list', [], 'hours'],
      ['not a list', 3, 'hours'],
    ];
    for (const [what, hours, field] of cases) {
      const r = await act('teamA', o.id, 'complete', { summary: '完成', hours });
      assertError(r, 422, 'validation_failed', field);
      await assertUnchanged(o.id, before, `complete with ${what}`);
    }
    assertError(await act('teamA', o.id, 'complete', { hours: [{ volunteer_id: v1, hours: 1 }] }), 422, 'validation_failed', 'summary');
    await assertUnchanged(o.id, before, 'complete without a summary');
    assert.equal(await h.sql(`SELECT count(*) FROM service_records WHERE order_id = ${o.id}`), '0');
    assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'in_progress');

    // The bounds themselves are fine: 24 and 0.01.
    const r = await act('teamA', o.id, 'complete', {
      summary: '完成', hours: [{ volunteer_id: v1, hours: 24 }, { volunteer_id: v2, hours: '0.01' }],
    });
    assertOk(r, 'complete with 24 and 0.01');
    assert.equal(r.json.state, 'completed');
    assert.equal(await h.sql(`SELECT string_agg(hours::text, ',' ORDER BY volunteer_id) FROM service_records WHERE order_id = ${o.id}`),
      '24.00,0.01');
  });

  test('6. resident cancel: wrong or missing resident key → 403/422, the phone tail no longer works, right key → cancelled, after acceptance → 409', async () => {
    // An order the department has claimed and offered may still be cancelled.
    const o = await submit();
    await advance(o.id, 'offer');
    let before = await snapshot(o.id);
    let r = await call('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { phone_tail: o.phone.slice(-4), reason: '不需要了' } });
    assertError(r, 422, 'validation_failed', 'resident_key');
    await assertUnchanged(o.id, before, 'cancel with the phone tail only');
    const wrongKey = `${o.resident_key.slice(0, -1)}${o.resident_key.endsWith('A') ? 'B' : 'A'}`;
    r = await call('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { resident_key: wrongKey, reason: '不需要了' } });
    assertError(r, 403, null, 'resident_key');
    await assertUnchanged(o.id, before, 'cancel with the wrong key');
    r = await call('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { resident_key: '12a4' } });
    assertError(r, 422, 'validation_failed', 'resident_key');
    r = await call('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: {} });
    assertError(r, 422, 'validation_failed', 'resident_key');
    await assertUnchanged(o.id, before, 'cancel without a key');
    r = await call('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { resident_key: o.resident_key, reason: '不需要了' } });
    assertOk(r, 'cancel');
    assert.equal(r.json.state, 'cancelled');
    assert.equal(r.json.contact_phone, undefined, 'the resident\'s answer has no phone digits');
    const after = await snapshot(o.id);
    assert.equal(after.state, 'cancelled');
    assert.equal(after.events, before.events + 1);
    assert.equal(await h.sql(`SELECT action || ':' || from_state || ':' || to_state || ':' || actor_role || ':' || note
      FROM order_events WHERE order_id = ${o.id} ORDER BY seq DESC LIMIT 1`), 'cancel:claimed:cancelled:resident:不需要了');
    let t = await track(o.tracking_code);
    assert.equal(t.json.state, 'cancelled');
    assert.deepEqual(t.json.actions, []);
    // Cancelled is final: the offered team can no longer accept, a second cancel is a conflict.
    assertConflict(await act('teamA', o.id, 'accept'), 'cancelled');
    r = await call('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { resident_key: o.resident_key } });
    assertConflict(r, 'cancelled');
    await assertUnchanged(o.id, after, 'after cancelling');

    // After a team has accepted, the resident can no longer cancel.
    const o2 = await submit();
    await advance(o2.id, 'accept');
    before = await snapshot(o2.id);
    r = await call('POST', `/api/v1/track/${o2.tracking_code}/cancel`, { body: { resident_key: o2.resident_key, reason: '算了' } });
    assertConflict(r, 'accepted');
    await assertUnchanged(o2.id, before, 'cancel after acceptance');
    t = await track(o2.tracking_code);
    assert.deepEqual(t.json.actions, []);
    // An unknown code is 404.
    r = await call('POST', '/api/v1/track/23456789AB/cancel', { body: { resident_key: o2.resident_key } });
    assertError(r, 404, 'not_found');
  });

  test('7. login throttling: the 5th failure locks the username, even for the right password', async () => {
    const username = h.uniq('throttle').replace(/[^A-Za-z0-9_.-]/g, '');
    const created = await createUser({ username, display_name: '限流测试', role: 'community', community_id: ids.otherCommunity });
    assert.equal(created.username, username);
    assert.ok(!('password_hash' in created) && !('password' in created), 'no password in the created user');
    // It works before any failure.
    const good = await login(username, EXTRA_PASSWORD);
    assert.equal(good.user.username, username);
    assertOk(await call('GET', '/api/v1/me', { token: good.token }), 'me');

    const statuses = [];
    for (let i = 1; i <= 6; i++) {
      const r = await call('POST', '/api/v1/sessions', { body: { username, password: `wrong-password-${i}` } });
      statuses.push(r.status);
      if (r.status === 401) assertError(r, 401, 'invalid_credentials');
      else assertError(r, 429, 'too_many_attempts');
    }
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401], `the first four failures are 401: ${statuses}`);
    assert.ok(statuses[4] === 429 || (statuses[4] === 401 && statuses[5] === 429),
      `the 5th (or at the latest 6th) attempt is 429: ${statuses}`);
    assert.equal(statuses[5], 429, `and it stays locked: ${statuses}`);
    const r = await call('POST', '/api/v1/sessions', { body: { username, password: EXTRA_PASSWORD } });
    assertError(r, 429, 'too_many_attempts');
    assert.equal(r.json.token, undefined);
    assert.equal(r.headers['set-cookie'], undefined, 'no session cookie while locked');
    // Only that username is locked.
    const other = await login('demo-admin');
    assert.equal(other.user.username, 'demo-admin');
    // An existing session of the locked user still works (the lock is on logging in).
    assertOk(await call('GET', '/api/v1/me', { token: good.token }), 'me with an older session');

    // The password hash never appears in any answer this file has seen (logins, /me, users, orders …).
    const hash = await h.sql(`SELECT password_hash FROM users WHERE username = ${h.lit(username)}`);
    assert.ok(hash.length > 20, 'the user has a stored hash');
    const all = seen.join('\n');
    assert.ok(!all.includes(hash), 'the stored hash is never sent');
    assert.ok(!/\$argon2/.test(all), 'no argon2 hash string in any response');
    assert.ok(!/password_hash/.test(all), 'no password_hash field in any response');
    assert.ok(!all.includes(EXTRA_PASSWORD), 'no password echoed back');
  });

  test('8. cookie auth: GET works with the cookie alone; a POST needs X-CSRF-Token', async () => {
    const s = await login('demo-community');
    assert.ok(s.setCookie, 'login sets the session cookie');
    assert.match(s.setCookie, /HttpOnly/i);
    assert.match(s.setCookie, /SameSite=Strict/i);
    assert.equal(s.cookie, `paidan_session=${s.token}`);
    assert.ok(s.csrf && s.csrf.length >= 16, 'a CSRF token comes with the session');

    let r = await call('GET', '/api/v1/me', { cookie: s.cookie });
    assertOk(r, 'me with the cookie');
    assert.equal(r.json.username, 'demo-community');
    assert.equal(r.json.role, 'community');
    assert.equal(r.json.community_id, ids.community);
    r = await call('GET', '/api/v1/me');
    assertError(r, 401, 'unauthenticated');

    const o = await submit();
    const before = await snapshot(o.id);
    r = await call('POST', `/api/v1/orders/${o.id}/dispatch`, { cookie: s.cookie, body: { department_id: ids.kx } });
    assertError(r, 403, 'csrf_failed');
    await assertUnchanged(o.id, before, 'cookie POST without X-CSRF-Token');
    r = await call('POST', `/api/v1/orders/${o.id}/dispatch`, { cookie: s.cookie, csrf: `${s.csrf}x`, body: { department_id: ids.kx } });
    assertError(r, 403, 'csrf_failed');
    await assertUnchanged(o.id, before, 'cookie POST with a wrong X-CSRF-Token');
    r = await call('POST', `/api/v1/orders/${o.id}/dispatch`, { cookie: s.cookie, csrf: S.community.csrf, body: { department_id: ids.kx } });
    assertError(r, 403, 'csrf_failed');
    await assertUnchanged(o.id, before, "cookie POST with another session's X-CSRF-Token");
    r = await call('POST', `/api/v1/orders/${o.id}/dispatch`, { cookie: s.cookie, csrf: s.csrf, body: { department_id: ids.kx } });
    assertOk(r, 'cookie POST with X-CSRF-Token');
    assert.equal(r.json.state, 'dispatched');
    const after = await snapshot(o.id);
    assert.equal(after.state, 'dispatched');
    assert.equal(after.events, before.events + 1);
    // The detail's actions over the cookie, too.
    r = await call('GET', `/api/v1/orders/${o.id}`, { cookie: s.cookie });
    assertActions(r, [], 'community on dispatched (cookie)');

    // Log out with the cookie (needs the CSRF token as well); the cookie is then worthless.
    r = await call('DELETE', '/api/v1/sessions/current', { cookie: s.cookie });
    assertError(r, 403, 'csrf_failed');
    assertOk(await call('GET', '/api/v1/me', { cookie: s.cookie }), 'still logged in after a refused logout');
    r = await call('DELETE', '/api/v1/sessions/current', { cookie: s.cookie, csrf: s.csrf });
    assert.equal(r.status, 204, r.text);
    assertError(await call('GET', '/api/v1/me', { cookie: s.cookie }), 401, 'unauthenticated');
    assertError(await call('GET', '/api/v1/me', { token: s.token }), 401, 'unauthenticated');
  });

  test('9. list filters and pagination', async () => {
    const C = ids.listCommunity;
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await submit({ community_id: C }));
    // One of them dispatched, so the state filter has something to tell apart.
    let r = await act('listCommunity', mine[2].id, 'dispatch', { department_id: ids.kx });
    assertOk(r, 'dispatch by the list community');
    const inC = (await h.sql(`SELECT id FROM orders WHERE community_id = ${C} ORDER BY id DESC`)).split('\n').map(Number);
    const submittedInC = (await h.sql(`SELECT id FROM orders WHERE community_id = ${C} AND state = 'submitted' ORDER BY id DESC`))
      .split('\n').filter(Boolean).map(Number);
    const dispatchedInC = (await h.sql(`SELECT id FROM orders WHERE community_id = ${C} AND state = 'dispatched' ORDER BY id DESC`))
      .split('\n').filter(Boolean).map(Number);
    assert.ok(inC.length >= 5);
    assert.ok(dispatchedInC.includes(mine[2].id));

    /** Every page of a list, checking each page's shape; returns the ids in order. */
    async function walk(who, query, limit) {
      const got = [];
      let cursor = null;
      for (let page = 0; page < 1000; page++) {
        const q = `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await call('GET', `/api/v1/orders?${q}`, { token: as(who) });
        assertOk(res, `list ${q}`);
        assert.ok(Array.isArray(res.json.items));
        assert.ok('next_cursor' in res.json, 'next_cursor is always there');
        got.push(...res.json.items.map((x) => x.id));
        for (const x of res.json.items) assert.ok(typeof x.state === 'string' && x.work_no && !('tracking_code' in x), 'items are orders, named by work-order number');
        if (res.json.next_cursor === null) {
          assert.ok(res.json.items.length <= limit);
          return { ids: got, pages: page + 1, items: null };
        }
        assert.equal(typeof res.json.next_cursor, 'string');
        assert.equal(res.json.items.length, limit, 'a page with a next cursor is full');
        cursor = res.json.next_cursor;
      }
      throw new Error('more than 1000 pages');
    }

    // The community worker of C sees exactly C's orders, newest first, across pages of two.
    let w = await walk('listCommunity', '', 2);
    assert.deepEqual(w.ids, inC, 'the worker of C sees exactly its orders, newest first');
    assert.equal(new Set(w.ids).size, w.ids.length, 'no duplicates across pages');
    assert.equal(w.pages, Math.ceil(inC.length / 2), 'pages of two: no empty last page');
    // State filter.
    w = await walk('listCommunity', 'state=submitted', 2);
    assert.deepEqual(w.ids, submittedInC, 'state=submitted');
    w = await walk('listCommunity', 'state=dispatched', 2);
    assert.deepEqual(w.ids, dispatchedInC, 'state=dispatched');
    r = await call('GET', `/api/v1/orders?state=dispatched&limit=100`, { token: as('listCommunity') });
    for (const x of r.json.items) {
      assert.equal(x.state, 'dispatched');
      assert.equal(x.community_id, C);
      assert.match(x.contact_phone, /^\d{11}$/, 'the community sees full phones in its list');
    }
    // The admin with a community filter: the same set; combined with state.
    w = await walk('admin', `community_id=${C}`, 2);
    assert.deepEqual(w.ids, inC, 'admin community_id filter');
    w = await walk('admin', `community_id=${C}&state=dispatched`, 3);
    assert.deepEqual(w.ids, dispatchedInC, 'admin community_id + state');
    r = await call('GET', `/api/v1/orders?community_id=${C}&limit=100`, { token: as('admin') });
    assert.ok(r.json.items.every((x) => x.community_id === C));
    assert.ok(r.json.items.every((x) => x.contact_phone.includes('****')), 'the admin sees phones masked');
    // Another community's worker filtering by C gets nothing (scope first, then filters).
    r = await call('GET', `/api/v1/orders?community_id=${C}&limit=100`, { token: as('otherCommunity') });
    assertOk(r);
    assert.deepEqual(r.json.items, []);
    assert.equal(r.json.next_cursor, null);
    // The department sees the dispatched one, masked.
    r = await call('GET', `/api/v1/orders?community_id=${C}&limit=100`, { token: as('department') });
    assertOk(r);
    const kxInC = (await h.sql(`SELECT id FROM orders WHERE community_id = ${C} AND department_id = ${ids.kx} ORDER BY id DESC`))
      .split('\n').filter(Boolean).map(Number);
    assert.ok(kxInC.includes(mine[2].id));
    assert.deepEqual(r.json.items.map((x) => x.id), kxInC, 'the department sees what was dispatched to it');
    for (const x of r.json.items) assert.equal(x.contact_phone.includes('****'), true);
    // An exact page boundary: limit = count gives one page and next_cursor null.
    r = await call('GET', `/api/v1/orders?community_id=${C}&limit=${Math.min(100, inC.length)}`, { token: as('admin') });
    if (inC.length <= 100) {
      assert.equal(r.json.items.length, inC.length);
      assert.equal(r.json.next_cursor, null, 'no next page when everything fit');
    }

    // Bad parameters.
    assertError(await call('GET', '/api/v1/orders?state=bogus', { token: as('admin') }), 422, 'validation_failed', 'state');
    assertError(await call('GET', '/api/v1/orders?limit=0', { token: as('admin') }), 422, 'validation_failed', 'limit');
    assertError(await call('GET', '/api/v1/orders?limit=101', { token: as('admin') }), 422, 'validation_failed', 'limit');
    assertError(await call('GET', '/api/v1/orders?limit=-1', { token: as('admin') }), 422, 'validation_failed', 'limit');
    assertError(await call('GET', '/api/v1/orders?limit=abc', { token: as('admin') }), 422, 'validation_failed', 'limit');
    assertError(await call('GET', '/api/v1/orders?cursor=garbage', { token: as('admin') }), 422, 'validation_failed', 'cursor');
    assertError(await call('GET', '/api/v1/orders?community_id=abc', { token: as('admin') }), 422, 'validation_failed', 'community_id');
    assertError(await call('GET', '/api/v1/orders?overdue=maybe', { token: as('admin') }), 422, 'validation_failed', 'overdue');
    r = await call('GET', '/api/v1/orders?limit=100', { token: as('admin') });
    assertOk(r, 'limit=100 is allowed');
    assert.ok(r.json.items.length <= 100);
    assertError(await call('GET', '/api/v1/orders'), 401, 'unauthenticated');
  });

  test('10. audit: verify passes, a tampered row is named, UPDATE/DELETE/TRUNCATE are refused', async () => {
    // Make sure there is a finished journey to look at even if test 1 failed early.
    let orderId = ids.journeyOrder;
    if (!orderId) {
      const o = await submit();
      await advance(o.id, 'confirm');
      orderId = o.id;
    }
    const events = Number(await h.sql('SELECT count(*) FROM order_events'));
    const mine = Number(await h.sql(`SELECT count(*) FROM order_events WHERE order_id = ${orderId}`));
    let v = await auditVerify(orderId);
    assert.equal(v.code, 0, `audit verify exits 0: ${v.stdout}${v.stderr}`);
    assert.match(v.stdout, new RegExp(`^audit chain intact: ${mine} events in 1 orders(;|$)`, 'm'));

    // Plain changes are refused by the database, even to its owner.
    const [evId, seq, action, note] = (await h.sql(`SELECT id || '|' || seq || '|' || action || '|' || note FROM order_events
      WHERE order_id = ${orderId} AND action = 'dispatch'`)).split('|');
    await assert.rejects(h.sql(`UPDATE order_events SET note = 'x' WHERE id = ${evId}`), /append-only|not allowed/);
    await assert.rejects(h.sql(`DELETE FROM order_events WHERE id = ${evId}`), /append-only|not allowed/);
    await assert.rejects(h.sql('TRUNCATE order_events CASCADE'), /append-only|not allowed/);
    await assert.rejects(h.sql(`UPDATE order_events SET hash = prev_hash WHERE order_id = ${orderId}`), /append-only|not allowed/);
    assert.equal(Number(await h.sql('SELECT count(*) FROM order_events')), events, 'nothing deleted');
    assert.equal(await h.sql(`SELECT note FROM order_events WHERE id = ${evId}`), note, 'nothing changed');
    // Verified service hours are frozen too.
    if (Number(await h.sql(`SELECT count(*) FROM service_records WHERE order_id = ${orderId} AND status = 'verified'`)) > 0) {
      await assert.rejects(h.sql(`UPDATE service_records SET hours = 9 WHERE order_id = ${orderId}`), /verified|not allowed/);
      await assert.rejects(h.sql(`DELETE FROM service_records WHERE order_id = ${orderId}`), /verified|not allowed/);
    }

    // Tamper with one row as the owner, by switching the guard off, and put it back afterwards.
    const setNote = (text) => h.sql(
      'ALTER TABLE order_events DISABLE TRIGGER order_events_no_update; ' +
      `UPDATE order_events SET note = ${h.lit(text)} WHERE id = ${evId}; ` +
      'ALTER TABLE order_events ENABLE TRIGGER order_events_no_update;');
    await setNote(`${note}x`);
    try {
      assert.equal(await h.sql(`SELECT note FROM order_events WHERE id = ${evId}`), `${note}x`);
      v = await auditVerify(orderId);
      assert.equal(v.code, 1, `audit verify exits 1 after tampering: ${v.stdout}${v.stderr}`);
      assert.match(v.stdout, new RegExp(`^BROKEN: event id ${evId} \\(order ${orderId}, seq ${seq}, action ${action}\\): `, 'm'));
      assert.doesNotMatch(v.stdout, /audit chain intact/);
      // The guard is back on.
      await assert.rejects(h.sql(`UPDATE order_events SET note = 'y' WHERE id = ${evId}`), /append-only|not allowed/);
    } finally {
      await setNote(note);
    }
    v = await auditVerify(orderId);
    assert.equal(v.code, 0, `audit verify passes again once the row is restored: ${v.stdout}${v.stderr}`);
    assert.match(v.stdout, /^audit chain intact: \d+ events in \d+ orders(;|$)/m);
  });
});
