// Notifications in the browser (issue 12), at 360 and 1280 px: a resident ticks 短信通知 on the form,
// loses the link, and finds the order again with 查我的点单 — the SMS code arrives at a local HTTPS
// receiver (the signed webhook, checked by its own code) — then cancels it with that session alone;
// an administrator sees a failed notification in the console, resends it (the receiver gets the same
// idempotency key), sees the order's notifications on its page, and sets a group robot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from '../integration/harness.mjs';
import { makeTestCa, startReceiver } from '../integration/notify_receivers.mjs';
import { launch, newPage, assertClean, shot, login, PHONE, DESKTOP, overflow } from './browser.mjs';

const WEBHOOK_SECRET = 'browser-webhook-secret-0123456789';
let srv; let browser; let ca; let sms; let wecom;
const refs = {};

before(async () => {
  await h.loadDemo();
  ca = makeTestCa();
  sms = await startReceiver('webhook', ca, { secret: WEBHOOK_SECRET });
  wecom = await startReceiver('wecom', ca, { tokens: ['wecom-browser-key-0123456789'] });
  const secretFile = path.join(ca.dir, 'webhook.secret');
  fs.writeFileSync(secretFile, `${WEBHOOK_SECRET}\n`, { mode: 0o600 });
  srv = await h.startServer({
    mustBeReady: true,
    env: {
      PAIDAN_SMS_CHANNEL: 'webhook',
      PAIDAN_SMS_WEBHOOK_URL: `${sms.url}/sms`,
      PAIDAN_SMS_WEBHOOK_SECRET_FILE: secretFile,
      PAIDAN_CA_BUNDLE: ca.caFile,
      PAIDAN_NOTIFY_POLL_MS: '200',
      PAIDAN_SMS_QUIET_HOURS: '00:00-00:00',
      PAIDAN_SMS_DAILY_LIMIT: '1000',
    },
  });
  browser = await launch();
  refs.community = Number(await h.sql("SELECT community_id FROM users WHERE username = 'demo-community'"));
  refs.category = Number(await h.sql('SELECT min(id) FROM categories'));
  refs.town = Number(await h.sql(`SELECT town_id FROM communities WHERE id = ${refs.community}`));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (sms) await sms.close();
  if (wecom) await wecom.close();
  await h.sql('DELETE FROM robot_webhooks').catch(() => {});
  if (ca) fs.rmSync(ca.dir, { recursive: true, force: true });
});

/** The newest login code the SMS receiver got for phone. */
async function codeFor(phone, after) {
  for (let i = 0; i < 200; i++) {
    const got = [...sms.delivered.values()].filter((d) => d.body.to === phone && d.body.template === 'login_code' && d.at >= after);
    if (got.length) return got[got.length - 1].body.params[0];
    await h.sleep(50);
  }
  throw new Error(`no code texted to ${phone}`);
}

/** Fails on anything sticking out sideways at the page's present size (axe, 200 % and English: views.test.mjs). */
async function looks(p, label) {
  assert.deepEqual(await overflow(p), [], `${label}: overflow`);
}

for (const viewport of [PHONE, DESKTOP]) {
  const size = viewport.width;

  test(`${size} px: 短信通知 ticked on the form; 查我的点单 by SMS code finds the order and cancels it without the link`, async () => {
    const phone = h.randomPhone().replace(/^\d{3}/, '139');
    const description = h.uniq(`mine-${size}`);
    const p = await newPage(browser, srv.base, { viewport, name: `mine-${size}` });
    p.allowed.push(/status of 422.*\/api\/v1\/resident\/sessions/);
    await p.goto('/');
    await p.waitForSelector('#order-form:not([hidden])');
    await p.selectOption('#town', String(refs.town));
    await p.selectOption('#community_id', String(refs.community));
    await p.check(`input[name=category_id][value="${refs.category}"]`);
    await p.fill('#description', description);
    await p.fill('#contact_name', '孙奶奶');
    await p.fill('#contact_phone', phone);
    await p.check('#sms_consent');
    await p.click('#submit');
    await p.waitForSelector('#done:not([hidden])');
    const order = JSON.parse(await h.sql(`SELECT json_build_object('id', id, 'code', tracking_code, 'consent', sms_consent) FROM orders WHERE description = ${h.lit(description)}`));
    assert.equal(order.consent, true, 'the tick reached the order');

    // The link is lost: a new phone browser (no storage) looks the order up by phone.
    const q = await newPage(browser, srv.base, { viewport, name: `mine-lookup-${size}` });
    q.allowed.push(/status of 422.*\/api\/v1\/resident\/sessions/);
    await q.goto('/track/');
    await q.click('#lookup-mine');
    await q.waitForSelector('#phone');
    await looks(q, 'mine phone');
    await q.fill('#phone', '12345');
    await q.click('#mine-phone-form button[type=submit]');
    await q.waitForSelector('#err-phone:not([hidden])');
    const asked = Date.now();
    await q.fill('#phone', phone);
    await q.click('#mine-phone-form button[type=submit]');
    await q.waitForSelector('#code');
    const code = await codeFor(phone, asked - 1000);
    assert.match(code, /^\d{6}$/);
    await looks(q, 'mine code');
    await q.fill('#code', code === '000000' ? '111111' : '000000');
    await q.click('#mine-code-form button[type=submit]');
    await q.waitForSelector('#err-code:not([hidden])');
    assert.match(await q.textContent('#err-code'), /[\u4e00-\u9fff]/, 'a wrong code is refused in Chinese');
    await shot(q, `80-mine-wrong-code-${size}`);
    await q.fill('#code', code);
    await q.click('#mine-code-form button[type=submit]');
    await q.waitForSelector(`#my-orders li[data-code="${order.code}"]`);
    assert.doesNotMatch(await q.textContent('#mine-phone'), new RegExp(phone), 'the phone is shown masked');
    await looks(q, 'mine list');
    await shot(q, `81-mine-list-${size}`);
    await q.click(`#my-orders li[data-code="${order.code}"] a`);
    await q.waitForSelector('#cancel-open');
    await q.click('#cancel-open');
    await q.click('#cancel-form button[type=submit]');
    await q.waitForSelector('#state[data-state=cancelled]');
    assert.equal(await h.sql(`SELECT state FROM orders WHERE id = ${order.id}`), 'cancelled');
    // The server log never holds the code.
    assert.ok(!fs.readFileSync(srv.logFile, 'utf8').includes(code), 'the code is not logged');
    assertClean(p, q);
    await p.context().close();
    await q.context().close();
  });

  test(`${size} px: a failed notification is listed with 重发; resent once with the same key; the order page lists its notifications; a robot is set`, async () => {
    const admin = await newPage(browser, srv.base, { viewport, name: `failures-${size}` });
    // An order whose resident SMS (accept) failed for good.
    const phone = h.randomPhone().replace(/^\d{3}/, '138');
    const r = await srv.http('POST', '/api/v1/orders', {
      body: { community_id: refs.community, category_id: refs.category, description: h.uniq(`failed-${size}`), contact_name: '周大爷', contact_phone: phone, sms_consent: true },
    });
    assert.equal(r.status, 201, r.text);
    const reject = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: 'paidan-demo' } });
    const rr = await srv.http('POST', `/api/v1/orders/${r.json.id}/reject`, { body: { reason: '不在服务范围' }, headers: { authorization: `Bearer ${reject.json.token}` } });
    assert.equal(rr.status, 200, rr.text);
    let id = '';
    for (let i = 0; i < 200 && !id; i++) {
      id = await h.sql(`SELECT id FROM notifications WHERE order_id = ${r.json.id} AND rule = 'resident_rejected' AND state = 'sent'`);
      if (!id) await h.sleep(50);
    }
    assert.ok(id, 'the rejection SMS was sent');
    const key = await h.sql(`SELECT idempotency_key FROM notifications WHERE id = ${id}`);
    await h.sql(`UPDATE notifications SET state = 'failed', sent_at = NULL, attempts = 9, last_error = 'HTTP 500' WHERE id = ${id}`);
    const hitsBefore = sms.hits.filter((x) => x.key === key).length;

    await admin.goto('/console/');
    await admin.waitForSelector('#username');
    await login(admin, 'demo-admin');
    await admin.waitForSelector('#queue-rows tr');
    await admin.click('#nav a[data-nav=notifications]');
    await admin.waitForSelector(`tr[data-id="${id}"][data-state=failed] button[data-resend]`);
    await looks(admin, 'failures');
    await shot(admin, `82-console-failures-${size}`);
    await admin.click(`tr[data-id="${id}"] button[data-resend]`);
    for (let i = 0; i < 200 && (await h.sql(`SELECT state FROM notifications WHERE id = ${id}`)) !== 'sent'; i++) await h.sleep(50);
    assert.equal(await h.sql(`SELECT state FROM notifications WHERE id = ${id}`), 'sent', 'resent');
    assert.equal(sms.hits.filter((x) => x.key === key).length, hitsBefore + 1, 'one more call, under the same idempotency key');
    assert.equal(sms.delivered.get(key).body.text.includes('不在服务范围'), true);

    await admin.goto(`/console/#/order/${r.json.id}`);
    await admin.waitForSelector(`#order-notifications tr[data-id="${id}"][data-state=sent]`);
    await looks(admin, 'order notifications');
    await shot(admin, `83-console-order-notifications-${size}`);

    await admin.click('#nav a[data-nav=robots]');
    await admin.waitForSelector('#robot-form');
    await admin.selectOption('#robot-scope', 'community');
    await admin.selectOption('#robot-scope_id', String(refs.community));
    await admin.selectOption('#robot-kind', 'wecom');
    await admin.fill('#robot-url', `${wecom.url}/cgi-bin/webhook/send?key=wecom-browser-key-0123456789`);
    await admin.click('#robot-form button[type=submit]');
    await admin.waitForSelector(`#robots-table tr[data-scope="community:${refs.community}"]`);
    const shown = await admin.textContent(`#robots-table tr[data-scope="community:${refs.community}"]`);
    assert.ok(!shown.includes('wecom-browser-key-0123456789'), `the robot's key is masked: ${shown}`);
    await looks(admin, 'robots');
    await shot(admin, `84-console-robots-${size}`);
    assertClean(admin);
    await admin.context().close();
  });
}
