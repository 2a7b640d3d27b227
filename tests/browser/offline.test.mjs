// The team app on a poor connection: the app shell comes from the service worker, a completion
// entered offline waits on the phone and is sent once when the connection is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, PASSWORD } from './browser.mjs';

let srv;
let browser;

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function as(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return r.json.token;
}

/** An order of the demo team, moved to in_progress through the API. */
async function startedOrder() {
  const community = Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'"));
  const department = Number(await h.sql("SELECT department_id FROM users WHERE username = 'demo-department'"));
  const team = Number(await h.sql("SELECT team_id FROM users WHERE username = 'demo-team'"));
  const category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${department}`));
  const r = await srv.http('POST', '/api/v1/orders', {
    body: { community_id: community, category_id: category, description: h.uniq('offline'), contact_name: '王阿姨', contact_phone: h.randomPhone() },
  });
  assert.equal(r.status, 201, r.text);
  const tokens = { community: await as('demo-community'), department: await as('demo-department'), team: await as('demo-team') };
  for (const [action, who, body] of [['dispatch', 'community', { department_id: department }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [team] }], ['accept', 'team', {}], ['start', 'team', {}]]) {
    const a = await srv.http('POST', `/api/v1/orders/${r.json.id}/${action}`, { body, headers: { Authorization: `Bearer ${tokens[who]}` } });
    assert.equal(a.status, 200, `${action}: ${a.text}`);
  }
  return r.json;
}

test('the team app is installable and caches its shell', async () => {
  const p = await newPage(browser, srv.base, { name: 'team-install' });
  await p.goto('/team/');
  const manifest = await p.getAttribute('link[rel=manifest]', 'href');
  const m = await srv.http('GET', manifest);
  assert.equal(m.status, 200);
  assert.equal(m.json.name, '科技志愿服务队');
  for (const icon of m.json.icons) assert.equal((await srv.http('GET', icon.src)).status, 200, icon.src);
  assert.ok(m.json.icons.some((i) => i.type === 'image/png') && m.json.icons.some((i) => i.type === 'image/svg+xml'));
  await p.evaluate(() => navigator.serviceWorker.ready);
  // The cache's name changes with every new shell (the worker drops the old ones): read it, do not pin it.
  const cached = await p.evaluate(async () => {
    const names = (await caches.keys()).filter((k) => k.startsWith('paidan-team-'));
    if (names.length !== 1) return [`caches: ${names}`];
    return (await (await caches.open(names[0])).keys()).map((r) => new URL(r.url).pathname);
  });
  for (const f of ['/team/', '/team/app.js', '/team/style.css', '/common/sse.js']) assert.ok(cached.includes(f), `${f} is cached: ${cached}`);
  // Offline, the app still opens from the cache.
  await p.context().setOffline(true);
  await p.reload();
  await p.waitForSelector('#username');
  await p.context().setOffline(false);
  assertClean(p);
  await p.context().close();
});

test('a completion entered offline is sent once when back online', async () => {
  const o = await startedOrder();
  const p = await newPage(browser, srv.base, { name: 'team-offline' });
  await p.goto('/team/');
  await login(p, 'demo-team');
  await p.locator(`#active .job[data-id="${o.id}"] a`).click();
  await p.waitForSelector('#job-state[data-state=in_progress]');
  await p.click('#act-complete');
  await p.waitForSelector('#complete-form');

  await p.context().setOffline(true);
  await p.waitForFunction(() => navigator.onLine === false);
  await p.fill('#complete-summary', '离线时填写：讲解了防诈骗知识。');
  await p.locator('#hours-rows .hours-row').nth(0).locator('input.hours').fill('2');
  await p.click('#complete-submit');
  await p.waitForSelector('#net:not([hidden])');
  assert.equal(await p.evaluate(() => JSON.parse(localStorage.getItem('paidan.team.outbox')).length), 1, 'kept on the phone');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'in_progress', 'nothing sent while offline');
  await shot(p, '32-team-offline-queued');

  await p.context().setOffline(false);
  await p.waitForFunction(() => JSON.parse(localStorage.getItem('paidan.team.outbox') || '[]').length === 0);
  await p.waitForSelector('#job-state[data-state=completed]');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'completed');
  assert.equal(await h.sql(`SELECT count(*) FROM order_events WHERE order_id = ${o.id} AND action = 'complete'`), '1', 'completed once');
  assert.equal(await h.sql(`SELECT string_agg(hours::text, ',') FROM service_records WHERE order_id = ${o.id}`), '2.00');

  // A second phone that also queued it gets 409 "completed": that counts as sent, not as an error.
  await p.evaluate((item) => localStorage.setItem('paidan.team.outbox', JSON.stringify([item])), {
    id: 'again', order_id: o.id, code: o.tracking_code, action: 'complete',
    body: { summary: '重复', hours: [{ volunteer_id: 1, hours: '2.00' }] }, queued_at: new Date().toISOString(),
  });
  p.allowed.push(/status of 409.*\/complete/);
  await p.context().setOffline(true);
  await p.context().setOffline(false);
  await p.waitForFunction(() => JSON.parse(localStorage.getItem('paidan.team.outbox') || '[]').length === 0);
  assert.equal(await h.sql(`SELECT count(*) FROM order_events WHERE order_id = ${o.id} AND action = 'complete'`), '1', 'still once');
  assertClean(p);
  await p.context().close();
});
