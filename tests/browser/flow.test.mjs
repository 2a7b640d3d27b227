// One order through the three web clients at a 360×740 viewport: a resident orders it, a community
// worker dispatches it in the console, the department claims it and offers it to a suggested team,
// the team lead accepts it in the team app while another console page shows the new state without a
// reload, completes it with hours, the community confirms the hours, and the resident rates it.
// Every page is also photographed at 360×740 and 1280×800 (tests/browser/screenshots/).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login } from './browser.mjs';

let srv;
let browser;
const pages = [];
const ids = {};
const order = {};

async function page(name, opts) {
  const p = await newPage(browser, srv.base, { name, ...opts });
  pages.push(p);
  return p;
}

/** A summary of the shape announced for GET /api/v1/stats/summary, for drawing before it exists. */
const SAMPLE_SUMMARY = {
  orders_by_state: { submitted: 4, dispatched: 2, claimed: 3, accepted: 1, in_progress: 2, completed: 5, closed: 21, rejected: 1, cancelled: 2 },
  stage_hours: {
    dispatch: { median: '3.50', p90: '20.00', n: 38 }, claim: { median: '5.00', p90: '22.50', n: 35 },
    accept: { median: '10.25', p90: '40.00', n: 30 }, start: { median: '24.00', p90: '60.00', n: 28 },
    complete: { median: '2.00', p90: '6.00', n: 27 }, confirm: { median: '12.00', p90: '48.00', n: 21 },
  },
  overdue_open: 3,
  escalated: 2,
  hours: {
    total: '312.75',
    by_team: [{ team_id: 1, name: '县科协科普志愿服务队', hours: '120.50' }, { team_id: 2, name: '县教科体局科技教师志愿服务队', hours: '80.25' }],
    by_town: [{ town_id: 1, name: '历市镇', hours: '150.00' }, { town_id: 2, name: '岿美山镇', hours: '62.75' }],
    by_department: { 县科协: '180.00', 县卫健委: '132.75' },
    by_month: [{ month: '2026-09', hours: '80.00' }, { month: '2026-10', hours: '112.25' }, { month: '2026-11', hours: '120.50' }],
  },
  satisfaction: { average: '4.6', rated: 18, rated_share: 0.72 },
};

describe('an order through the web clients', () => {
  before(async () => {
    await h.loadDemo();
    srv = await h.startServer();
    browser = await launch();
    ids.community = Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'"));
    ids.department = Number(await h.sql("SELECT department_id FROM users WHERE username = 'demo-department'"));
    ids.team = Number(await h.sql("SELECT team_id FROM users WHERE username = 'demo-team'"));
    ids.town = Number(await h.sql(`SELECT town_id FROM communities WHERE id = ${ids.community}`));
    // A service kind of the demo department, so that its staff can claim the order.
    ids.category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`));
    assert.ok(ids.community && ids.department && ids.team && ids.category, 'demo accounts carry their scopes');
  });

  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('a resident submits the 点单 form and sees the tracking code the database holds', async () => {
    const p = await page('resident');
    order.description = `${h.uniq('browser')} 想学用手机视频通话`;
    order.phone = h.randomPhone();
    await p.goto('/');
    await p.waitForSelector('#order-form:not([hidden])');
    await shot(p, '01-resident-form');

    // Sending it empty shows what to fix, next to each field.
    await p.click('#submit');
    await p.waitForSelector('#error-summary:not([hidden])');
    assert.ok(await p.isVisible('#err-contact_phone'), 'the phone field says what to fix');
    await shot(p, '02-resident-form-errors');

    await p.selectOption('#town', String(ids.town));
    await p.selectOption('#community_id', String(ids.community));
    await p.check(`input[name=category_id][value="${ids.category}"]`);
    await p.fill('#description', order.description);
    await p.fill('#contact_name', '李奶奶');
    await p.fill('#contact_phone', '12345');
    await p.locator('#contact_phone').blur();
    assert.ok(await p.isVisible('#err-contact_phone'), 'a wrong phone is flagged inline');
    await p.fill('#contact_phone', `${order.phone.slice(0, 3)} ${order.phone.slice(3, 7)} ${order.phone.slice(7)}`);
    await p.fill('#address', '历市镇 和平路 12 号');
    await p.fill('#preferred_time', '周六上午');
    await p.click('#submit');
    await p.waitForSelector('#done:not([hidden])');
    order.code = (await p.textContent('#done-code')).trim();
    assert.match(order.code, h.TRACKING_CODE_RE);
    assert.equal(await h.sql(`SELECT tracking_code FROM orders WHERE description = ${h.lit(order.description)}`), order.code,
      'the code shown is the one stored');
    assert.equal(await h.sql(`SELECT contact_phone FROM orders WHERE tracking_code = '${order.code}'`), order.phone);
    order.id = Number(await h.sql(`SELECT id FROM orders WHERE tracking_code = '${order.code}'`));
    assert.match(await p.getAttribute('#done-track', 'href'), new RegExp(`^/track/${order.code}#key=[A-Za-z0-9_-]{32}$`), 'the link carries the resident key in its fragment');
    assert.equal(await p.evaluate(() => sessionStorage.getItem('paidan.pending')), null, 'the idempotency key is dropped after success');
    await shot(p, '03-resident-done');

    await p.click('#done-track');
    await p.waitForSelector('#state[data-state=submitted]');
    assert.ok(await p.isVisible('#cancel-open'), 'a new order can still be cancelled');
    await shot(p, '04-track-submitted');
    const lookup = await page('resident-lookup');
    await lookup.goto('/track/');
    await lookup.fill('#code', order.code.toLowerCase());
    await lookup.click('form button[type=submit]');
    await lookup.waitForSelector('#state[data-state=submitted]');
    await lookup.goto('/track/');
    await shot(lookup, '04b-track-lookup');
    assertClean(lookup);
    await lookup.context().close();
    assertClean(p);
    // From the team's accept the page shows the check-in code and refreshes it; a refresh that reaches
    // the server after the team started is answered 409 (the panel then goes away). The browser logs
    // that status as a console error, and how the race falls depends on the machine's speed.
    p.allowed.push(/status of 409 .*\/checkin/);
    order.resident = p;
  });

  test('a community worker dispatches it in the console', async () => {
    const p = await page('community');
    await p.goto('/console/');
    await p.waitForSelector('#username');
    await shot(p, '05-console-login');
    await login(p, 'demo-community');
    const row = p.locator(`#queue-rows tr[data-id="${order.id}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'submitted');
    await shot(p, '06-console-queue');
    await row.locator('a.code-link').click();
    await p.waitForSelector('#act-dispatch');
    await p.click('#act-dispatch');
    assert.equal(await p.inputValue('#dispatch-department'), String(ids.department), "the category's department is preselected");
    await p.fill('#dispatch-note', '请尽快安排');
    await shot(p, '07-console-dispatch');
    await p.click('#action-submit');
    await p.waitForSelector('#detail-state .badge[data-state=dispatched]');
    assert.equal(await h.sql(`SELECT state || ' ' || department_id FROM orders WHERE id = ${order.id}`), `dispatched ${ids.department}`);
    assertClean(p);
    order.community = p;
  });

  test('the department claims it and offers it to a suggested team', async () => {
    const p = await page('department', { viewport: { width: 360, height: 740 } });
    await p.goto('/console/');
    await login(p, 'demo-department');
    await p.locator(`#queue-rows tr[data-id="${order.id}"] a.code-link`).click();
    await p.click('#act-claim');
    await p.click('#action-submit');
    await p.waitForSelector('#detail-state .badge[data-state=claimed]');
    await p.click('#act-offer');
    const team = p.locator(`#suggested label.suggestion[data-team="${ids.team}"]`);
    await team.waitFor();
    assert.ok((await team.locator('.reasons li').count()) > 0, 'each suggestion says why');
    await team.locator('input').check();
    await shot(p, '08-console-offer');
    await p.click('#action-submit');
    await p.waitForSelector('#offers li');
    assert.equal(await h.sql(`SELECT string_agg(team_id::text, ',') FROM order_offers WHERE order_id = ${order.id}`), String(ids.team));
    await shot(p, '09-console-offered');
    assertClean(p);
    order.department = p;
  });

  test('the team lead accepts it in the team app; the consoles show it without a reload', async () => {
    // Mark the open console pages: a reload would wipe these marks.
    for (const c of [order.department, order.community]) await c.evaluate(() => { window.__notReloaded = true; });
    await order.community.click('a.back');
    // The queue opens on 待我处理 (issue 14); the offered order waits on a team, so it is under 全部 —
    // after the escalated ones, which the whole suite leaves in this community past the first page.
    // The worker looks it up as they would: by its words.
    if (await order.community.isVisible('.filters-toggle')) await order.community.click('.filters-toggle'); // folded on a phone
    await order.community.fill('#f-q', order.description.split(' ')[0]);
    await order.community.press('#f-q', 'Enter');
    await order.community.waitForSelector(`#queue-rows tr[data-id="${order.id}"]`);

    const p = await page('team');
    await p.goto('/team/');
    await p.waitForSelector('#username');
    await shot(p, '10-team-login');
    await login(p, 'demo-team');
    const accept = p.locator(`#offered button[data-accept="${order.id}"]`);
    await accept.waitFor();
    await shot(p, '11-team-jobs');
    await accept.click();
    await p.waitForSelector('#job-state[data-state=accepted]');
    await shot(p, '12-team-accepted');

    await order.department.waitForSelector('#detail-state .badge[data-state=accepted]');
    await order.community.waitForSelector(`#queue-rows tr[data-id="${order.id}"][data-state=accepted]`);
    for (const c of [order.department, order.community]) {
      assert.equal(await c.evaluate(() => window.__notReloaded), true, 'updated in place, not reloaded');
    }
    await shot(order.department, '13-console-live-accepted');
    assertClean(p, order.department, order.community);
    order.team = p;
  });

  test('the team starts and completes it with hours per member', async () => {
    const p = order.team;
    await p.click('#act-start');
    await p.click('#start-unverified'); // the check-in code at the door is tested in checkin.test.mjs
    await p.waitForSelector('#job-state[data-state=in_progress]');
    await p.click('#act-complete');
    await p.waitForSelector('#complete-form');
    await p.fill('#complete-summary', '教会李奶奶用手机视频通话和网上挂号。');
    const rows = p.locator('#hours-rows .hours-row');
    assert.ok((await rows.count()) >= 2, 'the team members are listed');
    order.volunteers = [Number(await rows.nth(0).getAttribute('data-volunteer')), Number(await rows.nth(1).getAttribute('data-volunteer'))];
    await rows.nth(0).locator('input.hours').fill('1.5');
    await rows.nth(1).locator('input.hours').fill('2.25');
    assert.equal(await p.textContent('#hours-total'), '合计 3.75 小时');
    await shot(p, '14-team-complete-form');
    await p.click('#complete-submit');
    await p.waitForSelector('#job-state[data-state=completed]');
    assert.equal(await h.sql(`SELECT string_agg(volunteer_id || '=' || hours, ',' ORDER BY volunteer_id) FROM service_records WHERE order_id = ${order.id}`),
      [[order.volunteers[0], '1.50'], [order.volunteers[1], '2.25']].sort((a, b) => a[0] - b[0]).map(([v, x]) => `${v}=${x}`).join(','),
      'exact hours, one record per member');
    await shot(p, '15-team-completed');
    await p.click('#tabs a[data-tab=members]');
    await p.waitForSelector('ul.members li');
    await shot(p, '15b-team-members');
    assertClean(p);
  });

  test('the community confirms the hours', async () => {
    const p = order.community;
    await p.waitForSelector(`#queue-rows tr[data-id="${order.id}"][data-state=completed]`);
    await p.locator(`#queue-rows tr[data-id="${order.id}"] a.code-link`).click();
    await p.click('#act-confirm');
    await p.waitForSelector('#form-confirm #records-total');
    assert.equal(await p.textContent('#form-confirm #records-total'), '3.75', 'the hours are shown before confirming');
    await shot(p, '16-console-confirm');
    await p.click('#action-submit');
    await p.waitForSelector('#detail-state .badge[data-state=closed]');
    assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${order.id}`), 'closed');
    assert.equal(await h.sql(`SELECT count(*) FROM service_records WHERE order_id = ${order.id} AND status = 'verified'`), '2');
    await shot(p, '17-console-closed');
    assertClean(p);
  });

  test('the resident rates it on the status page', async () => {
    const p = order.resident;
    await p.reload();
    await p.waitForSelector('#state[data-state=closed]');
    await p.waitForSelector('#eval-form');
    await p.click('label[for=star-5]');
    await p.fill('#eval-comment', '志愿者很耐心，谢谢！');
    await shot(p, '18-track-evaluate');
    await p.click('#eval-form button[type=submit]');
    await p.waitForSelector('#evaluation');
    assert.equal(await h.sql(`SELECT rating || ' ' || comment FROM evaluations WHERE order_id = ${order.id}`), '5 志愿者很耐心，谢谢！');
    assert.equal(await p.locator('#timeline li[data-action=evaluate]').count(), 1);
    await shot(p, '19-track-rated');
    assertClean(p);
  });

  test('a volunteer sees the confirmed hours and opens the certificate', async () => {
    const volunteer = Number(await h.sql("SELECT volunteer_id FROM users WHERE username = 'demo-volunteer'"));
    const p = await page('volunteer');
    await p.goto('/team/');
    await login(p, 'demo-volunteer');
    await p.waitForSelector('#tabs a[data-tab=hours]');
    await p.click('#tabs a[data-tab=hours]');
    await p.waitForSelector('#hours-total');
    assert.match(await p.textContent('#hours-total'), /^累计 \d+(\.\d{1,2})? 小时$/, 'hours as people write them (2.5, not 2.50)');
    assert.ok(volunteer > 0);
    await shot(p, '20-team-hours');
    const [cert] = await Promise.all([p.context().waitForEvent('page'), p.click('#certificate')]);
    // A real address that can be shared (not a blob:), the same certificate when asked again.
    await cert.waitForURL(/\/certificates\/[23456789A-HJKMNP-Z]{12}$/);
    await cert.waitForLoadState();
    assert.match(await cert.textContent('h1'), /志愿服务记录证明/);
    const number = await cert.textContent('#number');
    assert.equal(await cert.locator('svg.qr').count(), 1, 'the QR code of the verify URL');
    await shot(cert, '21-team-certificate');
    const again = await p.evaluate(async (id) => {
      const token = JSON.parse(localStorage.getItem('paidan.team.session') || 'null')?.token;
      const res = await fetch(`/api/v1/volunteers/${id}/certificates`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
      return { status: res.status, json: await res.json() };
    }, volunteer);
    assert.equal(again.status, 200, 'asked again: the same certificate, not a new one');
    assert.equal(again.json.number, number, 'asked twice, one number');
    assertClean(p, cert);
  });

  test('the admin pages: dashboard, volunteers and teams', async () => {
    const p = await page('admin', { viewport: { width: 1280, height: 800 } });
    // The summary and exports are being built on the server: until then the page says so (a 404).
    p.allowed.push(/status of 404.*\/api\/v1\/(stats\/summary|export\/)/);
    // The registry form below is sent with a bad phone on purpose: the 422 is the point.
    p.allowed.push(/status of 422.*\/api\/v1\/volunteers/);
    await p.goto('/console/');
    await login(p, 'demo-admin');
    await p.waitForSelector('#queue-rows tr');
    await p.click('#nav a[data-nav=dashboard]');
    await p.waitForSelector('#dash .tiles, #dash-unavailable');
    await shot(p, '22-console-dashboard');
    if (await p.isVisible('#dash-unavailable')) {
      // Until the server has the summary, draw the charts from a sample of the announced shape.
      await p.route('**/api/v1/stats/summary*', (route) => route.fulfill({ json: SAMPLE_SUMMARY }));
      await p.reload();
      await p.waitForSelector('#dash .tiles');
      await p.unroute('**/api/v1/stats/summary*');
    }
    assert.equal(await p.locator('#chart-states svg rect').count() > 0, true, 'orders per state are drawn');
    assert.equal(await p.locator('#chart-stages svg').count(), 1, 'stage times are drawn');
    await shot(p, '22-console-dashboard-charts');
    // CSV export: fetched with the Bearer header, saved from a Blob.
    const probe = await srv.http('GET', '/api/v1/export/orders.csv'); // 401 when it exists (no session here)
    if (probe.status !== 404) {
      const [download] = await Promise.all([p.waitForEvent('download'), p.click('#export-orders')]);
      assert.match(download.suggestedFilename(), /orders-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = (await import('node:fs')).readFileSync(await download.path(), 'utf8');
      assert.ok(text.includes(order.description), 'the export holds the order of this test');
    }
    await p.click('#nav a[data-nav=volunteers]');
    await p.waitForSelector('#vol-rows tr[data-id], #reg-unavailable');
    await shot(p, '23-console-volunteers');
    if (await p.isVisible('#vol-new')) {
      await p.click('#vol-new');
      await p.fill('#vol-name', '测试志愿者');
      await p.fill('#vol-phone', '123');
      await p.click('#vol-form button[type=submit]');
      await p.waitForSelector('#err-phone:not([hidden])');
      await shot(p, '24-console-volunteer-form');
    }
    await p.click('#nav a[data-nav=teams]');
    await p.waitForSelector('#team-rows tr[data-id], #reg-unavailable');
    await shot(p, '25-console-teams');
    assertClean(p);
  });

  test('no page logged a console error or a page error', () => {
    assertClean(...pages.filter((p) => !p.isClosed()));
  });
});
