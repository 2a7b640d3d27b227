// Issue 9 (trust), the chains beyond the orders' own:
//   - the admin chain: accounts made, disabled, passwords changed or reset, hours corrections each
//     append an event in the same statement; tampering as the database superuser (a role changed, a
//     password hash replaced, an account or a correction added, an event edited or deleted) is named
//     by `paidan audit verify`; with a signed checkpoint, a cut or recomputed admin chain too;
//   - the server writes signed checkpoints by itself (here every second), one per interval;
//   - a community worker erases a resident's personal data early, on request; the chain verifies.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const KEYS = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-chains-'));
const KEY_ARGS = ['--checkpoint-key-file', path.join(KEYS, 'checkpoint.key'), '--checkpoint-dir', path.join(KEYS, 'out')];

let srv;
const S = {};
const ids = {};

async function login(username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password }, timeout: 120000 });
  assert.equal(r.status, 201, `login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  return { token: r.json.token, user: r.json.user };
}

function call(method, p, who, body) {
  return srv.http(method, p, { body, headers: { authorization: `Bearer ${(typeof who === 'string' ? S[who] : who).token}` } });
}

function auditVerify(args = []) {
  return new Promise((resolve) => {
    execFile(h.bin(), ['audit', 'verify', ...args, '--database-url', h.dbUrl()], { timeout: 120000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

/** The verify lines about the admin chain, accounts and corrections (not the orders' chains). */
async function adminLines(args = []) {
  const v = await auditVerify(args);
  assert.ok(v.code === 0 || v.code === 1, `verify ran: ${v.code} ${v.stderr}`);
  return v.stdout.split('\n').filter((l) => /^BROKEN: (the admin chain|admin chain|account |hours correction )/.test(l));
}

/** Lines in now that were not in before. */
const added = (before, now) => now.filter((l) => !before.includes(l));

function asSuperuser(statements) {
  return h.sql(`BEGIN; SET LOCAL session_replication_role = replica; ${statements}; COMMIT;`);
}

async function newAccount(role, scope) {
  const username = h.uniq(`ch-${role}`).replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
  const r = await call('POST', '/api/v1/users', 'admin', { username, password: 'chains-pw-1', display_name: '链', role, ...scope });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.id, username };
}

const lastAdminEvent = async () => {
  const [seq, actor, role, action, target] = (await h.sql(
    'SELECT seq, COALESCE(actor_user_id, 0), actor_role, action, target FROM admin_events ORDER BY seq DESC LIMIT 1')).split('|');
  return { seq: Number(seq), actor: Number(actor), role, action, target };
};

async function submit(over = {}) {
  const body = { community_id: ids.community, category_id: ids.category, description: h.uniq('chains'),
    contact_name: '钱阿姨', contact_phone: h.randomPhone(), address: '历市镇 示例路 9 号', ...over };
  const r = await srv.http('POST', '/api/v1/orders', { body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function closeOrder(id) {
  const steps = [['community', 'dispatch', { department_id: ids.kx }], ['department', 'claim'],
    ['department', 'offer', { team_ids: [ids.team] }], ['team', 'accept'], ['team', 'start'],
    ['team', 'complete', { summary: '好', hours: [{ volunteer_id: ids.member, hours: 2 }] }], ['community', 'confirm']];
  for (const [who, action, body] of steps) {
    const r = await call('POST', `/api/v1/orders/${id}/${action}`, who, body);
    assert.equal(r.status, 200, `${action}: ${r.text}`);
  }
}

describe('trust: the admin chain, daily checkpoints, early erasure', () => {
  before(async () => {
    await h.loadDemo();
    srv = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000 });
    for (const name of ['admin', 'community', 'department', 'team']) S[name] = await login(`demo-${name}`);
    ids.community = S.community.user.community_id;
    ids.kx = S.department.user.department_id;
    ids.team = S.team.user.team_id;
    ids.category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.kx}`));
    ids.member = Number(await h.sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${ids.team}`));
    // The server records its settings in the admin chain after start: let that happen before counting events.
    const t0 = Date.now();
    while (!/orders_per_address_hour=100000000;.*erase_after_days=730;/.test(await h.sql("SELECT payload FROM admin_events WHERE target = 'settings' ORDER BY seq DESC LIMIT 1"))
      && Date.now() - t0 < 10000) await h.sleep(200);
  });
  afterEach(() => { if (srv) srv.checkLog(); });
  after(async () => { if (srv) await srv.stop(); });

  test('each admin action appends its event in the same statement; the chain verifies', async () => {
    const before = await lastAdminEvent();
    const made = await newAccount('team', { team_id: ids.team });
    let ev = await lastAdminEvent();
    assert.deepEqual([ev.seq, ev.actor, ev.role, ev.action, ev.target],
      [before.seq + 1, S.admin.user.id, 'admin', 'account.create', `user:${made.id}`]);

    let r = await call('POST', `/api/v1/users/${made.id}/password`, 'admin', { new_password: 'chains-pw-2' });
    assert.equal(r.status, 204, r.text);
    ev = await lastAdminEvent();
    assert.deepEqual([ev.action, ev.target, ev.actor], ['account.password_reset', `user:${made.id}`, S.admin.user.id]);

    const own = await login(made.username, 'chains-pw-2');
    r = await call('POST', '/api/v1/me/password', own, { current_password: 'chains-pw-2', new_password: 'chains-pw-3' });
    assert.equal(r.status, 204, r.text);
    ev = await lastAdminEvent();
    assert.deepEqual([ev.action, ev.actor, ev.role], ['account.password_change', made.id, 'team']);

    // Disabled by an admin: its sessions end; setting it again appends nothing; an admin cannot disable themselves.
    const s2 = await login(made.username, 'chains-pw-3');
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { disabled: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.disabled, true);
    assert.equal((await call('GET', '/api/v1/me', s2)).status, 401, 'the disabled account\'s session ended');
    ev = await lastAdminEvent();
    assert.deepEqual([ev.action, ev.target], ['account.disable', `user:${made.id}`]);
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { disabled: true });
    assert.equal(r.status, 200);
    assert.equal((await lastAdminEvent()).seq, ev.seq, 'nothing changed, nothing appended');
    r = await call('PATCH', `/api/v1/users/${S.admin.user.id}`, 'admin', { disabled: true });
    assert.equal(r.status, 422, r.text);
    assert.ok(r.json.error.fields.disabled);
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { disabled: 'no' });
    assert.equal(r.status, 422);
    assert.equal((await call('PATCH', '/api/v1/users/99999999', 'admin', { disabled: true })).status, 404);
    assert.equal((await call('PATCH', `/api/v1/users/${made.id}`, 'community', { disabled: false })).status, 403);
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { disabled: false });
    assert.equal(r.status, 200);
    assert.equal((await lastAdminEvent()).action, 'account.enable');

    // An hours correction is in the admin chain as well as its order's.
    const o = await submit();
    await closeOrder(o.id);
    const rec = Number(await h.sql(`SELECT id FROM service_records WHERE order_id = ${o.id}`));
    r = await call('POST', `/api/v1/service-records/${rec}/corrections`, 'admin', { hours: 1.5, reason: '少算了' });
    assert.equal(r.status, 201, r.text);
    ev = await lastAdminEvent();
    assert.equal(ev.action, 'hours.correct');
    assert.match(ev.target, /^service_record:\d+$/);

    // The server's role cannot change or delete the chain.
    const asApp = await new Promise((resolve) => execFile('psql', [h.appDbUrl(), '-AtX', '-c', 'DELETE FROM admin_events'],
      (err, stdout, stderr) => resolve(stderr)));
    assert.match(asApp, /permission denied/);

    const lines = await adminLines();
    assert.deepEqual(lines.filter((l) => l.includes(`user:${made.id} `) || l.includes(`service_record:`) && l.includes(ev.target)), [],
      lines.join('\n'));
  });

  test('an account\'s role changed by an admin (PATCH /api/v1/users/{id}): recorded, sessions ended, scope checked, the last admin kept; verify passes, and names a role changed behind the chain\'s back', async () => {
    const made = await newAccount('team', { team_id: ids.team });
    const session = await login(made.username, 'chains-pw-1');
    const before = await lastAdminEvent();

    let r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { role: 'community', community_id: ids.community });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.json.role, r.json.community_id, r.json.team_id], ['community', ids.community, null]);
    let ev = await lastAdminEvent();
    assert.deepEqual([ev.seq, ev.actor, ev.role, ev.action, ev.target],
      [before.seq + 1, S.admin.user.id, 'admin', 'account.role', `user:${made.id}`]);
    assert.match(await h.sql(`SELECT payload FROM admin_events WHERE seq = ${ev.seq}`), new RegExp(`;role=community;community=${ids.community};department=;team=;`));
    assert.equal((await call('GET', '/api/v1/me', session)).status, 401, 'the account\'s sessions ended');
    const again = await login(made.username, 'chains-pw-1');
    assert.equal(again.user.role, 'community');
    assert.equal(again.user.community_id, ids.community);
    assert.deepEqual((await adminLines()).filter((l) => l.includes(`user:${made.id} `)), [], 'verify passes for it');

    // The scope fields must fit the new role; nothing is changed or appended when they do not.
    const refused = async (body, fields, status = 422) => {
      const x = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', body);
      assert.equal(x.status, status, `${JSON.stringify(body)}: ${x.text}`);
      assert.equal(h.errorShapeProblem(x), null);
      if (fields) assert.deepEqual(Object.keys(x.json.error.fields || {}).sort(), fields.sort(), x.text);
    };
    await refused({ role: 'department' }, ['department_id']);
    await refused({ role: 'team', community_id: ids.community }, ['community_id', 'team_id']);
    await refused({ role: 'boss' }, ['role']);
    await refused({ role: 'volunteer', volunteer_id: 'x' }, ['volunteer_id']);
    await refused({ role: 'admin', disabled: true }, ['disabled']);
    await refused({ role: 'community', community_id: 99999999 });
    assert.equal((await lastAdminEvent()).seq, ev.seq, 'nothing appended');
    assert.equal(await h.sql(`SELECT role || '|' || community_id FROM users WHERE id = ${made.id}`), `community|${ids.community}`);
    // The same role and scope again: nothing changes, nothing is appended. Only admins change roles.
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { role: 'community', community_id: ids.community });
    assert.equal(r.status, 200, r.text);
    assert.equal((await lastAdminEvent()).seq, ev.seq);
    assert.equal((await call('PATCH', `/api/v1/users/${made.id}`, 'community', { role: 'admin' })).status, 403);
    assert.equal((await call('PATCH', '/api/v1/users/99999999', 'admin', { role: 'admin' })).status, 404);

    // The last active admin keeps the role: with every other admin disabled, demoting demo-admin is refused.
    const others = (await h.sql(`SELECT string_agg(id::text, ',') FROM users WHERE role = 'admin' AND NOT disabled AND id <> ${S.admin.user.id}`)) || '';
    if (others) await asSuperuser(`UPDATE users SET disabled = true WHERE id IN (${others})`);
    try {
      r = await call('PATCH', `/api/v1/users/${S.admin.user.id}`, 'admin', { role: 'community', community_id: ids.community });
      assert.equal(r.status, 409, r.text);
      assert.equal(h.errorShapeProblem(r), null);
      assert.ok(r.json.error.fields.role);
      assert.equal(await h.sql(`SELECT role FROM users WHERE id = ${S.admin.user.id}`), 'admin');
    } finally {
      if (others) await asSuperuser(`UPDATE users SET disabled = false WHERE id IN (${others})`);
    }
    assert.equal((await call('GET', '/api/v1/me', 'admin')).status, 200, 'the refused change ended no session');

    // Two admins disabling each other at the same moment, every other admin disabled: exactly one wins.
    const x = await newAccount('admin', {});
    const y = await newAccount('admin', {});
    const [sx, sy] = [await login(x.username, 'chains-pw-1'), await login(y.username, 'chains-pw-1')];
    const rest = (await h.sql(`SELECT string_agg(id::text, ',') FROM users WHERE role = 'admin' AND NOT disabled AND id NOT IN (${x.id}, ${y.id})`)) || '';
    if (rest) await asSuperuser(`UPDATE users SET disabled = true WHERE id IN (${rest})`);
    // Both requests pass their sign-in check, then wait on the admin chain's lock, held here for a moment.
    const holder = spawn('psql', [h.dbUrl(), '-AtX', '-q', '-c',
      'SELECT pg_advisory_lock(7061696461); SELECT pg_sleep(1.5); SELECT pg_advisory_unlock(7061696461);'], { stdio: 'ignore' });
    const held = new Promise((resolve) => holder.on('exit', resolve));
    try {
      const t0 = Date.now();
      while (await h.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = 2766729165") === '0' && Date.now() - t0 < 5000) await h.sleep(20);
      const both = await Promise.all([call('PATCH', `/api/v1/users/${y.id}`, sx, { disabled: true }), call('PATCH', `/api/v1/users/${x.id}`, sy, { disabled: true })]);
      assert.deepEqual(both.map((b) => b.status).sort(), [200, 409], both.map((b) => b.text).join('\n'));
      assert.ok(both.find((b) => b.status === 409).json.error.fields.disabled);
      assert.equal(await h.sql(`SELECT count(*) FROM users WHERE id IN (${x.id}, ${y.id}) AND NOT disabled`), '1');
    } finally {
      await held;
      if (rest) await asSuperuser(`UPDATE users SET disabled = false WHERE id IN (${rest})`);
    }
    for (const who of [x, y]) {
      const d = await call('PATCH', `/api/v1/users/${who.id}`, 'admin', { disabled: true });
      assert.equal(d.status, 200, d.text);
    }

    // Promoted through the API, then changed behind the chain's back: verify names it.
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { role: 'admin' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await lastAdminEvent()).action, 'account.role');
    assert.deepEqual((await adminLines()).filter((l) => l.includes(`user:${made.id} `)), []);
    await asSuperuser(`UPDATE users SET role = 'department', department_id = ${ids.kx} WHERE id = ${made.id}`);
    const lines = (await adminLines()).filter((l) => l.includes(`user:${made.id} `));
    assert.ok(lines.some((l) => l.includes(`account user:${made.id} (${made.username}) was changed outside the admin chain`)
      && /role: the chain says "admin", the table "department"/.test(l)), lines.join('\n'));
    await asSuperuser(`UPDATE users SET role = 'admin', department_id = NULL WHERE id = ${made.id}`);
    assert.deepEqual((await adminLines()).filter((l) => l.includes(`user:${made.id} `)), [], 'holds once put back');
    // Leave no extra admin behind for the other tests.
    r = await call('PATCH', `/api/v1/users/${made.id}`, 'admin', { disabled: true });
    assert.equal(r.status, 200, r.text);
  });

  test('the settings that decide who may do what are in the admin chain once they change', async () => {
    // This file's server started with the harness's limits: its settings are the last recorded.
    const last = () => h.sql("SELECT payload FROM admin_events WHERE target = 'settings' ORDER BY seq DESC LIMIT 1");
    const t0 = Date.now();
    while (!/orders_per_address_hour=100000000/.test(await last()) && Date.now() - t0 < 10000) await h.sleep(200);
    assert.match(await last(), /^trusted_proxy=[^;]*;metrics_allow=[^;]*;public_url=[^;]*;session_hours=\d+;.*;orders_per_address_hour=100000000;.*erase_after_days=730;checkpoint_interval_s=86400$/);
    const count = Number(await h.sql("SELECT count(*) FROM admin_events WHERE target = 'settings'"));
    // Another start with other settings appends one event; the same settings again append none.
    for (const days of ['365', '365']) {
      const s2 = await h.startServer({ mustBeReady: true, readyWait: 30000, env: { PAIDAN_ERASE_AFTER_DAYS: days } });
      const t1 = Date.now();
      while (!/erase_after_days=365;/.test(await last()) && Date.now() - t1 < 10000) await h.sleep(200);
      await h.sleep(1500);
      await s2.stop();
    }
    assert.match(await last(), /erase_after_days=365;/);
    assert.equal(Number(await h.sql("SELECT count(*) FROM admin_events WHERE target = 'settings'")), count + 1);
    const ev = (await h.sql("SELECT actor_role, action FROM admin_events WHERE target = 'settings' ORDER BY seq DESC LIMIT 1")).split('|');
    assert.deepEqual(ev, ['server', 'settings']);
  });

  test('attack: accounts, passwords, corrections and admin events changed as the database superuser: verify names each', async () => {
    const victim = await newAccount('team', { team_id: ids.team });
    const base = await adminLines();

    // 1. A role raised to admin outside the API.
    await asSuperuser(`UPDATE users SET role = 'admin', team_id = NULL WHERE id = ${victim.id}`);
    let now = added(base, await adminLines());
    assert.ok(now.some((l) => l.includes(`account user:${victim.id} (${victim.username}) was changed outside the admin chain`)
      && /role: the chain says "team", the table "admin"/.test(l)), now.join('\n'));
    await asSuperuser(`UPDATE users SET role = 'team', team_id = ${ids.team} WHERE id = ${victim.id}`);

    // 2. A password hash replaced (someone setting their own password for an account).
    const hash = await h.sql(`SELECT password_hash FROM users WHERE id = ${victim.id}`);
    await asSuperuser(`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'demo-admin') WHERE id = ${victim.id}`);
    now = added(base, await adminLines());
    assert.ok(now.some((l) => l.includes(`user:${victim.id} `) && /the password was changed/.test(l)), now.join('\n'));
    await asSuperuser(`UPDATE users SET password_hash = ${h.lit(hash)} WHERE id = ${victim.id}`);

    // 3. An account made with SQL, and one enabled again with SQL.
    const ghost = h.uniq('ghost').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
    await asSuperuser(`INSERT INTO users (username, password_hash, display_name, role) VALUES (${h.lit(ghost)}, 'x', '鬼', 'admin')`);
    now = added(base, await adminLines());
    assert.ok(now.some((l) => new RegExp(`^BROKEN: account user:\\d+ \\(${ghost}\\) was made outside the admin chain`).test(l)), now.join('\n'));
    await asSuperuser(`DELETE FROM users WHERE username = ${h.lit(ghost)}`);

    // 4. A correction added with SQL.
    const o = await submit();
    await closeOrder(o.id);
    const rec = Number(await h.sql(`SELECT id FROM service_records WHERE order_id = ${o.id}`));
    const reason = h.uniq('made-up');
    await asSuperuser(`INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_by, recorded_at, verified_by, verified_at, corrects_id, correction_reason)
      SELECT order_id, volunteer_id, team_id, 24, 'verified', recorded_by, now(), verified_by, now(), id, ${h.lit(reason)} FROM service_records WHERE id = ${rec}`);
    const fake = Number(await h.sql(`SELECT id FROM service_records WHERE correction_reason = ${h.lit(reason)}`));
    now = added(base, await adminLines());
    assert.ok(now.some((l) => l.startsWith(`BROKEN: hours correction service_record:${fake} (volunteer ${ids.member}) was made outside the admin chain`)), now.join('\n'));
    await asSuperuser(`DELETE FROM service_records WHERE id = ${fake}`);

    // 5. An admin event edited, then one deleted (put back afterwards, exactly as it was).
    const ev = await lastAdminEvent();
    const row = await h.sql(`SELECT payload FROM admin_events WHERE seq = ${ev.seq}`);
    await asSuperuser(`UPDATE admin_events SET payload = replace(payload, 'disabled=false', 'disabled=true') WHERE seq = ${ev.seq}`);
    now = added(base, await adminLines());
    assert.ok(now.some((l) => l === `BROKEN: admin chain: event ${ev.seq} (${ev.action} ${ev.target}) was changed after it was written (it no longer matches its hash)`), now.join('\n'));
    await asSuperuser(`UPDATE admin_events SET payload = ${h.lit(row)} WHERE seq = ${ev.seq}`);

    const mid = ev.seq - 1;
    await asSuperuser(`CREATE TABLE chains_test_keep AS SELECT * FROM admin_events WHERE seq = ${mid};
      DELETE FROM admin_events WHERE seq = ${mid}`);
    now = added(base, await adminLines());
    assert.ok(now.includes(`BROKEN: admin chain: events ${mid} to ${mid} are missing (deleted)`), now.join('\n'));
    await asSuperuser('INSERT INTO admin_events SELECT * FROM chains_test_keep; DROP TABLE chains_test_keep');
    assert.deepEqual(added(base, await adminLines()), [], 'intact again once everything is put back');
  });

  test('attack: the admin chain cut or recomputed after a signed checkpoint: verify --checkpoint names each', async () => {
    await newAccount('community', { community_id: ids.community });
    const cp = await h.runCli(['audit', 'checkpoint', ...KEY_ARGS]);
    const file = cp.stdout.trim();
    const head = await lastAdminEvent();
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^admin ${head.seq} [0-9a-f]{64}$`, 'm'));
    let v = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
    assert.doesNotMatch(v.stdout, /the admin chain was/);

    // 1. The tail cut: the last admin event deleted (the account it made deleted with it).
    await asSuperuser(`CREATE TABLE chains_test_tail AS SELECT * FROM admin_events WHERE seq = ${head.seq};
      DELETE FROM admin_events WHERE seq = ${head.seq}`);
    v = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
    assert.match(v.stdout, new RegExp(`^BROKEN: the admin chain was cut: ${head.seq - 1} events now, ${head.seq} at the checkpoint$`, 'm'), v.stdout);

    // 2. Recomputed: another valid event in its place (the trigger links it correctly).
    await h.sql(`INSERT INTO admin_events (actor_role, action, target, payload) SELECT actor_role, action, target, payload FROM chains_test_tail`);
    assert.equal((await lastAdminEvent()).seq, head.seq);
    const plain = await adminLines();
    assert.ok(!plain.some((l) => /admin chain: event/.test(l)), `in itself the recomputed chain is consistent: ${plain.join('\n')}`);
    v = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
    assert.match(v.stdout, new RegExp(`^BROKEN: the admin chain was rewritten: event ${head.seq} is not the one the checkpoint signed$`, 'm'), v.stdout);

    await asSuperuser(`DELETE FROM admin_events WHERE seq = ${head.seq}; INSERT INTO admin_events SELECT * FROM chains_test_tail; DROP TABLE chains_test_tail`);
    v = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
    assert.doesNotMatch(v.stdout, /the admin chain was/, 'holds once put back');
  });

  test('an order loaded without events (as the statistics tests load theirs) has no head to sign: the checkpoint leaves it out, and verify --checkpoint does not call its chain cut', async () => {
    const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    const code = Array.from({ length: 10 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
    const id = Number((await h.sql(`INSERT INTO orders (tracking_code, community_id, category_id, state, description,
        contact_name, contact_phone, last_event_hash)
      VALUES (${h.lit(code)}, ${ids.community}, ${ids.category}, 'submitted', '手写的一单', '李四', '13800001234',
        decode(repeat('00', 32), 'hex')) RETURNING id`)).split('\n').find((l) => /^\d+$/.test(l)));
    assert.ok(id > 0, 'the order was inserted');
    try {
      const cp = await h.runCli(['audit', 'checkpoint', ...KEY_ARGS]);
      const file = cp.stdout.trim();
      const signed = fs.readFileSync(file, 'utf8');
      assert.match(signed, /^order \d+ \d+ [0-9a-f]{64}$/m, 'the other orders are signed');
      assert.doesNotMatch(signed, new RegExp(`^order ${id} `, 'm'), 'an order without its head event is not signed');
      const v = await auditVerify(['--checkpoint', file, ...KEY_ARGS]);
      assert.doesNotMatch(v.stdout, new RegExp(`order ${id}\\b.*(was cut|was rewritten|deleted after the checkpoint)`), v.stdout);
    } finally {
      await h.sql(`DELETE FROM orders WHERE id = ${id}`);
    }
  });

  test('the server writes signed checkpoints by itself, one per interval whatever the workers, off the event loop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-daily-'));
    const key = path.join(dir, 'checkpoint.key');
    const out = path.join(dir, 'out');
    await h.sql('DELETE FROM audit_checkpoint_runs');
    const t0 = Date.now();
    const s2 = await h.startServer({ workers: 2, mustBeReady: true, readyWait: 30000,
      env: { PAIDAN_CHECKPOINT_KEY_FILE: key, PAIDAN_CHECKPOINT_DIR: out, PAIDAN_CHECKPOINT_INTERVAL_S: '2' } });
    try {
      while (!(fs.existsSync(out) && fs.readdirSync(out).length > 0) && Date.now() - t0 < 20000) await h.sleep(100);
      const files = fs.readdirSync(out);
      assert.ok(files.length >= 1, 'a checkpoint was written');
      assert.ok(fs.existsSync(`${key}.pub`), 'the key was made');
      assert.equal(fs.statSync(key).mode & 0o777, 0o600);
      const log = await s2.waitLog(/audit checkpoint written/, 5000);
      assert.match(log, /audit checkpoint written/);
      const file = path.join(out, files[0]);
      assert.match(fs.readFileSync(file, 'utf8'), /^paidan audit checkpoint v1\nmade_at .*\npublic_key [0-9a-f]{64}\n(order \d+ \d+ [0-9a-f]{64}\n)*admin \d+ [0-9a-f]{64}\nsignature [0-9a-f]{128}\n$/);
      const v = await auditVerify(['--checkpoint', file, '--checkpoint-key-file', key]);
      // (Other test files leave orders broken on purpose; the checkpoint's own lines are what counts.)
      assert.doesNotMatch(v.stdout, /chain was (cut|rewritten):|deleted after the checkpoint|not ours|signature does not match/, v.stdout);
      assert.match(v.stdout, /holds: no chain was cut, deleted or rewritten since/);
      // Two workers, a turn every 2 s: over 5 s at most 4 files (one per turn), not one per worker per turn.
      await h.sleep(5000);
      const n = fs.readdirSync(out).length;
      const turns = Math.ceil((Date.now() - t0) / 1900) + 1;
      assert.ok(n <= turns, `${n} checkpoints in ${turns} turns`);
    } finally {
      await s2.stop();
    }
  });

  test('early erasure on the resident\'s request: a community worker erases a finished order\'s personal data; one event; the chain verifies', async () => {
    const o = await submit({ contact_name: '要删的名字', address: '要删的地址' });
    let r = await call('POST', `/api/v1/orders/${o.id}/erasure`, 'community', { reason: '居民电话要求' });
    assert.equal(r.status, 409, `an open order is not erased: ${r.text}`);
    assert.equal(r.json.error.code, 'state_conflict');
    await closeOrder(o.id);
    assert.equal((await call('POST', `/api/v1/orders/${o.id}/erasure`, 'team', { reason: 'x' })).status, 403, 'a team may not');
    assert.equal((await call('POST', `/api/v1/orders/${o.id}/erasure`, 'admin', { reason: 'x' })).status, 403, 'the route is the community\'s');
    r = await call('POST', `/api/v1/orders/${o.id}/erasure`, 'community', {});
    assert.equal(r.status, 422);
    assert.ok(r.json.error.fields.reason);
    // Another community's worker may not.
    const otherCommunity = Number(await h.sql(`SELECT min(id) FROM communities WHERE id <> ${ids.community}`));
    const other = await newAccount('community', { community_id: otherCommunity });
    const otherSession = await login(other.username, 'chains-pw-1');
    r = await call('POST', `/api/v1/orders/${o.id}/erasure`, otherSession, { reason: '不是我们社区的' });
    assert.equal(r.status, 403, r.text);

    const events = Number(await h.sql(`SELECT event_count FROM orders WHERE id = ${o.id}`));
    r = await call('POST', `/api/v1/orders/${o.id}/erasure`, 'community', { reason: '居民电话要求' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.personal_erased_at);
    assert.equal(r.json.state, 'closed');
    const row = (await h.sql(`SELECT contact_name, contact_phone, address, personal_salt IS NULL, resident_key_hash IS NULL, event_count FROM orders WHERE id = ${o.id}`)).split('|');
    assert.deepEqual(row, ['（已删除）', '', '', 't', 't', String(events + 1)]);
    const ev = (await h.sql(`SELECT action, actor_user_id, actor_role, note FROM order_events WHERE order_id = ${o.id} ORDER BY seq DESC LIMIT 1`)).split('|');
    assert.equal(ev[0], 'erase');
    assert.equal(Number(ev[1]), S.community.user.id);
    assert.equal(ev[2], 'community');
    assert.match(ev[3], /resident's request\): 居民电话要求$/);
    r = await call('POST', `/api/v1/orders/${o.id}/erasure`, 'community', { reason: '又一次' });
    assert.equal(r.status, 409, 'once');
    assert.equal(r.json.error.code, 'conflict');
    // The hours stay, and the chain still verifies.
    assert.equal(await h.sql(`SELECT count(*) FROM service_records WHERE order_id = ${o.id}`), '1');
    const v = await auditVerify();
    assert.deepEqual(v.stdout.split('\n').filter((l) => l.includes(`order ${o.id} (`) || l.includes(`order ${o.id},`)), [], v.stdout);
    // The tracking view still answers, with nothing personal.
    const t = await srv.http('GET', `/api/v1/track/${o.tracking_code}`);
    assert.equal(t.status, 200);
    assert.doesNotMatch(t.text, /要删的/);
  });
});
