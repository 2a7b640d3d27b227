// Community operations on the console (issue 14), at 360 px and 1280 px: 代点单 — a worker enters a
// phoned-in request and gets the slip to print; the queue opens on its tabs with counts, and each
// row says the time left. Screenshots: community-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, login, assertClean, shot, overflow, PHONE, DESKTOP } from './browser.mjs';

let srv;
let browser;

before(async () => {
  await h.loadDemo();
  srv = await h.startServer({ mustBeReady: true });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

for (const [label, viewport] of [['360', PHONE], ['1280', DESKTOP]]) {
  test(`代点单 from the console at ${label} px: a phoned-in request, its slip with the tracking link`, async () => {
    const page = await newPage(browser, srv.base, { viewport, name: `enter-${label}` });
    page.allowed.push(/status of 422 .*\/api\/v1\/orders/); // the empty submit below, on purpose
    await page.goto('/console/');
    await login(page, 'demo-community');
    await page.waitForSelector('#nav a[data-nav="enter"]');
    await page.click('#nav a[data-nav="enter"]');
    await page.waitForSelector('#enter-form');
    assert.deepEqual(await overflow(page), [], 'nothing sticks out');

    // The public form's checks: an empty submit names the fields.
    await page.click('#enter-submit');
    await page.waitForSelector('#err-description:not([hidden])');
    assert.ok(await page.isVisible('#err-contact_phone'));

    const description = h.uniq('代点单 电话里说想学用手机挂号');
    await page.selectOption('#in-source', 'hotline');
    await page.selectOption('#in-category_id', { index: 1 });
    await page.fill('#in-description', description);
    await page.fill('#in-contact_name', '李大爷');
    await page.fill('#in-contact_phone', h.randomPhone());
    await page.fill('#in-address', '历市镇 样例路 8 号');
    await page.click('#enter-submit');
    await page.waitForSelector('#enter-slip');
    const workNo = (await page.textContent('#slip-work-no')).trim();
    const code = (await page.textContent('#slip-code')).trim();
    assert.match(workNo, /^PD\d{8}$/);
    assert.match(code, h.TRACKING_CODE_RE);
    const link = await page.getAttribute('#slip-link', 'href');
    assert.match(link, new RegExp(`/track/${code}#key=[A-Za-z0-9_-]{32}$`), 'the slip carries the resident\'s link with their key');
    assert.deepEqual(await overflow(page), [], 'the slip fits');
    await shot(page, `community-enter-slip-${label}`);

    const row = (await h.sql(`SELECT source || '|' || (entered_by IS NOT NULL) FROM orders WHERE work_no = '${workNo}'`));
    assert.equal(row, 'hotline|true');
    // The resident's link opens their order.
    await page.goto(link);
    await page.waitForSelector('#state[data-state="submitted"], .badge[data-state="submitted"]');
    assertClean(page);
    await page.context().close();
  });
}

for (const [label, viewport] of [['360', PHONE], ['1280', DESKTOP]]) {
  test(`the queue's tabs with counts and time left at ${label} px`, async () => {
    const tag = h.uniq('tabs');
    const community = Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'"));
    const category = Number(await h.sql('SELECT min(id) FROM categories'));
    const make = async () => {
      const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: community, category_id: category, description: `${tag} 想学用手机`, contact_name: '王奶奶', contact_phone: h.randomPhone(), address: '样例路 3 号' } });
      assert.equal(r.status, 201, r.text);
      return r.json;
    };
    const soon = await make();
    const late = await make();
    await h.sql(`UPDATE orders SET due_at = now() + interval '5 hours 10 minutes' WHERE id = ${soon.id}`);
    await h.sql(`UPDATE orders SET due_at = now() - interval '2 hours 10 minutes' WHERE id = ${late.id}`);

    const page = await newPage(browser, srv.base, { viewport, name: `queue-${label}` });
    await page.goto('/console/');
    await login(page, 'demo-community');
    await page.waitForSelector('#queue-tabs #tab-mine[aria-selected="true"]');
    await page.waitForFunction(() => /\d/.test(document.querySelector('#count-mine')?.textContent || ''));
    for (const k of ['mine', 'overdue', 'open', 'done']) assert.match(await page.textContent(`#count-${k}`), /^\s*\d+$/, `${k} has a count`);
    // Searching shows every tab's orders (the tab is the default view, a search looks everywhere).
    await page.goto(`/console/#/queue?q=${encodeURIComponent(tag)}`);
    await page.waitForSelector(`tr.qrow[data-id="${late.id}"]`);
    assert.equal((await page.textContent(`tr.qrow[data-id="${soon.id}"] .left`)).trim(), '还剩 5 小时');
    assert.equal((await page.textContent(`tr.qrow[data-id="${late.id}"] .left`)).trim(), '已超时 2 小时');
    assert.match(await page.getAttribute(`tr.qrow[data-id="${late.id}"] a.tel`, 'href'), /^tel:\d{11}$/, 'the phone is a tel: link');
    assert.match(await page.getAttribute(`tr.qrow[data-id="${late.id}"] a.map`, 'href'), /^geo:0,0\?q=/, 'the address opens the map app');
    // Back to the tabs: 待我处理 holds both (they wait for this community).
    await page.click('#tab-mine');
    await page.waitForSelector(`tr.qrow[data-id="${late.id}"]`);
    await page.click('#tab-done');
    await page.waitForSelector('#queue-rows');
    await page.waitForFunction((id) => !document.querySelector(`tr.qrow[data-id="${id}"]`), late.id);
    assert.deepEqual(await overflow(page), [], 'nothing sticks out');
    await page.click('#tab-mine');
    await page.waitForSelector(`tr.qrow[data-id="${late.id}"]`);
    await shot(page, `community-queue-${label}`);
    assertClean(page);
    await page.context().close();
  });
}
