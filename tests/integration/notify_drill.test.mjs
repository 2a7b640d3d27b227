// The failure drill for notifications (issue 12): the SMS provider and the group robot are slow
// (5 s, longer than the sender waits), then failing (500), then down, while the server is killed
// with SIGKILL and started again; then they come back. Every notification must reach its receiver
// — exactly once as the receiver sees it, repeats recognised by the idempotency key — none lost, and
// requests to the server stay fast throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';
import { makeTestCa, startReceiver } from './notify_receivers.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const SECRET = 'drill-webhook-secret-0123456789';
let ca; let sms; let wecom; let srv; let token; let env;
const ids = {};
const orders = [];
const latencies = [];

async function start() {
  const s = await h.startServer({ env });
  for (let i = 0; i < 100 && (await s.http('GET', '/readyz')).status !== 200; i++) await h.sleep(50);
  const r = await s.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  token = r.json.token;
  ids.community = r.json.user.community_id;
  return s;
}

/** One order with consent, rejected at once: a robot message and an SMS. */
async function orderAndReject() {
  let r = await srv.http('POST', '/api/v1/orders', {
    body: { community_id: ids.community, category_id: ids.category, description: `演练 ${h.uniq()}`, contact_name: '李', contact_phone: h.randomPhone(), sms_consent: true },
  });
  assert.equal(r.status, 201, r.text);
  latencies.push(r.ms);
  const id = r.json.id;
  r = await srv.http('POST', `/api/v1/orders/${id}/reject`, { body: { reason: '演练' }, headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, r.text);
  latencies.push(r.ms);
  orders.push(id);
}

before(async () => {
  ca = makeTestCa();
  sms = await startReceiver('webhook', ca, { secret: SECRET });
  wecom = await startReceiver('wecom', ca, { tokens: ['drill'] });
  const secretFile = path.join(ca.dir, 'secret');
  fs.writeFileSync(secretFile, SECRET, { mode: 0o600 });
  env = {
    PAIDAN_NOTIFY_SENDER: '1', PAIDAN_SMS_CHANNEL: 'webhook', PAIDAN_SMS_WEBHOOK_URL: `${sms.url}/send`,
    PAIDAN_SMS_WEBHOOK_SECRET_FILE: secretFile, PAIDAN_CA_BUNDLE: ca.caFile, PAIDAN_NOTIFY_POLL_MS: '200',
    PAIDAN_NOTIFY_RETRY_BASE_MS: '300', PAIDAN_NOTIFY_TIMEOUT_MS: '2000', PAIDAN_SMS_QUIET_HOURS: '00:00-00:00',
    PAIDAN_SMS_DAILY_LIMIT: '1000',
  };
  await h.loadDemo();
  srv = await start();
  ids.category = Number(await h.sql('SELECT min(id) FROM categories'));
  await h.sql(`DELETE FROM robot_webhooks`);
  await h.sql(`INSERT INTO robot_webhooks (scope, scope_id, kind, url) VALUES ('community', ${ids.community}, 'wecom', '${wecom.url}/cgi-bin/webhook/send?key=drill')`);
});

after(async () => {
  await h.sql('DELETE FROM robot_webhooks').catch(() => {});
  if (srv) await srv.stop();
  for (const r of [sms, wecom]) if (r) await r.close();
});

test('slow, failing, down, a kill -9 and back: every notification delivered exactly once per key', { timeout: 120000 }, async () => {
  // Slow: each call outlasts the sender's 2 s timeout, so the receiver takes it and the sender tries again.
  sms.mode = wecom.mode = { delayMs: 5000 };
  for (let i = 0; i < 4; i++) await orderAndReject();
  await h.sleep(3000);
  // Failing.
  sms.mode = wecom.mode = { status: 500 };
  for (let i = 0; i < 4; i++) await orderAndReject();
  await h.sleep(1500);
  // Down, and the server killed in the middle of it.
  await sms.down();
  await wecom.down();
  for (let i = 0; i < 4; i++) await orderAndReject();
  await h.sleep(500);
  await srv.kill();
  srv = await start();
  for (let i = 0; i < 4; i++) await orderAndReject();
  await h.sleep(1000);
  // Back.
  sms.mode = wecom.mode = null;
  await sms.up();
  await wecom.up();

  const list = orders.join(',');
  let rows = [];
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    rows = JSON.parse(await h.sql(`SELECT coalesce(json_agg(json_build_object('key', idempotency_key, 'channel', channel, 'state', state, 'attempts', attempts, 'error', last_error)), '[]') FROM notifications WHERE order_id IN (${list})`));
    if (rows.length === orders.length * 2 && rows.every((n) => n.state === 'sent')) break;
    await h.sleep(250);
  }
  assert.equal(rows.length, orders.length * 2, 'one SMS and one robot message per order');
  assert.deepEqual(rows.filter((n) => n.state !== 'sent'), [], 'all sent in the end');
  for (const n of rows) {
    const rec = n.channel === 'sms' ? sms : wecom;
    assert.ok(rec.delivered.has(n.key), `${n.channel} ${n.key} never reached the receiver`);
  }
  const ours = new Set(rows.map((n) => n.key));
  const seen = (rec) => [...rec.delivered.keys()].filter((k) => ours.has(k)).length;
  assert.equal(seen(sms) + seen(wecom), rows.length, 'each key once as the receivers see it');
  const repeats = [...sms.hits, ...wecom.hits].filter((x) => ours.has(x.key)).length - rows.length;
  console.log(`drill: ${orders.length} orders, ${rows.length} notifications, ${repeats} repeated or failed calls recognised by key; max attempts ${Math.max(...rows.map((n) => n.attempts))}`);
  assert.ok(repeats > 0, 'the drill did make the sender try again');
  assert.equal(sms.rejected.length + wecom.rejected.length, 0);
  // Requests stayed fast while the receivers were slow, failing or down.
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)];
  console.log(`drill: request latency while receivers misbehaved: median ${latencies[latencies.length >> 1].toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
  assert.ok(p95 < 1000, `p95 ${p95} ms`);
});
