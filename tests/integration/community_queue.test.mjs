// A queue of what is mine now (issue 14, rule 6): the tabs' rule on the server (mine, overdue, open,
// done) with their counts, a department that has offered no longer waited on, and 回访 of closed
// orders with each call's outcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, sql, validRefs, orderBody, randomPhone, uniq } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
let refs;
const who = {};
const ids = {};

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

const act = (id, action, role, body = {}) => srv.http('POST', `/api/v1/orders/${id}/${action}`, { body, headers: who[role] });

async function order(steps, tag) {
  const r = await srv.http('POST', '/api/v1/orders', { body: orderBody(refs, { community_id: ids.community, category_id: ids.category, contact_phone: randomPhone(), description: `${tag} ${uniq('q')}` }) });
  assert.equal(r.status, 201, r.text);
  for (const [action, role, body] of steps) {
    const a = await act(r.json.id, action, role, body);
    assert.equal(a.status, 200, `${action}: ${a.text}`);
  }
  return r.json;
}

/** The ids on a tab for a role, among ours (q = the tag). */
async function tabIds(role, tab, tag) {
  const r = await srv.http('GET', `/api/v1/orders?tab=${tab}&q=${encodeURIComponent(tag)}&limit=100`, { headers: who[role] });
  assert.equal(r.status, 200, r.text);
  return r.json.items.map((o) => o.id).sort((a, b) => a - b);
}
const counts = async (role) => (await srv.http('GET', '/api/v1/queue/counts', { headers: who[role] })).json;

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  refs = await validRefs(srv);
  const n = async (q) => Number(await sql(q));
  ids.community = await n("SELECT community_id FROM users WHERE username = 'demo-community'");
  ids.department = await n("SELECT department_id FROM users WHERE username = 'demo-department'");
  ids.team = await n("SELECT team_id FROM users WHERE username = 'demo-team'");
  ids.volunteer = await n("SELECT volunteer_id FROM users WHERE username = 'demo-volunteer'");
  ids.category = await n(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`);
  for (const r of ['community', 'department', 'team']) who[r] = await login(`demo-${r}`);
});

after(async () => {
  if (srv) await srv.stop();
});

test('each role\'s tabs: what waits for it now, overdue, the rest, finished; the counts agree', async () => {
  const tag = uniq('tabs');
  const d = ['dispatch', 'community', { department_id: ids.department }];
  const submitted = await order([], tag);
  const late = await order([], tag);
  const dispatched = await order([d], tag);
  const claimed = await order([d, ['claim', 'department', {}]], tag);
  const offered = await order([d, ['claim', 'department', {}], ['offer', 'department', { team_ids: [ids.team] }]], tag);
  const rejected = await order([['reject', 'community', { reason: '不在服务范围' }]], tag);
  await sql(`UPDATE orders SET due_at = now() - interval '2 hours' WHERE id = ${dispatched.id}`);
  await sql(`UPDATE orders SET due_at = now() - interval '3 hours' WHERE id = ${late.id}`);
  const sorted = (...os) => os.map((o) => o.id).sort((a, b) => a - b);

  // Community: to dispatch (late or not); the dispatched one is late but waits on the department.
  assert.deepEqual(await tabIds('community', 'mine', tag), sorted(submitted, late));
  assert.deepEqual(await tabIds('community', 'overdue', tag), sorted(dispatched));
  assert.deepEqual(await tabIds('community', 'open', tag), sorted(claimed, offered));
  assert.deepEqual(await tabIds('community', 'done', tag), sorted(rejected), 'turned down: out of the way, on its own tab');
  // Department: to claim, and claimed not yet offered; once offered it waits on the teams.
  assert.deepEqual(await tabIds('department', 'mine', tag), sorted(dispatched, claimed));
  assert.deepEqual(await tabIds('department', 'open', tag), sorted(offered), 'offered: no longer waiting for the department');
  // Team: offered to it.
  assert.deepEqual(await tabIds('team', 'mine', tag), sorted(offered));

  const c = await counts('community');
  for (const k of ['mine', 'overdue', 'open', 'done', 'callbacks']) assert.equal(typeof c[k], 'number', k);
  const total = Number(await sql(`SELECT count(*) FROM orders WHERE community_id = ${ids.community}`));
  assert.equal(c.mine + c.overdue + c.open + c.done, total, 'every order on exactly one tab');
  assert.equal(c.mine, Number(await sql(`SELECT count(*) FROM orders WHERE community_id = ${ids.community} AND state IN ('submitted', 'completed')`)));
  const bad = await srv.http('GET', '/api/v1/orders?tab=later', { headers: who.community });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.tab);
});

test('回访: closed orders of the last 7 days to call back, each call\'s outcome recorded', async () => {
  const tag = uniq('callback');
  const steps = [['dispatch', 'community', { department_id: ids.department }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [ids.team] }], ['accept', 'team', {}], ['start', 'team', {}],
    ['complete', 'team', { summary: '已上门。', hours: [{ volunteer_id: ids.volunteer, hours: '1.00' }] }], ['confirm', 'community', {}]];
  const closed = await order(steps, tag);
  const old = await order(steps, tag);
  const open = await order([], tag);
  await sql(`UPDATE orders SET closed_at = now() - interval '8 days' WHERE id = ${old.id}`);
  const before = await counts('community');

  let list = await srv.http('GET', '/api/v1/callbacks', { headers: who.community });
  assert.equal(list.status, 200, list.text);
  const item = list.json.items.find((x) => x.id === closed.id);
  assert.ok(item, 'the order closed today is to be called back');
  assert.equal(item.outcome, null);
  assert.match(item.contact_phone, /^\d{11}$/, 'the community sees the number to call');
  assert.ok(!list.json.items.some((x) => x.id === old.id), 'not after 7 days');

  let r = await srv.http('POST', `/api/v1/orders/${closed.id}/callback`, { body: { outcome: 'maybe' }, headers: who.community });
  assert.equal(r.status, 422);
  r = await srv.http('POST', `/api/v1/orders/${open.id}/callback`, { body: { outcome: 'satisfied' }, headers: who.community });
  assert.equal(r.status, 409, 'only closed orders are called back');
  r = await srv.http('POST', `/api/v1/orders/${closed.id}/callback`, { body: { outcome: 'unreachable' }, headers: who.community });
  assert.equal(r.status, 201, r.text);
  assert.equal((await counts('community')).callbacks, before.callbacks, 'an unanswered call still has to be made');
  r = await srv.http('POST', `/api/v1/orders/${closed.id}/callback`, { body: { outcome: 'satisfied', note: '老人说很好' }, headers: who.community });
  assert.equal(r.status, 201, r.text);
  assert.equal((await counts('community')).callbacks, before.callbacks - 1);
  list = await srv.http('GET', '/api/v1/callbacks', { headers: who.community });
  const done = list.json.items.find((x) => x.id === closed.id);
  assert.equal(done.outcome, 'satisfied');
  assert.equal(done.note, '老人说很好');
  assert.equal((await srv.http('POST', `/api/v1/orders/${closed.id}/callback`, { body: { outcome: 'satisfied' }, headers: who.department })).status, 403);
});
