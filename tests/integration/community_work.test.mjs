// Claim limits, stale work released and disputed hours (issue 14, rules 4 and 5), against two
// processes that each sweep every second:
// - a department past its limit of claimed, not yet offered orders gets 409 limit_reached, also when
//   three claims race for the last place; a team past its limit of accepted, unfinished ones too;
// - a claim never offered past its offer deadline goes back to the community's queue, an acceptance
//   never started past its deadline goes to the other offered teams (or back to the department),
//   one audit event each with two sweepers;
// - the community sends a completed order back with a reason, the team completes again, and only the
//   second hours are confirmed; the chain holds both and still verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, bin, dbUrl, validRefs, orderBody, randomPhone, uniq, sleep } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
let refs;
const who = {};
const ids = {};

async function login(username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

async function act(id, action, role, body = {}) {
  return srv.http('POST', `/api/v1/orders/${id}/${action}`, { body, headers: who[role] });
}

async function ok(r, what) {
  assert.equal(r.status, 200, `${what}: ${r.text}`);
  return r.json;
}

/** A new order of the demo community, moved through steps [[action, role, body], …]. */
async function order(steps = [], tag = 'work') {
  const r = await srv.http('POST', '/api/v1/orders', {
    body: orderBody(refs, { community_id: ids.community, category_id: ids.category, contact_phone: randomPhone(), description: uniq(tag) }),
  });
  assert.equal(r.status, 201, r.text);
  for (const [action, role, body] of steps) await ok(await act(r.json.id, action, role, body), `${action} by ${role}`);
  return r.json;
}

const dispatch = () => ['dispatch', 'community', { department_id: ids.department }];
const claim = () => ['claim', 'department', {}];
const offer = (teams) => ['offer', 'department', { team_ids: teams }];

/** What `paidan audit verify` says of these orders' chains (other files' orders are theirs to judge). */
function verifyOutput(orderIds) {
  return new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', ...orderIds.flatMap((id) => ['--order', String(id)]), '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

before(async () => {
  await loadDemo();
  srv = await startServer({ workers: 2, args: ['--sweep-interval-s', '1'], mustBeReady: true });
  // Each of the two processes gets its pool in its own time: ask until one answers.
  refs = await until('the catalog', () => validRefs(srv).catch(() => null), 20000);
  const n = async (q) => Number(await sql(q));
  ids.community = await n("SELECT community_id FROM users WHERE username = 'demo-community'");
  ids.department = await n("SELECT department_id FROM users WHERE username = 'demo-department'");
  ids.team = await n("SELECT team_id FROM users WHERE username = 'demo-team'");
  ids.volunteer = await n("SELECT volunteer_id FROM users WHERE username = 'demo-volunteer'");
  ids.category = await n(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`);
  who.community = await login('demo-community');
  who.department = await login('demo-department');
  who.team = await login('demo-team');
  who.admin = await login('demo-admin');
  // A second team of the department, with its own account.
  const town = await n(`SELECT town_id FROM communities WHERE id = ${ids.community}`);
  const t2 = await srv.http('POST', '/api/v1/teams', { body: { name: uniq('第二服务队'), department_id: ids.department, town_ids: [town] }, headers: who.admin });
  assert.equal(t2.status, 201, t2.text);
  ids.team2 = t2.json.id;
  const user = uniq('team2');
  const u = await srv.http('POST', '/api/v1/users', { body: { username: user, password: 'team2-password-1', display_name: '第二队', role: 'team', team_id: ids.team2 }, headers: who.admin });
  assert.equal(u.status, 201, u.text);
  who.team2 = await login(user, 'team2-password-1');
});

after(async () => {
  await sql(`UPDATE departments SET claim_limit = NULL; UPDATE teams SET accept_limit = NULL`).catch(() => {});
  if (srv) await srv.stop();
});

const heldClaims = () => sql(`SELECT count(*) FROM orders o WHERE o.department_id = ${ids.department} AND o.state = 'claimed'
  AND NOT EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id)`).then(Number);
const heldAccepts = (team) => sql(`SELECT count(*) FROM orders WHERE team_id = ${team} AND state IN ('accepted', 'in_progress')`).then(Number);

test('a department past its claim limit gets 409 with the reason; offering one frees a place', async () => {
  const a = await order([dispatch()]);
  const b = await order([dispatch()]);
  await sql(`UPDATE departments SET claim_limit = ${(await heldClaims()) + 1} WHERE id = ${ids.department}`);
  await ok(await act(a.id, 'claim', 'department'), 'the last place');
  const refused = await act(b.id, 'claim', 'department');
  assert.equal(refused.status, 409, refused.text);
  assert.equal(refused.json.error.code, 'limit_reached');
  assert.match(refused.json.error.message, /上限/);
  assert.equal(await sql(`SELECT state FROM orders WHERE id = ${b.id}`), 'dispatched', 'nothing changed');
  await ok(await act(a.id, 'offer', 'department', { team_ids: [ids.team] }), 'offer');
  await ok(await act(b.id, 'claim', 'department'), 'a place again once one was offered');
  await ok(await act(b.id, 'offer', 'department', { team_ids: [ids.team] }), 'offer');
  await sql(`UPDATE departments SET claim_limit = NULL WHERE id = ${ids.department}`);
});

test('three claims racing for the last place: exactly one wins', async () => {
  const orders = [await order([dispatch()]), await order([dispatch()]), await order([dispatch()])];
  await sql(`UPDATE departments SET claim_limit = ${(await heldClaims()) + 1} WHERE id = ${ids.department}`);
  const answers = await Promise.all(orders.map((o) => act(o.id, 'claim', 'department')));
  assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409, 409], answers.map((r) => r.text).join('\n'));
  for (const r of answers.filter((x) => x.status === 409)) assert.equal(r.json.error.code, 'limit_reached');
  await sql(`UPDATE departments SET claim_limit = NULL WHERE id = ${ids.department}`);
  for (const [i, r] of answers.entries()) {
    if (r.status !== 200) await ok(await act(orders[i].id, 'claim', 'department'), 'claim once the limit is lifted');
    await ok(await act(orders[i].id, 'offer', 'department', { team_ids: [ids.team2] }), 'offer');
  }
});

test('a team past its accept limit gets 409 with the reason; giving one back frees a place', async () => {
  const a = await order([dispatch(), claim(), offer([ids.team])]);
  const b = await order([dispatch(), claim(), offer([ids.team])]);
  await sql(`UPDATE teams SET accept_limit = ${(await heldAccepts(ids.team)) + 1} WHERE id = ${ids.team}`);
  await ok(await act(a.id, 'accept', 'team'), 'the last place');
  const refused = await act(b.id, 'accept', 'team');
  assert.equal(refused.status, 409, refused.text);
  assert.equal(refused.json.error.code, 'limit_reached');
  assert.equal(await sql(`SELECT state FROM orders WHERE id = ${b.id}`), 'claimed');
  await ok(await act(a.id, 'withdraw', 'team', { reason: '人手不够' }), 'withdraw');
  await ok(await act(b.id, 'accept', 'team'), 'a place again');
  await sql(`UPDATE teams SET accept_limit = NULL WHERE id = ${ids.team}`);
  await ok(await act(b.id, 'withdraw', 'team', { reason: '测试结束' }), 'withdraw');
});

test('the sweep returns a claim never offered to the community, and re-offers an acceptance never started; one event each with two sweepers', async () => {
  const stale = await order([dispatch(), claim()]);
  const fresh = await order([dispatch(), claim()]);
  const lapsed = await order([dispatch(), claim(), offer([ids.team, ids.team2]), ['accept', 'team', {}]]);
  const alone = await order([dispatch(), claim(), offer([ids.team]), ['accept', 'team', {}]]);
  const started = await order([dispatch(), claim(), offer([ids.team]), ['accept', 'team', {}], ['start', 'team', {}]]);
  // Past the offer deadline (county default 24 h after the claim) and the start deadline.
  await sql(`UPDATE orders SET claimed_at = now() - interval '25 hours' WHERE id = ${stale.id}`);
  await sql(`UPDATE orders SET due_at = now() - interval '1 hour' WHERE id IN (${lapsed.id}, ${alone.id}, ${started.id})`);

  await until('the stale claim back with the community', async () => (await sql(`SELECT state FROM orders WHERE id = ${stale.id}`)) === 'submitted');
  await until('the lapsed acceptances released', async () =>
    (await sql(`SELECT count(*) FROM orders WHERE id IN (${lapsed.id}, ${alone.id}) AND state = 'claimed'`)) === '2');
  await sleep(2500); // both processes sweep a few more times
  const events = await sql(`SELECT order_id || ':' || action || ':' || count(*) FROM order_events
    WHERE order_id IN (${[stale, fresh, lapsed, alone, started].map((o) => o.id).join(',')}) AND action LIKE 'expire_%'
    GROUP BY order_id, action ORDER BY order_id`);
  assert.deepEqual(events.split('\n'), [`${stale.id}:expire_claim:1`, `${lapsed.id}:expire_accept:1`, `${alone.id}:expire_accept:1`]);
  assert.equal(await sql(`SELECT state FROM orders WHERE id = ${fresh.id}`), 'claimed', 'a claim within its deadline stays');
  assert.equal(await sql(`SELECT state FROM orders WHERE id = ${started.id}`), 'in_progress', 'started work is not taken away');

  // The stale claim: in the community's queue again, no department, its event by the system.
  const s = await srv.http('GET', `/api/v1/orders/${stale.id}`, { headers: who.community });
  assert.equal(s.json.state, 'submitted');
  assert.equal(s.json.department_id, null);
  assert.ok(s.json.actions.includes('dispatch'), 'the community can dispatch it again');
  const ev = s.json.events.at(-1);
  assert.equal(ev.action, 'expire_claim');
  assert.equal(ev.actor_role ?? ev.actor, 'system');

  // The lapsed acceptance: offered to the other team only, which may accept it; the first may not.
  const l = await srv.http('GET', `/api/v1/orders/${lapsed.id}`, { headers: who.department });
  assert.equal(l.json.team_id, null);
  assert.deepEqual(l.json.offers.map((f) => f.team_id), [ids.team2]);
  assert.equal((await act(lapsed.id, 'accept', 'team')).status, 403, 'the lapsed team is no longer offered it');
  await ok(await act(lapsed.id, 'accept', 'team2'), 'the other offered team accepts');
  // Alone: back with the department, which offers it again.
  const a = await srv.http('GET', `/api/v1/orders/${alone.id}`, { headers: who.department });
  assert.deepEqual(a.json.offers, []);
  assert.ok(a.json.actions.includes('offer'));

  const verify = await verifyOutput([stale.id, lapsed.id, alone.id]);
  for (const o of [stale, lapsed, alone]) {
    const no = await sql(`SELECT work_no FROM orders WHERE id = ${o.id}`);
    assert.ok(!verify.includes(`(${no})`), `the chain of ${no} verifies:\n${verify.slice(0, 2000)}`);
  }
});

test('hours disputed at confirmation: sent back with a reason, completed again, only the new hours confirmed', async () => {
  const o = await order([dispatch(), claim(), offer([ids.team]), ['accept', 'team', {}], ['start', 'team', {}],
    ['complete', 'team', { summary: '教老人用手机。', hours: [{ volunteer_id: ids.volunteer, hours: '6.50' }] }]]);
  const noReason = await act(o.id, 'dispute', 'community', {});
  assert.equal(noReason.status, 422);
  assert.ok(noReason.json.error.fields.reason);
  assert.equal((await act(o.id, 'dispute', 'team', { reason: 'x' })).status, 403, 'only the community sends it back');

  const back = await ok(await act(o.id, 'dispute', 'community', { reason: '服务时长偏多，请核实后重新填写' }), 'dispute');
  assert.equal(back.state, 'in_progress');
  assert.equal(back.reason, '服务时长偏多，请核实后重新填写');
  assert.equal(await sql(`SELECT string_agg(status || ':' || hours, ',') FROM service_records WHERE order_id = ${o.id}`), 'disputed:6.50');
  assert.equal((await act(o.id, 'confirm', 'community')).status, 409, 'nothing to confirm until the team completes again');

  await ok(await act(o.id, 'complete', 'team', { summary: '核实后更正。', hours: [{ volunteer_id: ids.volunteer, hours: '2.00' }] }), 'complete again');
  await ok(await act(o.id, 'confirm', 'community'), 'confirm');
  assert.equal(await sql(`SELECT string_agg(status || ':' || hours, ',' ORDER BY id) FROM service_records WHERE order_id = ${o.id}`),
    'disputed:6.50,verified:2.00');
  const d = await srv.http('GET', `/api/v1/orders/${o.id}`, { headers: who.community });
  assert.deepEqual(d.json.events.map((e) => e.action).slice(-4), ['complete', 'dispute', 'complete', 'confirm'], 'both steps in the chain');
  const dispute = d.json.events.find((e) => e.action === 'dispute');
  assert.equal(dispute.note, '服务时长偏多，请核实后重新填写');
  assert.equal(await sql(`SELECT payload FROM order_events WHERE order_id = ${o.id} AND action = 'dispute'`), `disputed=${ids.volunteer}:6.50`);

  // Only the confirmed hours count.
  const ledger = await srv.http('GET', `/api/v1/volunteers/${ids.volunteer}/hours`, { headers: who.admin });
  assert.equal(ledger.status, 200, ledger.text);
  assert.deepEqual(ledger.json.records.filter((x) => x.order_id === o.id).map((x) => x.hours), ['2.00'], 'the disputed hours are not in the ledger');
  const frozen = await sql(`UPDATE service_records SET status = 'pending' WHERE order_id = ${o.id} AND status = 'disputed'`).catch((e) => e);
  assert.ok(frozen instanceof Error && /disputed service record cannot be changed/.test(frozen.message), 'a disputed record is frozen');

  const verify = await verifyOutput([o.id]);
  assert.ok(!verify.includes(`(${d.json.work_no})`), verify.slice(0, 2000));
  // The table's owner switching the guard off to change the disputed hours: verify names it.
  await sql(`ALTER TABLE service_records DISABLE TRIGGER service_records_guard;
    UPDATE service_records SET hours = 9 WHERE order_id = ${o.id} AND status = 'disputed';
    ALTER TABLE service_records ENABLE TRIGGER service_records_guard`);
  const broken = await verifyOutput([o.id]);
  assert.match(broken, new RegExp(`\\(${d.json.work_no}\\): service records changed.*${ids.volunteer}:6\\.50.*${ids.volunteer}:9\\.00`), 'the first completion names the changed hours');
  await sql(`ALTER TABLE service_records DISABLE TRIGGER service_records_guard;
    UPDATE service_records SET hours = 6.5 WHERE order_id = ${o.id} AND status = 'disputed';
    ALTER TABLE service_records ENABLE TRIGGER service_records_guard`);
});
