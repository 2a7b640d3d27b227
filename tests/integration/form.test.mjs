// The 点单 form without JavaScript: /form is rendered by the server from the catalog and posts a
// plain urlencoded form; the browser gets HTML pages back (the tracking code, or what to fix).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, validRefs, sql, uniq } from './harness.mjs';
import residentTexts from '../../clients/resident/messages.js';
import { STATES } from '../../clients/common/glossary.js';

let srv;

before(async () => {
  await loadDemo();
  srv = await startServer();
});

after(async () => {
  if (srv) await srv.stop();
});

test('GET /form lists every community (grouped by town) and every service kind', async () => {
  const { catalog } = await validRefs(srv);
  const r = await srv.http('GET', '/form');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
  assert.match(r.text, /<form method="post" action="\/api\/v1\/orders"/);
  for (const town of catalog.towns) {
    assert.ok(r.text.includes(`<optgroup label="${town.name}">`), town.name);
    for (const c of town.communities) assert.ok(r.text.includes(`<option value="${c.id}">${c.name}</option>`), c.name);
  }
  for (const c of catalog.categories) assert.ok(r.text.includes(`value="${c.id}"><span class="choice-text"><b>${c.name}</b>`), c.name);
});

test('posting the form as a browser does returns the tracking-code page, and the order is stored', async () => {
  const refs = await validRefs(srv);
  const description = `${uniq('form')} 请教 智能手机 & <b>微信</b>`;
  const body = new URLSearchParams({
    community_id: String(refs.community_id), category_id: String(refs.category_id), description,
    contact_name: '李奶奶', contact_phone: '139 1234 5678', address: '', preferred_time: '上午',
  }).toString();
  const r = await srv.http('POST', '/api/v1/orders', {
    body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html,application/xhtml+xml' },
  });
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers['content-type'], /^text\/html/);
  const code = /<span class="code">([23456789A-Z]{10})<\/span>/.exec(r.text);
  assert.ok(code, r.text);
  assert.match(r.text, new RegExp(`href="/form/track/${code[1]}\\?key=[A-Za-z0-9_-]{32}"`), 'the status link carries the resident key');
  assert.equal(await sql(`SELECT description FROM orders WHERE tracking_code = '${code[1]}'`), description);
  assert.equal(await sql(`SELECT contact_phone FROM orders WHERE tracking_code = '${code[1]}'`), '13912345678');
});

test('a form with mistakes gets an HTML page naming each one, and nothing is stored', async () => {
  const before_ = await sql('SELECT count(*) FROM orders');
  const r = await srv.http('POST', '/api/v1/orders', {
    body: 'community_id=&category_id=abc&description=&contact_name=%E7%8E%8B&contact_phone=123',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
  });
  assert.equal(r.status, 422);
  assert.match(r.headers['content-type'], /^text\/html/);
  for (const label of ['哪个社区或村', '需要什么服务', '请说说具体需要', '联系电话']) assert.ok(r.text.includes(label), label);
  assert.ok(!r.text.includes('<b>您的称呼</b>'), 'a good field is not listed');
  assert.doesNotMatch(r.text.replace(/<[^>]*>/g, ''), /\([A-Za-z][^)]*\)/, 'no English in brackets in what the page says');
  assert.equal(await sql('SELECT count(*) FROM orders'), before_);
});

test('the form without JavaScript is the JavaScript form: its style sheets, its labels, the organizer and the notice', async () => {
  const r = await srv.http('GET', '/form');
  assert.equal(r.status, 200);
  for (const sheet of ['/common/base.css', '/style.css']) assert.ok(r.text.includes(`<link rel="stylesheet" href="${sheet}">`), sheet);
  const zh = (key) => residentTexts[key][0];
  for (const key of ['form.title', 'field.description', 'field.community', 'field.category', 'field.contact_name', 'field.contact_phone',
    'field.address', 'field.preferred_time', 'form.privacy_title', 'submit.button', 'field.description_hint', 'field.contact_phone_hint']) {
    assert.ok(r.text.includes(zh(key)), `${key}: "${zh(key)}" as on the JavaScript form`);
  }
  assert.ok(r.text.includes(zh('form.intro')), 'the same introduction');
  assert.match(r.text, /<label class="choice other">/, '不清楚/其他 is offered, marked as on the JavaScript form');
  assert.match(r.text, /这项服务由县科学技术协会组织/);
  assert.match(r.text, /点单办结 2 年后，称呼、电话、地址和需求描述都会删除/, 'the notice says how long (--erase-after-days 730)');
  assert.doesNotMatch(r.text.replace(/<[^>]*>/g, ''), /[A-Za-z]{4,}/, 'no English words on the page');
});

test("the status page without JavaScript names the state as the glossary's resident words", async () => {
  const { catalog } = await validRefs(srv);
  const town = catalog.towns.find((t) => t.communities.length);
  const form = new URLSearchParams({ community_id: String(town.communities[0].id), category_id: String(catalog.categories[0].id),
    description: uniq('无脚本进度'), contact_name: '吴', contact_phone: '13912345679' }).toString();
  let r = await srv.http('POST', '/api/v1/orders', { body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' } });
  assert.equal(r.status, 201, r.text);
  const link = /href="(\/form\/track\/[A-Z0-9]{10}\?key=[A-Za-z0-9_-]{32})"/.exec(r.text);
  r = await srv.http('GET', link[1], { headers: { Accept: 'text/html' } });
  assert.equal(r.status, 200);
  assert.match(r.text, new RegExp(`<p class="state" id="state" data-state="submitted">${STATES.submitted.resident[0]}</p>`));
  assert.ok(r.text.includes(STATES.submitted.explain[0]));
  assert.match(r.text, /<button type="submit" class="btn danger big">取消点单<\/button>/, 'the cancel button says the glossary\'s label');
  assert.doesNotMatch(r.text.replace(/<[^>]*>/g, '').replaceAll(link[1].slice(12, 22), ''), /[A-Za-z]{4,}/, 'no English words on the page');
  assert.match(r.text, /<span class="when">\d{4}-\d{2}-\d{2} \d{2}:\d{2}<\/span>/, 'times as people read them (Beijing time)');
});
