// Deadlines and escalation: the sweep marks overdue orders escalated with exactly one audit event
// each, even with two processes sweeping the same database at once; overdue=true filters them and
// admins see escalated orders first; the audit chain of its orders stays intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, sql, runCli, validRefs, orderBody, uniq, sleep } from './harness.mjs';

let srv;
let admin;

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo' } });
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

before(async () => {
  await loadDemo();
  // Two worker processes, each sweeping every second.
  srv = await startServer({ workers: 2, args: ['--sweep-interval-s', '1'] });
  admin = await login('demo-admin');
});

after(async () => {
  if (srv) await srv.stop();
});

test('every overdue order is escalated exactly once, by one of two sweeping processes', async () => {
  const refs = await validRefs(srv);
  const tag = uniq('sweep');
  const ids = [];
  for (let i = 0; i < 6; i++) {
    const r = await srv.http('POST', '/api/v1/orders', { body: orderBody(refs, { description: `${tag} ${i}` }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.overdue, false);
    ids.push(r.json.id);
  }
  const overdue = ids.slice(0, 4);
  const fresh = ids.slice(4);
  // Move four deadlines into the past (the clock, not the data, is what the sweep reads).
  await sql(`UPDATE orders SET due_at = now() - interval '1 hour' WHERE id IN (${overdue.join(',')})`);

  const deadline = Date.now() + 10000;
  let escalated = 0;
  while (Date.now() < deadline) {
    escalated = Number(await sql(`SELECT count(*) FROM orders WHERE id IN (${overdue.join(',')}) AND escalated_at IS NOT NULL`));
    if (escalated === overdue.length) break;
    await sleep(200);
  }
  assert.equal(escalated, overdue.length, 'all overdue orders escalated within 10 s');
  // Let both processes sweep a few more times: still one event per order.
  await sleep(2500);
  const events = await sql(
    `SELECT order_id || ':' || count(*) FROM order_events WHERE action = 'escalate' AND order_id IN (${ids.join(',')}) GROUP BY order_id ORDER BY order_id`);
  assert.deepEqual(events.split('\n'), overdue.map((id) => `${id}:1`));
  assert.equal(await sql(`SELECT count(*) FROM orders WHERE id IN (${fresh.join(',')}) AND escalated_at IS NOT NULL`), '0');
  // The event is a real audit event: from/to the same state, by the system.
  const row = await sql(`SELECT from_state || '>' || to_state || ' ' || actor_role FROM order_events WHERE action = 'escalate' AND order_id = ${overdue[0]}`);
  assert.equal(row, 'submitted>submitted system');

  // overdue=true lists exactly the overdue ones among ours; admins get escalated orders first.
  const list = await srv.http('GET', `/api/v1/orders?overdue=true&q=${encodeURIComponent(tag)}&limit=100`, { headers: { Authorization: `Bearer ${admin}` } });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.items.map((o) => o.id).sort((a, b) => a - b), [...overdue].sort((a, b) => a - b));
  for (const o of list.json.items) {
    assert.equal(o.overdue, true);
    assert.equal(o.escalated, true);
  }
  const notOverdue = await srv.http('GET', `/api/v1/orders?overdue=false&q=${encodeURIComponent(tag)}&limit=100`, { headers: { Authorization: `Bearer ${admin}` } });
  assert.deepEqual(notOverdue.json.items.map((o) => o.id).sort((a, b) => a - b), [...fresh].sort((a, b) => a - b));
  const all = await srv.http('GET', `/api/v1/orders?q=${encodeURIComponent(tag)}&limit=100`, { headers: { Authorization: `Bearer ${admin}` } });
  const firstFresh = all.json.items.findIndex((o) => !o.escalated);
  const lastEscalated = all.json.items.map((o) => o.escalated).lastIndexOf(true);
  assert.ok(lastEscalated < firstFresh, 'escalated orders come before the others');

  // A transition clears the escalation (the new stage has a new deadline) and the chain still verifies.
  const community = await login('demo-community');
  const dept = (await srv.http('GET', '/api/v1/catalog')).json.categories.find((c) => c.id === refs.category_id).department_id;
  const d = await srv.http('POST', `/api/v1/orders/${overdue[0]}/dispatch`, { body: { department_id: dept }, headers: { Authorization: `Bearer ${community}` } });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.escalated, false);
  assert.equal(d.json.overdue, false);
  // Only this test's orders' chains: other files' orders (made by hand, or tampered with on purpose)
  // are theirs to judge, wherever this file runs.
  const verify = await runCli(['audit', 'verify', ...ids.flatMap((id) => ['--order', String(id)])]);
  assert.match(verify.stdout, new RegExp(`^audit chain intact: \\d+ events in ${ids.length} orders`, 'm'));
});
