// The 点单 form without JavaScript: "/" sends such a browser to the server-rendered /form, whose
// plain form post gets the tracking-code page back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot } from './browser.mjs';

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

test('with JavaScript off, the form posts and shows the tracking code', async () => {
  const p = await newPage(browser, srv.base, { javaScriptEnabled: false, name: 'no-js' });
  const community = Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'"));
  const category = Number(await h.sql('SELECT min(id) FROM categories'));
  const description = `${h.uniq('nojs')} 请人来讲讲怎么防电信诈骗`;
  const phone = h.randomPhone();

  await p.goto('/');
  await p.waitForURL(/\/form$/);
  await p.waitForSelector('form[action="/api/v1/orders"][method=post]');
  await shot(p, '30-nojs-form');
  await p.selectOption('select[name=community_id]', String(community));
  await p.check(`input[name=category_id][value="${category}"]`);
  await p.fill('textarea[name=description]', description);
  await p.fill('input[name=contact_name]', '张大爷');
  await p.fill('input[name=contact_phone]', phone);
  await p.fill('input[name=preferred_time]', '工作日晚上');
  await Promise.all([p.waitForNavigation(), p.click('button[type=submit]')]);
  const code = (await p.textContent('.code')).trim();
  assert.match(code, h.TRACKING_CODE_RE);
  assert.equal(await h.sql(`SELECT tracking_code FROM orders WHERE description = ${h.lit(description)}`), code);
  assert.match(await p.getAttribute(`a[href^="/form/track/${code}?key="]`, 'href'), /^\/form\/track\/[A-Z0-9]{10}\?key=[A-Za-z0-9_-]{32}$/);
  // The link's page works without JavaScript: the resident cancels with the key the page posts back.
  await Promise.all([p.waitForNavigation(), p.click(`a[href^="/form/track/${code}?key="]`)]);
  await p.waitForSelector('form[action$="/cancel"] input[name=resident_key]', { state: 'attached' });
  await Promise.all([p.waitForNavigation(), p.click('form[action$="/cancel"] button[type=submit]')]);
  assert.equal(await h.sql(`SELECT state FROM orders WHERE tracking_code = '${code}'`), 'cancelled');
  assert.ok((await p.textContent('body')).includes('已取消'), 'the page says it is cancelled');
  await shot(p, '31-nojs-done');
  assertClean(p);
  await p.context().close();
});
