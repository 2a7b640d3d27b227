// Issue 9 (trust): least privilege, streams that end with their session, corrections in the chain,
// erasure after the retention period.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import * as h from './harness.mjs';


const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';

function psqlAs(url, query) {
  return new Promise((resolve) => {
    execFile('psql', [url, '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', query], { timeout: 30000 },
      (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }));
  });
}

function auditVerify(args = []) {
  return new Promise((resolve) => {
    execFile(h.bin(), ['audit', 'verify', ...args, '--database-url', h.dbUrl()], { timeout: 120000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

/** The verify lines that name this order (its chain only: other files' orders are theirs to judge). */
async function linesFor(orderId) {
  const v = await auditVerify(['--order', String(orderId)]);
  return v.stdout.split('\n').filter((l) => l.includes(`order ${orderId} (`) || l.includes(`order ${orderId},`));
}

/** Opens an SSE stream; resolves `ended` when the server ends it. */
function openStream(srv, token) {
  const u = new URL(srv.base);
  let res;
  const ended = new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/api/v1/events', agent: false,
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } }, (r) => {
      res = r;
      r.on('data', () => {});
      r.on('end', () => resolve('end'));
      r.on('close', () => resolve('close'));
    });
    req.on('error', () => resolve('error'));
    req.end();
  });
  return { ended, ready: () => res !== undefined, close: () => res && res.destroy() };
}

/** A random tracking code, for orders made in SQL. */
function trackingCode() {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  return Array.from({ length: 10 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
}

async function login(srv, username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password }, timeout: 120000 });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

describe('trust at the edges', () => {
  let srv;
  before(async () => {
    await h.loadDemo();
    srv = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000 });
  });
  after(async () => { if (srv) await srv.stop(); });

  test('the server\'s database role is refused ALTER TABLE, DISABLE TRIGGER and changing the audit log', async () => {
    const app = process.env.PAIDAN_TEST_APP_DATABASE_URL;
    assert.ok(app, 'run.sh sets up the server\'s own role');
    assert.ok(/user=paidan_server/.test(app));
    let r = await psqlAs(app, 'SELECT count(*) FROM orders');
    assert.ok(r.ok, `it may read rows: ${r.stderr}`);
    r = await psqlAs(app, 'ALTER TABLE orders ADD COLUMN mischief integer');
    assert.ok(!r.ok && /must be owner/.test(r.stderr), r.stderr);
    r = await psqlAs(app, 'ALTER TABLE order_events DISABLE TRIGGER order_events_no_update');
    assert.ok(!r.ok && /must be owner/.test(r.stderr), r.stderr);
    r = await psqlAs(app, "UPDATE order_events SET note = 'x' WHERE id = (SELECT min(id) FROM order_events)");
    assert.ok(!r.ok && /permission denied/.test(r.stderr), r.stderr);
    r = await psqlAs(app, 'SET session_replication_role = replica');
    assert.ok(!r.ok && /permission denied/.test(r.stderr), r.stderr);
    // And the server itself runs as that role.
    const who = await h.sql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'paidan_server' AND datname = current_database()");
    assert.ok(Number(who) >= 1, 'the test server is connected as paidan_server');
  });

  test('attack: a live-update stream after logout — it ends within seconds (and when the account is disabled)', async () => {
    const s = await login(srv, 'demo-community');
    const stream = openStream(srv, s.token);
    const t0 = Date.now();
    while (!stream.ready() && Date.now() - t0 < 20000) await h.sleep(50);
    assert.ok(stream.ready(), 'the stream opened');
    const out = await srv.http('DELETE', '/api/v1/sessions/current', { headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(out.status, 204);
    const t1 = Date.now();
    const how = await h.within(stream.ended, 10000);
    assert.ok(how, 'the stream ended after logout');
    assert.ok(Date.now() - t1 < 10000);

    // A disabled account: its streams end too.
    const admin = await login(srv, 'demo-admin');
    const username = h.uniq('sse').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
    const made = await srv.http('POST', '/api/v1/users', { headers: { authorization: `Bearer ${admin.token}` },
      body: { username, password: 'trust-edge-pw-1', display_name: '流', role: 'community', community_id: s.user.community_id } });
    assert.equal(made.status, 201, made.text);
    const u = await login(srv, username, 'trust-edge-pw-1');
    const stream2 = openStream(srv, u.token);
    const t2 = Date.now();
    while (!stream2.ready() && Date.now() - t2 < 20000) await h.sleep(50);
    // Disabled by an admin (PATCH /api/v1/users/{id}, which appends the admin chain's event).
    const off = await srv.http('PATCH', `/api/v1/users/${made.json.id}`, { headers: { authorization: `Bearer ${admin.token}` }, body: { disabled: true } });
    assert.equal(off.status, 200, off.text);
    assert.ok(await h.within(stream2.ended, 10000), 'the stream ended when the account was disabled');
  });

  test('a correction is an event of the order\'s chain; a correction deleted as the superuser is named', async () => {
    const admin = await login(srv, 'demo-admin');
    const community = await login(srv, 'demo-community');
    const department = await login(srv, 'demo-department');
    const team = await login(srv, 'demo-team');
    const category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${department.user.department_id}`));
    const member = Number(await h.sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${team.user.team_id}`));
    const o = await srv.http('POST', '/api/v1/orders', { headers: { authorization: `Bearer ${community.token}` },
      body: { community_id: community.user.community_id, category_id: category, description: h.uniq('corr'), contact_name: '钱', contact_phone: h.randomPhone() } });
    assert.equal(o.status, 201, o.text);
    const id = o.json.id;
    const steps = [[community, 'dispatch', { department_id: department.user.department_id }], [department, 'claim'],
      [department, 'offer', { team_ids: [team.user.team_id] }], [team, 'accept'], [team, 'start'],
      [team, 'complete', { summary: '好', hours: [{ volunteer_id: member, hours: 3 }] }], [community, 'confirm']];
    for (const [who, action, body] of steps) {
      const r = await srv.http('POST', `/api/v1/orders/${id}/${action}`, { headers: { authorization: `Bearer ${who.token}` }, body: body || {} });
      assert.equal(r.status, 200, `${action}: ${r.text}`);
    }
    const rec = await h.sql(`SELECT id FROM service_records WHERE order_id = ${id}`);
    const r = await srv.http('POST', `/api/v1/service-records/${rec}/corrections`, { headers: { authorization: `Bearer ${admin.token}` },
      body: { hours: '1.5', reason: '实际服务 1.5 小时' } });
    assert.equal(r.status, 201, r.text);
    const ev = await h.sql(`SELECT action || '|' || actor_role || '|' || payload FROM order_events WHERE order_id = ${id} ORDER BY seq DESC LIMIT 1`);
    assert.match(ev, new RegExp(`^correct\\|admin\\|record=\\d+;volunteer=${member};hours=1\\.50;replaces=${rec}$`));
    assert.deepEqual(await linesFor(id), [], 'the chain holds');
    await h.sql(`BEGIN; SET LOCAL session_replication_role = replica;
      UPDATE service_records SET hours = 9 WHERE corrects_id = ${rec}; COMMIT;`);
    const lines = await linesFor(id);
    assert.ok(lines.some((l) => /a correction changed/.test(l) && l.includes('hours=1.50') && l.includes('hours=9.00')), lines.join('\n'));
    await h.sql(`BEGIN; SET LOCAL session_replication_role = replica; DELETE FROM service_records WHERE corrects_id = ${rec}; COMMIT;`);
    const gone = await linesFor(id);
    assert.ok(gone.some((l) => /correction .* is missing/.test(l)), gone.join('\n'));
  });

  test('attack: a team enrolling a stranger and reading their hours — refused; invitation and consent instead', async () => {
    const admin = await login(srv, 'demo-admin');
    const A = (method, path, body) => srv.http(method, path, { headers: { authorization: `Bearer ${admin.token}` }, body });
    const dept = Number(await h.sql('SELECT min(id) FROM departments'));
    const town = Number(await h.sql('SELECT min(id) FROM towns'));
    const mkTeam = async (name) => {
      const r = await A('POST', '/api/v1/teams', { name: h.uniq(name), department_id: dept, town_ids: [town] });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    const teamA = await mkTeam('邀请队');
    const teamB = await mkTeam('别的队');
    const tag = h.uniq('inv').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
    const mkUser = async (suffix, body) => {
      const r = await A('POST', '/api/v1/users', { username: `${tag}-${suffix}`, password: 'trust-edge-pw-2', display_name: suffix, ...body });
      assert.equal(r.status, 201, r.text);
      return login(srv, `${tag}-${suffix}`, 'trust-edge-pw-2');
    };
    const v = await A('POST', '/api/v1/volunteers', { name: '李志愿', phone: h.randomPhone() });
    assert.equal(v.status, 201, v.text);
    const team = await mkUser('team', { role: 'team', team_id: teamA });
    const vol = await mkUser('vol', { role: 'volunteer', volunteer_id: v.json.id });
    const T = (method, path, body) => srv.http(method, path, { headers: { authorization: `Bearer ${team.token}` }, body });
    const V = (method, path, body) => srv.http(method, path, { headers: { authorization: `Bearer ${vol.token}` }, body });

    // Before issue 9: POST /teams/{id}/members {volunteer_id, role: 'lead'} by the team account → 201.
    let r = await T('POST', `/api/v1/teams/${teamA}/members`, { volunteer_id: v.json.id, role: 'lead' });
    assert.equal(r.status, 403, r.text);
    assert.equal((await T('GET', `/api/v1/volunteers/${v.json.id}/hours`)).status, 403, 'not a member: no hours');
    r = await T('POST', `/api/v1/teams/${teamB}/invitations`, { volunteer_no: v.json.volunteer_no });
    assert.equal(r.status, 403, 'not into another team');
    r = await T('POST', `/api/v1/teams/${teamA}/invitations`, { volunteer_no: v.json.volunteer_no });
    assert.equal(r.status, 201, r.text);
    assert.equal((await T('POST', `/api/v1/teams/${teamA}/invitations`, { volunteer_no: v.json.volunteer_no })).status, 409, 'once');
    assert.equal(await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${teamA} AND volunteer_id = ${v.json.id}`), '0', 'not a member until they accept');
    r = await V('GET', '/api/v1/invitations');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, 1);
    const inv = r.json.items[0].id;
    assert.equal((await T('POST', `/api/v1/invitations/${inv}/accept`)).status, 403, 'the team cannot accept for them');
    r = await V('POST', `/api/v1/invitations/${inv}/accept`);
    assert.equal(r.status, 200, r.text);
    assert.equal(await h.sql(`SELECT role FROM team_members WHERE team_id = ${teamA} AND volunteer_id = ${v.json.id}`), 'member');
    assert.equal((await V('POST', `/api/v1/invitations/${inv}/accept`)).status, 404, 'answered once');

    // Hours served in another team stay out of this team's view; certificates are not the team's to issue.
    await h.sql(`INSERT INTO team_members (team_id, volunteer_id) VALUES (${teamB}, ${v.json.id})`);
    const cat = Number(await h.sql('SELECT min(id) FROM categories'));
    const com = Number(await h.sql('SELECT min(id) FROM communities'));
    for (const [t, hours] of [[teamA, 2], [teamB, 5]]) {
      await h.sql(`WITH o AS (INSERT INTO orders (tracking_code, community_id, category_id, department_id, team_id, state, description,
          contact_name, contact_phone, last_event_hash) VALUES (${h.lit(trackingCode())},
          ${com}, ${cat}, ${dept}, ${t}, 'closed', 'x', 'x', '13900000000', decode('00', 'hex')) RETURNING id)
        INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, verified_at) SELECT id, ${v.json.id}, ${t}, ${hours}, 'verified', now() FROM o`);
    }
    r = await T('GET', `/api/v1/volunteers/${v.json.id}/hours`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, '2.00', 'only the hours served in this team');
    assert.deepEqual(r.json.records.map((x) => x.team_id), [teamA]);
    r = await A('GET', `/api/v1/volunteers/${v.json.id}/hours`);
    assert.equal(r.json.total, '7.00', 'the admin sees all');
    assert.equal((await T('GET', `/api/v1/volunteers/${v.json.id}/certificate`)).status, 403);
    // Once the volunteer leaves, the team sees nothing of them.
    assert.equal((await T('DELETE', `/api/v1/teams/${teamA}/members/${v.json.id}`)).status, 204);
    assert.equal((await T('GET', `/api/v1/volunteers/${v.json.id}/hours`)).status, 403);
  });

  test('staff change their own password; an admin resets anyone\'s; every session of that user ends', async () => {
    const admin = await login(srv, 'demo-admin');
    const community = await login(srv, 'demo-community');
    const username = h.uniq('pw').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
    const made = await srv.http('POST', '/api/v1/users', { headers: { authorization: `Bearer ${admin.token}` },
      body: { username, password: 'old-password-1', display_name: '改密', role: 'community', community_id: community.user.community_id } });
    assert.equal(made.status, 201, made.text);
    const s1 = await login(srv, username, 'old-password-1');
    const s2 = await login(srv, username, 'old-password-1');
    const me = (s) => srv.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${s.token}` } });
    let r = await srv.http('POST', '/api/v1/me/password', { headers: { authorization: `Bearer ${s1.token}` }, body: { current_password: 'wrong-one', new_password: 'new-password-1' } });
    assert.equal(r.status, 403, r.text);
    r = await srv.http('POST', '/api/v1/me/password', { headers: { authorization: `Bearer ${s1.token}` }, body: { current_password: 'old-password-1', new_password: 'new-password-1' } });
    assert.equal(r.status, 204, r.text);
    assert.equal((await me(s1)).status, 401, 'this session ended');
    assert.equal((await me(s2)).status, 401, 'and the other one');
    const s3 = await login(srv, username, 'new-password-1');
    r = await srv.http('POST', `/api/v1/users/${made.json.id}/password`, { headers: { authorization: `Bearer ${community.token}` }, body: { new_password: 'x-password-9' } });
    assert.equal(r.status, 403, 'only an admin resets');
    r = await srv.http('POST', `/api/v1/users/${made.json.id}/password`, { headers: { authorization: `Bearer ${admin.token}` }, body: { new_password: 'reset-password-1' } });
    assert.equal(r.status, 204, r.text);
    assert.equal((await me(s3)).status, 401, 'the reset ended the user\'s sessions');
    await login(srv, username, 'reset-password-1');
  });

  test('the edge: security headers on every page, /metrics for operators only, a Secure __Host- cookie over https', async () => {
    for (const path of ['/', '/form', '/track/', '/console/', '/api/v1/catalog', '/no-such-page', '/healthz']) {
      const r = await srv.http('GET', path);
      const csp = r.headers['content-security-policy'] || '';
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: CSP without inline script`);
      assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', path);
    }
    const edge = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000, args: ['--public-url', 'https://paidan.example.org', '--trusted-proxy', '127.0.0.1'] });
    try {
      // Before: /metrics answered anyone. Now a client outside (named by the trusted proxy) is refused.
      let r = await edge.http('GET', '/metrics', { headers: { 'x-real-ip': '203.0.113.50' } });
      assert.equal(r.status, 403, r.text);
      r = await edge.http('GET', '/metrics');
      assert.equal(r.status, 200, 'loopback may');
      r = await edge.http('POST', '/api/v1/sessions', { body: { username: 'demo-admin', password: PASSWORD } });
      assert.equal(r.status, 201, r.text);
      const cookie = [].concat(r.headers['set-cookie'] || [])[0] || '';
      assert.match(cookie, /^__Host-paidan_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
      const token = /^__Host-paidan_session=([^;]+)/.exec(cookie)[1];
      r = await edge.http('GET', '/api/v1/me', { headers: { cookie: `__Host-paidan_session=${token}` } });
      assert.equal(r.status, 200, 'the prefixed cookie authenticates');
      r = await edge.http('GET', '/api/v1/me', { headers: { cookie: `paidan_session=${token}` } });
      assert.equal(r.status, 401, 'the plain name does not, over https');
    } finally {
      await edge.stop();
    }
    // The access log names no tracking code.
    const code = '23456789AB';
    await srv.http('GET', `/api/v1/track/${code}`);
    const log = await srv.waitLog(/path=\/api\/v1\/track\/…/);
    assert.match(log, /path=\/api\/v1\/track\/…/);
    assert.ok(!log.includes(code), 'no tracking code in the log');
  });

  test('personal data of a closed order is erased by the sweep after the retention period; the chain still verifies', async () => {
    // A retention of 0 days, and a sweep every second (it erases every closed order of the test database).
    const sweeper = await h.startServer({ mustBeReady: true, readyWait: 30000, readyTimeout: 60000, args: ['--sweep-interval-s', '1', '--erase-after-days', '0'] });
    try {
      await erasure(sweeper);
    } finally {
      await sweeper.stop();
    }
  });
});

async function erasure(srv) {
  {
    const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: Number(await h.sql('SELECT min(id) FROM communities')),
      category_id: Number(await h.sql('SELECT min(id) FROM categories')), description: h.uniq('erase me'), contact_name: '孙大娘',
      contact_phone: h.randomPhone(), address: '某村 1 号' } });
    assert.equal(r.status, 201, r.text);
    const c = await srv.http('POST', `/api/v1/track/${r.json.tracking_code}/cancel`, { body: { resident_key: r.json.resident_key } });
    assert.equal(c.status, 200, c.text);
    let row = '';
    const t0 = Date.now();
    while (Date.now() - t0 < 20000) {
      row = await h.sql(`SELECT contact_name || '|' || contact_phone || '|' || address || '|' || (personal_salt IS NULL) FROM orders WHERE id = ${r.json.id}`);
      if (row.startsWith('（已删除）')) break;
      await h.sleep(250);
    }
    assert.equal(row, '（已删除）|||true');
    assert.equal(await h.sql(`SELECT action FROM order_events WHERE order_id = ${r.json.id} ORDER BY seq DESC LIMIT 1`), 'erase');
    assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${r.json.id}`), 'cancelled', 'the order stays');
    assert.deepEqual(await linesFor(r.json.id), [], 'the chain verifies without the erased data');
  }
}
