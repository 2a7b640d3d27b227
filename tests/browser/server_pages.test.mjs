// Issue 15 where the clients meet the server: the 404 page a browser gets, the catalog's organizer
// and 不清楚/其他 on the form, and hours waiting for confirmation in the volunteer's ledger, each at
// 360 px and 1280 px with no axe-core violation. Screenshots: 8x-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, PASSWORD, axeViolations, overflow, PHONE, DESKTOP } from './browser.mjs';

let srv;
let browser;
const ids = {};

async function as(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

/** axe at 360 and 1280 px, and nothing sticking out at 360 px or at 180 CSS px (200 % zoom). */
async function looked(p, label) {
  const report = [];
  for (const [name, viewport, axe] of [['360', PHONE, true], ['1280', DESKTOP, true], ['zoom', { width: 180, height: 370 }, false]]) {
    await p.setViewportSize(viewport);
    await p.waitForTimeout(100);
    if (axe) for (const v of await axeViolations(p)) report.push(`${label} ${name}: axe: ${v}`);
    if (name !== '1280') for (const o of await overflow(p)) report.push(`${label} ${name}: ${o}`);
  }
  await p.setViewportSize(PHONE);
  assert.deepEqual(report, [], 'accessibility and layout problems');
}

before(async () => {
  await h.loadDemo();
  srv = await h.startServer({ args: ['--organizer-phone', '0797-4288000'] });
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

test('a mistyped address or /track without its slash shows a Chinese page with a way back', async () => {
  const p = await newPage(browser, srv.base, { name: '404', bypassCSP: true });
  p.allowed.push(/404/); // the browser logs the 404 status of the page itself
  for (const path of ['/track', '/no-such-page']) {
    const res = await p.goto(path);
    assert.equal(res.status(), 404);
    assert.equal(await p.textContent('h1'), '没有这个页面');
  }
  await looked(p, '404');
  await shot(p, '80-not-found');
  await Promise.all([p.waitForURL(/\/track\/$/), p.click('a[href="/track/"]')]);
  await p.waitForSelector('#code');
  assertClean(p);
  await p.context().close();
});

test('the form names who runs the service and a number to call, and offers 不清楚/其他 last', async () => {
  const p = await newPage(browser, srv.base, { name: 'form-organizer', bypassCSP: true });
  await p.goto('/');
  await p.waitForSelector('#categories .choice');
  assert.match(await p.textContent('#who-runs'), /县科学技术协会/);
  assert.equal(await p.getAttribute('#who-runs a[href^="tel:"]', 'href'), 'tel:0797-4288000');
  const last = p.locator('#categories .choice').last();
  assert.match(await last.textContent(), /不清楚\/其他/);
  await shot(p, '81-form-organizer-other');
  assertClean(p);
  await p.context().close();
});

test('a volunteer sees hours waiting for confirmation apart from the confirmed ones', async () => {
  const who = { community: await as('demo-community'), department: await as('demo-department'), team: await as('demo-team') };
  const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: ids.community, category_id: ids.category, description: h.uniq('待确认时长'), contact_name: '吴阿姨', contact_phone: h.randomPhone() } });
  assert.equal(r.status, 201, r.text);
  for (const [action, role, body] of [['dispatch', 'community', { department_id: ids.department }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [ids.team] }], ['accept', 'team', {}], ['start', 'team', {}],
    ['complete', 'team', { summary: '教会了视频通话。', hours: [{ volunteer_id: ids.volunteer, hours: '1.5' }] }]]) {
    const a = await srv.http('POST', `/api/v1/orders/${r.json.id}/${action}`, { body, headers: who[role] });
    assert.equal(a.status, 200, `${action}: ${a.text}`);
  }
  const p = await newPage(browser, srv.base, { name: 'pending-hours', bypassCSP: true });
  await p.goto('/team/');
  await p.waitForSelector('#username');
  await login(p, 'demo-volunteer');
  await p.waitForSelector('#tabs:not([hidden])');
  await p.goto('/team/#/hours');
  await p.waitForSelector('#hours-pending');
  assert.match(await p.textContent('#hours-pending'), /等社区确认/);
  assert.match(await p.textContent('#hours-pending'), new RegExp(`PD${String(r.json.id).padStart(8, '0')}.*1\\.5 小时`));
  const total = await p.textContent('#hours-total');
  assert.doesNotMatch(total, /等/, 'the confirmed total stands apart');
  await looked(p, 'team hours');
  await shot(p, '82-team-hours-pending');
  assertClean(p);
  await p.context().close();
});

test("the resident's status page updates by itself when the order moves (live, with the key's stream token)", async () => {
  const c = await srv.http('GET', '/api/v1/catalog');
  const o = await srv.http('POST', '/api/v1/orders', { body: { community_id: ids.community, category_id: c.json.categories[0].id, description: h.uniq('实时'), contact_name: '孙爷爷', contact_phone: h.randomPhone() } });
  assert.equal(o.status, 201, o.text);
  const p = await newPage(browser, srv.base, { name: 'track-live', bypassCSP: true });
  const urls = [];
  p.on('request', (req) => urls.push(req.url()));
  await p.goto(`/track/${o.json.tracking_code}#key=${o.json.resident_key}`);
  await p.waitForSelector('#state[data-state="submitted"]');
  await p.waitForSelector('body[data-live="open"]');
  const t0 = Date.now();
  const d = await srv.http('POST', `/api/v1/orders/${o.json.id}/dispatch`, { body: { department_id: ids.department }, headers: await as('demo-community') });
  assert.equal(d.status, 200, d.text);
  await p.waitForSelector('#state[data-state="dispatched"]', { timeout: 15000 });
  const ms = Date.now() - t0;
  console.log(`the status page showed the dispatch ${ms} ms after it (polling would take up to 30 s)`);
  assert.ok(ms < 15000);
  assert.ok(!urls.some((u) => u.includes(o.json.resident_key)), 'the key is never in a requested URL');
  await looked(p, 'track live');
  await shot(p, '83-track-live');
  assertClean(p);
  await p.context().close();
});

test('"remember this phone" on the team app asks for a device session', async () => {
  const p = await newPage(browser, srv.base, { name: 'remember', bypassCSP: true });
  await p.goto('/team/');
  await p.waitForSelector('#username');
  await p.check('#remember');
  await looked(p, 'team login remember');
  await shot(p, '84-team-login-remember');
  const [res] = await Promise.all([p.waitForResponse((r) => r.url().endsWith('/api/v1/sessions') && r.request().method() === 'POST'), login(p, 'demo-team')]);
  const body = await res.json();
  assert.equal(body.device, true);
  assert.ok(Date.parse(body.expires_at) - Date.now() > 29 * 24 * 3600e3, body.expires_at);
  await p.waitForSelector('#tabs:not([hidden])');
  assertClean(p);
  await p.context().close();
});

test('the console lists accounts and disables one only after a confirmation', async () => {
  const admin = await as('demo-admin');
  const v = await srv.http('POST', '/api/v1/volunteers', { body: { name: '停用测试', phone: h.randomPhone() }, headers: admin });
  assert.equal(v.status, 201, v.text);
  const username = h.uniq('acct').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  const u = await srv.http('POST', '/api/v1/users', { body: { username, password: 'acct-test-pw', display_name: '停用测试', role: 'volunteer', volunteer_id: v.json.id }, headers: admin });
  assert.equal(u.status, 201, u.text);
  const p = await newPage(browser, srv.base, { name: 'accounts', bypassCSP: true });
  await p.goto('/console/');
  await p.waitForSelector('#username');
  await login(p, 'demo-admin');
  await p.waitForSelector('#queue-rows tr');
  await p.goto('/console/#/accounts');
  await p.fill('#acct-search', username);
  await p.waitForSelector(`tr[data-account="${u.json.id}"] button[data-disable]`);
  await p.click(`tr[data-account="${u.json.id}"] button[data-disable]`);
  await p.waitForSelector('#disable-yes');
  assert.equal(await h.sql(`SELECT disabled FROM users WHERE id = ${u.json.id}`), 'f', 'nothing happens before the confirmation');
  await looked(p, 'accounts confirm');
  await shot(p, '85-console-account-disable');
  await p.click('#disable-yes');
  await p.waitForSelector(`tr[data-account="${u.json.id}"] button[data-enable]`);
  assert.equal(await h.sql(`SELECT disabled FROM users WHERE id = ${u.json.id}`), 't');
  await p.click(`tr[data-account="${u.json.id}"] button[data-enable]`);
  await p.waitForSelector(`tr[data-account="${u.json.id}"] button[data-disable]`);
  assert.equal(await h.sql(`SELECT disabled FROM users WHERE id = ${u.json.id}`), 'f');
  assertClean(p);
  await p.context().close();
});

test('the form without JavaScript looks like the JavaScript one, and so do its answers', async () => {
  const p = await newPage(browser, srv.base, { name: 'form-plain', bypassCSP: true });
  p.allowed.push(/status of 422/); // the answer naming the mistakes
  await p.goto('/form'); // the page has no script: with or without JavaScript it is the same page
  await p.waitForSelector('form[action="/api/v1/orders"] .choices .choice');
  assert.equal(await p.evaluate(() => getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor), await p.evaluate(async () => {
    const probe = Object.assign(document.createElement('a'), { className: 'btn primary' });
    document.body.append(probe);
    const c = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return c;
  }), 'the submit button is the clients\' primary button');
  await looked(p, 'form without script');
  await shot(p, '86-form-plain');
  await p.fill('#contact_name', '王');
  await p.fill('#contact_phone', '123');
  await p.fill('#description', '想学用手机');
  await p.check('input[name=category_id] >> nth=0');
  await p.evaluate(() => { for (const n of document.querySelectorAll('[required]')) n.removeAttribute('required'); });
  await Promise.all([p.waitForNavigation(), p.click('button[type=submit]')]);
  assert.match(await p.textContent('h1'), /请检查填写内容/);
  assert.doesNotMatch(await p.textContent('main'), /[A-Za-z]{4,}/, 'no English in the messages');
  await looked(p, 'form errors without script');
  await shot(p, '87-form-plain-errors');
  assertClean(p);
  await p.context().close();
});
