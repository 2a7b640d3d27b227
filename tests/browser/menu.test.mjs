// The service menu (issue 14, rule 3) at 360 px and 1280 px: a team publishes a service from its app
// (服务清单 tab); a resident opens the menu on the 点单 page, filters by town, books the last place and
// sees their tracking page with the service; the next resident joins the waiting list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, overflow, assertGlossary, PHONE, DESKTOP } from './browser.mjs';

let srv;
let browser;
const ids = {};

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  ids.community = Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'"));
  ids.town = Number(await h.sql(`SELECT town_id FROM communities WHERE id = ${ids.community}`));
  ids.otherTown = Number(await h.sql(`SELECT min(id) FROM towns WHERE id <> ${ids.town}`));
  ids.team = Number(await h.sql("SELECT team_id FROM users WHERE username = 'demo-team'"));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const title = h.uniq('智能手机视频通话课').slice(0, 40);

for (const [label, viewport] of [['360', PHONE], ['1280', DESKTOP]]) {
  test(`a team publishes a service from its app (${label} px)`, async () => {
    const p = await newPage(browser, srv.base, { name: `menu-team-${label}`, viewport });
    p.allowed.push(/status of 422.*\/api\/v1\/services/); // the date in the past, refused on purpose
    await p.goto('/team/');
    await login(p, 'demo-team');
    await p.waitForSelector('#tabs a[data-tab=services]');
    await p.click('#tabs a[data-tab=services]');
    await p.waitForSelector('#svc-form');
    const name = `${title}-${label}`;
    await p.fill('#svc-title', name);
    await p.selectOption('#svc-town_id', String(ids.town));
    await p.fill('#svc-place', '历市镇文化站二楼');
    // The server names a field it refuses: a date in the past.
    await p.fill('#svc-starts_at', '2020-01-01T09:00');
    await p.fill('#svc-capacity', '1');
    await p.click('#svc-publish');
    await p.waitForSelector('#svc-err-starts_at:not([hidden])');
    assert.match(await p.textContent('#svc-err-starts_at'), /今天以后/);
    const d = new Date(Date.now() + 9 * 86400000).toISOString().slice(0, 10);
    await p.fill('#svc-starts_at', `${d}T09:30`);
    await p.click('#svc-publish');
    await p.waitForFunction((n) => [...document.querySelectorAll('#svc-list li')].some((li) => li.textContent.includes(n)), name);
    assert.deepEqual(await overflow(p), []);
    await shot(p, `90-team-service-menu-${label}`);
    ids[`service${label}`] = Number(await h.sql(`SELECT id FROM services WHERE title = ${h.lit(name)}`));
    assert.equal(await h.sql(`SELECT team_id || '/' || capacity FROM services WHERE title = ${h.lit(name)}`), `${ids.team}/1`);
    assertClean(p);
    await p.context().close();
  });

  test(`a resident books the last place from the menu on the form; the next one waits (${label} px)`, async () => {
    const name = `${title}-${label}`;
    const p = await newPage(browser, srv.base, { name: `menu-resident-${label}`, viewport });
    await p.goto('/');
    await p.click('#menu summary');
    await p.waitForSelector('#menu-town option:nth-child(2)', { state: 'attached' });
    // Filtered by another town, the service is not there; by its own, it is.
    await p.selectOption('#menu-town', String(ids.otherTown));
    await p.waitForFunction(() => document.querySelector('#menu-state').textContent !== '正在加载，请稍等……');
    assert.equal(await p.locator(`li.service[data-service="${ids[`service${label}`]}"]`).count(), 0);
    await p.selectOption('#menu-town', String(ids.town));
    const card = p.locator(`li.service[data-service="${ids[`service${label}`]}"]`);
    await card.waitFor();
    assert.match(await card.textContent(), /还剩 1 个名额/);
    await shot(p, `91-resident-service-menu-${label}`);
    await card.locator('button').click();
    await p.waitForSelector('#booking:not([hidden])');
    assert.ok(await p.isHidden('#f-category_id'), 'the kind of help comes from the service');
    assert.match(await p.inputValue('#description'), new RegExp(name));
    await p.selectOption('#community_id', String(ids.community));
    await p.fill('#contact_name', '赵奶奶');
    await p.fill('#contact_phone', h.randomPhone());
    assert.deepEqual(await overflow(p), []);
    await shot(p, `92-resident-booking-form-${label}`);
    await p.click('#submit');
    await p.waitForSelector('#done:not([hidden])');
    assert.match(await p.textContent('#done-booking'), /预约成功/);
    const code = (await p.textContent('#done-code')).trim();
    assert.equal(await h.sql(`SELECT state || '/' || source || '/' || team_id FROM orders WHERE tracking_code = ${h.lit(code)}`), `accepted/menu/${ids.team}`);
    await p.click('#done-track');
    await p.waitForSelector('#state');
    assert.equal(await p.getAttribute('#state', 'data-state'), 'accepted');
    assert.match(await p.textContent('.facts'), new RegExp(name));
    await assertGlossary(p, 'resident');
    await shot(p, `93-resident-booking-tracked-${label}`);
    assertClean(p);
    await p.context().close();

    // The next resident finds it full and joins the waiting list.
    const q = await newPage(browser, srv.base, { name: `menu-resident2-${label}`, viewport });
    await q.goto('/');
    await q.click('#menu summary');
    const full = q.locator(`li.service[data-service="${ids[`service${label}`]}"]`);
    await full.waitFor();
    assert.match(await full.textContent(), /名额已满/);
    await full.locator('button').click();
    await q.waitForSelector('#booking:not([hidden])');
    await q.selectOption('#town', String(ids.town));
    await q.selectOption('#community_id', String(ids.community));
    await q.fill('#contact_name', '钱爷爷');
    await q.fill('#contact_phone', h.randomPhone());
    await q.click('#submit');
    await q.waitForSelector('#done:not([hidden])');
    assert.match(await q.textContent('#done-booking'), /候补/);
    await q.click('#done-track');
    await q.waitForSelector('#waiting');
    assert.equal(await q.getAttribute('#state', 'data-state'), 'waitlisted');
    await assertGlossary(q, 'resident');
    await shot(q, `94-resident-waiting-list-${label}`);
    assertClean(q);
    await q.context().close();
  });
}
