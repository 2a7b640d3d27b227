// The service menu (issue 14, rule 3): a team or its department publishes standing services; residents
// book a place from the public menu; a booking is an order accepted by the publishing team at once,
// or on the waiting list when full; cancelling a booked place promotes the first waiting in the same
// statement. The database decides the last place, also under concurrent bookings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, bin, dbUrl, randomPhone, uniq, TRACKING_CODE_RE } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
const who = {};
const ids = {};

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

function future(days) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 16); // Beijing time without a zone is fine: days ahead either way
}

const serviceBody = (over = {}) => ({
  category_id: ids.category, town_id: ids.town, title: uniq('智能手机课'), place: '历市镇文化站二楼',
  starts_at: future(7), capacity: 2, ...over,
});

async function publish(over = {}, as = who.team) {
  const r = await srv.http('POST', '/api/v1/services', { body: serviceBody(over), headers: as });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const bookingBody = (over = {}) => ({
  community_id: ids.community, description: uniq('想来上课'), contact_name: '李四',
  contact_phone: randomPhone(), ...over,
});
const book = (service, over = {}, headers = {}) =>
  srv.http('POST', `/api/v1/services/${service}/bookings`, { body: bookingBody(over), headers });
const track = (code) => srv.http('GET', `/api/v1/track/${code}`).then((r) => r.json);
const places = async (id) => (await sql(`SELECT booked || '/' || waiting FROM services WHERE id = ${id}`));

function verifyOutput() {
  return new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  const n = async (q) => Number(await sql(q));
  ids.community = await n("SELECT community_id FROM users WHERE username = 'demo-community'");
  ids.town = await n(`SELECT town_id FROM communities WHERE id = ${ids.community}`);
  ids.otherTown = await n(`SELECT min(id) FROM towns WHERE id <> ${ids.town}`);
  ids.team = await n("SELECT team_id FROM users WHERE username = 'demo-team'");
  ids.department = await n("SELECT department_id FROM users WHERE username = 'demo-department'");
  ids.category = await n('SELECT min(id) FROM categories');
  ids.otherTeam = await n(`SELECT min(id) FROM teams WHERE id <> ${ids.team} AND status = 'active'`);
  ids.foreignTeam = await n(`SELECT min(id) FROM teams WHERE department_id <> ${ids.department} AND status = 'active'`);
  who.team = await login('demo-team');
  who.department = await login('demo-department');
  who.community = await login('demo-community');
});

after(async () => {
  if (srv) await srv.stop();
});

test('publishing: bad input is 422 naming the field; a team or department outside scope is 403', async () => {
  const post = (body, as = who.team) => srv.http('POST', '/api/v1/services', { body, headers: as });
  let r = await post(serviceBody({ capacity: 0 }));
  assert.equal(r.status, 422, r.text);
  assert.ok(r.json.error.fields.capacity, r.text);
  r = await post(serviceBody({ starts_at: 'next week', title: '' }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.starts_at && r.json.error.fields.title, r.text);
  r = await post(serviceBody({ starts_at: undefined }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.starts_at, 'neither a date nor a weekday');
  r = await post(serviceBody({ starts_at: '2020-01-01T09:00' }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.starts_at, 'in the past');
  r = await post(serviceBody({ starts_at: '2099-02-30T09:00' }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.starts_at, 'no such day');
  r = await post(serviceBody({ starts_at: undefined, weekday: 8, time: '25:00', ends_on: '2099-12-31' }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.weekday && r.json.error.fields.time, r.text);
  r = await post(serviceBody({ town_id: 999999 }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.town_id, r.text);

  // A team publishes for itself only; a department for its own teams only; a community never.
  r = await post(serviceBody({ team_id: ids.otherTeam }));
  assert.equal(r.status, 403, r.text);
  r = await post(serviceBody({ team_id: ids.foreignTeam }), who.department);
  assert.equal(r.status, 403, r.text);
  r = await post(serviceBody(), who.community);
  assert.equal(r.status, 403, r.text);
  r = await post(serviceBody({ team_id: ids.team }), who.department);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.team_id, ids.team);
  // Weekly, until an end date.
  const weekly = await publish({ starts_at: undefined, weekday: 3, time: '09:30', ends_on: '2099-06-30' });
  assert.deepEqual([weekly.weekday, weekly.time_of_day, weekly.ends_on], [3, '09:30', '2099-06-30']);
  // Only the team or its department withdraws it.
  r = await srv.http('POST', `/api/v1/services/${weekly.id}/withdraw`, { headers: who.community });
  assert.equal(r.status, 403);
  r = await srv.http('POST', `/api/v1/services/${weekly.id}/withdraw`, { headers: who.department });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.withdrawn_at);
  r = await srv.http('POST', `/api/v1/services/${weekly.id}/withdraw`, { headers: who.team });
  assert.equal(r.status, 409);
  r = await book(weekly.id);
  assert.equal(r.status, 409, 'a withdrawn service takes no bookings');
});

test('the menu is public and filterable by town', async () => {
  const here = await publish();
  const there = await publish({ town_id: ids.otherTown });
  const all = (await srv.http('GET', '/api/v1/services')).json.items.map((s) => s.id);
  assert.ok(all.includes(here.id) && all.includes(there.id));
  const inTown = (await srv.http('GET', `/api/v1/services?town_id=${ids.town}`)).json.items;
  assert.ok(inTown.some((s) => s.id === here.id));
  assert.ok(!inTown.some((s) => s.id === there.id));
  assert.ok(inTown.every((s) => s.town_id === ids.town && s.open));
  const bad = await srv.http('GET', '/api/v1/services?town_id=x');
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.town_id);
});

test('booking up to capacity, then the waiting list, then a cancellation frees a place for the first waiting', async () => {
  const svc = await publish({ capacity: 2 });
  const r1 = await book(svc.id, {}, { 'Idempotency-Key': uniq('menu-key') });
  assert.equal(r1.status, 201, r1.text);
  assert.match(r1.json.tracking_code, TRACKING_CODE_RE);
  assert.ok(r1.json.resident_key);
  assert.equal(r1.json.state, 'accepted');
  assert.equal(r1.json.team_id, ids.team);
  assert.equal(r1.json.source, 'menu');
  assert.equal(r1.json.community_id, ids.community);
  const r2 = await book(svc.id);
  assert.equal(r2.json.state, 'accepted');
  const r3 = await book(svc.id);
  const r4 = await book(svc.id);
  assert.deepEqual([r3.status, r3.json.state, r3.json.team_id], [201, 'waitlisted', null]);
  assert.equal(r4.json.state, 'waitlisted');
  assert.equal(await places(svc.id), '2/2');
  // The same body under a bad field is refused like the form: 422 naming it.
  const bad = await book(svc.id, { contact_phone: '12', description: '' });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.contact_phone && bad.json.error.fields.description, bad.text);
  assert.equal((await book(999999)).status, 404);

  // The resident's tracking page: the service, the place on the list, and cancel.
  const t1 = await track(r1.json.tracking_code);
  assert.equal(t1.state, 'accepted');
  assert.equal(t1.service.title, svc.title);
  assert.ok(t1.actions.includes('cancel'), JSON.stringify(t1.actions));
  const t4 = await track(r4.json.tracking_code);
  assert.equal(t4.waiting_position, 2);
  // The team sees the booked ones as accepted jobs, not the waiting ones.
  const jobs = (await srv.http('GET', '/api/v1/orders?state=accepted&limit=100', { headers: who.team })).json.items.map((o) => o.id);
  assert.ok(jobs.includes(r1.json.id) && jobs.includes(r2.json.id));
  assert.equal((await srv.http('GET', `/api/v1/orders/${r3.json.id}`, { headers: who.team })).status, 403);

  // A wrong key cannot cancel.
  let c = await srv.http('POST', `/api/v1/track/${r1.json.tracking_code}/cancel`, { body: { resident_key: r2.json.resident_key } });
  assert.equal(c.status, 403);
  // Cancelling a booked place: the first waiting becomes accepted, with its own audit event.
  c = await srv.http('POST', `/api/v1/track/${r1.json.tracking_code}/cancel`, { body: { resident_key: r1.json.resident_key, reason: '临时有事' } });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.state, 'cancelled');
  const p3 = await track(r3.json.tracking_code);
  assert.equal(p3.state, 'accepted');
  assert.equal(p3.team_name !== null, true);
  assert.deepEqual(p3.events.map((e) => e.action), ['submit', 'promote']);
  assert.equal(await sql(`SELECT state || ':' || team_id FROM orders WHERE id = ${r3.json.id}`), `accepted:${ids.team}`);
  assert.equal(await places(svc.id), '2/1');
  assert.equal((await track(r4.json.tracking_code)).waiting_position, 1);
  // The waiting one leaves: no place changes hands.
  c = await srv.http('POST', `/api/v1/track/${r4.json.tracking_code}/cancel`, { body: { resident_key: r4.json.resident_key } });
  assert.equal(c.status, 200, c.text);
  assert.equal(await places(svc.id), '2/0');
  // A booked place with nobody waiting is simply freed; the community may cancel for its resident.
  c = await srv.http('POST', `/api/v1/orders/${r2.json.id}/cancel`, { body: { reason: '居民来电取消' }, headers: who.community });
  assert.equal(c.status, 200, c.text);
  assert.equal(await places(svc.id), '1/0');
  const again = await book(svc.id);
  assert.equal(again.json.state, 'accepted');
  // Cancelled twice: 409 with the state.
  c = await srv.http('POST', `/api/v1/track/${r1.json.tracking_code}/cancel`, { body: { resident_key: r1.json.resident_key } });
  assert.equal(c.status, 409);
});

test('the same Idempotency-Key books once', async () => {
  const svc = await publish({ capacity: 1 });
  const key = uniq('menu-idem');
  const body = bookingBody();
  const a = await srv.http('POST', `/api/v1/services/${svc.id}/bookings`, { body, headers: { 'Idempotency-Key': key } });
  const b = await srv.http('POST', `/api/v1/services/${svc.id}/bookings`, { body, headers: { 'Idempotency-Key': key } });
  assert.equal(a.status, 201);
  assert.equal(b.status, 200);
  assert.equal(b.json.id, a.json.id);
  assert.equal(b.json.resident_key, a.json.resident_key);
  assert.equal(await places(svc.id), '1/0');
});

test('concurrent bookings never take more places than the capacity', async () => {
  const svc = await publish({ capacity: 3 });
  const results = await Promise.all(Array.from({ length: 16 }, () => book(svc.id)));
  assert.ok(results.every((r) => r.status === 201), results.map((r) => r.status).join(','));
  const states = results.map((r) => r.json.state);
  assert.equal(states.filter((s) => s === 'accepted').length, 3);
  assert.equal(states.filter((s) => s === 'waitlisted').length, 13);
  assert.equal(await places(svc.id), '3/13');
  assert.equal(await sql(`SELECT count(*) FROM orders WHERE service_id = ${svc.id} AND state = 'accepted'`), '3');
  // Concurrent cancellations of the booked places promote exactly as many waiting, oldest first.
  const booked = results.filter((r) => r.json.state === 'accepted');
  const cancels = await Promise.all(booked.map((r) =>
    srv.http('POST', `/api/v1/track/${r.json.tracking_code}/cancel`, { body: { resident_key: r.json.resident_key } })));
  assert.deepEqual(cancels.map((c) => c.status), [200, 200, 200], cancels.map((c) => c.text).join('\n'));
  assert.equal(await places(svc.id), '3/10');
  const firstWaiting = results.filter((r) => r.json.state === 'waitlisted').map((r) => r.json.id).sort((x, y) => x - y).slice(0, 3);
  assert.equal(await sql(`SELECT string_agg(id::text, ',' ORDER BY id) FROM orders WHERE service_id = ${svc.id} AND state = 'accepted'`),
    firstWaiting.join(','));
});

test('statistics count bookings by source, and every chain written here verifies', async () => {
  const admin = await login('demo-admin');
  const s = await srv.http('GET', '/api/v1/stats/summary', { headers: admin });
  assert.equal(s.status, 200, s.text);
  const menu = Number(await sql("SELECT count(*) FROM orders WHERE source = 'menu'"));
  assert.ok(menu > 20);
  assert.equal(s.json.orders_by_source.menu, menu);
  assert.ok('waitlisted' in s.json.orders_by_state);
  const booked = (await sql('SELECT string_agg(id::text, \',\') FROM orders WHERE service_id IS NOT NULL')).split(',');
  const out = await verifyOutput();
  const broken = out.split('\n').filter((l) => l.startsWith('BROKEN') &&
    booked.some((id) => l.includes(`order ${id} `) || l.includes(`order ${id},`)));
  assert.deepEqual(broken, [], out.slice(0, 2000));
  assert.doesNotMatch(out, /BROKEN.*(promote|source=menu)/);
});
