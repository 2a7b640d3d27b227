// Slowloris: more connections than --max-connections, each sending its request head a byte at a
// time, held open as long as the server lets them. A real client is served within 1 s throughout,
// and every drip connection is closed by the head deadline (or earlier, to make room).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as h from './harness.mjs';

const DRIPS = 300;
const MAX_CONNECTIONS = 256;
const HEAD_TIMEOUT_S = 3;
const ATTACK_MS = 9000;

describe('slow clients', () => {
  let srv;

  before(async () => {
    await h.loadDemo();
    srv = await h.startServer({
      args: ['--max-connections', String(MAX_CONNECTIONS), '--header-timeout-s', String(HEAD_TIMEOUT_S)],
    });
  });

  after(async () => {
    if (srv) await srv.stop();
  });

  test(`${DRIPS} drip connections over a cap of ${MAX_CONNECTIONS}: a real client is served within 1 s, every drip is closed by the deadline`, { timeout: 120000 }, async () => {
    const head = Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200), 'latin1');
    const lifetimes = []; // ms from connect to close, per drip connection
    const open = new Set();
    let attacking = true;
    let opened = 0;

    function drip() {
      const t0 = performance.now();
      const s = net.connect({ host: '127.0.0.1', port: srv.port });
      let i = 0;
      let timer = null;
      opened++;
      open.add(s);
      s.on('connect', () => {
        timer = setInterval(() => { if (i < head.length) s.write(head.subarray(i, ++i)); }, 500);
      });
      s.on('data', () => {});
      s.on('error', () => {});
      s.on('close', () => {
        clearInterval(timer);
        open.delete(s);
        lifetimes.push(performance.now() - t0);
        if (attacking) drip(); // the attack keeps its connections up
      });
    }
    for (let i = 0; i < DRIPS; i++) drip();

    // A real client, once every 200 ms, each on a new connection.
    const real = [];
    const tEnd = performance.now() + ATTACK_MS;
    while (performance.now() < tEnd) {
      const r = await srv.http('GET', '/api/v1/catalog', { timeout: 5000 }).catch((e) => ({ status: 0, ms: 5000, text: e.message }));
      real.push(r);
      await h.sleep(200);
    }
    const worst = Math.max(...real.map((r) => r.ms));
    const m = await srv.http('GET', '/metrics');
    const metric = (name) => Number((m.text.split('\n').find((l) => l.startsWith(`${name} `)) || ' NaN').split(' ')[1]);
    attacking = false;

    // Every drip connection still open now is closed by the head deadline.
    const tStop = performance.now();
    while (open.size > 0 && performance.now() - tStop < (HEAD_TIMEOUT_S + 3) * 1000) await h.sleep(100);
    const longest = lifetimes.reduce((a, b) => Math.max(a, b), 0); // not a spread: tens of thousands of drips overflow the stack
    // Those left at the end were closed by the head deadline, not by eviction.
    const after = await srv.http('GET', '/metrics');
    const headTimeouts = Number((after.text.split('\n').find((l) => l.startsWith('paidan_http_head_timeouts_total ')) || ' NaN').split(' ')[1]);
    console.log(`${opened} drip connections over ${ATTACK_MS} ms; real client: ${real.length} requests, worst ${worst.toFixed(0)} ms, statuses ${[...new Set(real.map((r) => r.status))].join(',')}; `
      + `drip lifetimes: longest ${longest.toFixed(0)} ms; open connections ${metric('paidan_http_connections')} (closing ${metric('paidan_http_connections_closing')}), evicted ${metric('paidan_http_connections_evicted_total')}, `
      + `head timeouts ${metric('paidan_http_head_timeouts_total')} during the attack and ${headTimeouts} after it, refused ${metric('paidan_http_connections_refused_total')}`);
    assert.ok(real.every((r) => r.status === 200), `every real request answered 200: ${real.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text.slice(0, 80)}`).join('; ')}`);
    assert.ok(worst < 1000, `the real client was served within 1 s throughout (worst ${worst.toFixed(0)} ms)`);
    assert.equal(open.size, 0, 'every drip connection was closed');
    assert.ok(longest < (HEAD_TIMEOUT_S + 1.5) * 1000, `no drip connection outlived the head deadline (longest ${longest.toFixed(0)} ms)`);
    // Connections being closed are counted until they are gone, but hold no place under the cap.
    const live = metric('paidan_http_connections') - metric('paidan_http_connections_closing');
    assert.ok(live <= MAX_CONNECTIONS + 2, `the count stays at the cap (${live} live)`);
    assert.ok(metric('paidan_http_connections_evicted_total') > 0, 'the cap made room by closing drip connections');
    assert.ok(headTimeouts >= 200, `the drip connections left at the end were closed by the head deadline (${headTimeouts})`);
  });
});
