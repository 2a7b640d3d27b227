// Live updates: two `paidan serve` processes on one database; a change made through one reaches an
// SSE client of the other, only for orders that client may see; Last-Event-ID resumes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { startServer, loadDemo, validRefs, orderBody, uniq, sleep } from './harness.mjs';

let a;
let b;

async function login(srv, username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo' } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** Opens an SSE stream; collects parsed events until close(). */
function openStream(srv, token, lastEventId) {
  const u = new URL(srv.base);
  const events = [];
  let buffer = '';
  let res;
  const headers = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  const ready = new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/api/v1/events', headers, agent: false }, (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const msg = {};
          for (const line of block.split('\n')) {
            const m = /^(\w+): ?(.*)$/.exec(line);
            if (m) msg[m[1]] = m[2];
          }
          if (msg.event === 'order') events.push({ id: Number(msg.id), ...JSON.parse(msg.data) });
        }
      });
      resolve(r);
    });
    req.on('error', reject);
    req.end();
  });
  return {
    ready,
    events,
    async waitFor(pred, ms = 5000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const e = events.find(pred);
        if (e) return e;
        await sleep(50);
      }
      return undefined;
    },
    close() { if (res) res.destroy(); },
  };
}

before(async () => {
  await loadDemo();
  a = await startServer();
  b = await startServer();
});

after(async () => {
  if (a) await a.stop();
  if (b) await b.stop();
});

test('a change made through one process reaches an SSE client of another, scoped to what it may see', async () => {
  const community = await login(a, 'demo-community');
  const refs = await validRefs(a);
  const own = refs.catalog.towns.flatMap((t) => t.communities).find((c) => c.id === community.user.community_id);
  const other = refs.catalog.towns.flatMap((t) => t.communities).find((c) => c.id !== community.user.community_id);
  assert.ok(own && other);

  const stream = openStream(b, community.token);
  const res = await stream.ready;
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  await sleep(300);

  const mine = await a.http('POST', '/api/v1/orders', { body: orderBody(refs, { community_id: own.id, description: uniq('sse-mine') }) });
  const theirs = await a.http('POST', '/api/v1/orders', { body: orderBody(refs, { community_id: other.id, description: uniq('sse-other') }) });
  assert.equal(mine.status, 201);
  assert.equal(theirs.status, 201);

  const got = await stream.waitFor((e) => e.order_id === mine.json.id && e.action === 'submit');
  assert.ok(got, 'the submission made through process A reached the stream on process B');
  assert.equal(got.state, 'submitted');
  assert.equal(got.from, null);
  // A state change made through A also arrives.
  const dispatched = await a.http('POST', `/api/v1/orders/${mine.json.id}/dispatch`, {
    body: { department_id: refs.catalog.categories.find((c) => c.id === refs.category_id).department_id },
    headers: { Authorization: `Bearer ${community.token}` },
  });
  assert.equal(dispatched.status, 200, dispatched.text);
  const moved = await stream.waitFor((e) => e.order_id === mine.json.id && e.action === 'dispatch');
  assert.ok(moved);
  assert.equal(moved.from, 'submitted');
  assert.equal(moved.state, 'dispatched');
  await sleep(300);
  assert.equal(stream.events.filter((e) => e.order_id === theirs.json.id).length, 0, 'another community\'s order is not sent');
  // Event data carries no scope columns.
  assert.deepEqual(Object.keys(moved).sort(), ['action', 'at', 'event_id', 'from', 'id', 'order_id', 'state']);
  stream.close();

  // Reconnecting with Last-Event-ID gets what happened while away, from either process.
  const lastSeen = moved.id;
  const rejected = await a.http('POST', '/api/v1/orders', { body: orderBody(refs, { community_id: own.id, description: uniq('sse-away') }) });
  assert.equal(rejected.status, 201);
  await sleep(200);
  const resumed = openStream(a, community.token, lastSeen);
  await resumed.ready;
  const missed = await resumed.waitFor((e) => e.order_id === rejected.json.id && e.action === 'submit');
  assert.ok(missed, 'the event made while disconnected is replayed');
  assert.ok(missed.id > lastSeen);
  resumed.close();
});

test('the events stream needs a session and refuses a bad Last-Event-ID', async () => {
  const anon = await a.http('GET', '/api/v1/events');
  assert.equal(anon.status, 401);
  const user = await login(a, 'demo-community');
  const bad = await a.http('GET', '/api/v1/events', { headers: { Authorization: `Bearer ${user.token}`, 'Last-Event-ID': 'abc' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_header');
});

test('SIGTERM ends open streams and the process exits 0', async () => {
  const srv = await startServer();
  const user = await login(srv, 'demo-community');
  const s = openStream(srv, user.token);
  await s.ready;
  const t0 = Date.now();
  await srv.stop(); // fails the test on a non-zero exit or a sanitizer report
  assert.ok(Date.now() - t0 < 4000, `stopped in ${Date.now() - t0} ms with a stream open`);
  s.close();
});

test('a quiet stream outlives the idle read timeout and still delivers', async () => {
  const srv = await startServer({ args: ['--http-timeout-s', '1'] });
  try {
    const user = await login(srv, 'demo-community');
    const refs = await validRefs(srv);
    const s = openStream(srv, user.token);
    await s.ready;
    await sleep(2500); // well past the 1 s idle timeout, with nothing sent either way
    const r = await srv.http('POST', '/api/v1/orders', {
      body: orderBody(refs, { community_id: user.user.community_id, description: uniq('sse-quiet') }),
    });
    assert.equal(r.status, 201);
    assert.ok(await s.waitFor((e) => e.order_id === r.json.id), 'the event arrived on the long-quiet stream');
    s.close();
  } finally {
    await srv.stop();
  }
});
