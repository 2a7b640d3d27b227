// Issue 13, check-in at the resident's door, at 360×740: the resident's tracking page shows the
// 6-digit code and its QR, changing every minute; the team app takes it typed, and scanned from the
// QR through a fake camera with the npm decoder (jsQR: this Chromium has no BarcodeDetector, and the
// test removes it besides); a start queued offline and sent minutes later is still verified; the
// console shows the code for a resident without a phone and flags an unverified start where the
// hours are confirmed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, PASSWORD } from './browser.mjs';

let srv;
let browser;
const ids = {};

async function as(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

/** An order accepted by the demo team, made through the API: {id, tracking_code, resident_key}. */
async function acceptedOrder() {
  const who = { community: await as('demo-community'), department: await as('demo-department'), team: await as('demo-team') };
  const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: ids.community, category_id: ids.category, description: h.uniq('签到'), contact_name: '钟奶奶', contact_phone: h.randomPhone() } });
  assert.equal(r.status, 201, r.text);
  for (const [action, role, body] of [['dispatch', 'community', { department_id: ids.department }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [ids.team] }], ['accept', 'team', {}]]) {
    const a = await srv.http('POST', `/api/v1/orders/${r.json.id}/${action}`, { body, headers: who[role] });
    assert.equal(a.status, 200, `${action}: ${a.text}`);
  }
  return r.json;
}

const startNote = (id) => h.sql(`SELECT note FROM order_events WHERE order_id = ${id} AND action = 'start'`);

/** The resident's page of the order, on a phone: returns it with the code it shows. */
async function residentPage(o, name) {
  const p = await newPage(browser, srv.base, { name });
  // Once the team has started, the next look for a code is answered 409 and the panel goes away.
  p.allowed.push(/status of 409 .*\/checkin/);
  await p.goto(`/track/${o.tracking_code}#key=${o.resident_key}`);
  await p.waitForSelector('#checkin-code[data-code]');
  return p;
}
const shownCode = (p) => p.getAttribute('#checkin-code', 'data-code');

/** The team app on a phone, signed in as the demo team, on the order's page with the start form open. */
async function teamAtDoor(o, name, init) {
  const p = await newPage(browser, srv.base, { name });
  if (init) await p.addInitScript(init.fn, init.arg);
  await p.goto('/team/');
  await login(p, 'demo-team');
  await p.locator(`#active .job[data-id="${o.id}"] a`).click();
  await p.click('#act-start');
  await p.waitForSelector('#start-form');
  return p;
}

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  const n = (q) => h.sql(q).then(Number);
  ids.community = await n("SELECT community_id FROM users WHERE username = 'demo-community'");
  ids.department = await n("SELECT department_id FROM users WHERE username = 'demo-department'");
  ids.team = await n("SELECT team_id FROM users WHERE username = 'demo-team'");
  ids.category = await n(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('the resident sees the code change every minute; the team types it and the start is verified on site', async () => {
  const o = await acceptedOrder();
  const r = await residentPage(o, 'checkin-resident');
  const first = await shownCode(r);
  assert.match(first, /^\d{6}$/);
  assert.equal(await r.locator('#checkin-qr svg.qr').count(), 1, 'its QR code');
  await shot(r, '60-resident-checkin-code');
  // The next minute's code replaces it by itself.
  await r.waitForFunction((c) => document.querySelector('#checkin-code')?.dataset.code !== c, first, { timeout: 75000 });
  const code = await shownCode(r);
  assert.notEqual(code, first);

  const p = await teamAtDoor(o, 'checkin-typed');
  p.allowed.push(/status of 422 .*\/start/); // the wrong code below, refused on purpose
  await shot(p, '61-team-checkin-form');
  // A wrong code is refused in Chinese and the order stays where it was.
  await p.fill('#checkin-input', code === '000000' ? '111111' : '000000');
  await p.click('#checkin-submit');
  await p.waitForSelector('#err-checkin:not([hidden])');
  assert.match(await p.textContent('#err-checkin'), /签到码不正确或已过期/);
  await shot(p, '62-team-checkin-wrong');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'accepted');
  await p.fill('#checkin-input', await shownCode(r));
  await p.click('#checkin-submit');
  await p.waitForSelector('#job-state[data-state=in_progress]');
  assert.match(await startNote(o.id), /^到场核验：已核验/);
  // Started: the resident's page no longer shows a code.
  await r.reload();
  await r.waitForSelector('#state[data-state=in_progress]');
  assert.equal(await r.locator('#checkin').count(), 0);
  assertClean(r, p);
  await r.context().close();
  await p.context().close();
});

test('the team scans the QR code from a camera through the npm decoder', async () => {
  const o = await acceptedOrder();
  const r = await residentPage(o, 'checkin-resident-qr');
  // The QR the resident's page shows, as an image the fake camera films.
  const svg = await r.evaluate(() => new XMLSerializer().serializeToString(document.querySelector('#checkin-qr svg')));
  // Fake camera: getUserMedia answers a canvas stream showing the QR code on a grey "table"; no
  // BarcodeDetector, so the app must load the npm decoder.
  const fake = (svgText) => {
    delete window.BarcodeDetector;
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const ctx = canvas.getContext('2d');
    const img = new Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
    const paint = () => {
      ctx.fillStyle = '#888';
      ctx.fillRect(0, 0, 640, 480);
      if (img.complete && img.naturalWidth) ctx.drawImage(img, 170, 90, 300, 300);
    };
    setInterval(paint, 50);
    navigator.mediaDevices.getUserMedia = async () => { paint(); return canvas.captureStream(10); };
  };
  const p = await teamAtDoor(o, 'checkin-scan', { fn: fake, arg: svg });
  await p.click('#checkin-scan');
  await p.waitForSelector('#job-state[data-state=in_progress]', { timeout: 60000 });
  assert.equal(await p.evaluate(() => typeof window.jsQR), 'function', 'decoded by jsQR from npm');
  assert.match(await startNote(o.id), /^到场核验：已核验/);
  await shot(p, '63-team-checkin-scanned');
  assertClean(r, p);
  await r.context().close();
  await p.context().close();
});

test('a start queued offline at the door and sent minutes later is still verified', async () => {
  const o = await acceptedOrder();
  const r = await residentPage(o, 'checkin-resident-offline');
  const p = await teamAtDoor(o, 'checkin-offline');
  await p.context().setOffline(true);
  await p.waitForFunction(() => navigator.onLine === false);
  await p.fill('#checkin-input', await shownCode(r));
  await p.click('#checkin-submit');
  await p.waitForSelector('#net:not([hidden])');
  const queued = await p.evaluate(() => JSON.parse(localStorage.getItem('paidan.team.outbox'))[0]);
  assert.equal(queued.action, 'start');
  assert.match(queued.body.checkin.code, /^\d{6}$/);
  // Until the resident's code has changed twice (61–121 s): by the time it is sent, the code is no
  // longer good for the minute it arrives in; only the time it was taken makes it good.
  let changes = 0;
  for (let last = queued.body.checkin.code; changes < 2;) {
    await r.waitForFunction((c) => document.querySelector('#checkin-code')?.dataset.code !== c, last, { timeout: 75000 });
    last = await shownCode(r);
    changes++;
  }
  assert.ok(Date.now() - queued.body.checkin.taken_at > 60000, 'sent more than a minute after it was taken');
  await p.context().setOffline(false);
  await p.waitForFunction(() => JSON.parse(localStorage.getItem('paidan.team.outbox') || '[]').length === 0, null, { timeout: 60000 });
  await p.waitForSelector('#job-state[data-state=in_progress]');
  assert.match(await startNote(o.id), /^到场核验：已核验/);
  assertClean(r, p);
  await r.context().close();
  await p.context().close();
});

test('the console shows the code for a resident without a phone, and flags a start without one at confirmation', async () => {
  const o = await acceptedOrder();
  const c = await newPage(browser, srv.base, { name: 'checkin-console', viewport: { width: 1280, height: 800 } });
  await c.goto('/console/');
  await login(c, 'demo-community');
  await c.goto(`/console/#/order/${o.id}`);
  await c.click('#show-checkin');
  await c.waitForSelector('#console-checkin-code[data-code]');
  const code = await c.getAttribute('#console-checkin-code', 'data-code');
  assert.match(code, /^\d{6}$/);
  await shot(c, '64-console-checkin-code');

  // Another order is started without a code: the confirmation says so.
  const o2 = await acceptedOrder();
  const p = await teamAtDoor(o2, 'checkin-without');
  await p.click('#start-unverified');
  await p.waitForSelector('#job-state[data-state=in_progress]');
  assert.match(await startNote(o2.id), /^到场核验：未核验/);
  const team = await as('demo-team');
  const members = (await h.sql(`SELECT volunteer_id FROM team_members WHERE team_id = ${ids.team} ORDER BY volunteer_id LIMIT 1`)).split('\n').map(Number);
  const done = await srv.http('POST', `/api/v1/orders/${o2.id}/complete`, { body: { summary: '上门讲解', hours: [{ volunteer_id: members[0], hours: 1 }] }, headers: team });
  assert.equal(done.status, 200, done.text);
  await c.goto(`/console/#/order/${o2.id}`);
  await c.click('#act-confirm');
  await c.waitForSelector('#form-confirm #checkin-flag[data-verification=unverified]');
  assert.match(await c.textContent('#form-confirm #checkin-flag'), /未到场核验/);
  await shot(c, '65-console-confirm-unverified');
  assertClean(c, p);
  await c.context().close();
  await p.context().close();
});
