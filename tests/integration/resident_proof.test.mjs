// Issue 13: the resident's tracking page shows the check-in code and the photos to the one who shows
// the order's resident key OR is signed in to 查我的点单 with the order's phone (one rule,
// paidan_resident_may in sql/087); a session of another phone, or neither, is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, sql, uniq, randomPhone } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
// 64×48, made with libjpeg-turbo (as in photos.test.mjs).
const SMALL = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD57htParsNp7VqQ2ftV2G09q+1niThwuLMuG09quQ2ntWrDZ+1XYbP2riniT6TC4syobT2q7Dae1akNp7Vdhs/auOeJPpcLizLhtParkNp7Vqw2ntV2Gz9q454k+lwuLOHhtParkNp7Vqw2ftV2Gz9q0niT+aMLjDKhtParsNp7VqQ2ftV2Gz9q454k+lwmMMuG09quQ2ntWrDae1XYbP2rjniT6TCYwyobT2q7Dae1akNp7Vdhs/auKeJPpcJjDh4bP2q7Dae1asNn7VchtPatZ4k/mnC4sy4bT2q7Dae1akNn7Vdhs/auOeJPpMLizKhtParsNp7Vqw2ftVyG09q454k+lwuLMuG09quQ2ntWrDae1XYbP2riniT6TC4s//Z', 'base64');
let srv;
const S = {};

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}
const call = (who, method, p, body) => srv.http(method, p, { body, headers: { Authorization: `Bearer ${who.token}` } });
function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

/** A 查我的点单 session cookie for phone, through the real sign-in with a code set in the database. */
async function phoneSession(phone) {
  await sql(`INSERT INTO phone_codes (phone, code_hash, salt, expires_at, sent_at, day_start)
    VALUES ('${phone}', sha256('\\x01'::bytea || convert_to('246810', 'UTF8')), '\\x01', now() + interval '5 minutes', now(), now())
    ON CONFLICT (phone) DO UPDATE SET code_hash = EXCLUDED.code_hash, salt = EXCLUDED.salt, expires_at = EXCLUDED.expires_at, wrong_tries = 0`);
  const r = await srv.http('POST', '/api/v1/resident/sessions', { body: { phone, code: '246810' } });
  assert.equal(r.status, 201, r.text);
  return [].concat(r.headers['set-cookie'] || []).find((c) => c.startsWith('paidan_resident=')).split(';')[0];
}

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  for (const who of ['community', 'department', 'team']) S[who] = await login(`demo-${who}`);
});
after(async () => { if (srv) await srv.stop(); });

async function order(phone, steps) {
  const category = Number(await sql(`SELECT min(id) FROM categories WHERE department_id = ${S.department.user.department_id}`));
  const o = ok(await srv.http('POST', '/api/v1/orders', { body: { community_id: S.community.user.community_id, category_id: category, description: uniq('会话'), contact_name: '冯奶奶', contact_phone: phone } }), 'submit');
  for (const [a, who, body] of [['dispatch', 'community', { department_id: S.department.user.department_id }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [S.team.user.team_id] }], ['accept', 'team', {}], ...steps]) ok(await call(S[who], 'POST', `/api/v1/orders/${o.id}/${a}`, body), a);
  return o;
}

test('the check-in code is shown with the resident key or a 查我的点单 session of the order\'s phone, to no one else', async () => {
  const phone = randomPhone();
  const o = await order(phone, []);
  const get = (headers) => srv.http('GET', `/api/v1/track/${o.tracking_code}/checkin`, { headers });
  const mine = await phoneSession(phone);
  const other = await phoneSession(randomPhone());

  let r = await get({ cookie: mine });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.code, /^\d{6}$/);
  assert.match(r.json.qr_svg, /^<svg/);
  r = await get({ 'X-Resident-Key': o.resident_key });
  assert.equal(r.status, 200, 'the key still works');
  r = await get({ cookie: other });
  assert.equal(r.status, 403, `another phone's session: ${r.text}`);
  r = await get({});
  assert.equal(r.status, 422);
  assert.deepEqual(Object.keys(r.json.error.fields), ['resident_key']);
  r = await get({ cookie: 'paidan_resident=' + 'a'.repeat(64) });
  assert.equal(r.status, 403, 'a made-up session');
  // A session that has run out no longer counts.
  await sql(`UPDATE resident_sessions SET expires_at = now() - interval '1 second' WHERE phone = '${phone}'`);
  assert.equal((await get({ cookie: mine })).status, 403);
});

test('the photos are shown with the resident key or a 查我的点单 session of the order\'s phone, to no one else', async () => {
  const phone = randomPhone();
  const o = await order(phone, [['start', 'team', {}]]);
  const up = await srv.http('POST', `/api/v1/orders/${o.id}/photos`, { raw: SMALL, headers: { Authorization: `Bearer ${S.team.token}`, 'Content-Type': 'image/jpeg' } });
  assert.equal(up.status, 201, up.text);
  const mine = await phoneSession(phone);
  const other = await phoneSession(randomPhone());
  const list = (headers) => srv.http('GET', `/api/v1/track/${o.tracking_code}/photos`, { headers });
  const one = (headers) => srv.http('GET', `/api/v1/track/${o.tracking_code}/photos/1`, { headers });

  let r = await list({ cookie: mine });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  r = await one({ cookie: mine });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'image/jpeg');
  assert.equal((await list({ 'X-Resident-Key': o.resident_key })).status, 200, 'the key still works');
  assert.equal((await list({ cookie: other })).status, 403);
  assert.equal((await one({ cookie: other })).status, 403);
  assert.equal((await list({})).status, 422);
  assert.equal((await one({})).status, 422);
});
