// Issue 13, photos of the service: the team uploads JPEGs (raw body) while the order is in progress or
// completed, up to 6; the server re-encodes them (an EXIF segment with a position does not survive)
// and puts each photo's SHA-256 in the order's audit chain; what is not a JPEG, too big, or a 7th is
// refused; staff who may see the order and the resident with their key get them, nobody else; a
// photo changed in the database is found by `paidan audit verify`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';

import { startServer, loadDemo, sql, uniq, randomPhone, bin, dbUrl } from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
// Made with libjpeg-turbo for this test: 64×48 and 1700×8 gradients.
const SMALL = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD57htParsNp7VqQ2ftV2G09q+1niThwuLMuG09quQ2ntWrDZ+1XYbP2riniT6TC4syobT2q7Dae1akNp7Vdhs/auOeJPpcLizLhtParkNp7Vqw2ntV2Gz9q454k+lwuLOHhtParkNp7Vqw2ftV2Gz9q0niT+aMLjDKhtParsNp7VqQ2ftV2Gz9q454k+lwmMMuG09quQ2ntWrDae1XYbP2rjniT6TCYwyobT2q7Dae1akNp7Vdhs/auKeJPpcJjDh4bP2q7Dae1asNn7VchtPatZ4k/mnC4sy4bT2q7Dae1akNn7Vdhs/auOeJPpMLizKhtParsNp7Vqw2ftVyG09q454k+lwuLMuG09quQ2ntWrDae1XYbP2riniT6TC4s//Z', 'base64');
const WIDE = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIBqQDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDz/wD4V1/0x/Sj/hXX/TH9KKK7f7WxP8x+T/25jP5hf+Fdf9Mf0oHw6/6Y/pRRS/tbE/zFLPMZ/ML/AMK6/wCmP6Uf8K6/6Y/pRRR/a2J/mH/bmM/mF/4V1/0x/Sj/AIV1/wBMf0oopf2tif5ilnmM/mFHw6/6Y/pR/wAK6/6Y/pRRR/a2J/mGs8xn8wv/AArr/pj+lH/Cuv8Apj+lFFH9rYn+Yf8AbmM/mF/4V1/0x/Sj/hXX/TH9KKKX9rYn+YpZ5jP5g/4V1/0x/Sl/4V1/0x/Siij+1sT/ADD/ALcxn8wf8K6/6Y/pS/8ACuv+mP6UUUv7WxP8w1nmM/mD/hXX/TH9KX/hXX/TH9KKKP7WxP8AMUs8xn8wv/Cuv+mP6Uf8K6/6Y/pRRS/tbE/zD/tzGfzAPh1/0x/Sl/4V1/0x/Siij+1sT/MNZ5jP5g/4V1/0x/Sl/wCFdf8ATH9KKKX9rYn+Yr+3MZ/MH/Cuv+mP6Uv/AArr/pj+lFFH9rYn+YazzGfzAPh1/wBMf0pf+Fdf9Mf0oopf2tif5ilnmM/mD/hXX/TH9KX/AIV1/wBMf0ooo/tbE/zD/tzGfzB/wrr/AKY/pSj4df8ATH9KKKX9rYn+YazzGfzB/wAK6/6Y/pR/wrr/AKY/pRRR/a2J/mK/tzGfzC/8K6/6Y/pS/wDCuv8Apj+lFFL+1sT/ADDWeYz+YP8AhXX/AEx/Sj/hXX/TH9KKKP7WxP8AMNZ5jP5hf+Fdf9Mf0o/4V1/0x/Siil/a2J/mK/tzGfzC/wDCuv8Apj+lH/Cuv+mP6UUUf2tif5hrPMZ/ML/wrr/pj+lL/wAK6/6Y/pRRR/a2J/mK/tzGfzB/wrr/AKY/pQPh1/0x/Siil/a2J/mGs8xn8wv/AArr/pj+lH/Cuv8Apj+lFFH9rYn+YazzGfzC/wDCuv8Apj+lH/Cuv+mP6UUUv7WxP8xX9uYz+YX/AIV1/wBMf0o/4V1/0x/Siij+1sT/ADDWeYz+YX/hXX/TH9KP+Fdf9Mf0oopf2tif5h/25jP5hf8AhXX/AEx/Sj/hXX/TH9KKKP7WxP8AMUs8xn8wo+HX/TH9KP8AhXX/AEx/Siil/a2J/mGs8xn8wf8ACuv+mP6Uv/Cuv+mP6UUUf2tif5iv7cxn8wf8K6/6Y/pS/wDCuv8Apj+lFFL+1sT/ADDWeYz+YP8AhXX/AEx/Sl/4V1/0x/Siij+1sT/MP+3MZ/MH/Cuv+mP6Uv8Awrr/AKY/pRRS/tbE/wAxSzzGfzB/wrr/AKY/pS/8K6/6Y/pRRR/a2J/mGs8xn8wf8K6/6Y/pS/8ACuv+mP6UUUf2tif5h/25jP5gHw6/6Y/pS/8ACuv+mP6UUUv7WxP8xSzzGfzB/wAK6/6Y/pS/8K6/6Y/pRRR/a2J/mH/bmM/mD/hXX/TH9KX/AIV1/wBMf0oopf2tif5ilnmM/mD/AIV1/wBMf0pf+Fdf9Mf0ooo/tbE/zDWeYz+YP+Fdf9Mf0pf+Fdf9Mf0oopf2tif5h/25jP5g/wCFdf8ATH9KP+Fdf9Mf0ooo/tbE/wAxSzzGfzC/8K6/6Y/pR/wrr/pj+lFFL+1sT/MP+3MZ/ML/AMK6/wCmP6Uf8K6/6Y/pRRR/a2J/mGs8xn8wv/Cuv+mP6Uf8K6/6Y/pRRS/tbE/zFLPMZ/ML/wAK6/6Y/pR/wrr/AKY/pRRR/a2J/mH/AG5jP5hR8Ov+mP6Uf8K6/wCmP6UUUv7WxP8AMNZ5jP5hf+Fdf9Mf0o/4V1/0x/Siij+1sT/MV/bmM/mF/wCFdf8ATH9KB8Ov+mP6UUUf2tif5hrPMZ/ML/wrr/pj+lH/AArr/pj+lFFL+1sT/MUs8xn8wv8Awrr/AKY/pR/wrr/pj+lFFH9rYn+Yf9uYz+YP+Fdf9Mf0pR8Ov+mP6UUUv7WxP8w1nmM/mF/4V1/0x/Sj/hXX/TH9KKKP7WxP8xX9uYz+YX/hXX/TH9KP+Fdf9Mf0oopf2tif5hrPMZ/MH/Cuv+mP6Uv/AArr/pj+lFFH9rYn+YazzGfzB/wrr/pj+lL/AMK6/wCmP6UUUv7WxP8AMV/bmM/mD/hXX/TH9KX/AIV1/wBMf0ooo/tbE/zDWeYz+YP+Fdf9Mf0pf+Fdf9Mf0oopf2tif5iv7cxn8wf8K6/6Y/pSj4df9Mf0ooo/tbE/zDWeYz+YP+Fdf9Mf0pf+Fdf9Mf0ooo/tbE/zDWeYz+YP+Fdf9Mf0pf8AhXX/AEx/Siil/a2J/mK/tzGfzAPh1/0x/Sl/4V1/0x/Siil/a2J/mGs8xn8wf8K6/wCmP6Uv/Cuv+mP6UUUf2tif5h/25jP5g/4V1/0x/Sj/AIV1/wBMf0ooo/tbE/zFLPMZ/MKPh1/0x/Sj/hXX/TH9KKKX9rYn+YazzGfzC/8ACuv+mP6Uv/Cuv+mP6UUUf2tif5iv7cxn8wf8K6/6Y/pR/wAK6/6Y/pRRS/tbE/zDWeYz+YX/AIV1/wBMf0o/4V1/0x/Siij+1sT/ADD/ALcxn8wv/Cuv+mP6Uf8ACuv+mP6UUUv7WxP8xSzzGfzC/wDCuv8Apj+lH/Cuv+mP6UUUf2tif5hrPMZ/ML/wrr/pj+lH/Cuv+mP6UUUv7WxP8w/7cxn8wv8Awrr/AKY/pR/wrr/pj+lFFH9rYn+YpZ5jP5hf+Fdf9Mf0o/4V1/0x/Siij+1sT/MP+3MZ/ML/AMK6/wCmP6Uf8K6/6Y/pRRS/tbE/zFLPMZ/ML/wrr/pj+lH/AArr/pj+lFFH9rYn+YazzGfzC/8ACuv+mP6Uf8K6/wCmP6UUUv7WxP8AMP8AtzGfzC/8K6/6Y/pQPh1/0x/Siij+1sT/ADFLPMZ/MH/Cuv8Apj+lL/wrr/pj+lFFL+1sT/MP+3MZ/MH/AArr/pj+lL/wrr/pj+lFFH9rYn+YazzGfzB/wrr/AKY/pS/8K6/6Y/pRRS/tbE/zFLPMZ/MH/Cuv+mP6Uv8Awrr/AKY/pRRR/a2J/mH/AG5jP5g/4V1/0x/Sl/4V1/0x/Siil/a2J/mKWeYz+YP+Fdf9Mf0pf+Fdf9Mf0ooo/tbE/wAw/wC3MZ/MH/Cuv+mP6Uv/AArr/pj+lFFL+1sT/MNZ5jP5g/4V1/0x/Sj/AIV1/wBMf0ooo/tbE/zFLPMZ/ML/AMK6/wCmP6Uv/Cuv+mP6UUUf2tif5h/25jP5g/4V1/0x/SlHw6/6Y/pRRS/tbE/zDWeYz+YP+Fdf9Mf0o/4V1/0x/Siil/a2J/mK/tzGfzC/8K6/6Y/pR/wrr/pj+lFFH9rYn+YazzGfzCj4df8ATH9KP+Fdf9Mf0ooo/tbE/wAw1nmM/mF/4V1/0x/Sj/hXX/TH9KKKX9rYn+Yr+3MZ/ML/AMK6/wCmP6Uf8K6/6Y/pRRR/a2J/mGs8xn8wv/Cuv+mP6Uf8K6/6Y/pRRS/tbE/zFf25jP5hf+Fdf9Mf0o/4V1/0x/Siij+1sT/MNZ5jP5hf+Fdf9Mf0o/4V1/0x/Siil/a2J/mGs8xn8wv/AArr/pj+lH/Cuv8Apj+lFFH9rYn+Yr+3MZ/MKPh1/wBMf0o/4V1/0x/Siil/a2J/mGs8xn8wf8K6/wCmP6Uv/Cuv+mP6UUUf2tif5h/25jP5hf8AhXX/AEx/Sj/hXX/TH9KKKX9rYn+YpZ5jP5hR8Ov+mP6Uf8K6/wCmP6UUUf2tif5hrPMZ/MH/AArr/pj+lL/wrr/pj+lFFL+1sT/MV/bmM/mD/hXX/TH9KUfDr/pj+lFFH9rYn+YazzGfzB/wrr/pj+lL/wAK6/6Y/pRRR/a2J/mH/bmM/mD/AIV1/wBMf0pf+Fdf9Mf0oopf2tif5ilnmM/mD/hXX/TH9KX/AIV1/wBMf0ooo/tbE/zDWeYz+YP+Fdf9Mf0pf+Fdf9Mf0oopf2tif5h/25jP5g/4V1/0x/Siiij+1sT/ADD/ALcxn8x//9k=', 'base64');
let srv;
const S = {};

/** SMALL with an APP1 Exif segment holding a position, right after SOI. */
function withExif(jpeg) {
  const text = Buffer.from('Exif\0\0GPS 25.1234N 114.9876E', 'latin1');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xffe1, 0);
  seg.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, text, jpeg.subarray(2)]);
}

async function login(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, `${username}: ${r.text}`);
  return r.json;
}
const call = (who, method, p, body) => srv.http(method, p, { body, headers: { Authorization: `Bearer ${who.token}` } });
const upload = (who, id, bytes, type = 'image/jpeg') => srv.http('POST', `/api/v1/orders/${id}/photos`, { raw: bytes, headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': type } });
function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}
/** jpeg padded to size bytes with APP15 segments right after SOI (a decoder skips them; the re-encoding drops them). */
function padded(jpeg, size) {
  const parts = [jpeg.subarray(0, 2)];
  let left = size - jpeg.length;
  while (left > 0) {
    const n = Math.min(65533, Math.max(0, left - 4));
    const seg = Buffer.alloc(4 + n);
    seg.writeUInt16BE(0xffef, 0);
    seg.writeUInt16BE(n + 2, 2);
    parts.push(seg);
    left -= seg.length;
  }
  parts.push(jpeg.subarray(2));
  return Buffer.concat(parts);
}

async function brokenLinesFor(orderId) {
  const v = await new Promise((resolve) => {
    execFile(bin(), ['audit', 'verify', '--order', String(orderId), '--database-url', dbUrl()], { timeout: 120000, maxBuffer: 64 << 20 }, (err, stdout) => resolve({ stdout }));
  });
  return v.stdout.split('\n').filter((l) => l.includes(`order ${orderId} (`) || l.includes(`order ${orderId},`));
}

before(async () => {
  await loadDemo();
  srv = await startServer({ mustBeReady: true });
  for (const who of ['admin', 'community', 'department', 'team']) S[who] = await login(`demo-${who}`);
});
after(async () => { if (srv) await srv.stop(); });

async function order(steps) {
  const category = Number(await sql(`SELECT min(id) FROM categories WHERE department_id = ${S.department.user.department_id}`));
  const o = ok(await srv.http('POST', '/api/v1/orders', { body: { community_id: S.community.user.community_id, category_id: category, description: uniq('照片'), contact_name: '谢奶奶', contact_phone: randomPhone() } }), 'submit');
  for (const [a, who, body] of [['dispatch', 'community', { department_id: S.department.user.department_id }], ['claim', 'department', {}],
    ['offer', 'department', { team_ids: [S.team.user.team_id] }], ...steps]) ok(await call(S[who], 'POST', `/api/v1/orders/${o.id}/${a}`, body), a);
  return o;
}

test('photos are re-encoded without metadata, chained by hash, limited, and shown to those who may see them', async () => {
  const o = await order([['accept', 'team', {}]]);
  let r = await upload(S.team, o.id, SMALL);
  assert.equal(r.status, 409, `not before the service starts: ${r.text}`);
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/start`), 'start');

  // Refused: not an image (by content, whatever the type says), too big, too wide.
  r = await upload(S.team, o.id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'));
  assert.equal(r.status, 415, r.text);
  assert.match(r.json.error.message, /JPEG/);
  r = await upload(S.team, o.id, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), SMALL]));
  assert.equal(r.status, 415, r.text);
  r = await upload(S.team, o.id, Buffer.concat([SMALL.subarray(0, 300)]));
  assert.equal(r.status, 415, `a damaged JPEG: ${r.text}`);
  r = await upload(S.team, o.id, WIDE);
  assert.equal(r.status, 422, r.text);
  assert.match(r.json.error.fields.photo, /1600/);
  r = await upload(S.team, o.id, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(2100 * 1024)]));
  assert.equal(r.status, 413, `larger than the photo route takes: ${r.status}`);

  const sent = withExif(SMALL);
  assert.ok(sent.includes('GPS 25.1234N'));
  const list = ok(await upload(S.team, o.id, sent), 'upload').items;
  assert.equal(list.length, 1);
  const img = await call(S.community, 'GET', list[0].url);
  assert.equal(img.status, 200);
  assert.equal(img.headers['content-type'], 'image/jpeg');
  const body = Buffer.from(await (await fetch(srv.base + list[0].url, { headers: { Authorization: `Bearer ${S.community.token}` } })).arrayBuffer());
  assert.equal(body[0], 0xff);
  assert.equal(body[1], 0xd8);
  assert.ok(!body.includes('GPS 25.1234N') && !body.includes('Exif'), 'no metadata survives');
  assert.equal(crypto.createHash('sha256').update(body).digest('hex'), list[0].sha256);
  assert.equal(await sql(`SELECT payload FROM order_events WHERE order_id = ${o.id} AND action = 'photo'`), `photo=1;sha256=${list[0].sha256};size=64x48`);

  // Up to 6, also once completed; a 7th is refused.
  for (let i = 2; i <= 3; i++) ok(await upload(S.team, o.id, SMALL), `photo ${i}`);
  const member = Number(await sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${S.team.user.team_id}`));
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/complete`, { summary: '讲解', hours: [{ volunteer_id: member, hours: 1 }] }), 'complete');
  for (let i = 4; i <= 6; i++) ok(await upload(S.team, o.id, SMALL), `photo ${i}`);
  r = await upload(S.team, o.id, SMALL);
  assert.equal(r.status, 409, r.text);
  assert.match(r.json.error.message, /6 张/);

  // Who sees them: the order's staff and team; the resident with their key; not another department's staff, nor a stranger.
  assert.equal((await call(S.department, 'GET', `/api/v1/orders/${o.id}/photos`)).json.items.length, 6);
  assert.equal((await srv.http('GET', `/api/v1/orders/${o.id}/photos/1`)).status, 401);
  const track = (path, key) => srv.http('GET', `/api/v1/track/${o.tracking_code}${path}`, { headers: key ? { 'X-Resident-Key': key } : {} });
  assert.equal((await track('/photos', o.resident_key)).json.items.length, 6);
  assert.equal((await track('/photos/2', o.resident_key)).status, 200);
  assert.equal((await track('/photos/2', null)).status, 422);
  assert.equal((await track('/photos/2', 'B'.repeat(32))).status, 403);
  assert.equal((await track('/photos/7', o.resident_key)).status, 404);

  // The chain holds the six hashes; a photo changed in the database is named.
  assert.deepEqual(await brokenLinesFor(o.id), []);
  const original = await sql(`SELECT encode(image, 'hex') FROM order_photos WHERE order_id = ${o.id} AND n = 2`);
  const setImage = (hex) => sql(`BEGIN; SET LOCAL session_replication_role = replica;
    UPDATE order_photos SET image = decode('${hex}', 'hex') WHERE order_id = ${o.id} AND n = 2; COMMIT;`);
  await setImage(`${original}00`);
  try {
    const lines = await brokenLinesFor(o.id);
    assert.ok(lines.some((l) => /a photo changed/.test(l)), lines.join('\n'));
  } finally {
    await setImage(original); // put back: later files verify the whole database
  }
  assert.deepEqual(await brokenLinesFor(o.id), []);
});

test('the public 晒单 page shows closed orders whose resident agreed: photos and 评单, no personal data', async () => {
  const member = Number(await sql(`SELECT min(volunteer_id) FROM team_members WHERE team_id = ${S.team.user.team_id}`));
  const o = await order([['accept', 'team', {}], ['start', 'team', {}]]);
  const consent = (shown, key = o.resident_key) => srv.http('POST', `/api/v1/track/${o.tracking_code}/showcase`, { body: { resident_key: key, shown } });
  assert.equal((await consent(true)).status, 409, 'not before the work is done');
  ok(await upload(S.team, o.id, SMALL), 'photo');
  ok(await call(S.team, 'POST', `/api/v1/orders/${o.id}/complete`, { summary: '讲解', hours: [{ volunteer_id: member, hours: 1 }] }), 'complete');
  ok(await call(S.community, 'POST', `/api/v1/orders/${o.id}/confirm`), 'confirm');
  ok(await srv.http('POST', `/api/v1/track/${o.tracking_code}/evaluation`, { body: { resident_key: o.resident_key, rating: 5, comment: '志愿者很耐心' } }), 'evaluate');
  const photoId = await sql(`SELECT id FROM order_photos WHERE order_id = ${o.id}`);
  let page = await srv.http('GET', '/showcase');
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes(`/showcase/photos/${photoId}"`), 'not without consent');
  assert.equal((await srv.http('GET', `/showcase/photos/${photoId}`)).status, 404);
  assert.equal((await consent(true, 'C'.repeat(32))).status, 403, 'only with the key');
  assert.deepEqual(ok(await consent(true), 'consent'), { shown: true });
  page = await srv.http('GET', '/showcase');
  assert.ok(page.text.includes(`/showcase/photos/${photoId}"`), 'its photo');
  assert.ok(page.text.includes('志愿者很耐心'), 'its 评单');
  const description = await sql(`SELECT description FROM orders WHERE id = ${o.id}`);
  for (const personal of ['谢奶奶', description, o.tracking_code, await sql(`SELECT contact_phone FROM orders WHERE id = ${o.id}`)]) {
    assert.ok(!page.text.includes(personal), `no personal data (${personal})`);
  }
  const img = await srv.http('GET', `/showcase/photos/${photoId}`);
  assert.equal(img.status, 200);
  assert.equal(img.headers['content-type'], 'image/jpeg');
  assert.deepEqual(ok(await consent(false), 'withdraw'), { shown: false });
  assert.equal((await srv.http('GET', `/showcase/photos/${photoId}`)).status, 404, 'taken back');
});

test('the photo route has its own body allowance (2 MiB, --max-photo-body-bytes): 1.8 MiB is taken, 2.1 MiB is 413 in the JSON shape before it is read', async () => {
  const o = await order([['accept', 'team', {}], ['start', 'team', {}]]);
  const big = padded(SMALL, Math.round(1.8 * 1024 * 1024));
  assert.equal(big.length, Math.round(1.8 * 1024 * 1024));
  let r = await upload(S.team, o.id, big);
  assert.equal(r.status, 201, `a 1.8 MiB photo: ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.json.items.length, 1);
  assert.equal(await sql(`SELECT length(image) < 100000 FROM order_photos WHERE order_id = ${o.id}`), 't');

  r = await upload(S.team, o.id, padded(SMALL, Math.round(2.1 * 1024 * 1024)));
  assert.equal(r.status, 413, r.text.slice(0, 300));
  assert.equal(r.json.error.code, 'payload_too_large');
  assert.equal(typeof r.json.error.message, 'string');
  // Refused from the head alone: the answer comes without the body being sent.
  const head = `POST /api/v1/orders/${o.id}/photos HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${Math.round(2.1 * 1024 * 1024)}\r\n\r\n`;
  const early = await srv.raw(Buffer.from(head), { timeout: 5000 });
  assert.equal(early.status, 413);
  // Other routes keep --max-body-bytes (1 MiB).
  r = await srv.http('POST', '/api/v1/orders', { raw: Buffer.alloc(1100 * 1024, 0x20) });
  assert.equal(r.status, 413, `a 1.1 MiB order: ${r.status}`);
  assert.equal((await srv.http('GET', `/api/v1/orders/${o.id}/photos`, { headers: { Authorization: `Bearer ${S.team.token}` } })).json.items.length, 1);
});

test('the minimum body rate holds for a photo upload too', async () => {
  const slow = await startServer({ args: ['--header-timeout-s', '1', '--min-body-rate', '100000'] });
  try {
    const head = `POST /api/v1/orders/1/photos HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${Math.round(1.8 * 1024 * 1024)}\r\n\r\n`;
    const t0 = Date.now();
    const r = await slow.raw(Buffer.concat([Buffer.from(head), Buffer.alloc(4096, 0xff)]), { timeout: 8000 });
    assert.equal(r.status, 408, `a photo body trickling in: ${r.status}`);
    assert.ok(Date.now() - t0 < 6000, 'refused at the deadline, not at the idle timeout');
  } finally {
    await slow.stop();
  }
});
