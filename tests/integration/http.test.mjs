// HTTP details the foundation tests do not reach: HEAD answers carry headers and no body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startServer, loadDemo } from './harness.mjs';

let srv;

before(async () => {
  await loadDemo();
  srv = await startServer();
});

after(async () => {
  if (srv) await srv.stop();
});

function raw(port, text) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect({ host: '127.0.0.1', port }, () => sock.end(text));
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
  });
}

test('HEAD answers have the GET answer\'s headers and length, and no body', async () => {
  for (const [path, status] of [['/api/v1/catalog', 200], ['/api/v1/me', 401], ['/form', 200], ['/healthz', 200]]) {
    const got = await raw(srv.port, `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const text = got.toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    assert.ok(split > 0, `${path}: a complete head`);
    assert.match(text.slice(0, split), new RegExp(`^HTTP/1.1 ${status} `), path);
    assert.equal(got.length, split + 4, `${path}: nothing after the head`);
    const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, split));
    const full = await srv.http('GET', path);
    assert.equal(full.status, status);
    assert.ok(length, `${path}: Content-Length`);
    assert.equal(Number(length[1]), full.body.length, `${path}: the length of the GET body`);
  }
});
