// Operations: static files gzip-compressed once and cached (Vary, ETag per encoding, 304), and the
// /metrics series (per route and status, latency histograms, database calls) summed over workers.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import * as h from './harness.mjs';

describe('static files, compressed', () => {
  let srv;
  let dir;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-static-'));
    fs.cpSync(h.STATIC_DIR, dir, { recursive: true });
    srv = await h.startServer({ args: ['--static-dir', dir] });
  });
  after(async () => {
    if (srv) await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** GET with gzip accepted until the compressed copy is ready (it is made off the loop). */
  async function getGzip(p, headers = {}) {
    for (let i = 0; i < 50; i++) {
      const r = await srv.http('GET', p, { headers: { 'Accept-Encoding': 'gzip, deflate', ...headers } });
      if (r.headers['content-encoding'] === 'gzip' || r.status !== 200) return r;
      await h.sleep(20);
    }
    throw new Error(`${p} never came back compressed`);
  }

  test('a script comes back gzip-compressed, inflating to the file, with Vary and its own ETag', async () => {
    const file = fs.readFileSync(path.join(dir, 'console/app.js'));
    const gz = await getGzip('/console/app.js');
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.match(gz.headers['content-type'], /^text\/javascript/);
    assert.equal(Number(gz.headers['content-length']), gz.body.length);
    assert.ok(gz.body.length < file.length / 2, `compressed ${gz.body.length} of ${file.length} bytes`);
    assert.deepEqual(zlib.gunzipSync(gz.body), file);
    assert.match(gz.headers.etag, /-gz"$/);
    assert.equal(gz.headers['cache-control'], 'public, max-age=300');

    const plain = await srv.http('GET', '/console/app.js');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.deepEqual(plain.body, file);
    assert.notEqual(plain.headers.etag, gz.headers.etag);

    const refused = await srv.http('GET', '/console/app.js', { headers: { 'Accept-Encoding': 'gzip;q=0, br' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.deepEqual(refused.body, file);
  });

  test('If-None-Match answers 304 for the matching encoding only', async () => {
    const gz = await getGzip('/app.js');
    const again = await srv.http('GET', '/app.js',
      { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const plain = await srv.http('GET', '/app.js', { headers: { 'If-None-Match': gz.headers.etag } });
    assert.equal(plain.status, 200, 'the identity copy is another representation');
    const plain304 = await srv.http('GET', '/app.js', { headers: { 'If-None-Match': plain.headers.etag } });
    assert.equal(plain304.status, 304);
  });

  test('HTML is compressed but revalidated; images are left alone', async () => {
    const html = await getGzip('/');
    assert.equal(html.headers['content-encoding'], 'gzip');
    assert.equal(html.headers['cache-control'], 'no-cache');
    assert.match(zlib.gunzipSync(html.body).toString('utf8'), /<html/i);
    const png = await srv.http('GET', '/team/icon-192.png', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.headers.vary, undefined);
    const head = await srv.http('HEAD', '/console/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test('a changed file is compressed again, never served stale', async () => {
    const p = path.join(dir, 'resident/lib.js');
    await getGzip('/lib.js');
    const changed = Buffer.from(`// changed ${Date.now()}\n${'console.log("点单");\n'.repeat(100)}`);
    fs.writeFileSync(p, changed);
    const r = await getGzip('/lib.js');
    assert.deepEqual(zlib.gunzipSync(r.body), changed);
    srv.checkLog();
  });
});

describe('metrics', () => {
  let srv;

  before(async () => {
    srv = await h.startServer({ workers: 2 });
    // Ready means one worker's pool is up: wait until both answer ready.
    for (let ok = 0, i = 0; ok < 10 && i < 200; i++) {
      ok = (await srv.http('GET', '/readyz')).status === 200 ? ok + 1 : 0;
      if (ok === 0) await h.sleep(50);
    }
  });
  after(async () => {
    if (srv) await srv.stop();
  });

  function series(text, name, labels) {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${want}}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  test('requests are counted per route, method and status over every worker, with latency histograms', async () => {
    const before = (await srv.http('GET', '/metrics')).text;
    const catalog0 = series(before, 'paidan_http_requests_total', { route: '/api/v1/catalog', method: 'GET', status: '200' });
    for (let i = 0; i < 12; i++) assert.equal((await srv.http('GET', '/api/v1/catalog')).status, 200);
    const bad = await srv.http('POST', '/api/v1/orders', { body: { community_id: 'x' } });
    assert.ok(bad.status >= 400 && bad.status < 500);
    const missing = await srv.http('GET', '/no/such/page.html');
    assert.equal(missing.status, 404);

    // Two workers share the port: whichever answers, the numbers are the whole server's.
    for (let i = 0; i < 4; i++) {
      const m = await srv.http('GET', '/metrics');
      assert.equal(m.status, 200);
      assert.match(m.headers['content-type'], /^text\/plain; version=0\.0\.4/);
      const t = m.text;
      assert.equal(series(t, 'paidan_http_requests_total', { route: '/api/v1/catalog', method: 'GET', status: '200' }), catalog0 + 12);
      assert.ok(series(t, 'paidan_http_requests_total', { route: '/api/v1/orders', method: 'POST', status: String(bad.status) }) >= 1);
      assert.ok(series(t, 'paidan_http_requests_total', { route: 'other', method: 'GET', status: '404' }) >= 1);
      const hist = (suffix, extra = {}) => series(t, `paidan_http_request_duration_seconds${suffix}`,
        { route: '/api/v1/catalog', method: 'GET', ...extra });
      assert.equal(hist('_count'), catalog0 + 12);
      assert.equal(hist('_bucket', { le: '+Inf' }), catalog0 + 12);
      assert.ok(hist('_bucket', { le: '0.001' }) <= hist('_bucket', { le: '10' }), 'buckets accumulate');
      assert.ok(hist('_sum') > 0);
      assert.match(t, /^paidan_db_call_duration_seconds_count [1-9]\d*$/m);
      assert.match(t, /^paidan_db_queue_wait_seconds_count \d+$/m);
      assert.match(t, /^paidan_live_streams \d+$/m);
      assert.match(t, /^paidan_escalations_total \d+$/m);
      assert.match(t, /^paidan_db_connections_up \d+$/m);
    }
    srv.checkLog();
  });
});

describe('migrate --check', () => {
  function check(sqlDir) {
    const r = spawnSync(h.bin(), ['migrate', '--check', '--database-url', h.dbUrl(), '--sql-dir', sqlDir], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  test('says what would run and what this release does not know, and applies nothing', async () => {
    await h.runCli(['migrate']);
    const now = check(h.SQL_DIR);
    assert.equal(now.code, 0, now.err);
    assert.match(now.out, /^migrations up to date$/m);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-sql-'));
    try {
      const files = fs.readdirSync(h.SQL_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
      for (const f of files.slice(1)) fs.copyFileSync(path.join(h.SQL_DIR, f), path.join(dir, f));
      fs.writeFileSync(path.join(dir, '999_future.sql'), 'CREATE TABLE check_must_not_create (id int);');
      const r = check(dir);
      assert.equal(r.code, 1, r.err);
      assert.match(r.out, /^would apply 999_future\.sql$/m);
      assert.match(r.out, new RegExp(`^applied but not in .*: ${files[0].slice(0, 3)} `, 'm'));
      assert.doesNotMatch(r.out, /would apply 00/);
      assert.equal((await h.sql("SELECT count(*) FROM schema_migrations WHERE version = '999'")).trim(), '0');
      assert.equal((await h.sql("SELECT to_regclass('check_must_not_create') IS NULL")).trim(), 't');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const bad = spawnSync(h.bin(), ['migrate', '--check', '--database-url', 'postgresql:///nonexistent?host=/nonexistent'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  });
});
