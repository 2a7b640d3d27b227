// The resident pages beyond the happy path: a submit whose answer is lost is retried with the same
// Idempotency-Key (one order, not two); the server's 422 fields appear next to the fields; cancelling
// on the status page asks for the phone's last four digits and says plainly when they are wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, assertClean, shot } from './browser.mjs';

let srv;
let browser;
let refs;

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  refs = {
    community: Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'")),
    category: Number(await h.sql('SELECT min(id) FROM categories')),
  };
  refs.town = Number(await h.sql(`SELECT town_id FROM communities WHERE id = ${refs.community}`));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function fill(p, description, phone) {
  await p.goto('/');
  await p.waitForSelector('#order-form:not([hidden])');
  await p.selectOption('#town', String(refs.town));
  await p.selectOption('#community_id', String(refs.community));
  await p.check(`input[name=category_id][value="${refs.category}"]`);
  await p.fill('#description', description);
  await p.fill('#contact_name', '赵奶奶');
  await p.fill('#contact_phone', phone);
}

test('a lost answer is retried with the same Idempotency-Key, and makes one order', async () => {
  const p = await newPage(browser, srv.base, { name: 'retry' });
  p.allowed.push(/net::ERR_FAILED.*\/api\/v1\/orders/);
  const description = h.uniq('retry');
  await fill(p, description, h.randomPhone());
  const keys = [];
  let first = true;
  await p.route('**/api/v1/orders', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (first) {
      first = false;
      await route.fetch(); // the server gets it and stores the order …
      await route.abort('failed'); // … but the phone never hears back
      return;
    }
    await route.continue();
  });
  await p.click('#submit');
  await p.waitForSelector('#done:not([hidden])');
  assert.equal(keys.length, 2, 'sent twice');
  assert.ok(keys[0] && keys[0] === keys[1], `the same key both times: ${keys}`);
  assert.equal(await h.sql(`SELECT count(*) FROM orders WHERE description = ${h.lit(description)}`), '1', 'one order');
  assert.equal(await h.sql(`SELECT tracking_code FROM orders WHERE description = ${h.lit(description)}`), (await p.textContent('#done-code')).trim());
  assertClean(p);
  await p.context().close();
});

test("the server's 422 fields are shown next to the fields", async () => {
  const p = await newPage(browser, srv.base, { name: '422' });
  p.allowed.push(/status of 422.*\/api\/v1\/orders/);
  await fill(p, h.uniq('fields'), h.randomPhone());
  // Say the community was removed from the catalog meanwhile: the server names the field.
  await p.route('**/api/v1/orders', (route) => route.fulfill({
    status: 422,
    json: { error: { code: 'validation_failed', message: '请检查标出的项目 (some fields need fixing)', fields: { community_id: '没有这个社区 (no such community)' } } },
  }));
  await p.click('#submit');
  await p.waitForSelector('#err-community_id:not([hidden])');
  assert.equal(await p.textContent('#err-community_id'), '没有这个社区');
  await shot(p, '40-resident-server-fields');
  assertClean(p);
  await p.context().close();
});

test('cancelling needs the resident key: none on this phone or a wrong one is explained, the right one cancels', async () => {
  const phone = h.randomPhone();
  const r = await srv.http('POST', '/api/v1/orders', {
    body: { community_id: refs.community, category_id: refs.category, description: h.uniq('cancel'), contact_name: '钱大爷', contact_phone: phone },
  });
  assert.equal(r.status, 201, r.text);
  const p = await newPage(browser, srv.base, { name: 'cancel' });
  p.allowed.push(/status of 403.*\/cancel/, /status of 403.*\/stream-token/); // the wrong key, refused
  await p.goto(`/track/${r.json.tracking_code}`);
  await p.click('#cancel-open');
  await p.click('#cancel-form button[type=submit]');
  await p.waitForSelector('#err-cancel-tail:not([hidden])');
  assert.match(await p.textContent('#err-cancel-tail'), /社区代办/);
  const wrong = `${r.json.resident_key.slice(0, -1)}${r.json.resident_key.endsWith('A') ? 'B' : 'A'}`;
  await p.goto(`/track/${r.json.tracking_code}#key=${wrong}`);
  await p.reload();
  await p.click('#cancel-open');
  await p.click('#cancel-form button[type=submit]');
  await p.waitForSelector('#err-cancel-tail:not([hidden])');
  assert.match(await p.textContent('#err-cancel-tail'), /不能办理/);
  await shot(p, '41-track-cancel-wrong-key');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${r.json.id}`), 'submitted');
  await p.goto(`/track/${r.json.tracking_code}#key=${r.json.resident_key}`);
  await p.reload();
  await p.click('#cancel-open');
  await p.fill('#cancel-reason', '已经自己学会了');
  await p.click('#cancel-form button[type=submit]');
  await p.waitForSelector('#state[data-state=cancelled]');
  assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${r.json.id}`), 'cancelled');
  await shot(p, '42-track-cancelled');
  assertClean(p);
  await p.context().close();
});
