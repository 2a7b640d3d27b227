// The county's work limits set by an administrator (issue 14, rule 4's "the county sets the defaults;
// categories may override"): admin only; every field checked (422 naming it); the change and its
// record in the admin chain are one statement; what it sets is what the claim and the sweep use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, bin, dbUrl } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
const who = {};
let original;

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

const put = (body, as = who.admin) => srv.http('PUT', '/api/v1/settings/limits', { body, headers: as });

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  for (const u of ['admin', 'community', 'department', 'team']) who[u] = await login(`demo-${u}`);
  original = (await srv.http('GET', '/api/v1/settings/limits', { headers: who.admin })).json;
});

after(async () => {
  // Put back what was there, so no other test sees these limits.
  if (original) {
    await put({ claim_limit: original.claim_limit, accept_limit: original.accept_limit, offer_hours: original.offer_hours,
      categories: original.categories.map((c) => ({ id: c.id, offer_hours: c.offer_hours })) });
  }
  if (srv) await srv.stop();
});

test('only an administrator reads or sets the limits', async () => {
  for (const u of ['community', 'department', 'team']) {
    assert.equal((await srv.http('GET', '/api/v1/settings/limits', { headers: who[u] })).status, 403);
    assert.equal((await put({ claim_limit: 3 }, who[u])).status, 403);
  }
  assert.equal((await srv.http('GET', '/api/v1/settings/limits')).status, 401);
  const r = await srv.http('GET', '/api/v1/settings/limits', { headers: who.admin });
  assert.equal(r.status, 200, r.text);
  assert.ok(Number.isInteger(r.json.claim_limit) && Number.isInteger(r.json.accept_limit) && Number.isInteger(r.json.offer_hours));
  assert.ok(r.json.categories.length > 3 && 'offer_hours' in r.json.categories[0]);
});

test('bad input is 422 naming the field, and nothing changes', async () => {
  const before = await sql('SELECT claim_limit || \'/\' || accept_limit || \'/\' || offer_hours FROM county_settings');
  const cat = original.categories[0].id;
  for (const [body, field] of [
    [{ claim_limit: 0 }, 'claim_limit'], [{ accept_limit: 10001 }, 'accept_limit'], [{ offer_hours: 'x' }, 'offer_hours'],
    [{ categories: {} }, 'categories'], [{ categories: [{ id: cat, offer_hours: 0 }] }, 'categories'],
    [{ categories: [{ id: cat, offer_hours: 5 }, { id: cat, offer_hours: 6 }] }, 'categories'],
    [{ claim_limit: 5, categories: [{ id: 99999999, offer_hours: 5 }] }, 'categories'], [{}, 'claim_limit'],
  ]) {
    const r = await put(body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.error.fields[field], `${JSON.stringify(body)} names ${field}: ${r.text}`);
  }
  assert.equal(await sql('SELECT claim_limit || \'/\' || accept_limit || \'/\' || offer_hours FROM county_settings'), before);
});

test('a change takes effect and is recorded in the admin chain by the same statement; the chain verifies', async () => {
  const [a, b] = original.categories;
  const seq = Number(await sql('SELECT COALESCE(max(seq), 0) FROM admin_events'));
  const r = await put({ claim_limit: 7, offer_hours: 30, categories: [{ id: a.id, offer_hours: 5 }, { id: b.id, offer_hours: null }] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.claim_limit, r.json.accept_limit, r.json.offer_hours], [7, original.accept_limit, 30]);
  assert.equal(r.json.categories.find((c) => c.id === a.id).offer_hours, 5);
  assert.equal(r.json.categories.find((c) => c.id === b.id).offer_hours, null);
  assert.equal(await sql('SELECT claim_limit || \'/\' || offer_hours FROM county_settings'), '7/30');
  // What the claim and the sweep read: the category's own deadline, else the county's.
  assert.equal(await sql(`SELECT (extract(epoch FROM paidan_offer_deadline(${a.id}, timestamptz '2026-01-01 00:00Z') - timestamptz '2026-01-01 00:00Z') / 3600)::int`), '5');
  assert.equal(await sql(`SELECT (extract(epoch FROM paidan_offer_deadline(${b.id}, timestamptz '2026-01-01 00:00Z') - timestamptz '2026-01-01 00:00Z') / 3600)::int`), '30');
  const admin = await sql("SELECT id FROM users WHERE username = 'demo-admin'");
  assert.equal(await sql(`SELECT actor_user_id || '|' || action || '|' || target || '|' || payload FROM admin_events WHERE seq > ${seq}`),
    `${admin}|work_limits.set|work_limits|claim_limit=7;offer_hours=30;categories=${a.id}:5,${b.id}:-`);
  const out = await new Promise((resolve) => execFile(bin(), ['audit', 'verify', '--database-url', dbUrl()],
    { timeout: 120000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => resolve(`${stdout}\n${stderr}`)));
  // Other tests break the admin chain and load orders without events on purpose (trust_chains,
  // stats): only what verify says of this change counts, wherever this file runs.
  assert.match(out, /intact|BROKEN/, `verify ran: ${out.slice(0, 500)}`);
  const mine = out.split('\n').filter((l) => l.includes(`admin chain: event ${seq + 1} `) || l.includes('work_limits'));
  assert.deepEqual(mine, [], 'verify has nothing to say of this change');
});
