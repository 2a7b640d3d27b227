// The database stops answering with its sockets still open (postmaster and backends stopped with
// SIGSTOP, as on a hung host or a stalled network): every call ends at the server's own deadline
// with a JSON 503, /healthz stays instant, /readyz says 503 within 2 s, and once the database runs
// again a retry under the same Idempotency-Key makes exactly one order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as h from './harness.mjs';

const FREEZE = process.env.PAIDAN_TEST_PG_FREEZE;
const THAW = process.env.PAIDAN_TEST_PG_THAW;
const CALL_TIMEOUT_MS = 1500;

describe('database frozen', () => {
  let srv;
  let refs;
  let frozen = false;

  before(async () => {
    if (!FREEZE || !THAW) throw new Error('PAIDAN_TEST_PG_FREEZE and PAIDAN_TEST_PG_THAW must be set (tests/run.sh sets them)');
    await h.loadDemo();
    srv = await h.startServer({ args: ['--db-call-timeout-ms', String(CALL_TIMEOUT_MS), '--db-connect-timeout-ms', '1000'] });
    refs = await h.validRefs(srv);
  });

  after(async () => {
    if (frozen) await h.sh(THAW);
    if (srv) await srv.stop();
  });

  test('a frozen database: writes end at the deadline, /readyz 503 within 2 s, one order after the retry', { timeout: 120000 }, async () => {
    const key = h.uniq('freeze');
    const body = h.orderBody(refs, { description: key });
    const metric = async (name) => {
      const m = await srv.http('GET', '/metrics');
      const line = m.text.split('\n').find((l) => l.startsWith(`${name} `));
      return Number(line.split(' ')[1]);
    };

    // No order is made before the freeze: the write's statement is still to be prepared, and the
    // deadline must hold for that step too.
    const timeoutsBefore = await metric('paidan_db_call_timeouts_total');

    await h.sh(FREEZE);
    frozen = true;
    const tFrozen = performance.now();

    // The write and the probes run at once: none waits for another.
    const write = srv.http('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key }, timeout: 20000 });
    await h.sleep(100);
    const live = await srv.http('GET', '/healthz', { timeout: 5000 });
    assert.equal(live.status, 200);
    assert.ok(live.ms < 500, `GET /healthz took ${live.ms.toFixed(0)} ms with the database frozen`);

    let readyMs = null;
    while (performance.now() - tFrozen < 4000) {
      const r = await srv.http('GET', '/readyz', { timeout: 10000 });
      assert.ok(r.ms < 2000, `GET /readyz took ${r.ms.toFixed(0)} ms with the database frozen`);
      if (r.status === 503) {
        assert.equal(h.errorShapeProblem(r), null);
        readyMs = performance.now() - tFrozen;
        break;
      }
      assert.equal(r.status, 200, r.text);
    }
    assert.ok(readyMs !== null && readyMs < 2000, `/readyz answered 503 within 2 s of the freeze (${readyMs})`);

    const w = await write;
    console.log(`POST while frozen → ${w.status} in ${w.ms.toFixed(0)} ms (deadline ${CALL_TIMEOUT_MS} ms); /readyz 503 after ${readyMs.toFixed(0)} ms; /healthz ${live.ms.toFixed(1)} ms`);
    assert.ok(w.status === 503 || w.status === 504, `POST while frozen: ${w.status} ${w.text.slice(0, 300)}`);
    assert.equal(h.errorShapeProblem(w), null);
    assert.ok(w.headers['retry-after'], 'the refusal carries Retry-After');
    assert.ok(w.ms < CALL_TIMEOUT_MS + 1000, `POST answered within the deadline (${w.ms.toFixed(0)} ms)`);

    // More requests while still frozen: each ends by the deadline, none hangs.
    const more = await Promise.all([
      srv.http('GET', '/api/v1/catalog', { timeout: 10000 }),
      srv.http('POST', '/api/v1/orders', { body: h.orderBody(refs), timeout: 10000 }),
      srv.http('GET', '/readyz', { timeout: 10000 }),
    ]);
    for (const r of more) {
      assert.ok(r.status === 503 || r.status === 504, `while frozen: ${r.status} ${r.text.slice(0, 200)}`);
      assert.ok(r.ms < CALL_TIMEOUT_MS + 1000, `while frozen: answered in ${r.ms.toFixed(0)} ms`);
    }
    assert.ok(await metric('paidan_db_call_timeouts_total') > timeoutsBefore, 'the deadline is counted in /metrics');

    await h.sh(THAW);
    frozen = false;
    const tThawed = performance.now();

    // The client retries with its key until it has the order: exactly one, whether or not the
    // first attempt committed after its answer.
    let got = null;
    while (performance.now() - tThawed < 30000) {
      const r = await srv.http('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key }, timeout: 10000 });
      if (r.status === 201 || r.status === 200) { got = r; break; }
      assert.ok(r.status === 503 || r.status === 504 || r.status === 409, `retry: ${r.status} ${r.text.slice(0, 200)}`);
      await h.sleep(200);
    }
    assert.ok(got, 'the retry succeeded once the database ran again');
    console.log(`retry after thaw → ${got.status} (replayed: ${got.headers['idempotent-replayed'] || 'no'}) ${(performance.now() - tThawed).toFixed(0)} ms after SIGCONT`);
    assert.equal(await h.orderCount(`description = ${h.lit(key)}`), 1, 'exactly one order for the key');

    let ready = null;
    while (performance.now() - tThawed < 10000) {
      const r = await srv.http('GET', '/readyz');
      if (r.status === 200) { ready = r; break; }
      await h.sleep(100);
    }
    assert.ok(ready, '/readyz is 200 again after the thaw');
  });

  // A first connection of a console or a team phone needs nothing from the database (it missed
  // nothing): thousands of phones reconnecting at once cost it no work. A resume (Last-Event-ID)
  // reads what was missed, so it waits for the database, up to the call deadline.
  test('a frozen database: a first stream opens at once, a resume ends at the deadline', { timeout: 60000 }, async () => {
    const own = await h.startServer({ args: ['--db-call-timeout-ms', String(CALL_TIMEOUT_MS), '--db-connect-timeout-ms', '1000'] });
    try {
      // Sessions are served from the cache only while session ends can be heard (LISTEN is up).
      assert.match(await own.waitLog(/listening for notifications/), /listening for notifications/);
      const login = await own.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo' } });
      assert.equal(login.status, 201, login.text);
      const auth = `Bearer ${login.json.token}`;
      const open = (extra = {}) => new Promise((resolve, reject) => {
        const u = new URL(own.base);
        const t0 = performance.now();
        const headers = { Authorization: auth, Accept: 'text/event-stream', ...extra };
        const req = http.request({ host: u.hostname, port: u.port, path: '/api/v1/events', headers, agent: false }, (res) => {
          const ms = performance.now() - t0;
          let head = '';
          res.setEncoding('utf8');
          res.on('data', (c) => { head += c; });
          setTimeout(() => { res.destroy(); resolve({ status: res.statusCode, head, ms }); }, 200);
        });
        req.setTimeout(10000, () => req.destroy(new Error('no answer within 10 s')));
        req.on('error', reject);
        req.end();
      });
      assert.equal((await own.http('GET', '/api/v1/me', { headers: { Authorization: auth } })).status, 200);
      await h.sh(FREEZE);
      frozen = true;
      const first = await open();
      const resume = await open({ 'Last-Event-ID': '1' });
      await h.sh(THAW);
      frozen = false;
      assert.equal(first.status, 200, `a first stream with the database frozen: ${first.status} ${first.head.slice(0, 200)}`);
      assert.match(first.head, /^retry: 3000/);
      assert.ok(first.ms < 500, `the first stream opened in ${first.ms.toFixed(0)} ms`);
      assert.equal(resume.status, 503, `a resume with the database frozen: ${resume.status} ${resume.head.slice(0, 200)}`);
      assert.ok(resume.ms >= CALL_TIMEOUT_MS - 100, `the resume waited for the database (${resume.ms.toFixed(0)} ms)`);
      let resumed = null;
      for (let i = 0; i < 100 && !resumed; i++) {
        const r = await open({ 'Last-Event-ID': '1' });
        if (r.status === 200) resumed = r;
        else await h.sleep(100);
      }
      assert.ok(resumed, 'a resume opens once the database runs again');
    } finally {
      if (frozen) { await h.sh(THAW); frozen = false; }
      await own.stop();
    }
  });
});
