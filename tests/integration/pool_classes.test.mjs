// Route classes: fast reads, slow reads and writes each have a share of the database pool and a wait
// queue of their own. Writes stuck on a lock (here: new orders waiting for an Idempotency-Key another
// transaction holds) take at most their share and fill only their own queue, past which they get 503
// with Retry-After at once; the catalog, an order and the order list keep answering 200 throughout.
// Without classes the stuck writes held all four connections and every read waited in the one queue
// until its 2 s timeout (503).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const WRITERS = 12;
const WRITE_QUEUE = 3;
const HOLD_S = 6;

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

describe('route classes', () => {
  let srv;

  before(async () => {
    await h.loadDemo();
    srv = await h.startServer({
      mustBeReady: true,
      args: ['--db-pool-size', '4', '--db-write-queue-max', String(WRITE_QUEUE), '--lock-timeout-ms', '4000'],
    });
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  test(`${WRITERS} writes stuck on a lock: reads keep their connections, writes past their queue get 503 at once`, { timeout: 120000 }, async () => {
    const refs = await h.validRefs(srv);
    const login = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: PASSWORD } });
    assert.equal(login.status, 201, login.text);
    const auth = { authorization: `Bearer ${login.json.token}` };
    const mine = await srv.http('POST', '/api/v1/orders', { body: h.orderBody({ community_id: login.json.user.community_id, category_id: refs.category_id }) });
    assert.equal(mine.status, 201, mine.text);
    const reads = [
      ['catalog', () => srv.http('GET', '/api/v1/catalog')],
      ['order', () => srv.http('GET', `/api/v1/orders/${mine.json.id}`, { headers: auth })],
      ['list', () => srv.http('GET', '/api/v1/orders?limit=20', { headers: auth })],
    ];
    const probe = async () => Promise.all(reads.map(([, f]) => f()));
    const calm = [];
    for (let i = 0; i < 5; i++) calm.push(await probe());

    const key = h.uniq('stuck');
    const holder = await h.holdIdempotencyKey(key, HOLD_S);
    const body = h.orderBody(refs);
    const t0 = performance.now();
    const writes = Array.from({ length: WRITERS }, () => srv.http('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key }, timeout: 20000 }));
    await h.sleep(300); // the writes have taken their share and filled their queue
    const metrics = await srv.http('GET', '/metrics');
    const during = [];
    while (performance.now() - t0 < (HOLD_S - 1) * 1000) {
      during.push(await probe());
      await h.sleep(100);
    }
    const done = await Promise.all(writes);
    await holder.done;

    const metric = (name) => Number((metrics.text.split('\n').find((l) => l.startsWith(`${name} `)) || ' NaN').split(' ')[1]);
    const statuses = {};
    for (const r of done) statuses[r.status] = (statuses[r.status] || 0) + 1;
    const atOnce = done.filter((r) => r.status === 503 && r.ms < 1000);
    const ms = (rows, i) => rows.map((row) => row[i].ms);
    console.log(`calm p50 ${reads.map(([n], i) => `${n} ${pct(ms(calm, i), 0.5).toFixed(0)}`).join(', ')} ms; `
      + `writes stuck (${during.length} rounds): p50 ${reads.map(([n], i) => `${n} ${pct(ms(during, i), 0.5).toFixed(0)}`).join(', ')} ms, `
      + `max ${reads.map(([n], i) => `${n} ${Math.max(...ms(during, i)).toFixed(0)}`).join(', ')} ms; `
      + `writes ${JSON.stringify(statuses)}, ${atOnce.length} refused within 1 s; `
      + `at 300 ms: write running ${metric('paidan_db_class_running{class="write"}')}, queued ${metric('paidan_db_class_queued{class="write"}')}, `
      + `refused ${metric('paidan_db_class_refused_busy_total{class="write"}')}`);

    const bad = during.flat().filter((r) => r.status !== 200);
    assert.deepEqual(bad.map((r) => `${r.status} ${r.text.slice(0, 100)}`), [], 'every read answered 200 while the writes were stuck');
    reads.forEach(([name], i) => {
      const base = pct(ms(calm, i), 0.5);
      assert.ok(pct(ms(during, i), 0.5) < base + 150, `${name}: p50 ${pct(ms(during, i), 0.5).toFixed(0)} ms while writes were stuck, ${base.toFixed(0)} ms before`);
      assert.ok(Math.max(...ms(during, i)) < 1000, `${name}: max ${Math.max(...ms(during, i)).toFixed(0)} ms while writes were stuck`);
    });
    // The pool of 4 keeps one connection for each read class: writes run on at most 2.
    assert.ok(metric('paidan_db_class_running{class="write"}') <= 2, 'writes hold at most their share');
    assert.ok(metric('paidan_db_class_queued{class="write"}') <= WRITE_QUEUE, 'the write queue stays within its limit');
    assert.ok(metric('paidan_db_class_refused_busy_total{class="write"}') >= 1, 'refusals counted per class');
    assert.ok(atOnce.length >= WRITERS - 2 - WRITE_QUEUE - 1, `writes past the queue are refused at once (${atOnce.length})`);
    for (const r of done.filter((x) => x.status === 503)) {
      assert.equal(r.json.error.code, 'busy', r.text);
      assert.ok(r.headers['retry-after'], 'with Retry-After');
    }
    // No write made an order under the held key, and once it is free the retry makes exactly one.
    const retry = await srv.http('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key } });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(Number(await h.orderCount(`description = ${h.lit(body.description)}`)), 1);
  });
});
