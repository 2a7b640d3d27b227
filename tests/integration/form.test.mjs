// The 点单 form without JavaScript: /form is rendered by the server from the catalog and posts a
// plain urlencoded form; the browser gets HTML pages back (the tracking code, or what to fix).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, loadDemo, validRefs, sql, uniq } from './harness.mjs';

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
  for (const c of catalog.categories) assert.ok(r.text.includes(`value="${c.id}"> <b>${c.name}</b>`), c.name);
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
  const code = /<p class="code">([23456789A-Z]{10})<\/p>/.exec(r.text);
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
  for (const label of ['所在社区/村', '服务类别', '需求描述', '联系电话']) assert.ok(r.text.includes(label), label);
  assert.ok(!r.text.includes('<b>联系人</b>'), 'a good field is not listed');
  assert.equal(await sql('SELECT count(*) FROM orders'), before_);
});
