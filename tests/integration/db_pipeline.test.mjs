// Fast reads pipelined (--db-pipeline-depth, libpq pipeline mode): with one or two pool connections and
// many concurrent reads, several statements are in flight on a connection at once, and still every
// answer is the one the same request gets alone; a statement that fails in the middle of a pipeline
// (the catalog, here refused by lock_timeout behind a table lock) fails alone, its neighbours on the
// same connection answer 200; and a statement that overruns its deadline fails alone: reads that
// arrive while it is stuck are not put behind it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as h from './harness.mjs';

const metricOf = (text, name) => Number((text.split('\n').find((l) => l.startsWith(`${name} `)) || ' NaN').split(' ')[1]);
const metric = async (srv, name) => metricOf((await srv.http('GET', '/metrics')).text, name);

/** In a background psql session: BEGIN; LOCK TABLE towns (the catalog's, and no other fast read's); sleep; ROLLBACK. */
async function lockTowns(seconds) {
  const app = h.uniq('locker');
  const child = spawn('psql', [h.dbUrl(), '-AtX', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
    env: { ...process.env, PGAPPNAME: app }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  child.stdin.end(`BEGIN;\nLOCK TABLE towns IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(${Number(seconds)});\nROLLBACK;\n`);
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const n = await h.sql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = ${h.lit(app)} AND query LIKE '%pg_sleep%'`);
    if (n === '1') return { done };
    const early = await Promise.race([done, h.sleep(50).then(() => null)]);
    if (early) throw new Error(`locker psql exited early (${early.code}): ${early.stderr}`);
  }
  child.kill('SIGKILL');
  throw new Error(`locker psql did not reach pg_sleep within 10 s: ${stderr}`);
}

/** The reads, each with the answer it gets alone. */
async function readsOf(srv) {
  const login = await srv.http('POST', '/api/v1/sessions', { body: { username: 'demo-community', password: process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo' } });
  assert.equal(login.status, 201, login.text);
  const auth = { authorization: `Bearer ${login.json.token}` };
  const refs = await h.validRefs(srv);
  const made = [];
  for (let i = 0; i < 3; i++) {
    const o = await srv.http('POST', '/api/v1/orders', { body: h.orderBody({ community_id: login.json.user.community_id, category_id: refs.category_id }) });
    assert.equal(o.status, 201, o.text);
    made.push(o.json);
  }
  const reads = [['me', () => srv.http('GET', '/api/v1/me', { headers: auth, timeout: 30000 })]];
  for (const o of made) {
    reads.push([`order ${o.id}`, () => srv.http('GET', `/api/v1/orders/${o.id}`, { headers: auth, timeout: 30000 })]);
    reads.push([`track ${o.id}`, () => srv.http('GET', `/api/v1/track/${o.tracking_code}`, { timeout: 30000 })]);
  }
  const alone = new Map();
  for (const [name, f] of reads) {
    const r = await f();
    assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 200)}`);
    alone.set(name, r.text);
  }
  return { reads, alone };
}

const same = (alone, name, r) => assert.equal(`${r.status} ${r.text}`, `200 ${alone.get(name)}`, `${name} answered as alone`);

describe('fast reads pipelined on one connection', () => {
  let srv;
  let reads;
  let alone;
  let catalogAlone;

  before(async () => {
    await h.loadDemo();
    // One connection, four statements deep; every signed-in request looks its session up (two
    // statements, the second sent from the first's callback); lock waits end after 100 ms.
    srv = await h.startServer({
      mustBeReady: true,
      args: ['--db-pool-size', '1', '--db-pipeline-depth', '4', '--session-cache-ms', '0', '--lock-timeout-ms', '100',
        '--db-queue-timeout-ms', '20000'],
    });
    ({ reads, alone } = await readsOf(srv));
    catalogAlone = (await srv.http('GET', '/api/v1/catalog')).text;
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  test('many concurrent reads: statements pipelined, every answer the one it gets alone', { timeout: 120000 }, async () => {
    const before = await metric(srv, 'paidan_db_pipelined_total');
    const calls = [];
    for (let i = 0; i < 20; i++) {
      for (const [name, f] of reads) calls.push([name, f()]);
      calls.push(['catalog', srv.http('GET', '/api/v1/catalog', { timeout: 30000 })]);
    }
    for (const [name, p] of calls) {
      const r = await p;
      if (name === 'catalog') assert.equal(`${r.status} ${r.text}`, `200 ${catalogAlone}`);
      else same(alone, name, r);
    }
    const pipelined = (await metric(srv, 'paidan_db_pipelined_total')) - before;
    console.log(`${calls.length} concurrent reads on one connection: ${pipelined} statements pipelined`);
    assert.ok(pipelined > 0, 'statements were pipelined');
  });

  test('a statement that fails in the middle of a pipeline fails alone', { timeout: 120000 }, async () => {
    const lock = await lockTowns(20);
    try {
      const before = await metric(srv, 'paidan_db_pipelined_total');
      // A catalog first, then (within the 50 ms a pipeline may be joined) a read behind it on the one
      // connection: the catalog waits for the lock and fails with 55P03 after 100 ms, the read then runs.
      let pairs = 0;
      for (let i = 0; i < 5; i++) {
        const atBefore = await metric(srv, 'paidan_db_pipelined_total');
        const cat = srv.http('GET', '/api/v1/catalog', { timeout: 30000 });
        await h.sleep(5);
        const [name, f] = reads[1 + (i % (reads.length - 1))];
        const read = f();
        const c = await cat;
        assert.equal(c.status, 503, c.text);
        assert.equal(c.json.error.code, 'busy', c.text);
        same(alone, name, await read);
        // This server's own /metrics request does not use the database.
        if ((await metric(srv, 'paidan_db_pipelined_total')) > atBefore) pairs++;
      }
      // And a burst: catalogs failing among many reads, on the one connection.
      const calls = [];
      for (let i = 0; i < 6; i++) {
        calls.push(['catalog', srv.http('GET', '/api/v1/catalog', { timeout: 30000 })]);
        for (const [name, f] of reads) calls.push([name, f()]);
      }
      let refused = 0;
      for (const [name, p] of calls) {
        const r = await p;
        if (name !== 'catalog') {
          same(alone, name, r);
          continue;
        }
        assert.equal(r.status, 503, r.text);
        assert.equal(h.errorShapeProblem(r), null);
        assert.ok(r.headers['retry-after'], 'with Retry-After');
        refused++;
      }
      const pipelined = (await metric(srv, 'paidan_db_pipelined_total')) - before;
      console.log(`catalog then read, ${pairs} of 5 pipelined; burst: ${refused} catalogs refused, ${calls.length - refused} reads right; ${pipelined} statements pipelined`);
      assert.ok(pairs >= 1, 'a read went behind a failing catalog at least once');
      assert.ok(pipelined >= 3, `statements were pipelined behind failing ones (${pipelined})`);
    } finally {
      await h.sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'locker%'");
      await lock.done;
    }
    const again = await srv.http('GET', '/api/v1/catalog');
    assert.equal(`${again.status} ${again.text}`, `200 ${catalogAlone}`);
  });
});

describe('a deadline overrun on a pipelined pool', () => {
  const CALL_TIMEOUT_MS = 1500;
  let srv;
  let reads;
  let alone;

  before(async () => {
    await h.loadDemo();
    srv = await h.startServer({
      mustBeReady: true,
      args: ['--db-pool-size', '2', '--db-pipeline-depth', '4', '--session-cache-ms', '0', '--lock-timeout-ms', '10000',
        '--db-call-timeout-ms', String(CALL_TIMEOUT_MS), '--db-queue-timeout-ms', '20000'],
    });
    ({ reads, alone } = await readsOf(srv));
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  test('the stuck statement fails at its deadline; reads that came meanwhile go on the other connection', { timeout: 120000 }, async () => {
    const lock = await lockTowns(20);
    let stuck;
    try {
      const timeoutsBefore = await metric(srv, 'paidan_db_call_timeouts_total');
      const pipelinedBefore = await metric(srv, 'paidan_db_pipelined_total');
      const t0 = performance.now();
      stuck = srv.http('GET', '/api/v1/catalog', { timeout: 30000 });
      await h.sleep(300); // the catalog has waited for the lock longer than a pipeline may be joined
      // Many reads at once: one connection is stuck, the other takes them, several at a time. With
      // the stuck one as the connection with the fewest statements in flight, reads put behind it
      // would fail with it at its deadline.
      const calls = [];
      for (let i = 0; i < 8; i++) for (const [name, f] of reads) calls.push([name, f()]);
      let slowest = 0;
      for (const [name, p] of calls) {
        const r = await p;
        same(alone, name, r);
        slowest = Math.max(slowest, r.ms);
      }
      const c = await stuck;
      const ms = performance.now() - t0;
      console.log(`catalog stuck on a lock: ${c.status} after ${ms.toFixed(0)} ms (deadline ${CALL_TIMEOUT_MS}); `
        + `${calls.length} reads meanwhile all 200 (slowest ${slowest.toFixed(0)} ms), `
        + `${(await metric(srv, 'paidan_db_pipelined_total')) - pipelinedBefore} statements pipelined`);
      assert.equal(c.status, 503, c.text);
      assert.equal(c.json.error.code, 'database_unavailable', c.text);
      assert.ok(ms >= CALL_TIMEOUT_MS - 50 && ms < CALL_TIMEOUT_MS + 1500, `the catalog failed at its deadline (${ms.toFixed(0)} ms)`);
      assert.equal((await metric(srv, 'paidan_db_call_timeouts_total')) - timeoutsBefore, 1, 'one statement past its deadline');
      assert.ok((await metric(srv, 'paidan_db_pipelined_total')) > pipelinedBefore, 'the reads were pipelined');
    } finally {
      await h.sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'locker%'");
      await lock.done;
    }
    // The dropped connection is made again: both serve.
    const t1 = Date.now();
    for (;;) {
      const up = await metric(srv, 'paidan_db_connections_up');
      if (up === 2) break;
      assert.ok(Date.now() - t1 < 10000, `both connections up again (${up})`);
      await h.sleep(100);
    }
    const again = await srv.http('GET', '/api/v1/catalog');
    assert.equal(again.status, 200, again.text);
    for (const [name, f] of reads) same(alone, name, await f());
  });
});
