// Malformed requests get a 4xx answer in the JSON error shape, naming what is wrong, and nothing
// is stored.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

describe('malformed requests', () => {
  let srv;
  let refs;

  before(async () => {
    await h.loadDemo();
    srv = await h.startServer();
    refs = await h.validRefs(srv);
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  test('a JSON object that names a key twice is 400 naming the key, and no order is made', async () => {
    const description = h.uniq('dupjson');
    const good = JSON.stringify(h.orderBody(refs, { description }));
    const raw = good.replace(/^\{/, `{"community_id": ${refs.community_id + 1000000}, `);
    const r = await srv.http('POST', '/api/v1/orders', { raw, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(h.errorShapeProblem(r), null);
    assert.equal(r.json.error.code, 'invalid_json');
    assert.deepEqual(Object.keys(r.json.error.fields), ['community_id']);
    // The same key spelt with an escape is the same key.
    const escaped = good.replace('"contact_name"', '"contact_name":"x","contact_\\u006eame"');
    const e = await srv.http('POST', '/api/v1/orders', { raw: escaped, headers: { 'content-type': 'application/json' } });
    assert.equal(e.status, 400, e.text);
    assert.deepEqual(Object.keys(e.json.error.fields), ['contact_name']);
    assert.equal(await h.orderCount(`description = ${h.lit(description)}`), 0);
  });

  // Each malformed request: [name, raw bytes, expected status, expected error code, field named or null].
  const CRLF = '\r\n';
  const head = (lines) => lines.join(CRLF) + CRLF + CRLF;
  const cases = [
    ['signed Content-Length', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: +2']) + '{}', 400, 'invalid_header', 'Content-Length'],
    ['negative Content-Length', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Content-Length: -1']), 400, 'invalid_header', 'Content-Length'],
    ['two Content-Lengths', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Content-Length: 3']) + '{}', 400, 'invalid_header', 'Content-Length'],
    ['Content-Length with Transfer-Encoding', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Transfer-Encoding: chunked']) + '{}', 400, 'invalid_header', 'Transfer-Encoding'],
    ['unknown Transfer-Encoding', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip']), 400, 'invalid_header', 'Transfer-Encoding'],
    ['folded header line', head(['GET /healthz HTTP/1.1', 'Host: x', 'X-A: 1', ' continued']), 400, 'invalid_header', null],
    ['header line without a colon', head(['GET /healthz HTTP/1.1', 'Host: x', 'no colon']), 400, 'invalid_header', null],
    ['space before the colon', head(['GET /healthz HTTP/1.1', 'Host: x', 'Content-Length : 0']), 400, 'invalid_header', null],
    ['unknown expectation', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Expect: 200-ok', 'Content-Length: 2']) + '{}', 417, 'expectation_failed', 'Expect'],
    ['announced body too big', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Content-Length: 99999999']), 413, 'payload_too_large', null],
    ['malformed chunk size', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked']) + 'zz' + CRLF + '{}' + CRLF, 400, 'bad_request', null],
    ['chunked body too big', head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked']) + 'fffffff' + CRLF, 413, 'payload_too_large', null],
    ['head too large', head(['GET /healthz HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(40000)}`]), 431, 'header_too_large', null],
    ['unknown method', head(['BREW /healthz HTTP/1.1', 'Host: x']), 501, 'method_not_allowed', null],
    ['unknown HTTP version', head(['GET /healthz HTTP/9.9', 'Host: x']), 400, 'bad_request', null],
    ['garbage request line', head(['\u0001\u0002 hello']), 400, 'bad_request', null],
    ['request line without a version', head(['GET /healthz']), 400, 'bad_request', null],
    ['a NUL in the path', head(['GET /api/v1/%00x HTTP/1.1', 'Host: x']), 400, 'invalid_path', null],
  ];
  for (const [name, raw, status, code, field] of cases) {
    test(`malformed: ${name} → ${status} in the JSON error shape`, async () => {
      const r = await srv.raw(Buffer.from(raw, 'latin1'), { timeout: 5000 });
      assert.equal(r.status, status, `${name}: ${r.status} ${r.text.slice(0, 300)}`);
      assert.match(r.headers['content-type'] || '', /^application\/json/, `${name}: ${r.headers['content-type']}`);
      const json = JSON.parse(r.text);
      assert.equal(h.errorShapeProblem({ json, text: r.text }), null);
      if (code) assert.equal(json.error.code, code);
      if (field) assert.ok(json.error.fields && field in json.error.fields, `${name}: fields name ${field}: ${r.text}`);
    });
  }

  test('Expect: 100-continue with a body too big is 413 at once, before any body is sent', async () => {
    const t0 = performance.now();
    const r = await srv.raw(Buffer.from(head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Expect: 100-continue', 'Content-Type: application/json', 'Content-Length: 5000000']), 'latin1'), { timeout: 5000 });
    const ms = performance.now() - t0;
    assert.equal(r.status, 413, r.text);
    assert.equal(JSON.parse(r.text).error.code, 'payload_too_large');
    assert.ok(ms < 1000, `answered in ${ms.toFixed(0)} ms`);
  });

  test('a chunk extension is legal: the body reaches the handler', async () => {
    const description = h.uniq('chunkext');
    const body = JSON.stringify(h.orderBody(refs, { description }));
    const size = Buffer.byteLength(body).toString(16);
    const raw = head(['POST /api/v1/orders HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close'])
      + `${size};name="value"${CRLF}${body}${CRLF}0;last${CRLF}X-Trailer: 1${CRLF}${CRLF}`;
    const r = await srv.raw(Buffer.from(raw, 'utf8'), { timeout: 5000 });
    assert.equal(r.status, 201, r.text);
    assert.equal(await h.orderCount(`description = ${h.lit(description)}`), 1);
  });

  test("evhttp's own errors are a page for a browser that asked for HTML", async () => {
    const r = await srv.raw(Buffer.from(head(['BREW / HTTP/1.1', 'Host: x', 'Accept: text/html,application/xhtml+xml']), 'latin1'), { timeout: 5000 });
    assert.equal(r.status, 501);
    assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.match(r.text, /不支持该请求方法/);
  });

  test('a form that names a field twice is 400 naming the field, and no order is made', async () => {
    const description = h.uniq('dupform');
    const form = new URLSearchParams({ ...h.orderBody(refs, { description }) });
    form.append('category_id', String(refs.category_id));
    const r = await srv.http('POST', '/api/v1/orders', {
      raw: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(h.errorShapeProblem(r), null);
    assert.deepEqual(Object.keys(r.json.error.fields), ['category_id']);
    assert.equal(await h.orderCount(`description = ${h.lit(description)}`), 0);
  });
});
