// Issue 13: the check-in code at the resident's door. Once accepted, the resident (and the community's
// console) sees a 6-digit code changing every minute; start with it is verified on site, also when
// queued offline and sent minutes later from a phone with a wrong clock; a wrong or expired code is
// refused in Chinese; start without a code is marked unverified. The note is in the audit chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, uniq, sleep, bin, dbUrl } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
const S = {};

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}

const call = (who, method, p, body) => srv.http(method, p, { body, headers: who ? { Authorization: `Bearer ${who.token}` } : {} });

function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

before(async () => {
  await loadDemo();
  srv = await startServer();
  for (let i = 0; i < 100 && (await srv.http('GET', '/readyz')).status !== 200; i++) await sleep(200);
  for (const who of ['admin', 'community', 'department', 'team']) S[who] = await login(`demo-${who}`);
});

after(async () => {
  if (srv) await srv.stop();
});

/** The resident's code, shown with the key the submit gave them. */
const residentCode = (o, key = o.resident_key) => srv.http('GET', `/api/v1/track/${o.tracking_code}/checkin`, { headers: key ? { 'X-Resident-Key': key } : {} });

/** An order accepted by the demo team. */
async function acceptedOrder() {
  const category = Number(await sql(`SELECT min(id) FROM categories WHERE department_id = ${S.department.user.department_id}`));
  const o = ok(await srv.http('POST', '/api/v1/orders', { body: {
    community_id: S.community.user.community_id, category_id: category, description: uniq('签到'),
    contact_name: '周大爷', contact_phone: `136${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
  } }), 'submit');
  ok(await call(S.community, 'POST', `/api/v1/orders/${o.id}/dispatch`, { department_id: S.department.user.department_id }), 'dispatch');
  ok(await call(S.department, 'POST', `/api/v1/orders/${o.id}/claim`), 'claim');
  // Before acceptance there is no code.
  assert.equal((await residentCode(o)).status, 409);
  ok(await call(S.department, 'POST', `/api/v1/orders/${o.id}/offer`, { team_ids: [S.team.user.team_id] }), 'offer');
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/accept`), 'accept');
  return o;
}

/** The code of the order's secret at a time, computed here independently (HOTP over HMAC-SHA-256, 60 s steps). */
async function codeAt(orderId, ms) {
  const secret = Buffer.from(await sql(`SELECT encode(secret, 'hex') FROM order_checkin_secrets WHERE order_id = ${orderId}`), 'hex');
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 60000)));
  const mac = crypto.createHmac('sha256', secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/** The lines of `paidan audit verify` that name this order (other files' orders may be made by hand). */
async function brokenLinesFor(orderId) {
  const v = await new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', '--order', String(orderId), '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 },
      (err, stdout) => resolve({ stdout }));
  });
  return v.stdout.split('\n').filter((l) => l.includes(`order ${orderId} (`) || l.includes(`order ${orderId},`));
}

const startNote = async (orderId) => sql(`SELECT note FROM order_events WHERE order_id = ${orderId} AND action = 'start'`);

test('the resident sees the code; start with it is verified on site and the note is in the audit chain', async () => {
  const o = await acceptedOrder();
  // The tracking code alone (it may have been shared) does not show the code: the resident's key does.
  let r = await residentCode(o, null);
  assert.equal(r.status, 422, r.text);
  assert.ok(r.json.error.fields.resident_key);
  r = await residentCode(o, 'A'.repeat(32));
  assert.equal(r.status, 403, r.text);
  const shown = ok(await residentCode(o), 'resident code');
  assert.match(shown.code, /^\d{6}$/);
  assert.equal(shown.step_seconds, 60);
  assert.ok(shown.qr_svg.startsWith('<svg '));
  assert.equal(shown.code, await codeAt(o.id, Date.now()), 'the code of this minute');
  // The community's console shows the same code for a resident without a phone; another community may not.
  const console_ = ok(await call(S.community, 'GET', `/api/v1/orders/${o.id}/checkin-code`), 'console code');
  assert.equal(console_.code, shown.code);
  assert.equal((await call(S.team, 'GET', `/api/v1/orders/${o.id}/checkin-code`)).status, 403);

  // A wrong code is refused, in Chinese, and the order does not move.
  const wrongCode = shown.code === '000000' ? '000001' : '000000';
  const wrong = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code: wrongCode, taken_at: Date.now(), sent_at: Date.now() } });
  assert.equal(wrong.status, 422, wrong.text);
  assert.match(wrong.json.error.fields.checkin, /签到码不正确或已过期/);
  assert.equal(await sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'accepted');
  const malformed = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code: '12ab56' } });
  assert.equal(malformed.status, 422);

  const now = Date.now();
  const started = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code: await codeAt(o.id, now), taken_at: now, sent_at: now } });
  assert.equal(started.status, 200, started.text);
  assert.match(await startNote(o.id), /^到场核验：已核验（签到码获取于 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  // Started: no code any more.
  assert.equal((await residentCode(o)).status, 409);
  assert.deepEqual(await brokenLinesFor(o.id), [], 'its chain verifies');
});

test('a start queued offline and sent minutes later, from a phone whose clock is off, is still verified; an expired one is not', async () => {
  const o = await acceptedOrder();
  ok(await residentCode(o), 'resident code');
  // Accepted a quarter of an hour ago (no code exists from before the acceptance).
  await sql(`UPDATE orders SET accepted_at = now() - interval '15 minutes' WHERE id = ${o.id}`);
  // Taken 3 minutes ago (by the server's clock); the phone's clock runs 5 minutes fast.
  const takenServer = Date.now() - 3 * 60000;
  const code = await codeAt(o.id, takenServer);
  const fast = 5 * 60000;
  // Claimed as taken just now, the 3-minute-old code has expired.
  const expired = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code, taken_at: Date.now() + fast, sent_at: Date.now() + fast } });
  assert.equal(expired.status, 422);
  assert.match(expired.json.error.message, /签到码/);
  const queued = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code, taken_at: takenServer + fast, sent_at: Date.now() + fast } });
  assert.equal(queued.status, 200, queued.text);
  const note = await startNote(o.id);
  assert.match(note, /已核验/);
  const at = Date.parse(/获取于 (\S+?Z)/.exec(note)[1]);
  assert.ok(Math.abs(at - takenServer) < 5000, `recorded as taken at the server's time it was taken (${note})`);
});

test('start without a code is allowed and marked unverified', async () => {
  const o = await acceptedOrder();
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`), 'start');
  assert.equal(await startNote(o.id), '到场核验：未核验（开始服务时没有签到码）');
  // A code for an order whose resident never opened it: there is no secret, so any code is wrong.
  const o2 = await acceptedOrder();
  const r = await call(S.team, 'POST', `/api/v1/orders/${o2.id}/start`, { checkin: { code: '123456', taken_at: Date.now(), sent_at: Date.now() } });
  assert.equal(r.status, 422);
});

test('six digits cannot be guessed: after five wrong codes an order takes none, and may still start unverified', async () => {
  const o = await acceptedOrder();
  const shown = ok(await residentCode(o), 'resident code');
  const now = Date.now();
  for (let i = 0; i < 5; i++) {
    const guess = String((Number(shown.code) + 1 + i) % 1000000).padStart(6, '0');
    const r = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code: guess, taken_at: now, sent_at: now } });
    assert.equal(r.status, 422, r.text);
  }
  assert.equal(await sql(`SELECT count(*) FROM order_checkin_failures WHERE order_id = ${o.id}`), '5');
  const right = await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`, { checkin: { code: await codeAt(o.id, Date.now()), taken_at: Date.now(), sent_at: Date.now() } });
  assert.equal(right.status, 422, 'even the right code is no longer taken');
  assert.match(right.json.error.fields.checkin, /输错多次/);
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`), 'start without a code');
  assert.match(await startNote(o.id), /未核验/);
});
