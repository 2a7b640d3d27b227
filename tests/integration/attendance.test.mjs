// Issue 13, 签到 / 签退: two volunteers sign in and out (one by the team account, one on their own
// phone), a sign-in queued offline counts at the time it was made, the place is kept only coarsely
// and only when given; signing twice or out before in is refused; at completion hours beyond a
// volunteer's signed span need a reason, which the confirming community sees beside span and claim;
// every sign-in and sign-out is an event of the order's audit chain and `paidan audit verify` finds
// one changed or added outside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, uniq, randomPhone, bin, dbUrl } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
const S = {};

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}
const call = (who, method, p, body) => srv.http(method, p, { body, headers: { Authorization: `Bearer ${who.token}` } });
function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

async function brokenLinesFor(orderId) {
  const v = await new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', '--order', String(orderId), '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 },
      (err, stdout) => resolve({ stdout }));
  });
  return v.stdout.split('\n').filter((l) => l.includes(`order ${orderId} (`) || l.includes(`order ${orderId},`));
}

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  for (const who of ['admin', 'community', 'department', 'team', 'volunteer']) S[who] = await login(`demo-${who}`);
});

after(async () => {
  if (srv) await srv.stop();
});

/** An order of the demo team, started (without a check-in code). */
async function startedOrder() {
  const category = Number(await sql(`SELECT min(id) FROM categories WHERE department_id = ${S.department.user.department_id}`));
  const o = ok(await srv.http('POST', '/api/v1/orders', { body: {
    community_id: S.community.user.community_id, category_id: category, description: uniq('签到签退'),
    contact_name: '刘爷爷', contact_phone: randomPhone(),
  } }), 'submit');
  ok(await call(S.community, 'POST', `/api/v1/orders/${o.id}/dispatch`, { department_id: S.department.user.department_id }), 'dispatch');
  ok(await call(S.department, 'POST', `/api/v1/orders/${o.id}/claim`), 'claim');
  ok(await call(S.department, 'POST', `/api/v1/orders/${o.id}/offer`, { team_ids: [S.team.user.team_id] }), 'offer');
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/accept`), 'accept');
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`), 'start');
  return o;
}

test('two volunteers sign in and out; hours beyond the span need a reason; the chain covers it all', async () => {
  const o = await startedOrder();
  const me = S.volunteer.user.volunteer_id;
  // The demo volunteer is a member of the demo team; another member is signed in by the team account.
  const other = Number(await sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${S.team.user.team_id} AND volunteer_id <> ${me}`));
  assert.ok(me && other, 'two members');
  // Accepted three hours ago, so that times before now are after the acceptance.
  await sql(`UPDATE orders SET accepted_at = now() - interval '3 hours' WHERE id = ${o.id}`);
  const now = Date.now();
  const path = `/api/v1/orders/${o.id}/attendance`;

  // The team account signs `other` in, queued offline 2 hours ago on a phone whose clock is 10 minutes slow.
  const slow = -10 * 60000;
  let att = ok(await call(S.team, 'POST', path, { kind: 'in', volunteer_id: other, taken_at: now - 2 * 3600000 + slow, sent_at: now + slow, location: { lat: 25.123456, lng: 114.987654 } }), 'sign in other');
  let row = att.items.find((x) => x.volunteer_id === other);
  assert.equal(row.signed_in, true);
  assert.ok(Math.abs(Date.parse(row.records[0].at) - (now - 2 * 3600000)) < 5000, `counted at the time it was made, by the server's clock (${row.records[0].at})`);
  assert.deepEqual(row.records[0].location, { lat: 25.12, lng: 114.99 }, 'kept to 0.01°');
  // Signing in twice is refused; a volunteer signs only themself.
  let r = await call(S.team, 'POST', path, { kind: 'in', volunteer_id: other, taken_at: now, sent_at: now });
  assert.equal(r.status, 422, r.text);
  assert.ok(r.json.error.fields.kind);
  // The volunteer signs themself in (no place: none is kept), 1 hour ago; out before in is refused.
  r = await call(S.volunteer, 'POST', path, { kind: 'out', taken_at: now, sent_at: now });
  assert.equal(r.status, 422, r.text);
  ok(await call(S.volunteer, 'POST', path, { kind: 'in', volunteer_id: other, taken_at: now - 3600000, sent_at: now }), 'volunteer signs in (themself: volunteer_id is theirs whatever is sent)');
  att = ok(await call(S.volunteer, 'POST', path, { kind: 'out', taken_at: now, sent_at: now }), 'volunteer signs out');
  row = att.items.find((x) => x.volunteer_id === me);
  assert.equal(row.records.length, 2);
  assert.equal(row.records[0].location, null);
  assert.equal(row.span_hours, '1.00');
  att = ok(await call(S.team, 'POST', path, { kind: 'out', volunteer_id: other, taken_at: now, sent_at: now }), 'other signs out');
  assert.equal(att.items.find((x) => x.volunteer_id === other).span_hours, '2.00');
  // A clock an hour and more off is refused; so is a sign-in after the order is done (below).
  r = await call(S.team, 'POST', path, { kind: 'in', volunteer_id: other, taken_at: now + 2 * 3600000, sent_at: now + 2 * 3600000 });
  assert.equal(r.status, 422, r.text);
  assert.match(r.json.error.fields.sent_at, /手机时间/);
  // Only teams and volunteers sign.
  assert.equal((await call(S.admin, 'POST', path, { kind: 'in', volunteer_id: me, taken_at: now, sent_at: now })).status, 403);

  // Completion: 1.25 h for the volunteer (within 1 h + 30 min), 4 h for the other (2 h signed): a reason is needed.
  const complete = (reason) => call(S.team, 'POST', `/api/v1/orders/${o.id}/complete`, { summary: '上门讲解智能手机', hours: [
    { volunteer_id: me, hours: '1.25' }, { volunteer_id: other, hours: 4, ...(reason ? { reason } : {}) }] });
  r = await complete(null);
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(Object.keys(r.json.error.fields), [`reason.${other}`]);
  assert.match(r.json.error.fields[`reason.${other}`], /超出签到时段 2\.00 小时/);
  assert.equal(await sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'in_progress');
  ok(await complete('路上接送老人往返两小时'), 'complete with a reason');
  // The confirming community sees span and claim side by side, with the reason.
  att = ok(await call(S.community, 'GET', path), 'community reads the attendance');
  const byId = new Map(att.items.map((x) => [x.volunteer_id, x]));
  assert.equal(byId.get(me).hours_claimed, '1.25');
  assert.equal(byId.get(me).span_hours, '1.00');
  assert.equal(byId.get(other).hours_claimed, '4.00');
  assert.equal(byId.get(other).over_span_reason, '路上接送老人往返两小时');
  // Done: no more signing.
  assert.equal((await call(S.team, 'POST', path, { kind: 'in', volunteer_id: other, taken_at: Date.now(), sent_at: Date.now() })).status, 409);

  // The chain holds every sign-in and sign-out.
  assert.equal(await sql(`SELECT count(*) FROM order_events WHERE order_id = ${o.id} AND action IN ('sign_in', 'sign_out')`), '4');
  assert.deepEqual(await brokenLinesFor(o.id), []);
  // Moved by an hour outside the server (as the owner, guards off): verify names it.
  const move = (by) => sql(`BEGIN; SET LOCAL session_replication_role = replica;
    UPDATE order_attendance SET at = at + interval '${by}' WHERE order_id = ${o.id} AND kind = 'in' AND volunteer_id = ${other}; COMMIT;`);
  await move('-1 hour');
  try {
    const lines = await brokenLinesFor(o.id);
    assert.ok(lines.some((l) => /sign-in or sign-out changed/.test(l)), lines.join('\n'));
  } finally {
    await move('1 hour'); // put back: later files verify the whole database
  }
  assert.deepEqual(await brokenLinesFor(o.id), []);
});

test('the attendance of an order is for those who may see the order; input is checked', async () => {
  const o = await startedOrder();
  const path = `/api/v1/orders/${o.id}/attendance`;
  const other = Number(await sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${S.team.user.team_id}`));
  for (const [body, field] of [
    [{ kind: 'sideways', volunteer_id: other, taken_at: 1, sent_at: 1 }, 'kind'],
    [{ kind: 'in', taken_at: Date.now(), sent_at: Date.now() }, 'volunteer_id'],
    [{ kind: 'in', volunteer_id: other, taken_at: 'now', sent_at: Date.now() }, 'taken_at'],
    [{ kind: 'in', volunteer_id: other, taken_at: Date.now(), sent_at: Date.now(), location: { lat: 91, lng: 0 } }, 'location'],
    [{ kind: 'in', volunteer_id: other, taken_at: Date.now(), sent_at: Date.now(), location: 'home' }, 'location'],
  ]) {
    const r = await call(S.team, 'POST', path, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.error.fields[field], `${field}: ${r.text}`);
  }
  // Before the acceptance: refused.
  const r = await call(S.team, 'POST', path, { kind: 'in', volunteer_id: other, taken_at: Date.now() - 86400000, sent_at: Date.now() });
  assert.equal(r.status, 422, r.text);
  assert.equal((await call(S.department, 'GET', path)).status, 200, 'the department sees its order');
  assert.equal((await srv.http('GET', path)).status, 401);
  assert.equal((await call(S.team, 'GET', '/api/v1/orders/99999999/attendance')).status, 404);
});
