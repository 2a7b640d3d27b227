// The console's volunteer import, POST /api/v1/volunteers/import (issue 15, item 6): the CSV file as the
// body, checked with the rules of `paidan import volunteers` (one module both use), all or nothing, a
// line-by-line report as JSON; size-limited; admins only; a retried upload registers nobody twice.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';

let srv;
let admin;
let teamName;

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, `login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json.token;
}

function upload(token, csv, headers = {}) {
  return srv.http('POST', '/api/v1/volunteers/import', {
    raw: Buffer.isBuffer(csv) ? csv : Buffer.from(csv, 'utf8'),
    headers: { authorization: token ? `Bearer ${token}` : undefined, 'content-type': 'text/csv; charset=utf-8', ...headers },
    timeout: 60000,
  });
}

/** A valid resident ID number (GB 11643 check digit), different each call. */
let serial = 0;
function idNumber() {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const body = `360781${1950 + Math.floor(Math.random() * 50)}${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}` +
    `${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}${String((Date.now() + serial++ * 7) % 1000).padStart(3, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return body + '10X98765432'[sum % 11];
}

const countByPhones = async (phones) =>
  Number(await h.sql(`SELECT count(*) FROM volunteers WHERE phone IN (${phones.map(h.lit).join(',')})`));

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  admin = await login('demo-admin');
  const department = Number((await h.sql(`INSERT INTO departments (name) VALUES (${h.lit(h.uniq('导入测试部门'))}) RETURNING id`)).split('\n')[0]);
  const town = Number((await h.sql('SELECT id FROM towns ORDER BY id LIMIT 1')));
  const r = await srv.http('POST', '/api/v1/teams', {
    body: { name: h.uniq('导入测试队'), department_id: department, town_ids: [town] },
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(r.status, 201, r.text);
  teamName = r.json.name;
});

after(async () => { await srv?.stop(); });

describe('POST /api/v1/volunteers/import', () => {
  test('a good file with a BOM imports every line and reports each with its volunteer number', async () => {
    const phones = [h.randomPhone(), h.randomPhone(), h.randomPhone()];
    const id = idNumber();
    const csv = '\ufeffname,phone,id_number,skills,team,role\r\n' +
      `控制台甲,${phones[0]},${id},first_aid;smartphone_help:4,${teamName},lead\r\n` +
      `"控制台乙, 小名",${phones[1]},,anti_fraud,${teamName},\r\n` +
      `控制台丙,${phones[2]},,,,\r\n`;
    const r = await upload(admin, csv);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.total, 3);
    assert.equal(r.json.imported, 3);
    assert.equal(r.json.bad_lines, 0);
    assert.equal(r.json.replayed, false);
    assert.deepEqual(r.json.lines.map((l) => [l.line, l.ok, l.name, /^V\d{6,}$/.test(l.volunteer_no)]),
      [[2, true, '控制台甲', true], [3, true, '控制台乙, 小名', true], [4, true, '控制台丙', true]]);
    const rows = await h.sql(`SELECT v.name || '|' || coalesce(v.id_number_masked, '') || '|' ||
        coalesce((SELECT string_agg(s.code || ':' || vs.level, ';' ORDER BY s.code) FROM volunteer_skills vs JOIN skills s ON s.id = vs.skill_id WHERE vs.volunteer_id = v.id), '') || '|' ||
        coalesce((SELECT m.role FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.volunteer_id = v.id AND t.name = ${h.lit(teamName)}), '')
      FROM volunteers v WHERE v.phone IN (${phones.map(h.lit).join(',')}) ORDER BY v.id`);
    assert.deepEqual(rows.split('\n'), [
      `控制台甲|${id.slice(0, 4)}**********${id.slice(14)}|first_aid:1;smartphone_help:4|lead`,
      '控制台乙, 小名||anti_fraud:1|member',
      '控制台丙|||',
    ]);
    // The ID number is neither in the answer nor in the server's log.
    assert.doesNotMatch(r.text, new RegExp(id.slice(4, 14)));
    assert.doesNotMatch(await srv.waitLog(/volunteers\/import/), new RegExp(id.slice(4, 14)));
  });

  test('bad lines are reported with their line number and field, and nothing is imported', async () => {
    const known = h.randomPhone();
    let r = await upload(admin, `name,phone\n已有,${known}\n`);
    assert.equal(r.status, 201, r.text);
    const p = Array.from({ length: 5 }, () => h.randomPhone());
    const csv = [
      'name,phone,id_number,skills,team,role',
      `好人,${p[0]},,,,`, // 2: fine
      `,${p[1]},123,no_such_skill,没有这支队,boss`, // 3: name, id_number, role, skills, team
      `重复,${p[0]},,,,`, // 4: phone as line 2
      `已有,${known},,,,`, // 5: phone registered
      `少列,${p[2]}`, // 6: two fields
      `好人二,${p[3]},,,,`, // 7: fine
    ].join('\n');
    r = await upload(admin, csv);
    assert.equal(r.status, 422, r.text);
    assert.equal(h.errorShapeProblem(r), null);
    assert.equal(r.json.error.code, 'validation_failed');
    const report = r.json.error.report;
    assert.equal(report.total, 6);
    assert.equal(report.bad_lines, 4);
    assert.equal(report.imported, 0);
    const problems = report.lines.flatMap((l) => (l.problems || []).map((x) => `${l.line}:${x.field}`));
    assert.deepEqual(problems, ['3:name', '3:id_number', '3:role', '3:skills', '3:team', '4:phone', '5:phone', '6:csv']);
    assert.match(report.lines.find((l) => l.line === 4).problems[0].message, /第 2 行.*\(.*line 2\)/);
    assert.deepEqual(report.lines.filter((l) => l.ok).map((l) => l.line), [2, 7]);
    assert.equal(await countByPhones([p[0], p[3]]), 0);
  });

  test('a bad header is reported as line 1 and nothing else is read', async () => {
    const r = await upload(admin, 'name,mobile\n张三,13912345678\n');
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.report.lines.length, 0);
    assert.equal(r.json.error.report.header.length, 2);
    assert.match(r.json.error.report.header.join('\n'), /unknown column/);
    assert.match(r.json.error.report.header.join('\n'), /the phone column is required/);
  });

  test('a file over 256 KiB is refused with 413 in the JSON error shape, and a wrong media type with 415', async () => {
    const line = `某某,${h.randomPhone()},,,,\n`;
    const big = 'name,phone,id_number,skills,team,role\n' + line.repeat(Math.ceil((257 * 1024) / line.length));
    let r = await upload(admin, big);
    assert.equal(r.status, 413, r.text.slice(0, 300));
    assert.equal(h.errorShapeProblem(r), null);
    assert.equal(r.json.error.code, 'too_large');
    r = await srv.http('POST', '/api/v1/volunteers/import', {
      body: { name: 'x' }, headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(r.status, 415, r.text);
    assert.equal(h.errorShapeProblem(r), null);
  });

  test('only admins import: community, department, team and volunteer accounts get 403, nobody signed in 401', async () => {
    const phone = h.randomPhone();
    const csv = `name,phone\n越权,${phone}\n`;
    for (const who of ['demo-community', 'demo-department', 'demo-team', 'demo-volunteer']) {
      const r = await upload(await login(who), csv);
      assert.equal(r.status, 403, `${who}: ${r.status} ${r.text}`);
      assert.equal(h.errorShapeProblem(r), null);
    }
    assert.equal((await upload(null, csv)).status, 401);
    assert.equal(await countByPhones([phone]), 0);
  });

  test('a file near the size limit (6,000 lines) is checked and imported in one go, within the statement timeout', async () => {
    const base = 17000000000 + Math.floor(Math.random() * 900000000);
    const phones = Array.from({ length: 6000 }, (_, i) => String(base + i * 7));
    const csv = 'name,phone\n' + phones.map((p, i) => `批量${i},${p}`).join('\n') + '\n';
    assert.ok(Buffer.byteLength(csv) < 256 * 1024, `${Buffer.byteLength(csv)} bytes`);
    const r = await upload(admin, csv); // past the statement timeout this would be 503
    assert.equal(r.status, 201, r.text.slice(0, 500));
    assert.equal(r.json.imported, 6000);
    assert.equal(await countByPhones(phones.slice(0, 50)), 50);
    assert.equal(Number(await h.sql(`SELECT count(*) FROM volunteers WHERE phone BETWEEN '${phones[0]}' AND '${phones[5999]}' AND name LIKE '批量%'`)), 6000);
  });

  test('a retried upload registers nobody twice: the same key answers the first report, no key reports them registered', async () => {
    const phones = [h.randomPhone(), h.randomPhone()];
    const csv = `name,phone,id_number\n重传甲,${phones[0]},${idNumber()}\n重传乙,${phones[1]},\n`;
    const key = h.uniq('import-key');
    const first = await upload(admin, csv, { 'idempotency-key': key });
    assert.equal(first.status, 201, first.text);
    const again = await upload(admin, csv, { 'idempotency-key': key });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json.replayed, true);
    assert.deepEqual(again.json.lines.map((l) => l.volunteer_no), first.json.lines.map((l) => l.volunteer_no));
    assert.equal(await countByPhones(phones), 2);
    // Two at once with a new key: one import, the other answers its report.
    const key2 = h.uniq('import-key');
    const phones2 = [h.randomPhone()];
    const csv2 = `name,phone\n并发,${phones2[0]}\n`;
    const both = await Promise.all([upload(admin, csv2, { 'idempotency-key': key2 }), upload(admin, csv2, { 'idempotency-key': key2 })]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 201].sort(), both.map((r) => r.text).join('\n'));
    assert.equal(await countByPhones(phones2), 1);
    // Another file under a used key is refused.
    const other = await upload(admin, `name,phone\n别的,${h.randomPhone()}\n`, { 'idempotency-key': key });
    assert.equal(other.status, 422, other.text);
    assert.deepEqual(Object.keys(other.json.error.fields), ['Idempotency-Key']);
    // Without a key, the registered phones and ID numbers stop a second upload.
    const plain = await upload(admin, csv);
    assert.equal(plain.status, 422, plain.text);
    assert.deepEqual(plain.json.error.report.lines.map((l) => l.problems.map((x) => x.field).join(',')), ['phone,id_number', 'phone']);
    assert.equal(await countByPhones(phones), 2);
  });
});
