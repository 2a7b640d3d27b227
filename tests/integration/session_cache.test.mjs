// The session cache (issue 11): each process keeps who a session belongs to for a few seconds
// (--session-cache-ms), so a signed-in request needs no look-up of its own; a session that ends, a
// user disabled or changed, is dropped at once in every process (announced by the database). Two
// worker processes share the port, so requests on new connections land on both; each test first
// fills both caches, then ends the session (or changes the user) another way and expects every
// process to know within half a second — well inside the 5 s the entry would otherwise live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const USER_PASSWORD = 'cache-test-pw-1';
let srv;
let admin;
let refs;

before(async () => {
  await h.loadDemo();
  srv = await h.startServer({ workers: 2, mustBeReady: true, args: ['--session-cache-ms', '5000'] });
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-admin', password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  admin = r.json.token;
  refs = await h.validRefs(srv);
});

after(async () => {
  if (srv) await srv.stop();
});

async function newUser() {
  const username = h.uniq('cache');
  const r = await srv.http('POST', '/api/v1/users', {
    headers: { authorization: `Bearer ${admin}` },
    body: { username, password: USER_PASSWORD, display_name: '缓存测试', role: 'community', community_id: refs.community_id },
  });
  assert.equal(r.status, 201, r.text);
  const s = await srv.http('POST', '/api/v1/sessions', { body: { username, password: USER_PASSWORD } });
  assert.equal(s.status, 201, s.text);
  return { id: s.json.user.id, token: s.json.token, username };
}

/** 24 GET /me on new connections (so both processes answer some): their statuses and display names. */
async function meEverywhere(token) {
  const rs = await Promise.all(Array.from({ length: 24 }, () =>
    srv.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${token}` } })));
  return { statuses: [...new Set(rs.map((r) => r.status))], names: [...new Set(rs.map((r) => r.json?.display_name))] };
}

async function cached(token) {
  for (let i = 0; i < 3; i++) assert.deepEqual((await meEverywhere(token)).statuses, [200]);
}

test('a session ended by log out is refused by every process at once', async () => {
  const u = await newUser();
  await cached(u.token);
  const out = await srv.http('DELETE', '/api/v1/sessions/current', { headers: { authorization: `Bearer ${u.token}` } });
  assert.equal(out.status, 204, out.text);
  assert.deepEqual((await meEverywhere(u.token)).statuses, [401], 'the process that logged out');
  await h.sleep(500);
  assert.deepEqual((await meEverywhere(u.token)).statuses, [401], 'every process, half a second later');
});

test('a session deleted in the database, a disabled account and a changed user are known in every process at once', async () => {
  const a = await newUser();
  await cached(a.token);
  await h.sql(`DELETE FROM sessions WHERE user_id = ${a.id}`);
  await h.sleep(500);
  assert.deepEqual((await meEverywhere(a.token)).statuses, [401], 'a deleted session');

  const b = await newUser();
  await cached(b.token);
  await h.sql(`UPDATE users SET disabled = true WHERE id = ${b.id}`);
  await h.sleep(500);
  assert.deepEqual((await meEverywhere(b.token)).statuses, [401], 'a disabled account');

  const c = await newUser();
  await cached(c.token);
  assert.deepEqual((await meEverywhere(c.token)).names, ['缓存测试']);
  await h.sql(`UPDATE users SET display_name = '改过的名字' WHERE id = ${c.id}`);
  await h.sleep(500);
  const after = await meEverywhere(c.token);
  assert.deepEqual(after.statuses, [200]);
  assert.deepEqual(after.names, ['改过的名字'], 'a changed user is looked up again');
});

test('with --session-cache-ms 0 every request is looked up', async () => {
  const one = await h.startServer({ args: ['--session-cache-ms', '0'], mustBeReady: true });
  try {
    const r = await one.http('POST', '/api/v1/sessions', { body: { username: 'demo-admin', password: PASSWORD } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await one.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${r.json.token}` } })).status, 200);
    // Deleted with the announcement switched off: only a look-up can notice.
    await h.sql(`BEGIN; SET LOCAL session_replication_role = replica;
                 DELETE FROM sessions WHERE token_hash = (SELECT token_hash FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE u.username = 'demo-admin' ORDER BY s.expires_at DESC LIMIT 1); COMMIT;`);
    assert.equal((await one.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${r.json.token}` } })).status, 401);
  } finally {
    await one.stop();
  }
});
