// 工作限额 in the console (administrators) at 360 px and 1280 px: the county's defaults and one
// category's own offer deadline are set on the page; a refused value is named next to the form; what
// was saved is what the database holds. The limits are put back afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot, login, overflow, PHONE, DESKTOP, PASSWORD } from './browser.mjs';

let srv;
let browser;
let original;
let token;

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-admin', password: PASSWORD } });
  token = r.json.token;
  original = (await srv.http('GET', '/api/v1/settings/limits', { headers: { Authorization: `Bearer ${token}` } })).json;
});

after(async () => {
  if (original) {
    await srv.http('PUT', '/api/v1/settings/limits', { headers: { Authorization: `Bearer ${token}` }, body: {
      claim_limit: original.claim_limit, accept_limit: original.accept_limit, offer_hours: original.offer_hours,
      categories: original.categories.map((c) => ({ id: c.id, offer_hours: c.offer_hours })) } });
  }
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

for (const [label, viewport, claim, hours] of [['360', PHONE, 13, 11], ['1280', DESKTOP, 14, 12]]) {
  test(`an administrator sets the work limits on the console (${label} px)`, async () => {
    const p = await newPage(browser, srv.base, { name: `limits-${label}`, viewport });
    p.allowed.push(/status of 422.*\/api\/v1\/settings\/limits/); // the 0 refused on purpose
    await p.goto('/console/');
    await p.waitForSelector('#username');
    await login(p, 'demo-admin');
    await p.waitForSelector('#nav a[data-nav=limits]', { state: 'attached' });
    await p.goto('/console/#/limits');
    await p.waitForSelector('#limits-form');
    const cat = original.categories[0].id;
    await p.fill('#limit-claim', '0');
    await p.click('#limits-save');
    await p.waitForSelector('#limits-error:not([hidden])');
    assert.match(await p.textContent('#limits-error'), /部门领单上限/);
    await p.fill('#limit-claim', String(claim));
    await p.fill(`#limit-cat-${cat}`, String(hours));
    await p.click('#limits-save');
    for (let i = 0; i < 100 && (await h.sql('SELECT claim_limit FROM county_settings')) !== String(claim); i++) await h.sleep(50);
    assert.equal(await h.sql('SELECT claim_limit FROM county_settings'), String(claim));
    assert.equal(await h.sql(`SELECT offer_hours FROM categories WHERE id = ${cat}`), String(hours));
    assert.match(await h.sql("SELECT payload FROM admin_events WHERE action = 'work_limits.set' ORDER BY seq DESC LIMIT 1"),
      new RegExp(`^claim_limit=${claim};`));
    assert.deepEqual(await overflow(p), []);
    await shot(p, `95-console-work-limits-${label}`);
    assertClean(p);
    await p.context().close();
  });
}
