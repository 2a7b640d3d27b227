// Issue 15: a volunteer's phone stays signed in for 30 days when asked (a device session that ends on
// log out or a password reset), and a resident's status page follows its order live with a
// short-lived stream token obtained with the resident key by POST (the key is never in a URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { startServer, loadDemo, sql, uniq, randomPhone, sleep } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
const S = {};

async function login(username, password = PASSWORD, extra = {}) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password, ...extra } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const hoursFromNow = (at) => (Date.parse(at) - Date.now()) / 3600e3;

/** An SSE stream of path with the given headers; collects "event: order" messages until close(). */
function openStream(path, headers) {
  const u = new URL(srv.base);
  const events = [];
  let buffer = '';
  let res;
  const ready = new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const msg = {};
          for (const line of block.split('\n')) {
            const m = /^(\w+): ?(.*)$/.exec(line);
            if (m) msg[m[1]] = m[2];
          }
          if (msg.event === 'order') events.push({ id: Number(msg.id), ...JSON.parse(msg.data) });
        }
      });
      resolve(r);
    });
    req.on('error', reject);
    req.end();
  });
  return {
    ready,
    events,
    async waitFor(pred, ms = 8000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const e = events.find(pred);
        if (e) return e;
        await sleep(50);
      }
      return undefined;
    },
    close() { if (res) res.destroy(); },
  };
}

before(async () => {
  await loadDemo();
  srv = await startServer();
  S.admin = await login('demo-admin');
  S.community = await login('demo-community');
});

after(async () => {
  if (srv) await srv.stop();
});

/** A volunteer with an account of their own (so a password reset does not touch the demo's). */
async function volunteerAccount() {
  const v = await srv.http('POST', '/api/v1/volunteers', { body: { name: '测试志愿者', phone: randomPhone() }, headers: bearer(S.admin.token) });
  assert.equal(v.status, 201, v.text);
  const username = uniq('phone').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  const u = await srv.http('POST', '/api/v1/users', { body: { username, password: 'device-test-pw', display_name: '测试志愿者', role: 'volunteer', volunteer_id: v.json.id }, headers: bearer(S.admin.token) });
  assert.equal(u.status, 201, u.text);
  return { username, id: u.json.id };
}

test('"remember this phone" gives a team or volunteer account 30 days, which end on log out and on a password reset', async () => {
  const plain = await login('demo-volunteer');
  assert.equal(plain.device, false);
  assert.ok(hoursFromNow(plain.expires_at) <= 12.1, `a plain session: ${plain.expires_at}`);

  const phone = await login('demo-volunteer', PASSWORD, { remember_device: true });
  assert.equal(phone.device, true);
  const days = hoursFromNow(phone.expires_at) / 24;
  assert.ok(days > 29.9 && days <= 30.01, `a device session lasts 30 days: ${days}`);
  const team = await login('demo-team', PASSWORD, { remember_device: true });
  assert.equal(team.device, true);
  // Desk roles keep the short session even when they ask.
  const desk = await login('demo-community', PASSWORD, { remember_device: true });
  assert.equal(desk.device, false);
  assert.ok(hoursFromNow(desk.expires_at) <= 12.1);
  const bad = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-volunteer', password: PASSWORD, remember_device: 'yes' } });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.remember_device);

  // Log out ends it.
  assert.equal((await srv.http('GET', '/api/v1/me', { headers: bearer(phone.token) })).status, 200);
  assert.equal((await srv.http('DELETE', '/api/v1/sessions/current', { headers: bearer(phone.token) })).status, 204);
  assert.equal((await srv.http('GET', '/api/v1/me', { headers: bearer(phone.token) })).status, 401);

  // A lost phone: the administrator resets the password, and the phone's 30-day session ends.
  const own = await volunteerAccount();
  const lost = await login(own.username, 'device-test-pw', { remember_device: true });
  assert.equal(lost.device, true);
  const reset = await srv.http('POST', `/api/v1/users/${own.id}/password`, { body: { new_password: 'another-pw-123' }, headers: bearer(S.admin.token) });
  assert.equal(reset.status, 204, reset.text);
  assert.equal((await srv.http('GET', '/api/v1/me', { headers: bearer(lost.token) })).status, 401);
  // And the volunteer's own password change ends the others too.
  const a = await login(own.username, 'another-pw-123', { remember_device: true });
  const b = await login(own.username, 'another-pw-123', { remember_device: true });
  const change = await srv.http('POST', '/api/v1/me/password', { body: { current_password: 'another-pw-123', new_password: 'third-pw-12345' }, headers: bearer(a.token) });
  assert.equal(change.status, 204, change.text);
  assert.equal((await srv.http('GET', '/api/v1/me', { headers: bearer(b.token) })).status, 401);
});

async function submit() {
  const c = await srv.http('GET', '/api/v1/catalog');
  const o = await srv.http('POST', '/api/v1/orders', { body: { community_id: S.community.user.community_id, category_id: c.json.categories[0].id,
    description: uniq('实时更新'), contact_name: '钱奶奶', contact_phone: randomPhone() } });
  assert.equal(o.status, 201, o.text);
  return o.json;
}

test("the resident's page follows its own order live with a stream token got by POST with the key", async () => {
  const mine = await submit();
  const other = await submit();
  const tokenPath = `/api/v1/track/${mine.tracking_code}/stream-token`;

  // The token needs the key, in the body.
  assert.equal((await srv.http('POST', tokenPath, { body: {} })).status, 422);
  assert.equal((await srv.http('POST', tokenPath, { body: { resident_key: other.resident_key } })).status, 403, "another order's key");
  assert.equal((await srv.http('POST', `/api/v1/track/ZZZZZZZZZZ/stream-token`, { body: { resident_key: mine.resident_key } })).status, 404);
  const t = await srv.http('POST', tokenPath, { body: { resident_key: mine.resident_key } });
  assert.equal(t.status, 201, t.text);
  assert.match(t.json.token, /^[A-Za-z0-9_-]{43}$/);
  const ttl = (Date.parse(t.json.expires_at) - Date.now()) / 1000;
  assert.ok(ttl > 60 && ttl <= 121, `short-lived: ${ttl} s`);
  assert.notEqual(t.json.token, mine.resident_key);
  assert.equal(await sql(`SELECT count(*) FROM resident_stream_tokens WHERE token_hash = decode('${'0'.repeat(64)}', 'hex')`), '0');

  // Without the token, with a wrong one, or for another order's code: 401.
  for (const [path, headers] of [[`/api/v1/track/${mine.tracking_code}/events`, {}],
    [`/api/v1/track/${mine.tracking_code}/events`, bearer('x'.repeat(43))],
    [`/api/v1/track/${other.tracking_code}/events`, bearer(t.json.token)]]) {
    const r = await srv.http('GET', path, { headers });
    assert.equal(r.status, 401, `${path}: ${r.text}`);
    assert.equal(r.json.error.code, 'unauthenticated');
  }

  const stream = openStream(`/api/v1/track/${mine.tracking_code}/events`, bearer(t.json.token));
  const res = await stream.ready;
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  try {
    const dispatchOther = await srv.http('POST', `/api/v1/orders/${other.id}/dispatch`, { body: { department_id: (await sql('SELECT min(id) FROM departments')) * 1 }, headers: bearer(S.community.token) });
    assert.equal(dispatchOther.status, 200, dispatchOther.text);
    const dispatch = await srv.http('POST', `/api/v1/orders/${mine.id}/dispatch`, { body: { department_id: (await sql('SELECT min(id) FROM departments')) * 1 }, headers: bearer(S.community.token) });
    assert.equal(dispatch.status, 200, dispatch.text);
    const e = await stream.waitFor((x) => x.order_id === mine.id && x.state === 'dispatched');
    assert.ok(e, `the dispatch arrived live: ${JSON.stringify(stream.events)}`);
    await sleep(500);
    assert.deepEqual(stream.events.filter((x) => x.order_id !== mine.id), [], "no other order's events");
    // Last-Event-ID resumes what was missed, with a fresh token.
    const t2 = await srv.http('POST', tokenPath, { body: { resident_key: mine.resident_key } });
    const cancel = await srv.http('POST', `/api/v1/track/${mine.tracking_code}/cancel`, { body: { resident_key: mine.resident_key, reason: '不需要了' } });
    assert.equal(cancel.status, 200, cancel.text);
    const again = openStream(`/api/v1/track/${mine.tracking_code}/events`, { ...bearer(t2.json.token), 'Last-Event-ID': String(e.id) });
    await again.ready;
    try {
      assert.ok(await again.waitFor((x) => x.state === 'cancelled'), 'the cancel, missed, is sent on resuming');
    } finally {
      again.close();
    }
  } finally {
    stream.close();
  }
  // An expired token opens nothing.
  const t3 = await srv.http('POST', tokenPath, { body: { resident_key: mine.resident_key } });
  await sql("UPDATE resident_stream_tokens SET expires_at = now() - interval '1 second'");
  const late = await srv.http('GET', `/api/v1/track/${mine.tracking_code}/events`, { headers: bearer(t3.json.token) });
  assert.equal(late.status, 401);
  // The access log never holds the key or a token.
  await sleep(300);
  const log = srv.log();
  assert.ok(!log.includes(mine.resident_key) && !log.includes(t.json.token), 'no key or token in the log');
});

test('the administrator lists accounts (GET /api/v1/users) and disables one (PATCH, issue 9): it cannot log in, its sessions end; enabled, it can again', async () => {
  const own = await volunteerAccount();
  const phone = await login(own.username, 'device-test-pw', { remember_device: true });
  const admin = bearer(S.admin.token);

  const list = await srv.http('GET', `/api/v1/users?q=${encodeURIComponent(own.username.slice(2, 12))}`, { headers: admin });
  assert.equal(list.status, 200, list.text);
  const item = list.json.items.find((u) => u.id === own.id);
  assert.ok(item, JSON.stringify(list.json));
  assert.equal(item.role, 'volunteer');
  assert.equal(item.disabled, false);
  assert.match(item.scope_name, /测试志愿者/);
  // Filters and paging; % is plain text, not a wildcard.
  const volunteers = await srv.http('GET', '/api/v1/users?role=volunteer&limit=2', { headers: admin });
  assert.equal(volunteers.status, 200);
  assert.ok(volunteers.json.items.every((u) => u.role === 'volunteer'));
  assert.ok(volunteers.json.items.length <= 2);
  assert.equal((await srv.http('GET', '/api/v1/users?q=%25', { headers: admin })).json.items.length, 0);
  for (const bad of ['role=boss', 'disabled=maybe', 'limit=0', 'cursor=-1']) {
    const r = await srv.http('GET', `/api/v1/users?${bad}`, { headers: admin });
    assert.equal(r.status, 422, `${bad}: ${r.text}`);
  }
  // Only the administrator.
  assert.equal((await srv.http('GET', '/api/v1/users', { headers: bearer(S.community.token) })).status, 403);
  assert.equal((await srv.http('PATCH', `/api/v1/users/${own.id}`, { body: { disabled: true }, headers: bearer(S.community.token) })).status, 403);

  // Bad bodies.
  for (const body of [{}, { disabled: 'yes' }]) {
    const r = await srv.http('PATCH', `/api/v1/users/${own.id}`, { body, headers: admin });
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
  }
  const self = await srv.http('PATCH', `/api/v1/users/${S.admin.user.id}`, { body: { disabled: true }, headers: admin });
  assert.equal(self.status, 422, self.text);

  const off = await srv.http('PATCH', `/api/v1/users/${own.id}`, { body: { disabled: true }, headers: admin });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.disabled, true);
  assert.equal((await srv.http('GET', '/api/v1/me', { headers: bearer(phone.token) })).status, 401, "the phone's session ended");
  assert.equal(await sql(`SELECT count(*) FROM sessions WHERE user_id = ${own.id}`), '0');
  const refused = await srv.http('POST', '/api/v1/sessions', { body: { username: own.username, password: 'device-test-pw' } });
  assert.equal(refused.status, 401);
  const on = await srv.http('PATCH', `/api/v1/users/${own.id}`, { body: { disabled: false }, headers: admin });
  assert.equal(on.status, 200);
  assert.equal(on.json.disabled, false);
  await login(own.username, 'device-test-pw');
});
