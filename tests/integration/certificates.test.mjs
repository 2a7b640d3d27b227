// Issue 13: certificates people trust (one number per set of verified records, the designated
// handler, who asked recorded, a QR code of the verify URL, the seal, a shareable page, /verify
// with a box, the certificates' chain) and star levels from verified hours, corrections respected.
// Its verified hours are written straight to the ledger, outside the orders' chains, which `paidan
// audit verify` reports; the files that read verify's lines ask for their own orders only (`--order`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, uniq, randomPhone, sleep, bin, dbUrl, login as signIn } from './harness.mjs';

const HANDLER = '王经办';
const PUBLIC_URL = 'https://paidan.example.cn';
let srv;
const S = {};

const login = (username, password) => signIn(srv, username, password);

function call(who, method, p, body, headers = {}) {
  return srv.http(method, p, { body, headers: { ...(who ? { Authorization: `Bearer ${who.token}` } : {}), ...headers } });
}

function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

before(async () => {
  await loadDemo();
  srv = await startServer({ args: ['--certificate-handler', HANDLER, '--certificate-contact', '0797-4200000', '--public-url', PUBLIC_URL] });
  // On a loaded machine the first database connection may come after the port opens.
  for (let i = 0; i < 100 && (await srv.http('GET', '/readyz')).status !== 200; i++) await sleep(200);
  S.admin = await login('demo-admin');
  S.community = await login('demo-community');
  S.department = await login('demo-department');
});

after(async () => {
  if (srv) await srv.stop();
});

/** A team with one volunteer (the lead) and a login for that volunteer. */
async function volunteerWithLogin() {
  const team = ok(await call(S.admin, 'POST', '/api/v1/teams', {
    name: uniq('证书测试队').slice(0, 60), department_id: S.department.user.department_id, town_ids: [1],
  }), 'team');
  const v = ok(await call(S.admin, 'POST', '/api/v1/volunteers', { name: uniq('星级').slice(0, 20), phone: randomPhone() }), 'volunteer');
  ok(await call(S.admin, 'POST', `/api/v1/teams/${team.id}/members`, { volunteer_id: v.id, role: 'lead' }), 'member');
  const username = uniq('vol').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  ok(await call(S.admin, 'POST', '/api/v1/users', { username, password: 'cert-test-pw', display_name: '志愿者本人', role: 'volunteer', volunteer_id: v.id }), 'account');
  return { team, v, session: await login(username, 'cert-test-pw') };
}

/** Verified records of `hours` each on fresh orders (written straight to the ledger: the confirm flow is tested elsewhere). */
async function verifiedHours(who, hoursList) {
  const category = Number(await sql(`SELECT min(id) FROM categories`));
  const ids = [];
  for (const h of hoursList) {
    const o = ok(await srv.http('POST', '/api/v1/orders', { body: {
      community_id: S.community.user.community_id, category_id: category, description: uniq('星级记录'),
      contact_name: '钱奶奶', contact_phone: '13912345678',
    } }), 'order');
    ids.push(Number(await sql(`WITH r AS (INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, verified_by, verified_at)
      VALUES (${o.id}, ${who.v.id}, ${who.team.id}, ${h}, 'verified', ${S.community.user.id}, now()) RETURNING id) SELECT id FROM r`)));
  }
  return ids;
}

function zbar(file) {
  return new Promise((resolve, reject) => {
    execFile('zbarimg', ['--quiet', '--raw', file], { timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`zbarimg ${file}: ${err.message} ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/** The QR's SVG path back to a bitmap (PBM, 8 px per module), for a decoder that reads pixels. */
function svgToPbm(svg) {
  const side = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)[1]);
  const d = /<path fill="#000" d="([^"]+)"/.exec(svg)[1];
  const grid = Array.from({ length: side }, () => new Array(side).fill(0));
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const [x, y, n] = [Number(m[1]), Number(m[2]), Number(m[3])];
    for (let i = 0; i < n; i++) grid[y][x + i] = 1;
  }
  const scale = 8;
  const rows = [];
  for (let y = 0; y < side * scale; y++) {
    const row = [];
    for (let x = 0; x < side * scale; x++) row.push(grid[Math.floor(y / scale)][Math.floor(x / scale)]);
    rows.push(row.join(' '));
  }
  return `P1\n${side * scale} ${side * scale}\n${rows.join('\n')}\n`;
}

test('asked twice, one number; a new verified record gives the next; the handler is the designated one, the asker is recorded', async () => {
  const who = await volunteerWithLogin();
  await verifiedHours(who, [2.5, 3]);
  const first = await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`);
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.new, true);
  assert.equal(first.json.total_hours, '5.50');
  assert.equal(first.json.url, `/certificates/${first.json.verify_code}`);
  assert.equal(first.json.verify_url, `${PUBLIC_URL}/verify/${first.json.verify_code}`);
  assert.match(first.json.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // Again, by the volunteer and by an admin, and through the HTML route: the same certificate.
  const again = await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`);
  assert.equal(again.status, 200);
  assert.equal(again.json.number, first.json.number);
  assert.equal(again.json.new, false);
  const html = await call(S.admin, 'GET', `/api/v1/volunteers/${who.v.id}/certificate`);
  assert.equal(html.status, 200);
  assert.equal(html.headers['x-certificate-number'], first.json.number);
  assert.equal(html.headers['content-location'], first.json.url);
  // Who asked is recorded, three times; the page names the designated handler, not the asker.
  const asks = await sql(`SELECT string_agg(r.requested_by || ':' || r.issued_new, ',' ORDER BY r.id)
    FROM certificate_requests r JOIN certificates c ON c.id = r.certificate_id WHERE c.number = '${first.json.number}'`);
  assert.equal(asks, `${who.session.user.id}:true,${who.session.user.id}:false,${S.admin.user.id}:false`);
  assert.ok(html.text.includes(`经办人：<span id="handler">${HANDLER}</span>`), 'the designated handler');
  assert.ok(!html.text.includes('志愿者本人'), 'the asker is not on the page');
  assert.ok(html.text.includes('0797-4200000'));
  // The shareable page needs no login.
  const shared = await srv.http('GET', first.json.url);
  assert.equal(shared.status, 200);
  assert.ok(shared.text.includes(first.json.number));
  // New verified hours: a new number; asking again then gives that one.
  await verifiedHours(who, [1]);
  const next = await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`);
  assert.equal(next.status, 201);
  assert.notEqual(next.json.number, first.json.number);
  assert.equal(next.json.total_hours, '6.50');
  assert.equal((await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`)).json.number, next.json.number);
  // Someone else's volunteer: refused, and nothing issued.
  const other = await volunteerWithLogin();
  const before = await sql(`SELECT count(*) FROM certificates`);
  assert.equal((await call(who.session, 'POST', `/api/v1/volunteers/${other.v.id}/certificates`)).status, 403);
  assert.equal(await sql(`SELECT count(*) FROM certificates`), before);
});

test('two asks at once give one number', async () => {
  const who = await volunteerWithLogin();
  await verifiedHours(who, [4]);
  const answers = await Promise.all([1, 2, 3, 4].map(() => call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`)));
  for (const a of answers) assert.ok(a.status === 200 || a.status === 201, a.text);
  assert.equal(new Set(answers.map((a) => a.json.number)).size, 1);
  assert.equal(answers.filter((a) => a.status === 201).length, 1);
  assert.equal(await sql(`SELECT count(*) FROM certificates WHERE volunteer_id = ${who.v.id}`), '1');
});

test('the QR code reads back as the full verify URL; the seal uploaded by an admin is printed', async () => {
  const who = await volunteerWithLogin();
  await verifiedHours(who, [2]);
  // A seal: not an image, too big, not an admin are refused; a PNG is taken.
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000200b7e1d3ee0000000049454e44ae426082', 'hex');
  const put = (who2, raw, type = 'image/png') => srv.http('PUT', '/api/v1/certificate-seal', { raw, headers: { Authorization: `Bearer ${who2.token}`, 'Content-Type': type } });
  assert.equal((await put(S.admin, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png')).status, 415);
  assert.equal((await put(S.admin, Buffer.concat([png, Buffer.alloc(600 * 1024)]))).status, 413);
  assert.equal((await put(who.session, png)).status, 403);
  const seal = await put(S.admin, png);
  assert.equal(seal.status, 201, seal.text);
  const image = await srv.http('GET', seal.json.url);
  assert.equal(image.status, 200);
  assert.equal(image.headers['content-type'], 'image/png');
  assert.ok(image.body.equals(png), 'the seal comes back byte for byte');

  const cert = ok(await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`), 'certificate');
  const page = await srv.http('GET', cert.url);
  assert.ok(page.text.includes(`src="${seal.json.url}"`), 'the seal is on the certificate');
  const svg = /<svg[\s\S]*?<\/svg>/.exec(page.text)[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-qr-'));
  const file = path.join(dir, 'qr.pbm');
  fs.writeFileSync(file, svgToPbm(svg));
  assert.equal(await zbar(file), `${PUBLIC_URL}/verify/${cert.verify_code}`);
  fs.rmSync(dir, { recursive: true });
});

test('/verify without a code is a page with a box; with a code, typed or in the path, it checks it', async () => {
  const who = await volunteerWithLogin();
  await verifiedHours(who, [1.25]);
  const cert = ok(await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`), 'certificate');
  const form = await srv.http('GET', '/verify');
  assert.equal(form.status, 200);
  assert.match(form.headers['content-type'], /text\/html/);
  assert.ok(form.text.includes('<input id="code" name="code"'));
  const typed = await srv.http('GET', `/verify?code=${cert.verify_code.toLowerCase().replace(/(.{4})/g, '$1-')}`);
  assert.equal(typed.status, 200);
  assert.ok(typed.text.includes('这份证明是真实的'));
  assert.ok(typed.text.includes(cert.number));
  const path_ = await srv.http('GET', `/verify/${cert.verify_code}`);
  assert.equal(path_.status, 200);
  const wrong = await srv.http('GET', '/verify?code=ABCDEFGHJKMN');
  assert.equal(wrong.status, 404);
  assert.ok(wrong.text.includes('查无此证明'));
  assert.ok(wrong.text.includes('<input id="code"'), 'the box again, to try once more');
  const hostile = await srv.http('GET', '/verify?code=%3Cscript%3E');
  assert.equal(hostile.status, 404);
  assert.ok(!hostile.text.includes('<script>'));
});

test('star levels at each threshold, from verified hours only, corrections respected', async () => {
  const cases = [[0, 0], [99.99, 0], [100, 1], [299.99, 1], [300, 2], [599.99, 2], [600, 3], [999.99, 3], [1000, 4], [1499.99, 4], [1500, 5], [9999, 5]];
  for (const [hours, level] of cases) assert.equal(Number(await sql(`SELECT paidan_star_level(${hours})`)), level, `${hours} h`);

  const who = await volunteerWithLogin();
  const ids = await verifiedHours(who, [24, 24, 24, 24, 4]);
  // A pending record does not count.
  const pendingOrder = ok(await srv.http('POST', '/api/v1/orders', { body: {
    community_id: S.community.user.community_id, category_id: Number(await sql('SELECT min(id) FROM categories')),
    description: uniq('待确认'), contact_name: '孙', contact_phone: '13712345678' } }), 'order');
  await sql(`INSERT INTO service_records (order_id, volunteer_id, team_id, hours) VALUES (${pendingOrder.id}, ${who.v.id}, ${who.team.id}, 10)`);
  const star = async () => {
    const v = ok(await call(S.admin, 'GET', `/api/v1/volunteers/${who.v.id}`), 'volunteer');
    const ledger = ok(await call(who.session, 'GET', `/api/v1/volunteers/${who.v.id}/hours`), 'ledger');
    assert.equal(ledger.star_level, v.star_level, 'ledger and registry agree');
    return [v.verified_hours, v.star_level];
  };
  assert.deepEqual(await star(), ['100.00', 1]);
  const cert = ok(await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`), 'certificate');
  assert.equal(cert.star_level, 1);
  assert.ok((await srv.http('GET', cert.url)).text.includes('一星志愿者'));
  // An admin corrects 4 h down to 3.5 h: below 100, no star.
  ok(await call(S.admin, 'POST', `/api/v1/service-records/${ids[4]}/corrections`, { hours: 3.5, reason: '核对签到时间' }), 'correction');
  assert.deepEqual(await star(), ['99.50', 0]);
  const cert2 = ok(await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`), 'certificate after correction');
  assert.notEqual(cert2.number, cert.number);
  assert.equal(cert2.star_level, 0);
  assert.ok(!(await srv.http('GET', cert2.url)).text.includes('星志愿者'));
});

test('the county list of starred volunteers, and a nomination list published for 5 working days on a public page', async () => {
  const starred = await volunteerWithLogin();
  await verifiedHours(starred, [24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 12]); // 300 h: 二星
  const plain = await volunteerWithLogin();
  await verifiedHours(plain, [8]);
  const all = [];
  for (let cursor = null; ;) {
    const page = ok(await call(S.admin, 'GET', `/api/v1/stars?limit=100${cursor ? `&cursor=${cursor}` : ''}`), 'stars');
    all.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const mine = all.find((x) => x.volunteer_id === starred.v.id);
  assert.equal(mine.star_level, 2);
  assert.equal(mine.verified_hours, '300.00');
  assert.ok(!all.some((x) => x.volunteer_id === plain.v.id), 'no star, not listed');
  const twoUp = ok(await call(S.community, 'GET', '/api/v1/stars?level=2&limit=100'), 'level 2');
  assert.ok(twoUp.items.every((x) => x.star_level >= 2));
  assert.equal((await call(S.admin, 'GET', '/api/v1/stars?level=9')).status, 422);
  assert.equal((await call(starred.session, 'GET', '/api/v1/stars')).status, 403);
  assert.equal((await srv.http('GET', '/api/v1/stars')).status, 401);

  // Working days: published on a Monday, the notice ends on Friday; on a Thursday, the next Wednesday.
  assert.equal(await sql(`SELECT paidan_working_day('2026-11-30', 5)`), '2026-12-04');
  assert.equal(await sql(`SELECT paidan_working_day('2026-12-03', 5)`), '2026-12-09');
  assert.equal(await sql(`SELECT paidan_working_day('2026-12-05', 5)`), '2026-12-11');

  const title = uniq('2026年度优秀科技志愿者推荐名单').slice(0, 60);
  const bad = await call(S.admin, 'POST', '/api/v1/nominations', { title, entries: [{ volunteer_id: starred.v.id, reason: '' }] });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.entries);
  const twice = await call(S.admin, 'POST', '/api/v1/nominations', { title, entries: [{ volunteer_id: starred.v.id, reason: 'a' }, { volunteer_id: starred.v.id, reason: 'b' }] });
  assert.equal(twice.status, 422);
  const ghost = await call(S.admin, 'POST', '/api/v1/nominations', { title, entries: [{ volunteer_id: 999999999, reason: '无' }] });
  assert.equal(ghost.status, 422);
  assert.equal((await call(S.community, 'POST', '/api/v1/nominations', { title, entries: [{ volunteer_id: starred.v.id, reason: 'x' }] })).status, 403);
  const list = await call(S.admin, 'POST', '/api/v1/nominations', {
    title, entries: [{ volunteer_id: starred.v.id, reason: '常年为老人讲解智能手机<使用>' }, { volunteer_id: plain.v.id, reason: '新人' }],
  });
  assert.equal(list.status, 201, list.text);
  const today = await sql(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date`);
  assert.equal(list.json.notice_from, today);
  assert.equal(list.json.notice_until, await sql(`SELECT paidan_working_day('${today}', 5)`));
  assert.equal(list.json.entries, 2);

  const pub = ok(await srv.http('GET', '/api/v1/nominations'), 'public list');
  const shown = pub.find((l) => l.id === list.json.id);
  assert.equal(shown.in_notice, true);
  assert.deepEqual(shown.entries.map((e) => [e.volunteer_no, e.star_level, e.verified_hours]),
    [[starred.v.volunteer_no, 2, '300.00'], [plain.v.volunteer_no, 0, '8.00']]);
  assert.ok(!JSON.stringify(shown).match(/1[3-9]\d{9}|phone|id_number/), 'no personal data');
  const page = await srv.http('GET', '/honours');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`id="list-${list.json.id}"`));
  assert.ok(page.text.includes('公示中'));
  assert.ok(page.text.includes('二星'));
  assert.ok(page.text.includes('&lt;使用&gt;'), 'reasons are escaped');
  // Published is final.
  await assert.rejects(sql(`UPDATE nomination_lists SET title = 'x' WHERE id = ${list.json.id}`));
});

function auditVerify() {
  return new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

test('every ask is a link of the certificates\' chain; audit verify finds a certificate changed outside it', async () => {
  const who = await volunteerWithLogin();
  await verifiedHours(who, [3]);
  const c = ok(await call(who.session, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`), 'issue');
  ok(await call(S.admin, 'POST', `/api/v1/volunteers/${who.v.id}/certificates`), 'asked again by an admin');
  const links = await sql(`SELECT string_agg(r.chain_seq::text, ',' ORDER BY r.chain_seq) FROM certificate_requests r
    JOIN certificates x ON x.id = r.certificate_id WHERE x.number = '${c.number}'`);
  const [a, b] = links.split(',').map(Number);
  assert.equal(b, a + 1, `two consecutive links (${links})`);
  assert.equal(await sql('SELECT seq FROM certificate_chain'), await sql('SELECT max(chain_seq) FROM certificate_requests'), 'the head is the last link');
  let v = await auditVerify();
  assert.match(v.stdout, /^certificates' chain intact: \d+ asks$/m);
  // Hours raised on the certificate outside the server (as the owner, guards off): named.
  const tamper = (delta) => sql(`BEGIN; SET LOCAL session_replication_role = replica;
    UPDATE certificates SET total_hours = total_hours + ${delta} WHERE number = '${c.number}'; COMMIT;`);
  await tamper(10);
  try {
    v = await auditVerify();
    assert.notEqual(v.code, 0);
    assert.match(v.stdout, new RegExp(`^BROKEN: certificates' chain: link ${a} \\(certificate ${c.number}\\) does not match its hash`, 'm'));
  } finally {
    await tamper(-10);
  }
  v = await auditVerify();
  assert.match(v.stdout, /^certificates' chain intact: \d+ asks$/m);
});

test('a team lead may ask for a member\'s certificate; a team account may not', async () => {
  const lead = await volunteerWithLogin();
  const member = ok(await call(S.admin, 'POST', '/api/v1/volunteers', { name: uniq('队员').slice(0, 20), phone: randomPhone() }), 'volunteer');
  ok(await call(S.admin, 'POST', `/api/v1/teams/${lead.team.id}/members`, { volunteer_id: member.id, role: 'member' }), 'member');
  const r = await call(lead.session, 'POST', `/api/v1/volunteers/${member.id}/certificates`);
  assert.equal(r.status, 201, r.text);
  assert.equal(await sql(`SELECT requested_by FROM certificate_requests r JOIN certificates c ON c.id = r.certificate_id WHERE c.number = '${r.json.number}'`),
    String(lead.session.user.id), 'the lead is recorded as the one who asked');
  const team = await login('demo-team');
  assert.equal((await call(team, 'POST', `/api/v1/volunteers/${member.id}/certificates`)).status, 403);
});
