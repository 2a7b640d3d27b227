// The database goes away under load and comes back: the server answers 503 (never hangs, never 500),
// recovers by itself, and with Idempotency-Key retries no order is lost or doubled.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const STOP = process.env.PAIDAN_TEST_PG_STOP;
const START = process.env.PAIDAN_TEST_PG_START;

describe('database restart', () => {
  let srv;
  let refs;
  let pgDown = false;

  before(async () => {
    if (!STOP || !START) throw new Error('PAIDAN_TEST_PG_STOP and PAIDAN_TEST_PG_START must be set (tests/run.sh sets them)');
    await h.loadDemo();
    srv = await h.startServer();
    refs = await h.validRefs(srv);
  });

  after(async () => {
    if (pgDown) await h.sh(START);
    if (srv) await srv.stop();
  });

  test('stop and start PostgreSQL during submissions: 503 while down, recovery, nothing lost or doubled', { timeout: 180000 }, async () => {
    const run = h.uniq('restart');
    const keys = new Map(); // key → {body, id, attempts}
    const anomalies = [];
    const statuses = {};
    let successes = 0;
    let seq = 0;
    let stopLoop = false;
    const tStart = performance.now();
    const at = () => `${((performance.now() - tStart) / 1000).toFixed(2)} s`;

    // Submit under KEY until it succeeds: retried on 503 (and 409, a duplicate still in flight), bounded.
    async function submit(key, body) {
      const rec = { body, id: null, attempts: 0 };
      keys.set(key, rec);
      const deadline = Date.now() + 40000;
      while (rec.attempts < 400 && Date.now() < deadline) {
        rec.attempts++;
        let r;
        try {
          r = await srv.http('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': key }, timeout: 5000 });
        } catch (e) {
          anomalies.push(`${at()} ${key}: ${e.message}`);
          await h.sleep(100);
          continue;
        }
        statuses[r.status] = (statuses[r.status] || 0) + 1;
        if (r.status === 201 || r.status === 200) {
          if (rec.id !== null && rec.id !== r.json.id) anomalies.push(`${key}: two ids ${rec.id} and ${r.json.id}`);
          rec.id = r.json.id;
          successes++;
          return r;
        }
        if (r.status === 503) {
          if (!r.headers['retry-after']) anomalies.push(`${at()} ${key}: 503 without Retry-After`);
        } else if (r.status !== 409) {
          anomalies.push(`${at()} ${key}: ${r.status} ${r.text.slice(0, 200)}`);
        }
        await h.sleep(100);
      }
      anomalies.push(`${key}: gave up after ${rec.attempts} attempts`);
      return null;
    }

    const waitFor = async (cond, ms, what) => {
      const deadline = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await h.sleep(20);
      }
    };

    // Four submitters at once, so that some requests are in the middle of their transaction when
    // the database goes away.
    const LOOPS = 4;
    const loops = Array.from({ length: LOOPS }, () => (async () => {
      while (!stopLoop && seq < 5000) {
        const i = seq++;
        await submit(`${run}-k${i}`, h.orderBody(refs, { description: `${run}-d${i}` }));
        await h.sleep(10);
      }
    })());

    // One outage: stop, check the answers while down, start, check the recovery.
    async function outage(cycle) {
      const successesBefore = successes;
      await waitFor(() => successes >= successesBefore + 10, 30000, `10 submissions before stop #${cycle}`);
      console.log(`${at()}: ${successes} orders submitted; stopping PostgreSQL (#${cycle})`);
      pgDown = true;
      const stopped = await h.sh(STOP);
      const tDown = performance.now();
      console.log(`${at()}: PostgreSQL stopped (the stop command took ${stopped.ms.toFixed(0)} ms)`);

      // /readyz turns 503 within 2 s; no probe takes 2 s or more.
      let readyMs = null;
      while (performance.now() - tDown < 2000) {
        const r = await srv.http('GET', '/readyz', { timeout: 5000 });
        assert.ok(r.ms < 2000, `GET /readyz took ${r.ms.toFixed(0)} ms while the database was down`);
        assert.ok(r.status === 503 || r.status === 200, `GET /readyz while down: ${r.status} ${r.text.slice(0, 200)}`);
        if (r.status === 503) { readyMs = performance.now() - tDown; break; }
        await h.sleep(50);
      }
      assert.ok(readyMs !== null, '/readyz answered 503 within 2 s of the database stopping');
      console.log(`${at()}: /readyz → 503 ${readyMs.toFixed(0)} ms after the stop`);

      const hz = await srv.http('GET', '/healthz', { timeout: 2000 });
      assert.equal(hz.status, 200, 'the process is alive: /healthz stays 200');

      const downKey = `${run}-down${cycle}`;
      const downBody = h.orderBody(refs, { description: `${run}-down${cycle}` });
      keys.set(downKey, { body: downBody, id: null, attempts: 1 });
      const p = await srv.http('POST', '/api/v1/orders', { body: downBody, headers: { 'idempotency-key': downKey }, timeout: 5000 });
      console.log(`${at()}: POST while down → ${p.status} in ${p.ms.toFixed(0)} ms, Retry-After: ${p.headers['retry-after']}`);
      assert.equal(p.status, 503, `POST while the database is down: ${p.status} ${p.text.slice(0, 300)}`);
      assert.ok(p.ms < 2000, `POST while down took ${p.ms.toFixed(0)} ms`);
      assert.ok(p.headers['retry-after'], 'a 503 carries Retry-After');
      assert.equal(h.errorShapeProblem(p), null);

      await h.sleep(500); // the submitters keep knocking meanwhile
      const r2 = await srv.http('GET', '/readyz', { timeout: 5000 });
      assert.equal(r2.status, 503, 'still 503 while down');
      assert.ok(r2.ms < 2000);

      const successesBeforeStart = successes;
      const started = await h.sh(START);
      pgDown = false;
      const tUp = performance.now();
      console.log(`${at()}: PostgreSQL started (the start command took ${started.ms.toFixed(0)} ms)`);

      let upMs = null;
      while (performance.now() - tUp < 2000) {
        const r = await srv.http('GET', '/readyz', { timeout: 5000 });
        if (r.status === 200) { upMs = performance.now() - tUp; break; }
        await h.sleep(50);
      }
      assert.ok(upMs !== null, '/readyz answered 200 within 2 s of the database being back');
      console.log(`${at()}: /readyz → 200 ${upMs.toFixed(0)} ms after the start`);

      let postMs = null;
      while (performance.now() - tUp < 2000) {
        const r = await srv.http('POST', '/api/v1/orders', { body: downBody, headers: { 'idempotency-key': downKey }, timeout: 5000 });
        statuses[r.status] = (statuses[r.status] || 0) + 1;
        if (r.status === 201 || r.status === 200) {
          keys.get(downKey).id = r.json.id;
          postMs = performance.now() - tUp;
          break;
        }
        assert.ok(r.status === 503 || r.status === 409, `POST after the start: ${r.status} ${r.text.slice(0, 200)}`);
        await h.sleep(50);
      }
      assert.ok(postMs !== null, 'a POST succeeded within 2 s of the database being back');
      console.log(`${at()}: first POST after the start succeeded ${postMs.toFixed(0)} ms after the start`);

      await waitFor(() => successes >= successesBeforeStart + 10, 30000, `10 submissions after restart #${cycle}`);
    }

    try {
      await outage(1);
      await outage(2);
    } finally {
      stopLoop = true;
      await Promise.all(loops);
    }

    const ids = [...keys.values()].map((k) => k.id);
    console.log(`${at()}: ${keys.size} keys, statuses ${JSON.stringify(statuses)}, anomalies ${anomalies.length}`);
    assert.deepEqual(anomalies, [], 'no hang, no connection error, no 500, every 503 with Retry-After');
    assert.ok(ids.every((id) => id !== null), 'every key got its order');
    assert.equal(new Set(ids).size, keys.size, 'one order per key');
    const like = h.lit(`${run}-%`);
    const [n, nDistinct] = (await h.sql(`SELECT count(*), count(DISTINCT description) FROM orders WHERE description LIKE ${like}`)).split('|').map(Number);
    assert.equal(n, keys.size, `orders for the run's descriptions (${n}) = distinct keys (${keys.size}): nothing lost, nothing doubled`);
    assert.equal(nDistinct, keys.size);
    const events = Number(await h.sql(`SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.description LIKE ${like}`));
    assert.equal(events, keys.size, 'one submit event per order');
    const dbIds = new Set((await h.sql(`SELECT id FROM orders WHERE description LIKE ${like}`)).split('\n').map(Number));
    for (const id of ids) assert.ok(dbIds.has(id), `order ${id} from a response is in the database`);
  });
});
