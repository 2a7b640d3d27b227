// Issue 9 (trust): each attack a stranger, a team or someone with database access tried, refused.
//   - the stranger with the tracking code and the phone tail cannot cancel or rate; the resident key can;
//   - the tracking view shows no phone digits, no name, no staff notes;
//   - teams never see the tracking code, and cannot rate their own work;
//   - a community worker acts on the resident's behalf, and the audit event says so;
//   - without JavaScript the key travels in the link's query and the page's forms;
//   - hours, records and ratings are in the chain: tampering as the database superuser is named.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';


const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';

let srv;
const S = {};
const ids = {};

async function login(username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password }, timeout: 120000 });
  assert.equal(r.status, 201, `login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  return { token: r.json.token, user: r.json.user };
}

function call(method, path, { who, body, headers = {} } = {}) {
  const hd = { ...headers };
  if (who) hd.authorization = `Bearer ${S[who].token}`;
  return srv.http(method, path, { body, headers: hd });
}

const act = (who, id, action, body) => call('POST', `/api/v1/orders/${id}/${action}`, { who, body });

async function submit(over = {}) {
  const body = {
    community_id: ids.community, category_id: ids.category, description: h.uniq('trust'),
    contact_name: '赵阿姨', contact_phone: h.randomPhone(), address: '历市镇 示例路 3 号', ...over,
  };
  const r = await srv.http('POST', '/api/v1/orders', { body });
  assert.equal(r.status, 201, r.text);
  return { ...r.json, phone: body.contact_phone };
}

async function ok(r, what) {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r;
}

/** Dispatch … complete (hours for the demo team's first two members), optionally confirm. */
async function serve(id, { confirm = true } = {}) {
  await ok(await act('community', id, 'dispatch', { department_id: ids.kx, note: '内部备注：家里有狗' }), 'dispatch');
  await ok(await act('department', id, 'claim'), 'claim');
  await ok(await act('department', id, 'offer', { team_ids: [ids.team] }), 'offer');
  await ok(await act('team', id, 'accept'), 'accept');
  await ok(await act('team', id, 'start'), 'start');
  await ok(await act('team', id, 'complete', {
    summary: '队内小结',
    hours: [{ volunteer_id: ids.members[0], hours: 2.5 }, { volunteer_id: ids.members[1], hours: '1.25' }],
  }), 'complete');
  if (confirm) await ok(await act('community', id, 'confirm'), 'confirm');
}

const KEYS = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-checkpoint-'));
const KEY_ARGS = ['--checkpoint-key-file', path.join(KEYS, 'checkpoint.key'), '--checkpoint-dir', path.join(KEYS, 'out')];

function auditVerify(args = []) {
  return new Promise((resolve) => {
    execFile(h.bin(), ['audit', 'verify', ...args, '--database-url', h.dbUrl()], { timeout: 120000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

/** The verify lines that name this order (its chain only: other files' orders are theirs to judge). */
async function brokenLinesFor(orderId, args = []) {
  const v = await auditVerify([...args, '--order', String(orderId)]);
  return v.stdout.split('\n').filter((l) => l.includes(`order ${orderId} (`) || l.includes(`order ${orderId},`));
}

/** Runs SQL as the database superuser with the guards switched off for the statement. */
function asSuperuser(statements) {
  return h.sql(`BEGIN; SET LOCAL session_replication_role = replica; ${statements}; COMMIT;`);
}

describe('trust', () => {
  before(async () => {
    await h.loadDemo();
    srv = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000 });
    for (const name of ['admin', 'community', 'department', 'team']) S[name] = await login(`demo-${name}`);
    ids.community = S.community.user.community_id;
    ids.kx = S.department.user.department_id;
    ids.team = S.team.user.team_id;
    ids.category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.kx}`));
    ids.members = (await h.sql(`SELECT volunteer_id FROM team_members WHERE team_id = ${ids.team} ORDER BY volunteer_id LIMIT 2`))
      .split('\n').map(Number);
  });
  afterEach(() => { if (srv) srv.checkLog(); });
  after(async () => { if (srv) await srv.stop(); });

  test('the submit answers a resident key (≥128 bits, URL-safe), stored only as a hash; a replay returns it again', async () => {
    const key = h.uniq('idem');
    const body = { community_id: ids.community, category_id: ids.category, description: h.uniq('k'), contact_name: '孙', contact_phone: h.randomPhone() };
    const r = await srv.http('POST', '/api/v1/orders', { body, headers: { 'Idempotency-Key': key } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.resident_key, /^[A-Za-z0-9_-]{32}$/, '24 random bytes, base64url');
    const stored = await h.sql(`SELECT encode(resident_key_hash, 'hex') FROM orders WHERE id = ${r.json.id}`);
    assert.equal(stored.length, 64);
    assert.equal(await h.sql(`SELECT count(*) FROM orders WHERE id = ${r.json.id} AND (row_to_json(orders)::text LIKE ${h.lit(`%${r.json.resident_key}%`)})`), '0', 'the key itself is not stored');
    assert.equal(await h.sql(`SELECT count(*) FROM idempotency_keys WHERE key = ${h.lit(key)} AND position(${h.lit(r.json.resident_key)}::bytea IN resident_key_sealed) > 0`), '0', 'not stored in clear beside the idempotency key either');
    const again = await srv.http('POST', '/api/v1/orders', { body, headers: { 'Idempotency-Key': key } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.resident_key, r.json.resident_key, 'the replay hands the same key back');
  });

  test('attack: a stranger with the tracking code and the phone tail cannot cancel; the resident key can', async () => {
    const o = await submit();
    // Before issue 9: {phone_tail} → 200 cancelled. Now the tail is no credential.
    let r = await srv.http('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { phone_tail: o.phone.slice(-4) } });
    assert.equal(r.status, 422, r.text);
    assert.ok(r.json.error.fields.resident_key, 'names resident_key');
    const other = await submit();
    r = await srv.http('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { resident_key: other.resident_key } });
    assert.equal(r.status, 403, 'another order\'s key does not fit');
    assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'submitted');
    r = await srv.http('POST', `/api/v1/track/${o.tracking_code}/cancel`, { body: { resident_key: o.resident_key, reason: '不用了' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'cancelled');
  });

  test('attack: the tracking view shows a stranger no phone digits, no name, no staff notes', async () => {
    const o = await submit({ contact_name: '周建国' });
    await serve(o.id, { confirm: false });
    const r = await srv.http('GET', `/api/v1/track/${o.tracking_code}`);
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes(o.phone.slice(-4)), 'no phone digits');
    assert.ok(!r.text.includes(o.phone.slice(0, 3) + '****'), 'no masked phone either');
    assert.ok(!r.text.includes('周'), 'no name, not even masked');
    assert.ok(!r.text.includes('内部备注'), 'no dispatch note');
    assert.ok(!r.text.includes('队内小结'), 'no team summary');
    assert.ok(!r.text.includes('team_ids='), 'no offer details');
    assert.deepEqual(r.json.events.map((e) => e.action), ['submit', 'dispatch', 'claim', 'offer', 'accept', 'start', 'complete']);
  });

  test('attack: the team never sees the tracking code, and cannot rate its own work', async () => {
    const o = await submit();
    await serve(o.id);
    let r = await call('GET', `/api/v1/orders/${o.id}`, { who: 'team' });
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes(o.tracking_code), 'no tracking code in the team\'s view');
    assert.match(r.json.work_no, /^PD\d{8}$/);
    r = await call('GET', '/api/v1/orders?limit=100', { who: 'team' });
    assert.ok(!r.text.includes(o.tracking_code), 'nor in its list');
    r = await call('GET', `/api/v1/volunteers/${ids.members[0]}/hours`, { who: 'team' });
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes(o.tracking_code), 'nor in a member\'s ledger');
    // Before: the team read the code and posted {phone_tail, rating: 5} on /track/…/evaluation.
    r = await act('team', o.id, 'evaluate', { rating: 5 });
    assert.equal(r.status, 403, r.text);
    r = await srv.http('POST', `/api/v1/track/${o.tracking_code}/evaluation`, { body: { phone_tail: o.phone.slice(-4), rating: 5 } });
    assert.equal(r.status, 422);
    assert.equal(await h.sql(`SELECT count(*) FROM evaluations WHERE order_id = ${o.id}`), '0');
    r = await srv.http('POST', `/api/v1/track/${o.tracking_code}/evaluation`, { body: { resident_key: o.resident_key, rating: 4, comment: '好' } });
    assert.equal(r.status, 200, r.text);
  });

  test('a community worker cancels and rates on the resident\'s behalf; the audit event says so', async () => {
    const o = await submit();
    let r = await act('community', o.id, 'cancel', { reason: '居民电话里说不需要了' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await h.sql(`SELECT actor_role || '|' || payload FROM order_events WHERE order_id = ${o.id} ORDER BY seq DESC LIMIT 1`),
      'community|on_behalf_of=resident');
    const o2 = await submit();
    await serve(o2.id);
    r = await act('community', o2.id, 'evaluate', { rating: 3, comment: '居民口述' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await h.sql(`SELECT actor_role || '|' || payload FROM order_events WHERE order_id = ${o2.id} ORDER BY seq DESC LIMIT 1`),
      'community|rating=3;on_behalf_of=resident');
    r = await act('department', o2.id, 'evaluate', { rating: 5 });
    assert.equal(r.status, 403, 'a department may not');
    // Another community's worker may not act on this order.
    const other = await submit({ community_id: Number(await h.sql(`SELECT id FROM communities WHERE id <> ${ids.community} ORDER BY id LIMIT 1`)) });
    r = await act('community', other.id, 'cancel', {});
    assert.equal(r.status, 403, r.text);
  });

  test('without JavaScript: the link carries the key in its query, the page posts it, the order is cancelled', async () => {
    const form = new URLSearchParams({ community_id: String(ids.community), category_id: String(ids.category),
      description: h.uniq('nojs'), contact_name: '吴', contact_phone: h.randomPhone() }).toString();
    let r = await srv.http('POST', '/api/v1/orders', { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
    assert.equal(r.status, 201);
    const link = /href="(\/form\/track\/([A-Z0-9]{10})\?key=([A-Za-z0-9_-]{32}))"/.exec(r.text);
    assert.ok(link, r.text);
    r = await srv.http('GET', link[1], { headers: { accept: 'text/html' } });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.ok(r.text.includes(`name="resident_key" value="${link[3]}"`), 'the cancel form carries the key');
    assert.ok(r.text.includes('no-referrer'), 'the page passes no referrer');
    r = await srv.http('GET', `/form/track/${link[2]}`, { headers: { accept: 'text/html' } });
    assert.ok(!r.text.includes('name="resident_key"'), 'without the key the page offers no forms');
    const post = new URLSearchParams({ resident_key: link[3], reason: '不用了' }).toString();
    r = await srv.http('POST', `/api/v1/track/${link[2]}/cancel`, { body: post, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.location, link[1]);
    assert.equal(await h.sql(`SELECT state FROM orders WHERE tracking_code = '${link[2]}'`), 'cancelled');
    // The server's log never holds the key.
    assert.ok(!srv.log().includes(link[3]), 'the key is in no log line');
  });

  test('attack: hours changed, a verified record added, one deleted, a rating changed as the superuser: verify names each', async () => {
    const o = await submit();
    await serve(o.id);
    await ok(await srv.http('POST', `/api/v1/track/${o.tracking_code}/evaluation`, { body: { resident_key: o.resident_key, rating: 5 } }), 'rate');
    assert.deepEqual(await brokenLinesFor(o.id), [], 'intact before');
    const rec = await h.sql(`SELECT id FROM service_records WHERE order_id = ${o.id} AND volunteer_id = ${ids.members[0]}`);

    // 1. Hours 2.50 → 24.00 (before issue 9 this passed verify).
    await asSuperuser(`UPDATE service_records SET hours = 24 WHERE id = ${rec}`);
    let lines = await brokenLinesFor(o.id);
    assert.ok(lines.some((l) => /service records changed/.test(l) && l.includes(`${ids.members[0]}:2.50`) && l.includes(`${ids.members[0]}:24.00`)), lines.join('\n'));
    await asSuperuser(`UPDATE service_records SET hours = 2.5 WHERE id = ${rec}`);
    assert.deepEqual(await brokenLinesFor(o.id), [], 'intact once restored');

    // 2. A made-up verified record for a third volunteer.
    const stranger = Number(await h.sql(`SELECT min(id) FROM volunteers WHERE id NOT IN (${ids.members.join(',')})`));
    await asSuperuser(`INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, verified_at)
      VALUES (${o.id}, ${stranger}, ${ids.team}, 8, 'verified', now())`);
    lines = await brokenLinesFor(o.id);
    assert.ok(lines.some((l) => l.includes(`${stranger}:8.00`)), lines.join('\n'));
    await asSuperuser(`DELETE FROM service_records WHERE order_id = ${o.id} AND volunteer_id = ${stranger}`);

    // 3. A record deleted.
    const saved = await h.sql(`SELECT row_to_json(s)::text FROM service_records s WHERE id = ${rec}`);
    await asSuperuser(`DELETE FROM service_records WHERE id = ${rec}`);
    lines = await brokenLinesFor(o.id);
    assert.ok(lines.some((l) => /deleted/.test(l) && l.includes(`${ids.members[0]}:2.50`)), lines.join('\n'));
    await asSuperuser(`INSERT INTO service_records OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::service_records, ${h.lit(saved)})`);
    assert.deepEqual(await brokenLinesFor(o.id), [], 'intact once restored');

    // 4. The rating changed, and the phone number changed.
    await asSuperuser(`UPDATE evaluations SET rating = 1 WHERE order_id = ${o.id}`);
    await asSuperuser(`UPDATE orders SET contact_phone = '13800000000' WHERE id = ${o.id}`);
    lines = await brokenLinesFor(o.id);
    assert.ok(lines.some((l) => /rating changed/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /contact details changed/.test(l)), lines.join('\n'));
    await asSuperuser(`UPDATE evaluations SET rating = 5 WHERE order_id = ${o.id}; UPDATE orders SET contact_phone = ${h.lit(o.phone)} WHERE id = ${o.id}`);
    assert.deepEqual(await brokenLinesFor(o.id), [], 'intact once restored');
  });

  test('attack: a chain tail cut, an order deleted, a chain rewritten after a signed checkpoint: verify --checkpoint names each', async () => {
    const cut = await submit();
    await ok(await act('community', cut.id, 'dispatch', { department_id: ids.kx }), 'dispatch');
    await ok(await act('department', cut.id, 'claim'), 'claim');
    const gone = await submit();
    const rewritten = await submit({ contact_name: '同名', description: 'same' });
    const twin = await submit({ contact_name: '同名', description: 'same' });
    let cp = await h.runCli(['audit', 'checkpoint', ...KEY_ARGS]);
    const file = cp.stdout.trim();
    assert.ok(fs.existsSync(file), cp.stdout);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^order ${cut.id} 3 [0-9a-f]{64}$`, 'm'));
    for (const o of [cut, gone, rewritten]) assert.deepEqual(await brokenLinesFor(o.id, ['--checkpoint', file, ...KEY_ARGS]), []);

    // 1. The tail cut: the last event deleted and the head set back, consistently.
    await asSuperuser(`DELETE FROM order_events WHERE order_id = ${cut.id} AND seq = 3;
      UPDATE orders SET event_count = 2, state = 'dispatched', last_event_hash = (SELECT hash FROM order_events WHERE order_id = ${cut.id} AND seq = 2) WHERE id = ${cut.id}`);
    // 2. An order deleted with everything it had.
    await asSuperuser(`DELETE FROM order_events WHERE order_id = ${gone.id}; DELETE FROM orders WHERE id = ${gone.id}`);
    // 3. A chain replaced by another valid one (as if recomputed): the twin's chain becomes this order's.
    await asSuperuser(`UPDATE orders SET tracking_code = 'ZZZZZZZZZZ' WHERE id = ${twin.id};
      DELETE FROM order_events WHERE order_id = ${rewritten.id};
      UPDATE orders o SET tracking_code = ${h.lit(twin.tracking_code)}, personal_salt = t.personal_salt, personal_digest = t.personal_digest,
        contact_phone = t.contact_phone, created_at = t.created_at, last_event_hash = t.last_event_hash, event_count = t.event_count
        FROM orders t WHERE t.id = ${twin.id} AND o.id = ${rewritten.id};
      UPDATE order_events SET order_id = ${rewritten.id} WHERE order_id = ${twin.id};
      DELETE FROM orders WHERE id = ${twin.id}`);
    // Without the checkpoint, each of these chains is consistent in itself.
    for (const o of [cut, rewritten]) assert.deepEqual(await brokenLinesFor(o.id), [], `plain verify cannot see it (order ${o.id})`);
    const v = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, new RegExp(`^BROKEN: order ${cut.id} \\(PD\\d+\\): its chain was cut: 2 events now, 3 at the checkpoint$`, 'm'), v.stdout);
    assert.match(v.stdout, new RegExp(`^BROKEN: order ${gone.id} was deleted after the checkpoint`, 'm'), v.stdout);
    assert.match(v.stdout, new RegExp(`^BROKEN: order ${rewritten.id} \\(PD\\d+\\): its chain was rewritten`, 'm'), v.stdout);

    // A checkpoint edited after signing, or signed by another key, is not trusted.
    const forged = path.join(KEYS, 'forged.txt');
    fs.writeFileSync(forged, fs.readFileSync(file, 'utf8').replace(new RegExp(`^order ${gone.id} .*\\n`, 'm'), ''));
    let f = await auditVerify(['--checkpoint', forged, ...KEY_ARGS]);
    assert.match(f.stdout, /signature does not match/);
    // Rotation: a new key signs new checkpoints, the old ones still verify.
    cp = await h.runCli(['audit', 'checkpoint', '--rotate-key', ...KEY_ARGS]);
    assert.ok(fs.readdirSync(KEYS).some((n) => /^checkpoint\.key\.\d{8}T\d{6}Z\.pub$/.test(n)), 'the old public key is kept');
    f = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
    assert.match(f.stdout, /its chain was cut/, 'the old checkpoint still verifies after rotation');
    f = await auditVerify(['--checkpoint', cp.stdout.trim(), ...KEY_ARGS]);
    assert.doesNotMatch(f.stdout, new RegExp(`order ${cut.id} `), 'the new checkpoint takes the chain as it is now');
  });
});
