// Issue 13, 签到 / 签退 and photos at 360×740: two volunteers are signed in and out in the team app;
// at completion their hours pass the signed span, so the form asks why (the server refuses without a
// reason); the team attaches a photo (resized in the browser); the resident sees it on the tracking
// page; the confirming community sees span and claim side by side with the reasons, and the photo
// (1280×800).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, PASSWORD, DESKTOP } from './browser.mjs';

let srv;
let browser;
const ids = {};
// A 64×48 JPEG made with libjpeg-turbo for the tests.
const PHOTO = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD57htParsNp7VqQ2ftV2G09q+1niThwuLMuG09quQ2ntWrDZ+1XYbP2riniT6TC4syobT2q7Dae1akNp7Vdhs/auOeJPpcLizLhtParkNp7Vqw2ntV2Gz9q454k+lwuLOHhtParkNp7Vqw2ftV2Gz9q0niT+aMLjDKhtParsNp7VqQ2ftV2Gz9q454k+lwmMMuG09quQ2ntWrDae1XYbP2rjniT6TCYwyobT2q7Dae1akNp7Vdhs/auKeJPpcJjDh4bP2q7Dae1asNn7VchtPatZ4k/mnC4sy4bT2q7Dae1akNn7Vdhs/auOeJPpMLizKhtParsNp7Vqw2ftVyG09q454k+lwuLMuG09quQ2ntWrDae1XYbP2riniT6TC4s//Z', 'base64');

async function as(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
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
  ids.members = (await h.sql(`SELECT volunteer_id FROM team_members WHERE team_id = ${ids.team} ORDER BY volunteer_id LIMIT 2`)).split('\n').map(Number);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('two volunteers sign in and out; hours beyond the span need a reason; the community sees both', async () => {
  const who = { community: await as('demo-community'), department: await as('demo-department'), team: await as('demo-team') };
  const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: ids.community, category_id: ids.category, description: h.uniq('签到签退'), contact_name: '曾大爷', contact_phone: h.randomPhone() } });
  assert.equal(r.status, 201, r.text);
  const o = r.json;
  for (const [action, role, body] of [['dispatch', 'community', { department_id: ids.department }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [ids.team] }], ['accept', 'team', {}], ['start', 'team', {}]]) {
    const a = await srv.http('POST', `/api/v1/orders/${o.id}/${action}`, { body, headers: who[role] });
    assert.equal(a.status, 200, `${action}: ${a.text}`);
  }

  const p = await newPage(browser, srv.base, { name: 'attendance-team' });
  p.allowed.push(/status of 422 .*\/complete/); // refused on purpose: hours beyond the span without a reason
  await p.goto('/team/');
  await login(p, 'demo-team');
  await p.locator(`#active .job[data-id="${o.id}"] a`).click();
  await p.waitForSelector('#attendance');
  const [a, b] = ids.members;
  for (const v of [a, b]) {
    await p.click(`#sign-in-${v}`);
    await p.waitForSelector(`#sign-out-${v}`);
  }
  await shot(p, '70-team-signed-in');
  for (const v of [a, b]) {
    await p.click(`#sign-out-${v}`);
    await p.waitForSelector(`#sign-in-${v}`);
  }
  assert.match(await p.textContent(`#attendance-status-${a}`), /签退/);
  assert.equal(await h.sql(`SELECT count(*) FROM order_events WHERE order_id = ${o.id} AND action IN ('sign_in', 'sign_out')`), '4');

  await p.click('#act-complete');
  await p.waitForSelector('#complete-form');
  await p.fill('#complete-summary', '帮两位老人设置手机字体和视频通话。');
  const row = (v) => p.locator(`#hours-rows .hours-row[data-volunteer="${v}"]`);
  await row(a).locator('input.hours').fill('1.5');
  await row(b).locator('input.hours').fill('2');
  assert.match(await row(a).locator('.span-note').textContent(), /签到时段 0\.0\d 小时/);
  // Beyond the signed minutes plus half an hour: the form asks why.
  await p.waitForSelector(`#reason-${a}`, { state: 'visible' });
  await p.click('#complete-submit');
  await p.waitForSelector('#err-hours:not([hidden])');
  assert.match(await p.textContent('#err-hours'), /超出签到时段/);
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${o.id}`), 'in_progress', 'refused without a reason');
  await shot(p, '71-team-complete-needs-reason');
  await p.fill(`#reason-${a}`, '签到前已在社区准备讲解材料');
  await p.fill(`#reason-${b}`, '忘记签到，实际在场两小时');
  await p.click('#complete-submit');
  await p.waitForSelector('#job-state[data-state=completed]');
  assert.equal(await h.sql(`SELECT over_span_reason FROM service_records WHERE order_id = ${o.id} AND volunteer_id = ${a}`), '签到前已在社区准备讲解材料');
  // A photo of the service, from the phone's files; resized in the browser, re-encoded by the server.
  await p.waitForSelector('#photos-card');
  await p.setInputFiles('#photo-input', { name: 'service.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
  await p.waitForSelector('#photos img[src^="blob:"]');
  assert.equal(await h.sql(`SELECT count(*) FROM order_photos WHERE order_id = ${o.id}`), '1');
  await shot(p, '73-team-photo');
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 360), 'nothing wider than the phone');
  assertClean(p);
  await p.context().close();

  // The resident sees it on the tracking page (with their key).
  const res = await newPage(browser, srv.base, { name: 'attendance-resident' });
  await res.goto(`/track/${o.tracking_code}#key=${o.resident_key}`);
  await res.waitForSelector('#photos-panel img[src^="blob:"]');
  await shot(res, '74-resident-photos');
  assertClean(res);
  await res.context().close();

  const c = await newPage(browser, srv.base, { name: 'attendance-console', viewport: DESKTOP });
  await c.goto('/console/');
  await login(c, 'demo-community');
  await c.goto(`/console/#/order/${o.id}`);
  await c.click('#act-confirm');
  await c.waitForSelector('#attendance-table');
  const line = c.locator(`#attendance-table tr[data-volunteer="${b}"]`);
  assert.match(await line.textContent(), /2\.00/);
  assert.match(await line.textContent(), /忘记签到/);
  await c.waitForSelector('#photos img[src^="blob:"]');
  await shot(c, '72-console-confirm-span-claim');
  assertClean(c);
  await c.context().close();
});
