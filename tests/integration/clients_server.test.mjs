// Issue 15, where the clients meet the server: a browser's 404 page (API clients keep JSON), the
// catalog's organizer and its 不清楚/其他 kind, hours waiting for confirmation in the volunteer's
// ledger apart from the verified ones, and the server's words from docs/GLOSSARY.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, sql, uniq, randomPhone } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
let srv;
const S = {};

async function login(username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}

function call(who, method, path, body) {
  return srv.http(method, path, { body, headers: who ? { Authorization: `Bearer ${S[who].token}` } : {} });
}

function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

before(async () => {
  await loadDemo();
  srv = await startServer({ args: ['--organizer', '定南县科学技术协会', '--organizer-phone', '0797-4288000'] });
  S.admin = await login('demo-admin');
  S.community = await login('demo-community');
  S.department = await login('demo-department');
  S.team = await login('demo-team');
  S.volunteer = await login('demo-volunteer');
});

after(async () => {
  if (srv) await srv.stop();
});

test('a browser asking for a page that does not exist gets a Chinese page with a way back; API clients keep JSON', async () => {
  for (const path of ['/track', '/nope', '/no/such/page', '/console/nope.html', '/team/missing/']) {
    const r = await srv.http('GET', path, { headers: { Accept: BROWSER_ACCEPT } });
    assert.equal(r.status, 404, `${path}: ${r.status}`);
    assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/, path);
    assert.match(r.text, /<html lang="zh-CN">/, path);
    assert.match(r.text, /没有这个页面/, path);
    assert.match(r.text, /href="\/"/, `${path}: a way back`);
    assert.doesNotMatch(r.text, /<script/, `${path}: the page works without script`);
  }
  const head = await srv.http('HEAD', '/nope', { headers: { Accept: BROWSER_ACCEPT } });
  assert.equal(head.status, 404);
  // API paths, other methods, and clients that do not ask for HTML keep the JSON error.
  for (const [method, path, accept] of [['GET', '/api/v1/nope', BROWSER_ACCEPT], ['GET', '/nope', 'application/json'],
    ['GET', '/nope', '*/*'], ['POST', '/no/such/page', BROWSER_ACCEPT], ['GET', '/api', BROWSER_ACCEPT]]) {
    const r = await srv.http(method, path, { headers: { Accept: accept }, body: method === 'POST' ? {} : undefined });
    assert.equal(r.status, 404, `${method} ${path}: ${r.status} ${r.text}`);
    assert.match(r.headers['content-type'], /^application\/json/, `${method} ${path} (${accept})`);
    assert.equal(r.json.error.code, 'not_found');
  }
  // A page that exists is still the page.
  const track = await srv.http('GET', '/track/', { headers: { Accept: BROWSER_ACCEPT } });
  assert.equal(track.status, 200);
});

test('the catalog names who runs the service and a number to call, and offers 不清楚/其他 last', async () => {
  const c = ok(await srv.http('GET', '/api/v1/catalog'), 'catalog');
  assert.deepEqual(c.organizer, { name: '定南县科学技术协会', phone: '0797-4288000' });
  assert.equal(c.categories.at(-1).code, 'other');
  assert.equal(c.categories.at(-1).name, '不清楚/其他');
  // An order of that kind is taken like any other.
  const community = S.community.user.community_id;
  const o = await srv.http('POST', '/api/v1/orders', { body: { community_id: community, category_id: c.categories.at(-1).id,
    description: uniq('说不清是哪一类'), contact_name: '李奶奶', contact_phone: randomPhone() } });
  assert.equal(o.status, 201, o.text);
  // Without a number set, residents are told to ask their community (the phone is null, not "").
  const plain = await startServer();
  try {
    const d = ok(await plain.http('GET', '/api/v1/catalog'), 'catalog');
    assert.equal(d.organizer.phone, null);
    assert.equal(d.organizer.name, '县科学技术协会');
  } finally {
    await plain.stop();
  }
});

test("hours waiting for the community's confirmation are in the ledger apart from the verified ones", async () => {
  const volunteer = S.volunteer.user.volunteer_id;
  const team = S.team.user.team_id;
  const before = ok(await call('volunteer', 'GET', `/api/v1/volunteers/${volunteer}/hours`), 'ledger');
  const categoryId = Number(await sql(`SELECT min(id) FROM categories WHERE department_id = ${S.department.user.department_id}`));
  const o = ok(await srv.http('POST', '/api/v1/orders', { body: { community_id: S.community.user.community_id, category_id: categoryId,
    description: uniq('待确认时长'), contact_name: '赵大爷', contact_phone: randomPhone() } }), 'submit');
  ok(await call('community', 'POST', `/api/v1/orders/${o.id}/dispatch`, { department_id: S.department.user.department_id }), 'dispatch');
  ok(await call('department', 'POST', `/api/v1/orders/${o.id}/claim`), 'claim');
  ok(await call('department', 'POST', `/api/v1/orders/${o.id}/offer`, { team_ids: [team] }), 'offer');
  ok(await call('team', 'POST', `/api/v1/orders/${o.id}/accept`), 'accept');
  ok(await call('team', 'POST', `/api/v1/orders/${o.id}/start`), 'start');
  ok(await call('team', 'POST', `/api/v1/orders/${o.id}/complete`, { summary: '教了用手机挂号。', hours: [{ volunteer_id: volunteer, hours: '2.5' }] }), 'complete');

  const waiting = ok(await call('volunteer', 'GET', `/api/v1/volunteers/${volunteer}/hours`), 'ledger');
  const mine = waiting.pending.filter((p) => p.order_id === o.id);
  assert.equal(mine.length, 1, JSON.stringify(waiting.pending));
  assert.equal(mine[0].hours, '2.50');
  assert.equal(mine[0].work_no, `PD${String(o.id).padStart(8, '0')}`);
  assert.equal(waiting.total, before.total, 'pending hours do not count in the verified total');
  assert.equal(Number(waiting.pending_total), Number(before.pending_total ?? 0) + 2.5);
  assert.ok(!waiting.records.some((x) => x.order_id === o.id), 'not among the verified records');
  // The team account sees it too (served in its team); the admin as well.
  const asTeam = ok(await call('team', 'GET', `/api/v1/volunteers/${volunteer}/hours`), 'team ledger');
  assert.ok(asTeam.pending.some((p) => p.order_id === o.id));
  const asAdmin = ok(await call('admin', 'GET', `/api/v1/volunteers/${volunteer}/hours`), 'admin ledger');
  assert.ok(asAdmin.pending.some((p) => p.order_id === o.id));

  ok(await call('community', 'POST', `/api/v1/orders/${o.id}/confirm`), 'confirm');
  const after = ok(await call('volunteer', 'GET', `/api/v1/volunteers/${volunteer}/hours`), 'ledger');
  assert.ok(!after.pending.some((p) => p.order_id === o.id), 'confirmed hours leave the waiting list');
  assert.ok(after.records.some((x) => x.order_id === o.id), 'and join the verified records');
  assert.equal(Number(after.total), Number(before.total) + 2.5);
});

test("the server's words follow the glossary: staff read 工单, a rejected order is 未受理 in exports", async () => {
  const r = await call('community', 'GET', '/api/v1/orders/999999999');
  assert.ok([403, 404].includes(r.status), r.text);
  assert.doesNotMatch(r.json.error.message, /订单|任务/);
  if (r.status === 404) assert.match(r.json.error.message, /工单/);
  assert.equal(await sql("SELECT paidan_state_label('rejected')"), '未受理');
  assert.equal(await sql("SELECT paidan_state_label('completed')"), '待确认');
});
