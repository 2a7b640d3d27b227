// The registry over HTTP and from the command line: volunteers (ID numbers stored only encrypted and
// shown masked, skills replaced as a set, phones and ID numbers once), skills, teams and members (a
// team account manages its own team only, one lead per team), pages, and `paidan import volunteers`
// (all or nothing, bad lines named). Teams made here belong to a department of their own, so the
// other test files' matching and listings do not meet them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const TEAM_PASSWORD = 'registry-test-pw-1';

let srv;
let admin;
let department;
let towns;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-registry-'));

// ------------------------------------------------------------------ helpers

async function call(method, urlPath, token, body) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return srv.http(method, urlPath, { body, headers });
}

async function login(username, password = PASSWORD) {
  const r = await call('POST', '/api/v1/sessions', null, { username, password });
  assert.equal(r.status, 201, `login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json.token;
}

/** An error answer: status, code, and exactly these field names when given. */
function assertError(r, status, code, fields) {
  const what = `${r.status} ${r.text.slice(0, 500)}`;
  assert.equal(r.status, status, `expected ${status}, got ${what}`);
  assert.equal(h.errorShapeProblem(r), null, what);
  assert.equal(r.json.error.code, code, what);
  if (fields) assert.deepEqual(Object.keys(r.json.error.fields || {}).sort(), [...fields].sort(), what);
}

/** A valid resident ID number (GB 11643 check digit), different each call. */
let idSerial = 0;
function idNumber() {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const year = 1950 + Math.floor(Math.random() * 50);
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  const seq = String((Date.now() + idSerial++ * 7) % 1000).padStart(3, '0');
  const body = `360781${year}${month}${day}${seq}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return body + '10X98765432'[sum % 11];
}

/** The same number with a wrong check digit. */
function badCheckDigit(id) {
  const last = id[17] === '0' ? '1' : '0';
  return id.slice(0, 17) + last;
}

async function newVolunteer(over = {}) {
  const body = { name: h.uniq('志愿者').slice(0, 40), phone: h.randomPhone(), ...over };
  const r = await call('POST', '/api/v1/volunteers', admin, body);
  assert.equal(r.status, 201, `create volunteer: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

async function newTeam(over = {}) {
  const body = { name: h.uniq('注册测试队'), department_id: department, town_ids: [towns[0]], ...over };
  const r = await call('POST', '/api/v1/teams', admin, body);
  assert.equal(r.status, 201, `create team: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

async function addMember(token, teamId, volunteerId, role = 'member') {
  return call('POST', `/api/v1/teams/${teamId}/members`, token, { volunteer_id: volunteerId, role });
}

/** A team account for teamId, logged in. */
async function teamAccount(teamId) {
  const username = h.uniq('team').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  const r = await call('POST', '/api/v1/users', admin,
    { username, password: TEAM_PASSWORD, display_name: '测试队长', role: 'team', team_id: teamId });
  assert.equal(r.status, 201, `create team account: ${r.status} ${r.text.slice(0, 300)}`);
  return login(username, TEAM_PASSWORD);
}

const volunteerCount = async () => Number(await h.sql('SELECT count(*) FROM volunteers'));

/** Runs `paidan import volunteers FILE` on a file with these contents: {code, stdout, stderr}. */
function importFile(name, contents) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, contents);
  const r = spawnSync(h.bin(), ['import', 'volunteers', file, '--database-url', h.dbUrl()], {
    encoding: 'utf8', timeout: 120000, env: { ...process.env, PAIDAN_SQL_DIR: h.SQL_DIR },
  });
  assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, h.SANITIZER_RE, 'paidan import: sanitizer report');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  admin = await login('demo-admin');
  department = Number((await h.sql(`INSERT INTO departments (name) VALUES (${h.lit(h.uniq('注册测试部门'))}) RETURNING id`)).split('\n')[0]);
  towns = (await h.sql('SELECT id FROM towns ORDER BY id')).split('\n').map(Number);
});

after(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  if (srv) await srv.stop();
});

// ------------------------------------------------------------------ volunteers

describe('volunteers', () => {
  test('a volunteer is registered with a number, skills with levels, and the ID number only masked', async () => {
    const id = idNumber();
    const phone = h.randomPhone();
    const r = await call('POST', '/api/v1/volunteers', admin, {
      name: '  测试 林一  ', phone: `${phone.slice(0, 3)} ${phone.slice(3, 7)}-${phone.slice(7)}`, id_number: id,
      skills: ['first_aid', { code: 'smartphone_help', level: 4 }],
    });
    assert.equal(r.status, 201, r.text);
    const v = r.json;
    assert.equal(v.name, '测试 林一');
    assert.equal(v.phone, phone);
    assert.equal(v.volunteer_no, `V${String(v.id).padStart(6, '0')}`);
    assert.equal(v.status, 'active');
    assert.equal(v.id_number_masked, `${id.slice(0, 4)}**********${id.slice(14)}`);
    assert.deepEqual(v.skills.map((s) => [s.code, s.level]).sort(), [['first_aid', 1], ['smartphone_help', 4]]);
    assert.deepEqual(v.teams, []);
    // Nowhere in plain: not in this reply, not in a read, not in any column of the row, not in the log.
    const again = await call('GET', `/api/v1/volunteers/${v.id}`, admin);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, v);
    for (const text of [r.text, again.text]) {
      assert.ok(!text.includes(id), 'the ID number in a reply');
      assert.ok(!text.includes(id.slice(4, 14)), 'the hidden digits in a reply');
    }
    assert.equal(await h.sql(`SELECT count(*) FROM volunteers v WHERE v::text LIKE ${h.lit(`%${id.slice(4, 14)}%`)}`), '0');
    assert.equal(await h.sql(`SELECT count(*) FROM volunteers v WHERE encode(v.id_number_enc, 'escape') LIKE ${h.lit(`%${id.slice(4, 14)}%`)}`), '0');
    assert.equal(await h.sql(`SELECT octet_length(id_number_enc) || '/' || octet_length(id_number_hash) FROM volunteers WHERE id = ${v.id}`), '58/32');
    assert.ok(!srv.log().includes(id.slice(4, 14)), 'the ID number in the server log');
  });

  test('bad fields are each named and nothing is written', async () => {
    const before = await volunteerCount();
    let r = await call('POST', '/api/v1/volunteers', admin, {
      name: '名'.repeat(51), phone: '12345', id_number: badCheckDigit(idNumber()), skills: 'first_aid', status: 'gone',
    });
    assertError(r, 422, 'validation_failed', ['name', 'phone', 'id_number', 'skills', 'status']);
    assert.match(r.json.error.fields.id_number, /check digit/);
    r = await call('POST', '/api/v1/volunteers', admin, {});
    assertError(r, 422, 'validation_failed', ['name', 'phone']);
    r = await call('POST', '/api/v1/volunteers', admin, { name: '张', phone: h.randomPhone(), id_number: '36078119900230123X' });
    assertError(r, 422, 'validation_failed', ['id_number']);
    r = await call('POST', '/api/v1/volunteers', admin, { name: '张', phone: h.randomPhone(), id_number: 360781199003071234 });
    assertError(r, 422, 'validation_failed', ['id_number']);
    for (const skills of [[{ code: 'first_aid', level: 6 }], ['First Aid'], ['first_aid', 'first_aid'], [42]]) {
      r = await call('POST', '/api/v1/volunteers', admin, { name: '张', phone: h.randomPhone(), skills });
      assertError(r, 422, 'validation_failed', ['skills']);
    }
    r = await call('POST', '/api/v1/volunteers', admin, { name: '张', phone: h.randomPhone(), skills: ['first_aid', 'no_such_skill'] });
    assertError(r, 422, 'validation_failed', ['skills']);
    r = await call('POST', '/api/v1/volunteers', admin, { name: '张', phone: h.randomPhone(), skills: Array(31).fill('x') });
    assertError(r, 422, 'validation_failed', ['skills']);
    assert.equal(await volunteerCount(), before);
  });

  test('a phone or an ID number registered already is 409 naming the field', async () => {
    const id = idNumber();
    const first = await newVolunteer({ id_number: id });
    const before = await volunteerCount();
    let r = await call('POST', '/api/v1/volunteers', admin, { name: '重复', phone: first.phone });
    assertError(r, 409, 'conflict', ['phone']);
    // The same phone written another way is the same phone.
    r = await call('POST', '/api/v1/volunteers', admin, { name: '重复', phone: `+86 ${first.phone}` });
    assertError(r, 409, 'conflict', ['phone']);
    r = await call('POST', '/api/v1/volunteers', admin, { name: '重复', phone: h.randomPhone(), id_number: id.toLowerCase() });
    assertError(r, 409, 'conflict', ['id_number']);
    assert.equal(await volunteerCount(), before);
    const other = await newVolunteer();
    r = await call('PATCH', `/api/v1/volunteers/${other.id}`, admin, { phone: first.phone });
    assertError(r, 409, 'conflict', ['phone']);
    r = await call('PATCH', `/api/v1/volunteers/${other.id}`, admin, { id_number: id });
    assertError(r, 409, 'conflict', ['id_number']);
    // Keeping one's own phone is no conflict.
    r = await call('PATCH', `/api/v1/volunteers/${first.id}`, admin, { phone: first.phone });
    assert.equal(r.status, 200, r.text);
  });

  test('an update changes only what it names; skills replace the set', async () => {
    const v = await newVolunteer({ skills: ['first_aid', { code: 'anti_fraud', level: 2 }] });
    let r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { skills: [{ code: 'anti_fraud', level: 5 }, 'smartphone_help'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.skills.map((s) => [s.code, s.level]).sort(), [['anti_fraud', 5], ['smartphone_help', 1]]);
    assert.equal(r.json.name, v.name);
    assert.equal(r.json.phone, v.phone);
    assert.equal(await h.sql(`SELECT string_agg(s.code || ':' || vs.level, ',' ORDER BY s.code) FROM volunteer_skills vs JOIN skills s ON s.id = vs.skill_id WHERE vs.volunteer_id = ${v.id}`),
      'anti_fraud:5,smartphone_help:1');
    r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { name: '改名', status: 'inactive' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.name, '改名');
    assert.equal(r.json.status, 'inactive');
    assert.equal(r.json.skills.length, 2, 'skills untouched when not named');
    assert.ok(r.json.updated_at > v.updated_at);
    r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { skills: [] });
    assert.deepEqual(r.json.skills, []);

    // A refused update leaves the row as it was.
    const row = await h.sql(`SELECT v::text FROM volunteers v WHERE id = ${v.id}`);
    r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { name: '', skills: ['no_such_skill'] });
    assertError(r, 422, 'validation_failed', ['name']);
    r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { name: '又改名', skills: ['no_such_skill'] });
    assertError(r, 422, 'validation_failed', ['skills']);
    assert.equal(await h.sql(`SELECT v::text FROM volunteers v WHERE id = ${v.id}`), row);

    // An ID number can be added and taken away again.
    const id = idNumber();
    r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { id_number: id });
    assert.equal(r.json.id_number_masked, `${id.slice(0, 4)}**********${id.slice(14)}`);
    r = await call('PATCH', `/api/v1/volunteers/${v.id}`, admin, { id_number: null });
    assert.equal(r.json.id_number_masked, null);
    assert.equal(await h.sql(`SELECT num_nulls(id_number_enc, id_number_hash, id_number_masked) FROM volunteers WHERE id = ${v.id}`), '3');

    assertError(await call('PATCH', '/api/v1/volunteers/999999999', admin, { name: '无' }), 404, 'not_found');
    assertError(await call('PATCH', '/api/v1/volunteers/abc', admin, { name: '无' }), 400, 'invalid_parameter');
  });

  test('lists page by id and filter by name, number, phone, team, skill and status', async () => {
    const tag = h.uniq('页').replace(/[^\p{L}\p{N}]/gu, '').slice(0, 20);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await newVolunteer({ name: `${tag}${i}`, skills: i === 2 ? ['anti_fraud'] : [] }));
    let r = await call('GET', `/api/v1/volunteers?q=${encodeURIComponent(tag)}&limit=2`, admin);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((v) => v.id), [made[0].id, made[1].id]);
    assert.equal(r.json.next_cursor, String(made[1].id));
    r = await call('GET', `/api/v1/volunteers?q=${encodeURIComponent(tag)}&limit=2&cursor=${r.json.next_cursor}`, admin);
    assert.deepEqual(r.json.items.map((v) => v.id), [made[2].id]);
    assert.equal(r.json.next_cursor, null);
    r = await call('GET', `/api/v1/volunteers?q=${encodeURIComponent(tag)}&skill=anti_fraud`, admin);
    assert.deepEqual(r.json.items.map((v) => v.id), [made[2].id]);
    r = await call('GET', `/api/v1/volunteers?q=${made[1].volunteer_no.toLowerCase()}`, admin);
    assert.deepEqual(r.json.items.map((v) => v.id), [made[1].id]);
    r = await call('GET', `/api/v1/volunteers?q=${made[0].phone}`, admin);
    assert.deepEqual(r.json.items.map((v) => v.id), [made[0].id]);
    assert.equal(r.json.items[0].phone, made[0].phone, 'admins see the full phone');
    await call('PATCH', `/api/v1/volunteers/${made[0].id}`, admin, { status: 'inactive' });
    r = await call('GET', `/api/v1/volunteers?q=${encodeURIComponent(tag)}&status=inactive`, admin);
    assert.deepEqual(r.json.items.map((v) => v.id), [made[0].id]);
    const team = await newTeam();
    assert.equal((await addMember(admin, team.id, made[1].id)).status, 201);
    r = await call('GET', `/api/v1/volunteers?team_id=${team.id}`, admin);
    assert.deepEqual(r.json.items.map((v) => [v.id, v.teams]), [[made[1].id, [{ id: team.id, name: team.name, role: 'member' }]]]);

    r = await call('GET', '/api/v1/volunteers?limit=0&cursor=x&team_id=-1&status=gone&skill=Bad', admin);
    assertError(r, 422, 'validation_failed', ['limit', 'cursor', 'team_id', 'status', 'skill']);
    r = await call('GET', '/api/v1/volunteers?limit=101', admin);
    assertError(r, 422, 'validation_failed', ['limit']);
  });

  test('only admins register volunteers; community and department accounts cannot read them', async () => {
    for (const who of ['demo-community', 'demo-department', 'demo-volunteer']) {
      const token = await login(who);
      assertError(await call('GET', '/api/v1/volunteers', token), 403, 'forbidden');
      assertError(await call('POST', '/api/v1/volunteers', token, { name: '无', phone: h.randomPhone() }), 403, 'forbidden');
    }
    assertError(await call('GET', '/api/v1/volunteers'), 401, 'unauthenticated');
  });
});

// ------------------------------------------------------------------ skills

describe('skills', () => {
  test('anyone logged in lists skills; an admin adds one; bad and repeated codes are refused', async () => {
    const code = `t_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
    let r = await call('POST', '/api/v1/skills', admin, { code, name: '测试技能' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['code', 'id', 'name']);
    assert.equal(r.json.code, code);
    const volunteerToken = await login('demo-volunteer');
    r = await call('GET', '/api/v1/skills', volunteerToken);
    assert.equal(r.status, 200);
    assert.ok(r.json.items.some((s) => s.code === code && s.name === '测试技能'));
    assert.ok(r.json.items.some((s) => s.code === 'first_aid'));
    assertError(await call('POST', '/api/v1/skills', admin, { code, name: '又一个' }), 409, 'conflict', ['code']);
    assertError(await call('POST', '/api/v1/skills', admin, { code: 'Bad-Code', name: '' }), 422, 'validation_failed', ['code', 'name']);
    assertError(await call('POST', '/api/v1/skills', admin, { code: `a${'b'.repeat(40)}`, name: '长' }), 422, 'validation_failed', ['code']);
    assertError(await call('POST', '/api/v1/skills', volunteerToken, { code: 'x_y', name: '无权' }), 403, 'forbidden');
    // A new skill can be given to a volunteer at once.
    const v = await newVolunteer({ skills: [{ code, level: 3 }] });
    assert.deepEqual(v.skills, [{ code, name: '测试技能', level: 3 }]);
  });
});

// ------------------------------------------------------------------ teams

describe('teams', () => {
  test('a team is made with its towns; bad input is named and writes nothing', async () => {
    const name = h.uniq('注册测试队');
    let r = await call('POST', '/api/v1/teams', admin, { name, department_id: department, town_ids: [towns[1], towns[0]] });
    assert.equal(r.status, 201, r.text);
    const t = r.json;
    assert.equal(t.name, name);
    assert.equal(t.department_id, department);
    assert.match(t.department_name, /^注册测试部门/);
    assert.deepEqual(t.town_ids, [towns[0], towns[1]]);
    assert.equal(t.status, 'active');
    assert.equal(t.member_count, 0);
    assert.equal(t.lead, null);

    const before = await h.sql('SELECT count(*) FROM teams');
    assertError(await call('POST', '/api/v1/teams', admin, { name, department_id: department, town_ids: [towns[0]] }), 409, 'conflict', ['name']);
    assertError(await call('POST', '/api/v1/teams', admin, { name: '', department_id: 'x', town_ids: [] }), 422, 'validation_failed', ['name', 'department_id', 'town_ids']);
    assertError(await call('POST', '/api/v1/teams', admin, { name: h.uniq('队'), department_id: department, town_ids: Array.from({ length: 21 }, (_, i) => i + 1) }), 422, 'validation_failed', ['town_ids']);
    assertError(await call('POST', '/api/v1/teams', admin, { name: h.uniq('队'), department_id: department, town_ids: [towns[0], towns[0]] }), 422, 'validation_failed', ['town_ids']);
    assertError(await call('POST', '/api/v1/teams', admin, { name: h.uniq('队'), department_id: department, town_ids: [towns[0], 999999999] }), 422, 'validation_failed', ['town_ids']);
    assertError(await call('POST', '/api/v1/teams', admin, { name: h.uniq('队'), department_id: 999999999, town_ids: [towns[0]] }), 422, 'validation_failed', ['department_id']);
    assert.equal(await h.sql('SELECT count(*) FROM teams'), before);
    assert.equal(await h.sql(`SELECT count(*) FROM team_towns WHERE team_id NOT IN (SELECT id FROM teams)`), '0');
  });

  test('an update changes name, status and towns; the department stays', async () => {
    const t = await newTeam({ town_ids: [towns[0], towns[1]] });
    let r = await call('PATCH', `/api/v1/teams/${t.id}`, admin, { town_ids: [towns[1], towns[2]], status: 'inactive' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.town_ids, [towns[1], towns[2]]);
    assert.equal(r.json.status, 'inactive');
    assert.equal(r.json.name, t.name);
    assert.equal(await h.sql(`SELECT string_agg(town_id::text, ',' ORDER BY town_id) FROM team_towns WHERE team_id = ${t.id}`), `${towns[1]},${towns[2]}`);
    const row = await h.sql(`SELECT t::text FROM teams t WHERE id = ${t.id}`);
    assertError(await call('PATCH', `/api/v1/teams/${t.id}`, admin, { department_id: department, status: 'gone', name: '' }), 422, 'validation_failed', ['department_id', 'status', 'name']);
    assertError(await call('PATCH', `/api/v1/teams/${t.id}`, admin, { town_ids: [999999999] }), 422, 'validation_failed', ['town_ids']);
    assert.equal(await h.sql(`SELECT t::text FROM teams t WHERE id = ${t.id}`), row);
    assert.equal(await h.sql(`SELECT count(*) FROM team_towns WHERE team_id = ${t.id}`), '2');
    assertError(await call('PATCH', '/api/v1/teams/999999999', admin, { status: 'active' }), 404, 'not_found');
  });

  test('teams list by department and town, in pages', async () => {
    const a = await newTeam({ town_ids: [towns[3]] });
    const b = await newTeam({ town_ids: [towns[3], towns[4]] });
    const c = await newTeam({ town_ids: [towns[4]] });
    const token = await login('demo-department');
    let r = await call('GET', `/api/v1/teams?department_id=${department}&town_id=${towns[3]}`, token);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((t) => t.id), [a.id, b.id]);
    r = await call('GET', `/api/v1/teams?department_id=${department}&town_id=${towns[4]}&limit=1`, admin);
    assert.deepEqual(r.json.items.map((t) => t.id), [b.id]);
    r = await call('GET', `/api/v1/teams?department_id=${department}&town_id=${towns[4]}&limit=1&cursor=${r.json.next_cursor}`, admin);
    assert.deepEqual(r.json.items.map((t) => t.id), [c.id]);
    assert.equal(r.json.next_cursor, null);
    assertError(await call('GET', '/api/v1/teams?town_id=abc', admin), 422, 'validation_failed', ['town_id']);
    assertError(await call('GET', '/api/v1/teams', await login('demo-volunteer')), 403, 'forbidden');
  });
});

// ------------------------------------------------------------------ members

describe('members', () => {
  test('one lead per team: naming a new lead demotes the old one; the lead is neither removed nor demoted', async () => {
    const t = await newTeam();
    const [x, y, z] = [await newVolunteer(), await newVolunteer(), await newVolunteer()];
    let r = await addMember(admin, t.id, x.id, 'lead');
    assert.equal(r.status, 201, r.text);
    assert.deepEqual([r.json.volunteer_id, r.json.role, r.json.volunteer_no], [x.id, 'lead', x.volunteer_no]);
    assert.equal((await addMember(admin, t.id, y.id)).status, 201);
    r = await addMember(admin, t.id, y.id, 'lead');
    assert.equal(r.status, 200, 'a member made lead');
    assert.equal(r.json.role, 'lead');
    assert.equal(await h.sql(`SELECT string_agg(volunteer_id || ':' || role, ',' ORDER BY volunteer_id) FROM team_members WHERE team_id = ${t.id}`),
      `${x.id}:member,${y.id}:lead`);
    r = await addMember(admin, t.id, z.id, 'lead');
    assert.equal(r.status, 201);
    assert.equal(await h.sql(`SELECT string_agg(volunteer_id::text, ',') FROM team_members WHERE team_id = ${t.id} AND role = 'lead'`), String(z.id));
    r = await call('GET', `/api/v1/teams/${t.id}`, admin);
    assert.deepEqual(r.json.lead, { volunteer_id: z.id, name: z.name });
    assert.equal(r.json.member_count, 3);

    assertError(await addMember(admin, t.id, z.id, 'member'), 409, 'conflict', ['role']);
    assertError(await call('DELETE', `/api/v1/teams/${t.id}/members/${z.id}`, admin), 409, 'conflict');
    r = await call('DELETE', `/api/v1/teams/${t.id}/members/${y.id}`, admin);
    assert.equal(r.status, 204);
    assertError(await call('DELETE', `/api/v1/teams/${t.id}/members/${y.id}`, admin), 404, 'not_found');
    assert.equal(await h.sql(`SELECT string_agg(volunteer_id || ':' || role, ',' ORDER BY volunteer_id) FROM team_members WHERE team_id = ${t.id}`),
      `${x.id}:member,${z.id}:lead`);
    // The database itself holds the rule.
    await assert.rejects(h.sql(`UPDATE team_members SET role = 'lead' WHERE team_id = ${t.id} AND volunteer_id = ${x.id}`), /team_members_one_lead/);

    assertError(await addMember(admin, t.id, 999999999), 422, 'validation_failed', ['volunteer_id']);
    assertError(await addMember(admin, t.id, x.id, 'boss'), 422, 'validation_failed', ['role']);
    assertError(await addMember(admin, 999999999, x.id), 404, 'not_found');
  });

  test('leads named at the same moment leave exactly one lead', async () => {
    const t = await newTeam();
    const people = [];
    for (let i = 0; i < 6; i++) people.push(await newVolunteer());
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(people.map((v) => addMember(admin, t.id, v.id, 'lead')));
      for (const r of results) assert.ok([200, 201, 409].includes(r.status), `${r.status} ${r.text}`);
      assert.ok(results.some((r) => r.status !== 409), 'someone became lead');
      assert.equal(await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${t.id} AND role = 'lead'`), '1');
    }
  });

  test('a team account manages its own members only, and sees their phones masked', async () => {
    const own = await newTeam();
    const other = await newTeam();
    const token = await teamAccount(own.id);
    const [m, n, outsider] = [await newVolunteer(), await newVolunteer(), await newVolunteer()];

    // A team account no longer enrols anyone (issue 9): it invites, the volunteer accepts; an admin enrols.
    assertError(await addMember(token, own.id, m.id, 'lead'), 403, 'forbidden');
    let r = await addMember(admin, own.id, m.id, 'lead');
    assert.equal(r.status, 201, r.text);
    assert.equal((await addMember(admin, own.id, n.id)).status, 201);
    r = await call('GET', `/api/v1/teams/${own.id}/members`, token);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((x) => [x.volunteer_id, x.role]), [[m.id, 'lead'], [n.id, 'member']]);
    r = await call('GET', `/api/v1/teams/${own.id}/members?limit=1`, token);
    assert.deepEqual([r.json.items.length, r.json.next_cursor], [1, String(m.id)]);

    r = await call('GET', '/api/v1/volunteers', token);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((x) => x.id), [m.id, n.id]);
    assert.equal(r.json.items[0].phone, `${m.phone.slice(0, 3)}****${m.phone.slice(7)}`);
    assert.ok(!r.text.includes(m.phone));
    r = await call('GET', `/api/v1/volunteers/${n.id}`, token);
    assert.equal(r.status, 200);
    assertError(await call('GET', `/api/v1/volunteers/${outsider.id}`, token), 403, 'forbidden');
    assertError(await call('GET', `/api/v1/volunteers?team_id=${other.id}`, token), 403, 'forbidden');

    const before = await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${other.id}`);
    assertError(await addMember(token, other.id, outsider.id), 403, 'forbidden');
    assertError(await call('GET', `/api/v1/teams/${other.id}/members`, token), 403, 'forbidden');
    assertError(await call('DELETE', `/api/v1/teams/${other.id}/members/${outsider.id}`, token), 403, 'forbidden');
    assert.equal(await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${other.id}`), before);
    assertError(await call('PATCH', `/api/v1/teams/${own.id}`, token, { name: '自己改名' }), 403, 'forbidden');
    assertError(await call('POST', '/api/v1/volunteers', token, { name: '无权', phone: h.randomPhone() }), 403, 'forbidden');
    assertError(await call('PATCH', `/api/v1/volunteers/${n.id}`, token, { name: '无权' }), 403, 'forbidden');

    assert.equal((await call('DELETE', `/api/v1/teams/${own.id}/members/${n.id}`, token)).status, 204);
    assertError(await call('DELETE', `/api/v1/teams/${own.id}/members/${m.id}`, token), 409, 'conflict');
  });
});

// ------------------------------------------------------------------ import

describe('paidan import volunteers', () => {
  test('a good file imports every line with skills, team and role, ID numbers masked', async () => {
    const team = await newTeam();
    const phones = [h.randomPhone(), h.randomPhone(), h.randomPhone()];
    const id = idNumber();
    const csv = '\ufeffname,phone,id_number,skills,team,role\r\n' +
      `导入甲,${phones[0]},${id},first_aid;smartphone_help:4,${team.name},lead\r\n` +
      `"导入乙, 小名",${phones[1]},,anti_fraud,${team.name},\r\n` +
      `"导入""丙""",${phones[2].slice(0, 3)}-${phones[2].slice(3)},,,,\r\n`;
    const r = importFile('good.csv', csv);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'imported 3 volunteers');
    const rows = await h.sql(`SELECT v.name || '|' || coalesce(v.id_number_masked, '') || '|' ||
        coalesce((SELECT string_agg(s.code || ':' || vs.level, ';' ORDER BY s.code) FROM volunteer_skills vs JOIN skills s ON s.id = vs.skill_id WHERE vs.volunteer_id = v.id), '') || '|' ||
        coalesce((SELECT m.role FROM team_members m WHERE m.volunteer_id = v.id AND m.team_id = ${team.id}), '')
      FROM volunteers v WHERE v.phone IN (${phones.map(h.lit).join(',')}) ORDER BY v.id`);
    assert.deepEqual(rows.split('\n'), [
      `导入甲|${id.slice(0, 4)}**********${id.slice(14)}|first_aid:1;smartphone_help:4|lead`,
      '导入乙, 小名||anti_fraud:1|member',
      '导入"丙"|||',
    ]);
    assert.equal(await h.sql(`SELECT count(*) FROM volunteers v WHERE v::text LIKE ${h.lit(`%${id.slice(4, 14)}%`)}`), '0');
    // What the import registered, the API shows the same way.
    const v = await call('GET', `/api/v1/volunteers?q=${phones[0]}`, admin);
    assert.equal(v.json.items[0].volunteer_no, `V${String(v.json.items[0].id).padStart(6, '0')}`);
  });

  test('one bad line in the middle imports nothing and names that line', async () => {
    const team = await newTeam();
    const phones = Array.from({ length: 5 }, () => h.randomPhone());
    const lines = phones.map((p, i) => `批量${i},${p},,first_aid,${team.name},member`);
    lines[2] = `批量2,${phones[2].slice(0, 5)},,first_aid,${team.name},member`; // line 4 of the file
    const before = await volunteerCount();
    const r = importFile('bad-middle.csv', `name,phone,id_number,skills,team,role\n${lines.join('\n')}\n`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    const reported = r.stderr.split('\n').filter((l) => l.startsWith('line '));
    assert.deepEqual(reported.map((l) => l.split(':').slice(0, 2).join(':')), ['line 4: phone']);
    assert.match(r.stderr, /1 bad line; nothing imported/);
    assert.equal(await volunteerCount(), before);
    assert.equal(await h.sql(`SELECT count(*) FROM team_members WHERE team_id = ${team.id}`), '0');
  });

  test('every kind of bad line is reported, each with its line number', async () => {
    const team = await newTeam();
    const known = await newVolunteer();
    const p = Array.from({ length: 6 }, () => h.randomPhone());
    const csv = [
      'name,phone,id_number,skills,team,role',
      `好人,${p[0]},,,,`, // 2: fine
      `,${p[1]},123,no_such_skill,没有这支队,boss`, // 3: name, id_number, skills, team, role
      `重复,${p[0]},,,,`, // 4: phone as line 2
      `已有,${known.phone},,,,`, // 5: phone in the database
      `队长一,${p[2]},,,${team.name},lead`, // 6: fine
      `队长二,${p[3]},,,${team.name},lead`, // 7: a second lead
      `少列,${p[4]}`, // 8: two fields
      `没队,${p[5]},,,,member`, // 9: role without team
      `"没完,${p[5]},,,,`, // 10: an open quote to the end
    ].join('\n');
    const before = await volunteerCount();
    const r = importFile('kinds.csv', csv);
    assert.equal(r.code, 1, r.stderr);
    const reported = r.stderr.split('\n').filter((l) => l.startsWith('line ')).map((l) => l.split(':').slice(0, 2).join(':'));
    assert.deepEqual(reported, [
      'line 3: name', 'line 3: id_number', 'line 3: role', 'line 3: skills', 'line 3: team',
      'line 4: phone', 'line 5: phone', 'line 7: role', 'line 8: csv', 'line 9: role', 'line 10: csv',
    ]);
    assert.match(r.stderr, /line 4: phone: .*line 2/);
    assert.match(r.stderr, /line 7: role: .*line 6/);
    assert.match(r.stderr, /7 bad lines; nothing imported/);
    assert.equal(await volunteerCount(), before);
  });

  test('a bad header or a missing file is refused before anything else', () => {
    let r = importFile('header.csv', 'name,mobile\n张三,13912345678\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 1: header: .*unknown column/);
    assert.match(r.stderr, /line 1: header: .*the phone column is required/);
    r = spawnSync(h.bin(), ['import', 'volunteers', path.join(tmp, 'missing.csv'), '--database-url', h.dbUrl()], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read/);
    r = spawnSync(h.bin(), ['import', 'volunteers'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: paidan import volunteers FILE.csv/);
  });
});
