// Steady load for the operations drills: N clients submit orders, each with its own
// Idempotency-Key, retrying the same key after a 503 or a broken connection until it is
// acknowledged (201, or 200 replayed). Optionally a live-update (SSE) stream as an admin.
//
//   node tests/ops/load-clients.mjs BASE_URL OUT.json [--clients 4] [--stop-file F] [--sse]
//         [--sse-ready-file F] [--community ID] [--category ID] [--tag TEXT] [--pause-ms 50]
//
// Runs until the stop file exists, then writes OUT.json: every request's outcome, every
// acknowledged key with its tracking code, and the SSE events seen.
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';

const [base, outFile, ...rest] = process.argv.slice(2);
const opt = { clients: 4, stopFile: null, sse: false, sseReadyFile: null, community: 1, category: 1, tag: 'drill', pauseMs: 50 };
for (let i = 0; i < rest.length; i++) {
  const k = rest[i];
  if (k === '--clients') opt.clients = Number(rest[++i]);
  else if (k === '--stop-file') opt.stopFile = rest[++i];
  else if (k === '--sse') opt.sse = true;
  else if (k === '--sse-ready-file') opt.sseReadyFile = rest[++i];
  else if (k === '--community') opt.community = Number(rest[++i]);
  else if (k === '--category') opt.category = Number(rest[++i]);
  else if (k === '--tag') opt.tag = rest[++i];
  else if (k === '--pause-ms') opt.pauseMs = Number(rest[++i]);
  else throw new Error(`unknown option ${k}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stopped = () => opt.stopFile && fs.existsSync(opt.stopFile);

function request(method, path, { body, headers = {}, timeout = 10000 } = {}) {
  const u = new URL(path, base);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const t0 = Date.now();
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: false,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers } },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json;
        try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, json, t0, t1: Date.now() });
      });
      res.on('error', (e) => resolve({ status: 0, error: e.code || e.message, t0, t1: Date.now() }));
    });
    req.setTimeout(timeout, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.code || e.message, t0, t1: Date.now() }));
    req.end(data);
  });
}

const results = { requests: [], acknowledged: [], wrong: [], events: [], sse_connects: 0 };

async function client(n) {
  let seq = 0;
  while (!stopped()) {
    const key = `${opt.tag}-${n}-${++seq}-${crypto.randomBytes(4).toString('hex')}`;
    const body = { community_id: opt.community, category_id: opt.category, description: `${opt.tag} ${key}`,
      contact_name: '演练', contact_phone: '13800000000' };
    for (let attempt = 1; ; attempt++) {
      const r = await request('POST', '/api/v1/orders', { body, headers: { 'Idempotency-Key': key } });
      results.requests.push({ key, attempt, status: r.status, error: r.error, t0: r.t0, t1: r.t1,
        retry_after: r.headers ? r.headers['retry-after'] : undefined });
      if (r.status === 201 || r.status === 200) {
        const order = r.json || {};
        if (order.description !== body.description || !/^[2-9A-Z]{10}$/.test(order.tracking_code || '')) {
          results.wrong.push({ key, status: r.status, json: r.json, t0: r.t0, t1: r.t1 });
        }
        results.acknowledged.push({ key, status: r.status, tracking_code: order.tracking_code, id: order.id, t: r.t1 });
        break;
      }
      if (r.status === 503 || r.status === 0) {
        if (r.status === 503 && !(r.headers && r.headers['retry-after'])) results.wrong.push({ key, status: 503, note: 'no Retry-After' });
        if (stopped() && attempt > 200) break;
        await sleep(r.status === 503 ? 200 : 100);
        continue;
      }
      results.wrong.push({ key, status: r.status, json: r.json });
      break;
    }
    await sleep(opt.pauseMs);
  }
}

async function sse() {
  let token;
  let lastId;
  while (!stopped()) {
    if (!token) {
      // argon2id is slow on a busy machine: give the login time.
      const s = await request('POST', '/api/v1/sessions', { body: { username: 'demo-admin', password: process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo' }, timeout: 120000 });
      if (s.status !== 201) { await sleep(300); continue; }
      token = s.json.token;
    }
    results.sse_connects++;
    await new Promise((resolve) => {
      const u = new URL('/api/v1/events', base);
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, agent: false,
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) } }, (res) => {
        if (res.statusCode !== 200) { res.resume(); res.on('end', resolve); return; }
        if (opt.sseReadyFile) fs.writeFileSync(opt.sseReadyFile, String(Date.now()));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          buf += c;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const id = /^id: (.*)$/m.exec(block);
            const data = /^data: (.*)$/m.exec(block);
            if (id) lastId = id[1];
            if (data) {
              try { results.events.push({ ...JSON.parse(data[1]), received: Date.now() }); } catch { /* ping */ }
            }
          }
        });
        res.on('end', resolve);
        res.on('error', resolve);
      });
      req.on('error', resolve);
      req.end();
      const timer = setInterval(() => { if (stopped()) { req.destroy(); clearInterval(timer); resolve(); } }, 200);
    });
    await sleep(300);
  }
}

const work = [];
for (let i = 0; i < opt.clients; i++) work.push(client(i + 1));
if (opt.sse) work.push(sse());
await Promise.all(work);
fs.writeFileSync(outFile, JSON.stringify(results));
const by = {};
for (const r of results.requests) { const k = r.status || r.error; by[k] = (by[k] || 0) + 1; }
console.log(`load: ${results.acknowledged.length} orders acknowledged, ${results.requests.length} requests ${JSON.stringify(by)}, ${results.wrong.length} wrong answers`);
