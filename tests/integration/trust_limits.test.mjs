// Issue 9 (trust): logins that hold under bursts, and limits for anonymous writes.
//   - 40 parallel wrong guesses: at most the allowed number reach the password hash, the rest 429;
//     the right password sent during the burst is refused too;
//   - a success resets the count;
//   - a stranger guessing from one address does not lock the user out from another; a distributed
//     guess does not lock the user out of an address they logged in from before; one person spraying
//     usernames behind a village's shared address does not lock out the villagers who log in there;
//   - client addresses come from X-Real-IP / X-Forwarded-For only when the peer is a trusted proxy;
//   - the password-hash queue is bounded: 503 with Retry-After at once;
//   - anonymous orders per address per hour and open orders per phone, 429 saying when to retry;
//     a signed-in community worker is not limited per address.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';


const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const USER_PASSWORD = 'trust-limits-pw-1';

async function passwordChecks(srv) {
  const r = await srv.http('GET', '/metrics');
  assert.equal(r.status, 200);
  return Number(/^paidan_password_checks_total (\d+)$/m.exec(r.text)[1]);
}

/** A fresh community account with USER_PASSWORD; returns its username. */
async function makeUser(srv, admin) {
  const username = h.uniq('lim').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
  const community_id = Number(await h.sql('SELECT min(id) FROM communities'));
  const r = await srv.http('POST', '/api/v1/users', {
    headers: { authorization: `Bearer ${admin}` },
    body: { username, password: USER_PASSWORD, display_name: '限流', role: 'community', community_id },
  });
  assert.equal(r.status, 201, r.text);
  return username;
}

/** A login attempt, as if from address (through the trusted proxy); bursts on a loaded machine under
 * ASan take a while, hence the long timeout. */
function loginFrom(srv, username, password, address) {
  const headers = address ? { 'x-real-ip': address } : {};
  return srv.http('POST', '/api/v1/sessions', { body: { username, password }, headers, timeout: 120000 });
}

async function adminToken(srv) {
  const r = await loginFrom(srv, 'demo-admin', PASSWORD);
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

describe('logins under bursts', () => {
  let srv;
  let admin;
  before(async () => {
    await h.loadDemo();
    // The default limits; 127.0.0.1 is a trusted proxy so that tests can speak from other addresses.
    srv = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000, args: ['--trusted-proxy', '127.0.0.1', '--login-max-per-address', '12', '--login-max-per-user', '10'] });
    admin = await adminToken(srv);
  });
  after(async () => { if (srv) await srv.stop(); });

  test('attack: 40 parallel wrong guesses — at most 5 hashed, the rest 429 at once; the right password during the burst refused', async () => {
    const username = await makeUser(srv, admin);
    const before = await passwordChecks(srv);
    const guesses = Array.from({ length: 40 }, (_, i) => loginFrom(srv, username, `wrong-${i}`, '198.51.100.20'));
    guesses.splice(20, 0, loginFrom(srv, username, USER_PASSWORD, '198.51.100.20'));
    const rs = await Promise.all(guesses);
    const checked = (await passwordChecks(srv)) - before;
    const statuses = rs.map((r) => r.status);
    assert.ok(checked <= 5, `at most 5 password checks, got ${checked}`);
    assert.equal(statuses.filter((s) => s === 401 || s === 201).length, checked, `answers that needed a check: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 41 - checked, `the rest are 429: ${statuses}`);
    for (const r of rs.filter((x) => x.status === 429)) {
      assert.equal(r.json.error.code, 'too_many_attempts');
      assert.ok(Number(r.headers['retry-after']) > 0, 'Retry-After');
    }
    assert.notEqual(rs[20].status, 201, 'the right password in the middle of the burst was not let in');
    const after = await loginFrom(srv, username, USER_PASSWORD, '198.51.100.20');
    assert.equal(after.status, 429, 'and not after it either, from that address');
    // The stranger's address is not the user's: from another address the user logs in.
    const elsewhere = await loginFrom(srv, username, USER_PASSWORD, '198.51.100.77');
    assert.equal(elsewhere.status, 201, elsewhere.text);
  });

  test('a success resets the count', async () => {
    const username = await makeUser(srv, admin);
    for (let i = 0; i < 4; i++) assert.equal((await loginFrom(srv, username, 'nope', '203.0.113.5')).status, 401);
    assert.equal((await loginFrom(srv, username, USER_PASSWORD, '203.0.113.5')).status, 201);
    for (let i = 0; i < 4; i++) assert.equal((await loginFrom(srv, username, 'nope', '203.0.113.5')).status, 401, `after the reset, failure ${i + 1} is checked`);
  });

  test('a distributed guess does not lock the user out of an address they logged in from before', async () => {
    const username = await makeUser(srv, admin);
    assert.equal((await loginFrom(srv, username, USER_PASSWORD, '192.0.2.10')).status, 201, 'the user\'s usual place');
    // 12 addresses, 1 guess each: past the per-user limit (10) for addresses not known for this user.
    for (let i = 0; i < 12; i++) await loginFrom(srv, username, 'guess', `203.0.113.${100 + i}`);
    assert.equal((await loginFrom(srv, username, 'guess', '203.0.113.200')).status, 429, 'a new address is refused now');
    assert.equal((await loginFrom(srv, username, USER_PASSWORD, '192.0.2.10')).status, 201, 'the known address still works');
  });

  test('one person spraying usernames behind a village\'s address does not lock out villagers who log in there', async () => {
    const villager = await makeUser(srv, admin);
    assert.equal((await loginFrom(srv, villager, USER_PASSWORD, '192.0.2.99')).status, 201);
    for (let i = 0; i < 14; i++) await loginFrom(srv, `nobody-${i}-${Date.now()}`, 'x-password', '192.0.2.99');
    assert.equal((await loginFrom(srv, `nobody-late-${Date.now()}`, 'x-password', '192.0.2.99')).status, 429, 'the sprayer is stopped');
    assert.equal((await loginFrom(srv, villager, USER_PASSWORD, '192.0.2.99')).status, 201, 'the villager is not');
  });

  test('X-Real-IP from a peer that is not a trusted proxy is ignored', async () => {
    const other = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000, args: ['--login-max-per-address', '1000', '--login-max-per-user', '1000'] });
    try {
      const token = await adminToken(other);
      const username = await makeUser(other, token);
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await loginFrom(other, username, 'nope', `203.0.113.${i + 1}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429], 'one client, whatever it claims');
    } finally {
      await other.stop();
    }
  });

  test('the password-hash queue is bounded: past it, 503 with Retry-After at once', async () => {
    const other = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000, args: ['--password-queue-max', '1'] });
    try {
      const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => loginFrom(other, `queue-${i}-${Date.now()}`, 'whatever-pw')));
      const busy = rs.filter((r) => r.status === 503);
      assert.ok(busy.length > 0, `some refused: ${rs.map((r) => r.status)}`);
      for (const r of busy) {
        assert.equal(r.json.error.code, 'busy');
        assert.equal(r.headers['retry-after'], '1');
      }
      assert.ok(rs.every((r) => r.status === 503 || r.status === 401), `${rs.map((r) => r.status)}`);
    } finally {
      await other.stop();
    }
  });
});

describe('anonymous write limits', () => {
  let srv;
  let refs;
  before(async () => {
    await h.loadDemo();
    // Counts are shared by every server on the test database: speak from an address of our own.
    srv = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000, args: ['--trusted-proxy', '127.0.0.1'], env: { PAIDAN_ORDERS_PER_ADDRESS_HOUR: '3', PAIDAN_OPEN_ORDERS_PER_PHONE: '2' } });
    refs = await h.validRefs(srv);
  });
  after(async () => { if (srv) await srv.stop(); });

  test('attack: a flood of orders from one address gets 429 with a Chinese message saying when; a signed-in worker is not limited', async () => {
    const statuses = [];
    let last;
    const from = { 'x-forwarded-for': `10.9.8.7, 198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` };
    for (let i = 0; i < 5; i++) {
      last = await srv.http('POST', '/api/v1/orders', { headers: from, body: h.orderBody(refs, { contact_phone: h.randomPhone() }) });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
    assert.equal(last.json.error.code, 'too_many_attempts');
    assert.match(last.json.error.message, /请 \d+ 分钟后再试/);
    assert.ok(Number(last.headers['retry-after']) > 0 && Number(last.headers['retry-after']) <= 3600);
    const login = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: PASSWORD } });
    const worker = await srv.http('POST', '/api/v1/orders', {
      headers: { ...from, authorization: `Bearer ${login.json.token}` },
      body: h.orderBody(refs, { community_id: login.json.user.community_id, contact_phone: h.randomPhone() }),
    });
    assert.equal(worker.status, 201, worker.text);
  });

  test('open orders per phone number', async () => {
    const login = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: PASSWORD } });
    const phone = h.randomPhone();
    const post = () => srv.http('POST', '/api/v1/orders', {
      headers: { authorization: `Bearer ${login.json.token}` },
      body: h.orderBody(refs, { community_id: login.json.user.community_id, contact_phone: phone }),
    });
    assert.equal((await post()).status, 201);
    assert.equal((await post()).status, 201);
    const third = await post();
    assert.equal(third.status, 429, third.text);
    assert.match(third.json.error.message, /电话号码/);
  });
});
