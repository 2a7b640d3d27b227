// Issue 4 beyond the registry: team matching, the hours ledger with corrections, the service-record
// certificate and its public verification page. Each test makes its own teams, volunteers and orders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, sql, uniq, randomPhone } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
let srv;
const S = {};

async function login(username, password = PASSWORD) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}

function call(who, method, path, body) {
  return srv.http(method, path, { body, headers: who ? { Authorization: `Bearer ${S[who].token}` } : {} });
}

function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

/** A team of the given department serving the given towns, with volunteers holding the given skills. */
async function makeTeam(departmentId, townIds, skillCodes, members = 2) {
  const name = uniq('匹配测试队').slice(0, 60);
  const team = ok(await call('admin', 'POST', '/api/v1/teams', { name, department_id: departmentId, town_ids: townIds }), 'create team');
  const volunteers = [];
  for (let i = 0; i < members; i++) {
    const v = ok(await call('admin', 'POST', '/api/v1/volunteers', {
      name: `测试志愿者${i}`, phone: randomPhone(), skills: skillCodes,
    }), 'create volunteer');
    ok(await call('admin', 'POST', `/api/v1/teams/${team.id}/members`, { volunteer_id: v.id, role: i === 0 ? 'lead' : 'member' }), 'add member');
    volunteers.push(v);
  }
  const username = uniq('team').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  ok(await call('admin', 'POST', '/api/v1/users', { username, password: 'ledger-test-pw', display_name: name, role: 'team', team_id: team.id }), 'team account');
  const session = await login(username, 'ledger-test-pw');
  return { id: team.id, name, volunteers, session };
}

before(async () => {
  await loadDemo();
  srv = await startServer();
  S.admin = await login('demo-admin');
  S.community = await login('demo-community');
  S.department = await login('demo-department');
});

after(async () => {
  if (srv) await srv.stop();
});

/** An order of the community worker's community, in a category of the demo department, dispatched and claimed. */
async function claimedOrder(categoryId) {
  const o = ok(await srv.http('POST', '/api/v1/orders', { body: {
    community_id: S.community.user.community_id, category_id: categoryId, description: uniq('ledger'),
    contact_name: '赵大爷', contact_phone: '13812345678',
  } }), 'submit');
  ok(await call('community', 'POST', `/api/v1/orders/${o.id}/dispatch`, { department_id: S.department.user.department_id }), 'dispatch');
  ok(await call('department', 'POST', `/api/v1/orders/${o.id}/claim`), 'claim');
  return o;
}

test('matching ranks the team with the right skills in the right town first, with reasons', async () => {
  const dept = S.department.user.department_id;
  const category = await sql(`SELECT c.id || ':' || string_agg(s.code, ',') FROM categories c JOIN category_skills cs ON cs.category_id = c.id JOIN skills s ON s.id = cs.skill_id WHERE c.department_id = ${dept} GROUP BY c.id ORDER BY c.id LIMIT 1`);
  const [categoryId, skillList] = category.split(':');
  const skills = skillList.split(',');
  const town = Number(await sql(`SELECT town_id FROM communities WHERE id = ${S.community.user.community_id}`));
  const otherTown = Number(await sql(`SELECT min(id) FROM towns WHERE id <> ${town}`));
  const unrelatedSkill = await sql(`SELECT code FROM skills WHERE code NOT IN (${skills.map((s) => `'${s}'`).join(',')}) ORDER BY id LIMIT 1`);

  const best = await makeTeam(dept, [town], skills);
  const farAway = await makeTeam(dept, [otherTown], skills);
  const unskilled = await makeTeam(dept, [town], [unrelatedSkill]);
  const order = await claimedOrder(Number(categoryId));

  const r = await call('department', 'GET', `/api/v1/orders/${order.id}/suggested-teams`);
  ok(r, 'suggested-teams');
  assert.deepEqual(r.json.required_skills.map((s) => s.code).sort(), [...skills].sort());
  const rank = (id) => r.json.items.findIndex((t) => t.team_id === id);
  assert.ok(rank(best.id) >= 0 && rank(farAway.id) >= 0 && rank(unskilled.id) >= 0, 'all three are candidates');
  assert.ok(rank(best.id) < rank(farAway.id), 'the team serving the town ranks above one that does not');
  assert.ok(rank(best.id) < rank(unskilled.id), 'the team with the skills ranks above one without');
  const top = r.json.items[rank(best.id)];
  assert.equal(top.skill_share, 1);
  assert.equal(top.serves_town, true);
  assert.ok(top.reasons.some((x) => x.includes(`${skills.length}/${skills.length}`)), top.reasons.join(' / '));
  assert.equal(r.json.items[rank(unskilled.id)].skill_share, 0);
  // Scores are ordered.
  for (let i = 1; i < r.json.items.length; i++) assert.ok(r.json.items[i - 1].score >= r.json.items[i].score);
  // Another department may not ask; a team may not either.
  const other = await call(null, 'GET', `/api/v1/orders/${order.id}/suggested-teams`);
  assert.equal(other.status, 401);
  const asTeam = await srv.http('GET', `/api/v1/orders/${order.id}/suggested-teams`, { headers: { Authorization: `Bearer ${best.session.token}` } });
  assert.equal(asTeam.status, 403);
});

test('the ledger and the certificate show exactly the confirmed hours; a correction leaves the original untouched', async () => {
  const dept = S.department.user.department_id;
  const town = Number(await sql(`SELECT town_id FROM communities WHERE id = ${S.community.user.community_id}`));
  const categoryId = Number(await sql(`SELECT min(id) FROM categories WHERE department_id = ${dept}`));
  const team = await makeTeam(dept, [town], [], 2);
  const [v1, v2] = team.volunteers;
  const order = await claimedOrder(categoryId);
  const asTeam = (method, path, body) => srv.http(method, path, { body, headers: { Authorization: `Bearer ${team.session.token}` } });
  ok(await call('department', 'POST', `/api/v1/orders/${order.id}/offer`, { team_ids: [team.id] }), 'offer');
  ok(await asTeam('POST', `/api/v1/orders/${order.id}/accept`), 'accept');
  ok(await asTeam('POST', `/api/v1/orders/${order.id}/start`), 'start');
  ok(await asTeam('POST', `/api/v1/orders/${order.id}/complete`, { summary: '上门讲解', hours: [{ volunteer_id: v1.id, hours: '2.75' }, { volunteer_id: v2.id, hours: 1.5 }] }), 'complete');

  // Pending hours are not in the ledger yet.
  let ledger = ok(await call('admin', 'GET', `/api/v1/volunteers/${v1.id}/hours`), 'ledger before confirm');
  assert.equal(ledger.total, '0.00');
  assert.equal(ledger.records.length, 0);
  ok(await call('community', 'POST', `/api/v1/orders/${order.id}/confirm`), 'confirm');

  ledger = ok(await call('admin', 'GET', `/api/v1/volunteers/${v1.id}/hours`), 'ledger');
  assert.equal(ledger.total, '2.75');
  assert.equal(ledger.records.length, 1);
  const rec = ledger.records[0];
  assert.equal(rec.hours, '2.75');
  assert.equal(rec.order_id, order.id);
  assert.equal(rec.team, team.name);
  assert.equal(rec.superseded, false);
  assert.ok(rec.confirmed_by && rec.confirmed_at && rec.category && rec.place && rec.date);
  assert.deepEqual(ledger.totals_by_year.map((y) => y.hours), ['2.75']);
  const sqlTotal = await sql(`SELECT sum(hours)::text FROM service_records WHERE volunteer_id = ${v1.id} AND status = 'verified'`);
  assert.equal(sqlTotal, '2.75');

  // The volunteer's team account may read it; another community worker may not.
  assert.equal((await asTeam('GET', `/api/v1/volunteers/${v1.id}/hours`)).status, 200);
  assert.equal((await call('community', 'GET', `/api/v1/volunteers/${v1.id}/hours`)).status, 403);

  // The certificate states exactly the confirmed hours.
  const cert = await call('admin', 'GET', `/api/v1/volunteers/${v1.id}/certificate`);
  assert.equal(cert.status, 200, cert.text);
  assert.match(cert.headers['content-type'], /^text\/html/);
  assert.ok(cert.text.includes('志愿服务记录证明'));
  assert.ok(cert.text.includes('累计志愿服务时长：<b>2.75</b> 小时'), 'total on the certificate');
  assert.ok(cert.text.includes('@page{size:A4'));
  const number = cert.headers['x-certificate-number'];
  const code = cert.headers['x-verify-code'];
  assert.match(number, /^\d{4}-\d{6}$/);
  assert.match(code, /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/);
  assert.ok(cert.text.includes(number) && cert.text.includes(code));

  // A correction is a new record; the original row stays exactly as it was.
  const originalId = rec.id;
  const before_ = await sql(`SELECT row_to_json(s)::text FROM service_records s WHERE id = ${originalId}`);
  const bad = await call('admin', 'POST', `/api/v1/service-records/${originalId}/corrections`, { hours: '25', reason: '多记了' });
  assert.equal(bad.status, 422);
  assert.equal((await call('community', 'POST', `/api/v1/service-records/${originalId}/corrections`, { hours: '2', reason: 'x' })).status, 403);
  const corrected = await call('admin', 'POST', `/api/v1/service-records/${originalId}/corrections`, { hours: '2.25', reason: '核对签到表后更正' });
  assert.equal(corrected.status, 201, corrected.text);
  assert.equal(corrected.json.total, '2.25');
  assert.equal(await sql(`SELECT row_to_json(s)::text FROM service_records s WHERE id = ${originalId}`), before_);
  assert.equal(await sql(`SELECT hours::text || ' ' || correction_reason FROM service_records WHERE corrects_id = ${originalId}`), '2.25 核对签到表后更正');
  const again = await call('admin', 'POST', `/api/v1/service-records/${originalId}/corrections`, { hours: '2', reason: '再改' });
  assert.equal(again.status, 409);
  const changed = await sql(`UPDATE service_records SET hours = 9 WHERE id = ${originalId} RETURNING id`).catch((e) => e.message);
  assert.match(String(changed), /verified service record cannot be changed/);
  ledger = ok(await call('admin', 'GET', `/api/v1/volunteers/${v1.id}/hours`), 'ledger after correction');
  assert.deepEqual(ledger.records.map((r) => [r.hours, r.superseded]), [['2.75', true], ['2.25', false]]);

  // The verify page shows the certificate as issued (2.75), even after the correction.
  const verify = await srv.http('GET', `/verify/${code.toLowerCase()}`);
  assert.equal(verify.status, 200);
  assert.ok(verify.text.includes('真实'));
  assert.ok(verify.text.includes('累计志愿服务时长：<b>2.75</b> 小时'));
  assert.ok(verify.text.includes(number));
  const fake = await srv.http('GET', '/verify/ABCDEFGHJKMN');
  assert.equal(fake.status, 404);
  assert.ok(fake.text.includes('查无此证明'));
  assert.equal((await srv.http('GET', '/verify/not-a-code')).status, 404);
  // A new certificate certifies the corrected total, under the next number.
  const cert2 = await call('admin', 'GET', `/api/v1/volunteers/${v1.id}/certificate`);
  assert.ok(cert2.text.includes('累计志愿服务时长：<b>2.25</b> 小时'));
  assert.notEqual(cert2.headers['x-certificate-number'], number);
});
