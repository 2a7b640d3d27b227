// 代点单 (issue 14, rule 1): a community worker enters an order for a resident who phoned, walked in
// or called the hotline. The order records its channel and who entered it, the submit event names the
// worker, the chain holds both (audit verify names a changed channel), the same checks as the public
// form apply, statistics count orders by channel, and the CSV names orders by 工单号.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, bin, dbUrl, validRefs, orderBody, randomPhone, uniq } from './harness.mjs';

/** What `paidan audit verify` says of this order's chain (it exits 1 when it names something broken). */
function verify(orderId) {
  return new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', '--order', String(orderId), '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
let refs;
let community; // {token, user}

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  const me = await srv.http('GET', '/api/v1/me', { headers: { Authorization: `Bearer ${r.json.token}` } });
  assert.equal(me.status, 200, me.text);
  return { token: r.json.token, user: me.json };
}

const as = (who) => ({ Authorization: `Bearer ${who.token}` });

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  refs = await validRefs(srv);
  community = await login('demo-community');
});

after(async () => {
  if (srv) await srv.stop();
});

test('a phoned-in order records its channel and the worker who entered it, in the order and its chain', async () => {
  const before = await srv.http('GET', '/api/v1/stats/summary', { headers: as(community) });
  assert.equal(before.status, 200, before.text);
  assert.deepEqual(Object.keys(before.json.orders_by_source), ['web', 'phone', 'visit', 'hotline', 'menu']);

  const body = orderBody(refs, { community_id: community.user.community_id, contact_phone: randomPhone(), source: 'phone' });
  const r = await srv.http('POST', '/api/v1/orders', { body, headers: as(community) });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.source, 'phone');
  assert.equal(r.json.entered_by, community.user.id);
  assert.ok(r.json.tracking_code && r.json.resident_key, 'the slip gets the tracking code and the resident key');
  assert.match(r.json.work_no, /^PD\d{8}$/);

  const ev = (await sql(`SELECT actor_role || '|' || actor_user_id || '|' || payload FROM order_events
                          WHERE order_id = ${r.json.id} AND seq = 1`)).split('|');
  assert.equal(ev[0], 'community', 'the submit event names the worker, not the resident');
  assert.equal(Number(ev[1]), community.user.id);
  assert.match(ev[2], new RegExp(`;source=phone;entered_by=${community.user.id}$`));

  const detail = await srv.http('GET', `/api/v1/orders/${r.json.id}`, { headers: as(community) });
  assert.equal(detail.json.source, 'phone');
  assert.equal(detail.json.events[0].actor_role ?? detail.json.events[0].actor, 'community');

  const after_ = await srv.http('GET', '/api/v1/stats/summary', { headers: as(community) });
  assert.equal(after_.json.orders_by_source.phone, before.json.orders_by_source.phone + 1, 'statistics count it by channel');
  assert.equal(after_.json.orders_by_source.web, before.json.orders_by_source.web);
  assert.equal(after_.json.entered_by_staff, before.json.entered_by_staff + 1);

  // A visit, a hotline call: each its own channel.
  for (const source of ['visit', 'hotline']) {
    const x = await srv.http('POST', '/api/v1/orders', {
      body: orderBody(refs, { community_id: community.user.community_id, contact_phone: randomPhone(), source }),
      headers: as(community),
    });
    assert.equal(x.status, 201, x.text);
    assert.equal(x.json.source, source);
  }
  const last = await srv.http('GET', '/api/v1/stats/summary', { headers: as(community) });
  assert.equal(last.json.orders_by_source.visit, before.json.orders_by_source.visit + 1);
  assert.equal(last.json.orders_by_source.hotline, before.json.orders_by_source.hotline + 1);

  // The channel is in the chain: changing it in the database is named by audit verify.
  const clean = await verify(r.json.id);
  assert.ok(!clean.includes(`(${r.json.work_no})`), `verify has nothing to say about ${r.json.work_no}`);
  await sql(`UPDATE orders SET source = 'visit' WHERE id = ${r.json.id}`);
  const broken = await verify(r.json.id);
  assert.match(broken, new RegExp(`BROKEN: order ${r.json.id} \\(${r.json.work_no}\\)`));
  await sql(`UPDATE orders SET source = 'phone' WHERE id = ${r.json.id}`);
});

test('a resident on the public form is always "web"; the same checks as the public form apply to staff', async () => {
  const web = await srv.http('POST', '/api/v1/orders', { body: orderBody(refs, { contact_phone: randomPhone() }) });
  assert.equal(web.status, 201, web.text);
  assert.equal(web.json.source, 'web');
  assert.equal(web.json.entered_by, null);
  assert.equal(await sql(`SELECT actor_role || '|' || COALESCE(actor_user_id::text, '') FROM order_events WHERE order_id = ${web.json.id}`), 'resident|');

  const claim = await srv.http('POST', '/api/v1/orders', { body: orderBody(refs, { contact_phone: randomPhone(), source: 'hotline' }) });
  assert.equal(claim.status, 422, 'an anonymous submit may not pretend to be a hotline call');
  assert.ok(claim.json.error.fields.source);

  const fax = await srv.http('POST', '/api/v1/orders', {
    body: orderBody(refs, { community_id: community.user.community_id, contact_phone: randomPhone(), source: 'fax' }),
    headers: as(community),
  });
  assert.equal(fax.status, 422);
  assert.ok(fax.json.error.fields.source);

  const bad = await srv.http('POST', '/api/v1/orders', {
    body: orderBody(refs, { community_id: community.user.community_id, contact_phone: '123', description: '', source: 'phone' }),
    headers: as(community),
  });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.contact_phone && bad.json.error.fields.description, 'the public form\'s checks');

  // Staff default to "phone" when they do not say.
  const dflt = await srv.http('POST', '/api/v1/orders', {
    body: orderBody(refs, { community_id: community.user.community_id, contact_phone: randomPhone() }),
    headers: as(community),
  });
  assert.equal(dflt.status, 201, dflt.text);
  assert.equal(dflt.json.source, 'phone');
});

test('a community worker enters orders for their own community only', async () => {
  const other = refs.catalog.towns.flatMap((t) => t.communities).find((c) => c.id !== community.user.community_id);
  const r = await srv.http('POST', '/api/v1/orders', {
    body: orderBody(refs, { community_id: other.id, contact_phone: randomPhone(), source: 'visit', description: uniq('other') }),
    headers: as(community),
  });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'forbidden');
});
