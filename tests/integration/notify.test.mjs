// Notifications (issue 12): one order's whole journey produces exactly the table's notifications,
// each delivered once with the right text, to local HTTPS receivers that check every signature with
// their own code; escalations reach the responsible office, the county and the team lead; quiet
// hours hold SMS; Tencent Cloud SMS gets the template id and parameters; the robot settings API
// masks what it stores; failed notifications can be resent.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';
import { makeTestCa, startReceiver } from './notify_receivers.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const PUBLIC = 'https://paidan.example.cn';
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';
const DING_SECRET = 'SECdingtalk-secret-for-tests-0123456789';
const TENCENT = { secretId: 'AKIDtest0123456789', secretKey: 'tencent-secret-key-0123456789' };

let ca; let sms; let wecom; let ding; let tencent; let srv;
const S = {};
const ids = {};

function senderEnv(extra = {}) {
  const secretFile = path.join(ca.dir, 'webhook.secret');
  fs.writeFileSync(secretFile, WEBHOOK_SECRET + '\n', { mode: 0o600 });
  return {
    PAIDAN_NOTIFY_SENDER: '1',
    PAIDAN_SMS_CHANNEL: 'webhook',
    PAIDAN_SMS_WEBHOOK_URL: `${sms.url}/sms/send`,
    PAIDAN_SMS_WEBHOOK_SECRET_FILE: secretFile,
    PAIDAN_CA_BUNDLE: ca.caFile,
    PAIDAN_PUBLIC_URL: PUBLIC,
    PAIDAN_NOTIFY_POLL_MS: '200',
    PAIDAN_NOTIFY_RETRY_BASE_MS: '200',
    PAIDAN_NOTIFY_TIMEOUT_MS: '3000',
    PAIDAN_SMS_QUIET_HOURS: '00:00-00:00',
    PAIDAN_SMS_DAILY_LIMIT: '1000',
    ...extra,
  };
}

/** startServer, then wait until the database pool is up (/readyz). */
async function start(env) {
  const s = await h.startServer({ env });
  for (let i = 0; i < 100 && (await s.http('GET', '/readyz')).status !== 200; i++) await h.sleep(50);
  return s;
}

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, `login ${username}: ${r.text}`);
  return { token: r.json.token, user: r.json.user };
}

function call(who, method, p, body) {
  return srv.http(method, p, { body, headers: who ? { authorization: `Bearer ${S[who].token}` } : {} });
}

async function act(who, id, action, body) {
  const r = await call(who, 'POST', `/api/v1/orders/${id}/${action}`, body);
  assert.equal(r.status, 200, `${action}: ${r.status} ${r.text}`);
  return r.json;
}

async function submit(phone, extra = {}) {
  const r = await srv.http('POST', '/api/v1/orders', {
    body: {
      community_id: ids.community, category_id: ids.category, description: `通知测试 ${h.uniq()}：帮老人设置手机 [点我](http://evil.example) **粗体**`,
      contact_name: '王阿姨', contact_phone: phone, sms_consent: true, ...extra,
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** The order's notification rows once none is pending any more (or throws after timeout). */
async function settled(orderId, expectCount, timeout = 20000) {
  const deadline = Date.now() + timeout;
  let rows = [];
  while (Date.now() < deadline) {
    const out = await h.sql(`SELECT coalesce(json_agg(n ORDER BY n.id), '[]') FROM notifications n WHERE order_id = ${orderId}`);
    rows = JSON.parse(out);
    if (rows.length >= expectCount && rows.every((n) => n.state === 'sent' || n.state === 'failed')) return rows;
    await h.sleep(150);
  }
  throw new Error(`notifications of order ${orderId} not settled: ${JSON.stringify(rows.map((n) => [n.rule, n.state, n.last_error]))}\n${srv.log().slice(-3000)}`);
}

/** The order's notification rows once those of the named rules are there and none is pending. */
async function settledWith(orderId, rules, timeout = 20000) {
  const deadline = Date.now() + timeout;
  let rows = [];
  while (Date.now() < deadline) {
    rows = JSON.parse(await h.sql(`SELECT coalesce(json_agg(n ORDER BY n.id), '[]') FROM notifications n WHERE order_id = ${orderId}`));
    if (rules.every((r) => rows.some((n) => n.rule === r)) && rows.every((n) => n.state === 'sent' || n.state === 'failed')) return rows;
    await h.sleep(150);
  }
  throw new Error(`notifications of order ${orderId} lack ${rules}: ${JSON.stringify(rows.map((n) => [n.rule, n.state, n.last_error]))}`);
}

function receiverFor(n) {
  if (n.channel === 'sms') return sms;
  return n.recipient.startsWith('department:') ? ding : wecom;
}

/** What the receivers logged for these rows, in order: [{rule, to, text}] — each key once. */
function logged(rows) {
  return rows.map((n) => {
    const rec = receiverFor(n);
    const hits = rec.hits.filter((x) => x.key === n.idempotency_key).length;
    const got = rec.delivered.get(n.idempotency_key);
    assert.ok(got, `${n.rule}: ${rec.kind} never received key ${n.idempotency_key}`);
    const text = n.channel === 'sms' ? got.body.text : (got.body.markdown.content ?? got.body.markdown.text);
    return { rule: n.rule, receiver: rec.kind, to: n.channel === 'sms' ? got.body.to : got.url.split('?')[1].split('&')[0], hits, text };
  });
}

before(async () => {
  ca = makeTestCa();
  sms = await startReceiver('webhook', ca, { secret: WEBHOOK_SECRET });
  wecom = await startReceiver('wecom', ca, { tokens: ['wc-community', 'wc-county'] });
  ding = await startReceiver('dingtalk', ca, { secret: DING_SECRET, token: 'dt-department' });
  tencent = await startReceiver('tencent', ca, TENCENT);
  await h.loadDemo();
  srv = await start(senderEnv());
  for (const [who, u] of [['admin', 'demo-admin'], ['community', 'demo-community'], ['department', 'demo-department'], ['team', 'demo-team']]) {
    S[who] = await login(u);
  }
  ids.community = S.community.user.community_id;
  ids.department = S.department.user.department_id;
  ids.team = S.team.user.team_id;
  ids.category = Number(await h.sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`));
  ids.member = Number(await h.sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${ids.team}`));
  ids.leadPhone = await h.sql(`SELECT v.phone FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id WHERE m.team_id = ${ids.team} AND m.role = 'lead'`);
  ids.teamName = await h.sql(`SELECT name FROM teams WHERE id = ${ids.team}`);
  ids.categoryName = await h.sql(`SELECT name FROM categories WHERE id = ${ids.category}`);
  ids.communityName = await h.sql(`SELECT name FROM communities WHERE id = ${ids.community}`);
  // The county's robot is a second 企业微信 group on the same fake server: its own key.
  for (const body of [
    { scope: 'community', scope_id: ids.community, kind: 'wecom', url: `${wecom.url}/cgi-bin/webhook/send?key=wc-community` },
    { scope: 'department', scope_id: ids.department, kind: 'dingtalk', url: `${ding.url}/robot/send?access_token=dt-department`, secret: DING_SECRET },
    { scope: 'county', scope_id: 0, kind: 'wecom', url: `${wecom.url}/cgi-bin/webhook/send?key=wc-county` },
  ]) {
    const r = await call('admin', 'PUT', '/api/v1/robots', body);
    assert.equal(r.status, 200, r.text);
  }
});

after(async () => {
  await h.sql('DELETE FROM robot_webhooks').catch(() => {});
  if (srv) await srv.stop();
  for (const r of [sms, wecom, ding, tencent]) if (r) await r.close();
});

describe('notifications', () => {
  test('journey: exactly the table\'s notifications, each delivered once, with the right text', async () => {
    const phone = h.randomPhone();
    const order = await submit(phone);
    const id = order.id;
    await act('community', id, 'dispatch', { department_id: ids.department });
    await act('department', id, 'claim');
    await act('department', id, 'offer', { team_ids: [ids.team] });
    await act('team', id, 'accept');
    await act('team', id, 'start');
    await act('team', id, 'complete', { summary: '已教会老人使用健康码', hours: [{ volunteer_id: ids.member, hours: 2 }] });
    await act('community', id, 'confirm');

    const rows = await settled(id, 6);
    const expected = [
      ['community_new_order', 'robot', `community:${ids.community}`],
      ['department_dispatched', 'robot', `department:${ids.department}`],
      ['team_lead_offered', 'sms', ids.leadPhone],
      ['resident_accepted', 'sms', phone],
      ['resident_completed', 'sms', phone],
      ['community_awaits_confirm', 'robot', `community:${ids.community}`],
    ];
    assert.deepEqual(rows.map((n) => [n.rule, n.channel, n.recipient]), expected);
    for (const n of rows) assert.equal(n.state, 'sent', `${n.rule}: ${n.last_error}`);
    const log = logged(rows);
    console.log('journey notifications as the receivers logged them:\n' + JSON.stringify(log, null, 1));
    for (const l of log) assert.equal(l.hits, 1, `${l.rule} reached its receiver ${l.hits} times`);

    const track = `${PUBLIC}/track/${order.tracking_code}`;
    const byRule = Object.fromEntries(log.map((l) => [l.rule, l]));
    assert.equal(byRule.resident_accepted.text, `您的点单已由${ids.teamName.slice(0, 16)}${ids.teamName.length > 16 ? '…' : ''}接单，进度 ${track}`);
    assert.equal(byRule.resident_completed.text, `您的点单已服务完成，请评价 ${track}`);
    assert.match(byRule.team_lead_offered.text, new RegExp(`^新的服务邀请：.+（.+），请尽快接单 ${PUBLIC}/team/$`));
    assert.match(byRule.community_new_order.text, /^### 新点单（待派单）/);
    assert.ok(byRule.community_new_order.text.includes(`${PUBLIC}/console/#/order/${id}`), 'a link to the order');
    // What the resident typed cannot make a link or bold text in the office's group.
    assert.ok(!byRule.community_new_order.text.includes('](http://evil'), byRule.community_new_order.text);
    assert.ok(!byRule.community_new_order.text.includes('**'), byRule.community_new_order.text);
    assert.match(byRule.department_dispatched.text, /^### 新派单（待领单）/);
    assert.match(byRule.community_awaits_confirm.text, /待确认时长/);
    for (const l of log.filter((x) => x.receiver === 'webhook')) assert.ok([...l.text].length <= 70, `one SMS segment: ${l.text}`);
    assert.equal(sms.rejected.length + wecom.rejected.length + ding.rejected.length, 0, 'every signature was right');
    assert.ok(!srv.log().includes(phone), 'no full phone number in the log');
  });

  test('no consent, no SMS to the resident; the offices are still told', async () => {
    const order = await submit(h.randomPhone(), { sms_consent: false });
    await act('community', order.id, 'reject', { reason: '不在服务范围' });
    const rows = await settled(order.id, 1);
    assert.deepEqual(rows.map((n) => n.rule), ['community_new_order']);
  });

  test('escalation: the responsible office, the county and the team lead (urgent SMS)', async () => {
    const order = await submit(h.randomPhone());
    const id = order.id;
    await act('community', id, 'dispatch', { department_id: ids.department });
    await act('department', id, 'claim');
    await act('department', id, 'offer', { team_ids: [ids.team] });
    await act('team', id, 'accept');
    await h.sql(`UPDATE orders SET due_at = now() - interval '1 minute' WHERE id = ${id}`);
    await srv.stop();
    srv = await start(senderEnv({ PAIDAN_SWEEP_INTERVAL_S: "1" }));
    const rows = (await settled(id, 7)).filter((n) => n.rule.endsWith('_escalated'));
    assert.deepEqual(rows.map((n) => [n.rule, n.recipient, n.urgent]), [
      ['responsible_escalated', `department:${ids.department}`, true],
      ['county_escalated', 'county:0', true],
      ['team_lead_escalated', ids.leadPhone, true],
    ]);
    const log = logged(rows);
    console.log('escalation notifications as the receivers logged them:\n' + JSON.stringify(log, null, 1));
    assert.match(log[0].text, /在「待开始服务」阶段已超过办理时限/);
  });

  test('stale work released by the sweep: the community told of a claim returned; the department and the teams still offered told of an acceptance withdrawn', async () => {
    // A second team of the department, with a lead on a mobile, still offered when the first lapses.
    const town = Number(await h.sql(`SELECT town_id FROM communities WHERE id = ${ids.community}`));
    let r = await call('admin', 'POST', '/api/v1/teams', { name: h.uniq('通知测试第二队'), department_id: ids.department, town_ids: [town] });
    assert.equal(r.status, 201, r.text);
    const other = r.json.id;
    const otherLead = h.randomPhone();
    r = await call('admin', 'POST', '/api/v1/volunteers', { name: '孙队长', phone: otherLead, skills: [] });
    assert.equal(r.status, 201, r.text);
    r = await call('admin', 'POST', `/api/v1/teams/${other}/members`, { volunteer_id: r.json.id, role: 'lead' });
    assert.ok([200, 201].includes(r.status), r.text);

    const claimed = await submit(h.randomPhone());
    await act('community', claimed.id, 'dispatch', { department_id: ids.department });
    await act('department', claimed.id, 'claim');
    const lapsed = await submit(h.randomPhone());
    await act('community', lapsed.id, 'dispatch', { department_id: ids.department });
    await act('department', lapsed.id, 'claim');
    await act('department', lapsed.id, 'offer', { team_ids: [ids.team, other] });
    await act('team', lapsed.id, 'accept');
    await h.sql(`UPDATE orders SET claimed_at = now() - interval '25 hours' WHERE id = ${claimed.id}`);
    await h.sql(`UPDATE orders SET due_at = now() - interval '1 minute' WHERE id = ${lapsed.id}`);
    await srv.stop();
    srv = await start(senderEnv({ PAIDAN_SWEEP_INTERVAL_S: '1' }));

    const back = (await settledWith(claimed.id, ['community_claim_expired'])).filter((n) => n.rule === 'community_claim_expired');
    assert.deepEqual(back.map((n) => [n.rule, n.recipient]), [['community_claim_expired', `community:${ids.community}`]]);
    const withdrawn = (await settledWith(lapsed.id, ['department_accept_expired', 'team_lead_reoffered']))
      .filter((n) => ['department_accept_expired', 'team_lead_reoffered'].includes(n.rule));
    assert.deepEqual(withdrawn.map((n) => [n.rule, n.recipient]), [
      ['department_accept_expired', `department:${ids.department}`],
      ['team_lead_reoffered', otherLead],
    ]);
    const log = logged([...back, ...withdrawn]);
    console.log('stale work notifications as the receivers logged them:\n' + JSON.stringify(log, null, 1));
    for (const l of log) assert.equal(l.hits, 1, `${l.rule} reached its receiver ${l.hits} times`);
    assert.match(log[0].text, /部门领单后未按时邀请服务队，已退回（待派单）/);
    assert.match(log[1].text, /服务队接单后未按时开始，已收回/);
    assert.match(log[2].text, /新的服务邀请/);
    // Each release told once, although the sweep ran every second.
    await h.sleep(2500);
    const again = await h.sql(`SELECT count(*) FROM notifications WHERE order_id IN (${claimed.id}, ${lapsed.id})
      AND rule IN ('community_claim_expired', 'department_accept_expired', 'team_lead_reoffered')`);
    assert.equal(again, '3');
  });

  test('the service menu: a booking tells the team lead; a place freed tells the one promoted and the lead', async () => {
    const r = await call('team', 'POST', '/api/v1/services', {
      category_id: ids.category, town_id: Number(await h.sql(`SELECT town_id FROM communities WHERE id = ${ids.community}`)), title: h.uniq('通知测试课'), place: '文化站',
      starts_at: new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 16), capacity: 1,
    });
    assert.equal(r.status, 201, r.text);
    const book = async (phone) => {
      const b = await srv.http('POST', `/api/v1/services/${r.json.id}/bookings`, { body: {
        community_id: ids.community, description: '预约上课', contact_name: '周阿姨', contact_phone: phone, sms_consent: true } });
      assert.equal(b.status, 201, b.text);
      return b.json;
    };
    const first = await book(h.randomPhone());
    const secondPhone = h.randomPhone();
    const second = await book(secondPhone);
    assert.deepEqual([first.state, second.state], ['accepted', 'waitlisted']);
    const booked = await settled(first.id, 1);
    assert.deepEqual(booked.map((n) => [n.rule, n.recipient]), [['team_lead_booked', ids.leadPhone]], 'no 待派单 message to the community');
    const c = await srv.http('POST', `/api/v1/track/${first.tracking_code}/cancel`, { body: { resident_key: first.resident_key } });
    assert.equal(c.status, 200, c.text);
    const promoted = await settled(second.id, 2);
    assert.deepEqual(promoted.map((n) => [n.rule, n.recipient]), [['team_lead_promoted', ids.leadPhone], ['resident_promoted', secondPhone]]);
    const log = logged(promoted);
    assert.match(log[1].text, new RegExp(`您的点单已由${ids.teamName.slice(0, 16)}`));
  });

  test('quiet hours hold SMS until morning; robots and escalations go', async () => {
    await srv.stop();
    const now = new Date(Date.now() + 8 * 3600e3); // Beijing
    const hm = (d) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const window = `${hm(new Date(now - 3600e3))}-${hm(new Date(+now + 3600e3))}`;
    srv = await start(senderEnv({ PAIDAN_SMS_QUIET_HOURS: window }));
    const order = await submit(h.randomPhone());
    await act('community', order.id, 'dispatch', { department_id: ids.department });
    await act('department', order.id, 'claim');
    await act('department', order.id, 'offer', { team_ids: [ids.team] });
    const deadline = Date.now() + 10000;
    let rows;
    for (;;) {
      rows = JSON.parse(await h.sql(`SELECT json_agg(json_build_object('rule', rule, 'state', state, 'held', next_attempt_at > now() + interval '30 minutes', 'attempts', attempts) ORDER BY id) FROM notifications WHERE order_id = ${order.id}`));
      const offer = rows?.find((n) => n.rule === 'team_lead_offered');
      if (offer?.held && rows.filter((n) => n.state === 'sent').length === 2) break;
      assert.ok(Date.now() < deadline, JSON.stringify(rows));
      await h.sleep(150);
    }
    const offer = rows.find((n) => n.rule === 'team_lead_offered');
    assert.equal(offer.state, 'pending');
    assert.equal(offer.attempts, 0, 'holding is not an attempt');
    await srv.stop();
    srv = await start(senderEnv());
  });

  test('robot settings: admin only, validated, URL key and secret masked', async () => {
    let r = await call('community', 'GET', '/api/v1/robots');
    assert.equal(r.status, 403);
    r = await call('admin', 'PUT', '/api/v1/robots', { scope: 'town', scope_id: 1, kind: 'qq', url: 'http://x' });
    assert.equal(r.status, 422);
    assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['kind', 'scope', 'url']);
    r = await call('admin', 'PUT', '/api/v1/robots', { scope: 'community', scope_id: 999999999, kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc' });
    assert.equal(r.status, 422);
    r = await call('admin', 'GET', '/api/v1/robots');
    assert.equal(r.status, 200);
    const dept = r.json.items.find((x) => x.scope === 'department');
    assert.equal(dept.secret, 'SECd****');
    assert.ok(!r.text.includes(DING_SECRET) && !r.text.includes('dt-department') && !r.text.includes('wc-community') && !r.text.includes('wc-county'), r.text);
    assert.match(dept.url, /access_token=dt-d\*\*\*\*$/);
    // Changing the URL without a secret keeps the stored secret.
    r = await call('admin', 'PUT', '/api/v1/robots', { scope: 'department', scope_id: ids.department, kind: 'dingtalk', url: `${ding.url}/robot/send?access_token=dt-department` });
    assert.equal(r.status, 200);
    assert.equal(await h.sql(`SELECT secret FROM robot_webhooks WHERE scope = 'department' AND scope_id = ${ids.department}`), DING_SECRET);
  });

  test('a refused notification fails at once; resend delivers it with the same key', async () => {
    const order = await submit(h.randomPhone());
    sms.mode = { status: 400 };
    await act('community', order.id, 'reject', { reason: '重复提交' });
    let rows = await settled(order.id, 2);
    const failed = rows.find((n) => n.rule === 'resident_rejected');
    assert.equal(failed.state, 'failed');
    assert.match(failed.last_error, /HTTP 400/);
    let r = await call('admin', 'GET', '/api/v1/notifications?state=failed');
    assert.ok(r.json.items.some((n) => n.id === failed.id), 'the county-wide failures list shows it');
    r = await call('community', 'GET', `/api/v1/orders/${order.id}/notifications`);
    assert.equal(r.status, 200);
    assert.equal(r.json.items.find((n) => n.id === failed.id).recipient.includes('****'), true, 'phones masked');
    sms.mode = null;
    r = await call('admin', 'POST', `/api/v1/notifications/${failed.id}/resend`);
    assert.equal(r.status, 200, r.text);
    rows = await settled(order.id, 2);
    assert.equal(rows.find((n) => n.id === failed.id).state, 'sent');
    assert.ok(sms.delivered.has(failed.idempotency_key));
    r = await call('admin', 'POST', `/api/v1/notifications/${failed.id}/resend`);
    assert.equal(r.status, 409, 'only failed ones');
    const metrics = (await srv.http('GET', '/metrics')).text;
    assert.match(metrics, /paidan_notify_deliveries_total\{channel="sms"\} [1-9]/);
    assert.match(metrics, /paidan_notify_failures_total\{channel="sms"\} [1-9]/);
    assert.match(metrics, /paidan_notify_backlog\{channel="robot"\} \d+/);
  });

  test('查我的点单: an SMS code opens a resident session limited to that phone; limits and wrong codes refused', async () => {
    const phone = h.randomPhone();
    const mine = await submit(phone, { sms_consent: false });
    const other = await submit(h.randomPhone(), { sms_consent: false });
    const codeFor = async (p) => {
      const deadline = Date.now() + 10000;
      for (;;) {
        const hit = [...sms.delivered.values()].reverse().find((d) => d.body.to === p && d.body.template === 'login_code');
        if (hit) { sms.delivered.clear(); return hit.body.params[0]; }
        assert.ok(Date.now() < deadline, 'no code SMS arrived');
        await h.sleep(50);
      }
    };
    const ask = (p) => srv.http('POST', '/api/v1/resident/codes', { body: { phone: p } });
    const verify = (p, code) => srv.http('POST', '/api/v1/resident/sessions', { body: { phone: p, code } });

    let r = await ask(phone);
    assert.equal(r.status, 202, r.text);
    let code = await codeFor(phone);
    assert.match(code, /^\d{6}$/);
    r = await ask(phone);
    assert.equal(r.status, 429, 'one a minute');
    assert.match(r.json.error.message, /每分钟/);
    const wrong = code === '000000' ? '111111' : '000000';
    r = await verify(phone, wrong);
    assert.equal(r.status, 422);
    assert.match(r.json.error.fields.code, /还可以再试 4 次/);
    r = await verify(phone, code);
    assert.equal(r.status, 201, r.text);
    const setCookie = [].concat(r.headers['set-cookie'] || []).find((c) => c.startsWith('paidan_resident='));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    r = await srv.http('GET', '/api/v1/resident/orders', { headers: { cookie } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((o) => o.tracking_code), [mine.tracking_code]);
    assert.ok(!r.text.includes(other.tracking_code));
    r = await srv.http('GET', '/api/v1/resident/orders');
    assert.equal(r.status, 200, 'a public route: no session is an empty answer');
    assert.deepEqual(r.json, { phone: null, items: [] });
    // The session stands in for the phone's tail on this phone's orders, and only on them.
    r = await srv.http('POST', `/api/v1/track/${other.tracking_code}/cancel`, { body: {}, headers: { cookie } });
    assert.equal(r.status, 403, `another phone's order: ${r.text}`);
    r = await srv.http('POST', `/api/v1/track/${mine.tracking_code}/cancel`, { body: {}, headers: { cookie } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'cancelled');
    r = await verify(phone, code);
    assert.equal(r.status, 422, 'a code works once');

    // Five wrong tries void the code, even for the right one after.
    await h.sql(`UPDATE phone_codes SET sent_at = now() - interval '2 minutes' WHERE phone = '${phone}'`);
    assert.equal((await ask(phone)).status, 202);
    code = await codeFor(phone);
    const bad = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) assert.equal((await verify(phone, bad)).status, 422);
    r = await verify(phone, bad);
    assert.match(r.json.error.fields.code, /作废/);
    r = await verify(phone, code);
    assert.equal(r.status, 422);
    assert.match(r.json.error.fields.code, /失效/);

    // Expired after five minutes.
    await h.sql(`UPDATE phone_codes SET sent_at = now() - interval '2 minutes' WHERE phone = '${phone}'`);
    assert.equal((await ask(phone)).status, 202);
    code = await codeFor(phone);
    await h.sql(`UPDATE phone_codes SET expires_at = now() - interval '1 second' WHERE phone = '${phone}'`);
    assert.equal((await verify(phone, code)).status, 422);

    // Five a day.
    for (let i = 3; i < 5; i++) {
      await h.sql(`UPDATE phone_codes SET sent_at = now() - interval '2 minutes' WHERE phone = '${phone}'`);
      assert.equal((await ask(phone)).status, 202, `code ${i + 1}`);
    }
    await h.sql(`UPDATE phone_codes SET sent_at = now() - interval '2 minutes' WHERE phone = '${phone}'`);
    r = await ask(phone);
    assert.equal(r.status, 429, 'the sixth of the day');

    // A phone with no orders gets the same answer and no SMS.
    const stranger = h.randomPhone();
    assert.equal((await ask(stranger)).status, 202);
    await h.sleep(500);
    assert.ok(![...sms.delivered.values()].some((d) => d.body.to === stranger));
    r = await ask('12345');
    assert.equal(r.status, 422);
    assert.ok(r.json.error.fields.phone);
    // No code in the server's log.
    assert.ok(!srv.log().includes(`验证码${code}`) && !srv.log().includes(`"${code}"`), 'the code is never logged');
  });

  test('Tencent Cloud SMS: SendSms signed with TC3-HMAC-SHA256, the template id and its parameters', async () => {
    await srv.stop();
    const cred = path.join(ca.dir, 'tencent.credentials');
    fs.writeFileSync(cred, `${TENCENT.secretId}\n${TENCENT.secretKey}\n`, { mode: 0o600 });
    srv = await start(
      senderEnv({
        PAIDAN_SMS_CHANNEL: 'tencent', PAIDAN_TENCENT_SMS_ENDPOINT: tencent.url, PAIDAN_TENCENT_SMS_CREDENTIALS_FILE: cred,
        PAIDAN_TENCENT_SMS_APP_ID: '1400000001', PAIDAN_TENCENT_SMS_SIGN_NAME: '定南科协',
        PAIDAN_TENCENT_SMS_TEMPLATES: 'rejected=100001,returned=100002,offered=100003,accepted=100004,completed=100005,cancelled=100006,escalated_lead=100007,login_code=100008',
      }),
    );
    const phone = h.randomPhone();
    const order = await submit(phone);
    await act('community', order.id, 'reject', { reason: '不在服务范围' });
    const rows = await settled(order.id, 2);
    const n = rows.find((x) => x.rule === 'resident_rejected');
    assert.equal(n.state, 'sent', n.last_error);
    assert.equal(n.provider, 'tencent');
    const got = tencent.delivered.get(n.idempotency_key);
    assert.ok(got, 'Tencent received it');
    assert.deepEqual(got.body.PhoneNumberSet, [`+86${phone}`]);
    assert.equal(got.body.TemplateId, '100001');
    assert.deepEqual(got.body.TemplateParamSet, ['不在服务范围', `${PUBLIC}/track/${order.tracking_code}`]);
    assert.equal(got.body.SmsSdkAppId, '1400000001');
    assert.equal(got.body.SignName, '定南科协');
    assert.equal(tencent.rejected.length, 0, JSON.stringify(tencent.rejected));
    console.log('Tencent SendSms as the receiver logged it:\n' + JSON.stringify(got.body));
  });

  test('the form without JavaScript carries the consent; an erased order\'s notifications are erased with it', async () => {
    const phone = h.randomPhone();
    const form = new URLSearchParams({ community_id: ids.community, category_id: ids.category, description: h.uniq('表单同意'),
      contact_name: '钱阿姨', contact_phone: phone, sms_consent: 'true' });
    const r = await srv.http('POST', '/api/v1/orders', { body: form.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' } });
    assert.equal(r.status, 201, r.text);
    const id = Number(await h.sql(`SELECT id FROM orders WHERE contact_phone = '${phone}'`));
    assert.equal(await h.sql(`SELECT sms_consent FROM orders WHERE id = ${id}`), 't');
    await act('community', id, 'reject', { reason: '重复了' });
    const rows = await settled(id, 2);
    assert.ok(rows.some((n) => n.rule === 'resident_rejected' && n.recipient === phone), 'the resident was told');
    // A retention of 0 days and a sweep every second: the order's personal data goes, and what its
    // notifications said (the resident's number, the texts) with it.
    const sweeper = await start(senderEnv({ PAIDAN_SWEEP_INTERVAL_S: '1', PAIDAN_ERASE_AFTER_DAYS: '0' }));
    try {
      let left = '';
      for (let i = 0; i < 200; i++) {
        left = await h.sql(`SELECT count(*) FILTER (WHERE recipient = '${phone}' OR text <> '（已删除）') FROM notifications WHERE order_id = ${id}`);
        if (left === '0') break;
        await h.sleep(150);
      }
      assert.equal(left, '0', 'no number and no text left');
      assert.equal(await h.sql(`SELECT count(*) FROM notifications WHERE order_id = ${id} AND recipient = 'erased'`), '1');
      const failedOne = await h.sql(`SELECT id FROM notifications WHERE order_id = ${id} AND recipient = 'erased'`);
      await h.sql(`UPDATE notifications SET state = 'failed', sent_at = NULL WHERE id = ${failedOne}`);
      const again = await call('admin', 'POST', `/api/v1/notifications/${failedOne}/resend`);
      assert.equal(again.status, 409, 'an erased notification is not sent again');
    } finally {
      await sweeper.stop();
    }
  });
});
