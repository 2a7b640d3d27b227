// The small things of the clients' journeys: 接单 gives a few seconds to undo; 开始服务 without a
// connection waits on the phone and is sent once; the tracking code is copied with one tap; a
// member is removed only after a confirmation and added back by name; an administrator corrects
// hours on the volunteer's ledger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, PASSWORD, assertGlossary } from './browser.mjs';

let srv;
let browser;
const ids = {};

async function as(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

/** An order of the demo team taken through the given steps by the API. */
async function order(steps) {
  const who = { community: await as('demo-community'), department: await as('demo-department'), team: await as('demo-team') };
  const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: ids.community, category_id: ids.category, description: h.uniq('journeys'), contact_name: '吴阿姨', contact_phone: h.randomPhone() } });
  assert.equal(r.status, 201, r.text);
  const all = [['dispatch', 'community', { department_id: ids.department }], ['claim', 'department', {}], ['offer', 'department', { team_ids: [ids.team] }], ...steps];
  for (const [action, role, body] of all) {
    const a = await srv.http('POST', `/api/v1/orders/${r.json.id}/${action}`, { body, headers: who[role] });
    assert.equal(a.status, 200, `${action}: ${a.text}`);
  }
  return r.json;
}

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  const n = (q) => h.sql(q).then(Number);
  ids.community = await n("SELECT community_id FROM users WHERE username = 'demo-community'");
  ids.department = await n("SELECT department_id FROM users WHERE username = 'demo-department'");
  ids.team = await n("SELECT team_id FROM users WHERE username = 'demo-team'");
  ids.volunteer = await n("SELECT volunteer_id FROM users WHERE username = 'demo-volunteer'");
  ids.category = await n(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('接单 can be undone in its first seconds, and then goes through', async () => {
  const o = await order([]);
  const p = await newPage(browser, srv.base, { name: 'undo' });
  await p.goto('/team/');
  await login(p, 'demo-team');
  await p.locator(`#offered button[data-accept="${o.id}"]`).click();
  await p.click(`#undo-${o.id}`);
  await p.waitForSelector(`#offered button[data-accept="${o.id}"]`);
  await p.waitForTimeout(5000);
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'claimed', 'undone: not accepted');
  await p.locator(`#offered button[data-accept="${o.id}"]`).click();
  await shot(p, '50-team-accept-undo');
  await p.waitForSelector('#job-state[data-state=accepted]');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'accepted');
  await assertGlossary(p, 'staff');
  await shot(p, '51-team-accepted-secondary-withdraw');
  assert.ok(await p.evaluate(() => {
    const start = document.getElementById('act-start').getBoundingClientRect();
    const back = document.getElementById('act-withdraw').getBoundingClientRect();
    return back.top > start.bottom;
  }), '退单 sits below 开始服务');
  assertClean(p);
  await p.context().close();
});

test('开始服务 without a connection is kept and sent once when back online', async () => {
  const o = await order([['accept', 'team', {}]]);
  const p = await newPage(browser, srv.base, { name: 'offline-start' });
  await p.goto('/team/');
  await login(p, 'demo-team');
  await p.locator(`#active .job[data-id="${o.id}"] a`).click();
  await p.waitForSelector('#act-start');
  await p.context().setOffline(true);
  await p.waitForFunction(() => navigator.onLine === false);
  await p.click('#act-start');
  await p.click('#start-unverified'); // no check-in code here: the start is marked unverified
  await p.waitForSelector('#net:not([hidden])');
  assert.equal(await p.evaluate(() => JSON.parse(localStorage.getItem('paidan.team.outbox'))[0].action), 'start');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'accepted');
  await p.context().setOffline(false);
  await p.waitForFunction(() => JSON.parse(localStorage.getItem('paidan.team.outbox') || '[]').length === 0);
  await p.waitForSelector('#job-state[data-state=in_progress]');
  assert.equal(await h.sql(`SELECT count(*) FROM order_events WHERE order_id = ${o.id} AND action = 'start'`), '1');
  assertClean(p);
  await p.context().close();
});

test('the tracking code is copied with one tap', async () => {
  const p = await newPage(browser, srv.base, { name: 'copy' });
  await p.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
  await p.goto('/');
  await p.fill('#description', h.uniq('copy 想学手机支付'));
  await p.selectOption('#town', String(await h.sql(`SELECT town_id FROM communities WHERE id = ${ids.community}`)));
  await p.selectOption('#community_id', String(ids.community));
  await p.check(`input[name=category_id][value="${ids.category}"]`);
  await p.fill('#contact_name', '孙爷爷');
  await p.fill('#contact_phone', h.randomPhone());
  await p.click('#submit');
  await p.waitForSelector('#done:not([hidden])');
  await p.click('#done-copy');
  await p.waitForFunction(() => document.getElementById('copy-state').textContent.length > 0);
  assert.equal(await p.textContent('#copy-state'), '已复制');
  assert.equal(await p.evaluate(() => navigator.clipboard.readText()), (await p.textContent('#done-code')).trim());
  await shot(p, '52-resident-copied');
  assertClean(p);
  await p.context().close();
});

test('a member is removed only after a confirmation, and added back by name', async () => {
  const member = await h.sql(`SELECT v.id || '|' || v.name FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id WHERE m.team_id = ${ids.team} AND m.role = 'member' ORDER BY v.id DESC LIMIT 1`);
  const [vid, name] = member.split('|');
  const p = await newPage(browser, srv.base, { name: 'members', viewport: { width: 1280, height: 800 } });
  await p.goto('/console/');
  await login(p, 'demo-admin');
  await p.waitForSelector('#queue-rows tr');
  await p.goto('/console/#/teams');
  await p.click(`button[data-members="${ids.team}"]`);
  await p.click(`button[data-remove="${vid}"]`);
  await p.waitForSelector('#remove-yes');
  await shot(p, '53-console-remove-confirm');
  await p.click('#remove-no');
  await p.waitForSelector(`button[data-remove="${vid}"]`);
  assert.equal(await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${ids.team} AND volunteer_id = ${vid}`), '1', 'kept when not confirmed');
  await p.click(`button[data-remove="${vid}"]`);
  await p.click('#remove-yes');
  await p.waitForFunction((v) => !document.querySelector(`button[data-remove="${v}"]`), vid);
  assert.equal(await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${ids.team} AND volunteer_id = ${vid}`), '0');
  await p.fill('#member-search', name);
  await p.click(`#member-found button[data-pick="${vid}"]`);
  await p.click('#member-add');
  await p.waitForSelector(`button[data-remove="${vid}"]`);
  assert.equal(await h.sql(`SELECT role FROM team_members WHERE team_id = ${ids.team} AND volunteer_id = ${vid}`), 'member');
  await shot(p, '54-console-members');
  assertClean(p);
  await p.context().close();
});

test("an administrator corrects hours on the volunteer's ledger", async () => {
  await order([['accept', 'team', {}], ['start', 'team', {}],
    ['complete', 'team', { summary: '讲了防诈骗。', hours: [{ volunteer_id: ids.volunteer, hours: '3.00' }] }], ['confirm', 'community', {}]]);
  const record = await h.sql(`SELECT max(id) FROM service_records WHERE volunteer_id = ${ids.volunteer} AND status = 'verified'`);
  const p = await newPage(browser, srv.base, { name: 'ledger', viewport: { width: 360, height: 740 } });
  await p.goto('/console/');
  await login(p, 'demo-admin');
  await p.waitForSelector('#queue-rows tr');
  await p.goto('/console/#/volunteers');
  await p.click(`button[data-ledger="${ids.volunteer}"]`);
  await p.click(`button[data-correct="${record}"]`);
  await p.fill('#corr-hours', '2.5');
  await p.fill('#corr-reason', '实际服务了两个半小时');
  await shot(p, '55-console-correct-hours');
  await p.click('#correction-form button[type=submit]');
  await p.waitForSelector(`tr.superseded[data-record="${record}"]`);
  assert.equal(await h.sql(`SELECT hours || ' ' || correction_reason FROM service_records WHERE corrects_id = ${record}`), '2.50 实际服务了两个半小时');
  assertClean(p);
  await p.context().close();
});
