// A province's busy hour, replayed faster (issue 11): orders submitted at a steady rate and driven
// through their whole life (dispatch, claim, offer, accept, start, complete, confirm) by the demo
// accounts, staff consoles listing orders every so often, and team phones holding live-update
// streams. Prints, per kind of request, how many, p50/p95/p99 and the 5xx; how many phones got
// connected; and how long after an action's answer its event reached the phones (sampled on the
// first 50 phones). On demand only:
//
//   node tests/bench/busy_hour.mjs BASE_URL [--scale 0.1] [--minutes 2] [--speed 10]
//        [--orders-per-hour 2000] [--consoles 5000] [--console-every-s 30] [--phones 20000]
//
// At --scale 1 and --speed 10: 20,000 orders an hour (5.6 a second, each with 7 actions), 5,000
// consoles listing every 3 s (1,667 lists a second) and 20,000 phones. The server needs the demo
// accounts, anonymous limits raised (--orders-per-address-hour, --open-orders-per-phone) and room
// for the streams (--max-streams, --max-connections, file descriptors); tests/bench/busy_hour.sh
// starts one so. The phones are the bench team accounts bench-team-1 … (tests/bench/accounts.sql),
// 16 phones to each (one account's limit of streams), in order: the first 64 (sampled for the event
// delay) are the demo team's, which is offered every order; the others' teams get none of these.
import http from 'node:http';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loginMany } from './logins.mjs';

const args = process.argv.slice(2);
const base = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i > 0 ? Number(args[i + 1]) : dflt;
};
const scale = opt('scale', 0.1);
const minutes = opt('minutes', 2);
const speed = opt('speed', 10);
const ordersPerHour = opt('orders-per-hour', 2000);
const consoles = Math.round(opt('consoles', 5000) * scale);
const consoleEveryMs = (opt('console-every-s', 30) * 1000) / speed;
const phones = Math.round(opt('phones', 20000) * scale);
const orderEveryMs = 3600e3 / (ordersPerHour * speed * scale);
const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';
const SAMPLED_PHONES = 50;

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
// The phones come from 64 loopback addresses (Linux answers all of 127/8), as they would from many:
// one source address has some 28,000 ports, fewer than 20,000 streams, the 512 sockets above and the
// TIME_WAIT of every reconnect; once they ran out every call failed before reaching the server.
const PHONE_ADDRESSES = 64;
const failures = {}; // a call's error message → how often (calls that never reached an answer)
const stats = {}; // kind → {ms: [], status: {}}
let stopping = false;

function note(kind, status, ms) {
  const s = (stats[kind] ??= { ms: [], status: {} });
  s.ms.push(ms);
  s.status[status] = (s.status[status] ?? 0) + 1;
}

function call(method, path, token, body) {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (data) Object.assign(headers, { 'content-type': 'application/json', 'content-length': data.length });
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(`${base}${path}`, { method, headers, agent, timeout: 30000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json;
        try { json = JSON.parse(Buffer.concat(chunks).toString()); } catch { json = undefined; }
        resolve({ status: res.statusCode, json, ms: performance.now() - t0, at: performance.now() });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      failures[e.code || e.message] = (failures[e.code || e.message] ?? 0) + 1;
      resolve({ status: 0, ms: performance.now() - t0, at: performance.now() });
    });
    req.end(data);
  });
}

async function login(username) {
  const r = await call('POST', '/api/v1/sessions', null, { username, password: PASSWORD });
  if (r.status !== 201) throw new Error(`login ${username}: ${r.status}`);
  return { token: r.json.token, user: r.json.user };
}

const S = {};
const answered = new Map(); // `${order}:${action}` → time its answer came (for event latency)
const latencies = [];
const refused = []; // the first few refused actions, to tell a refusal of the rules from one of load
let phonesOpen = 0, phonesMax = 0, phoneRefusals = 0, phoneFailures = 0, events = 0;

// One process may hold 20,000 descriptors here (ulimit -Hn, not to be raised in a container): the
// phones past the first PHONES_HERE are held by child processes of this script, PHONES_PER_CHILD
// each, which report their counts every half second.
const PHONES_HERE = 6000;
const PHONES_PER_CHILD = 8000;
const children = new Map(); // child → its last report

/** This process's phones: what a child reports, and the parent's own share of the totals. */
function ownCounts() {
  return { open: phonesOpen, max: phonesMax, refusals: phoneRefusals, failures: phoneFailures, events, failures_by: failures };
}

function phoneCounts() {
  const { failures_by: _, ...all } = ownCounts();
  for (const c of children.values()) for (const k of Object.keys(all)) all[k] += c[k] ?? 0;
  return all;
}

function startChildren() {
  for (let from = PHONES_HERE; from < phones; from += PHONES_PER_CHILD) {
    const child = fork(fileURLToPath(import.meta.url), [base, '--phones-child'], { stdio: 'inherit' });
    children.set(child, {});
    child.on('message', (m) => {
      children.set(child, m);
      for (const [k, v] of Object.entries(m.failures_by ?? {})) failures[`${k} (child)`] = v;
    });
    child.send({ tokens: S.phoneTokens, from, to: Math.min(phones, from + PHONES_PER_CHILD) });
  }
}

function stopChildren() {
  return Promise.all([...children.keys()].map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.send({ stop: true });
  })));
}

if (args.includes('--phones-child')) {
  process.on('message', (m) => {
    if (m.stop) {
      stopping = true;
      process.send(ownCounts(),
        () => process.exit(0));
      return;
    }
    S.phoneTokens = m.tokens;
    for (let i = m.from; i < m.to; i++) setTimeout(() => phone(i), (i % 2000) * 5);
    setInterval(() => process.send(ownCounts()), 500);
  });
}

function phone(i) {
  if (stopping) return;
  const req = http.get(`${base}/api/v1/events`, { agent: streamAgent, localAddress: `127.0.1.${1 + (i % PHONE_ADDRESSES)}`, headers: { authorization: `Bearer ${S.phoneTokens[Math.floor(i / 16) % S.phoneTokens.length]}` } }, (res) => {
    if (res.statusCode !== 200) {
      phoneRefusals++;
      failures[`phone refused ${res.statusCode}`] = (failures[`phone refused ${res.statusCode}`] ?? 0) + 1;
      res.resume();
      setTimeout(() => phone(i), 1000 * Number(res.headers['retry-after'] ?? 3) * (0.5 + Math.random()));
      return;
    }
    phonesOpen++;
    phonesMax = Math.max(phonesMax, phonesOpen);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (!block.includes('event: order')) continue;
        events++;
        if (i >= SAMPLED_PHONES) continue;
        const line = block.split('\n').find((l) => l.startsWith('data: '));
        try {
          const e = JSON.parse(line.slice(6));
          const at = answered.get(`${e.order_id}:${e.action}`);
          if (at !== undefined) latencies.push(Math.max(0, performance.now() - at));
        } catch { /* not ours */ }
      }
    });
    res.on('end', () => { phonesOpen--; if (!stopping) setTimeout(() => phone(i), 3000); });
  });
  req.on('error', (e) => { phoneFailures++; failures[`phone ${e.code || e.message}`] = (failures[`phone ${e.code || e.message}`] ?? 0) + 1; if (!stopping) setTimeout(() => phone(i), 3000); });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function act(kind, who, id, action, body) {
  const r = await call('POST', `/api/v1/orders/${id}/${action}`, S[who].token, body ?? {});
  note(kind, r.status, r.ms);
  if (r.status === 200) answered.set(`${id}:${action}`, r.at);
  else if (refused.length < 5) refused.push(`${action} by ${who}: ${r.status} ${r.json?.error?.code ?? ''} ${r.json?.error?.message ?? ''}`);
  return r.status === 200;
}

async function lifecycle(n) {
  const contactPhone = `139${String(10000000 + (n % 90000000)).padStart(8, '0')}`;
  const sub = await call('POST', '/api/v1/orders', null, {
    community_id: S.community.user.community_id, category_id: S.categoryId, description: `繁忙时段回放 ${n}`,
    contact_name: "回放", contact_phone: contactPhone,
  });
  note('submit', sub.status, sub.ms);
  if (sub.status !== 201) return;
  const id = sub.json.id;
  const gap = () => sleep(200 + Math.random() * 800);
  const steps = [
    ['community', 'dispatch', { department_id: S.department.user.department_id }],
    ['department', 'claim'],
    ['department', 'offer', { team_ids: [S.team.user.team_id] }],
    ['team', 'accept'],
    ['team', 'start'],
    ['team', 'complete', { summary: '已完成', hours: [{ volunteer_id: S.volunteerId, hours: '1.50' }] }],
    ['community', 'confirm'],
  ];
  for (const [who, action, body] of steps) {
    await gap();
    if (stopping || !(await act('action', who, id, action, body))) return;
  }
}

function consoleLoop(i) {
  const who = ['community', 'department', 'admin'][i % 3];
  const tick = async () => {
    if (stopping) return;
    const r = await call('GET', '/api/v1/orders?limit=20', S[who].token);
    note('list', r.status, r.ms);
    setTimeout(tick, consoleEveryMs * (0.8 + 0.4 * Math.random()));
  };
  setTimeout(tick, Math.random() * consoleEveryMs);
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)].toFixed(1) : '-';
}

async function main() {
  for (const role of ['admin', 'community', 'department', 'team']) S[role] = await login(`demo-${role}`);
  // One demo department and one team carry every order here (a province has hundreds): their
  // limits of claimed and accepted orders are raised to the most the setting allows.
  const limits = await call('PUT', '/api/v1/settings/limits', S.admin.token, { claim_limit: 10000, accept_limit: 10000 });
  if (limits.status !== 200) throw new Error(`raising the work limits: ${limits.status}`);
  const cat = await call('GET', '/api/v1/catalog');
  S.categoryId = (cat.json.categories.find((c) => c.department_id === S.department.user.department_id) ?? cat.json.categories[0]).id;
  const members = await call('GET', `/api/v1/teams/${S.team.user.team_id}/members`, S.team.token);
  S.volunteerId = members.json.items[0].volunteer_id;
  const t1 = Date.now();
  S.phoneTokens = phones > 0 ? await loginMany(base, 'bench-team', Math.ceil(phones / 16), PASSWORD) : [];
  console.log(`${S.phoneTokens.length} team accounts for the phones logged in in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  console.log(`busy hour × ${scale} at ${speed}× speed for ${minutes} min: an order every ${orderEveryMs.toFixed(0)} ms, ` +
    `${consoles} consoles every ${(consoleEveryMs / 1000).toFixed(1)} s, ${phones} phones`);
  for (let i = 0; i < Math.min(phones, PHONES_HERE); i++) setTimeout(() => phone(i), (i % 2000) * 5);
  startChildren();
  const t0 = Date.now();
  while (phoneCounts().open < phones && Date.now() - t0 < 60000) await sleep(250);
  console.log(`phones connected before the replay: ${phoneCounts().open} of ${phones} in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
    ` (${children.size} child processes hold those past the first ${PHONES_HERE})`);
  for (let i = 0; i < consoles; i++) consoleLoop(i);
  const end = Date.now() + minutes * 60e3;
  const running = [];
  for (let n = 0; Date.now() < end; n++) {
    running.push(lifecycle(n));
    await sleep(orderEveryMs * (0.5 + Math.random()));
  }
  stopping = true;
  await Promise.all(running);
  await stopChildren();
  const ph = phoneCounts();
  console.log(`phones: ${ph.open} open at the end (at most ${ph.max} of ${phones}), ${ph.refusals} refusals, ` +
    `${ph.failures} failures, ${ph.events} events received`);
  const lat = latencies.sort((a, b) => a - b);
  console.log(`event after the action's answer (first ${SAMPLED_PHONES} phones, ${lat.length} samples): ` +
    `p50 ${pct(lat, 0.5)} ms, p99 ${pct(lat, 0.99)} ms`);
  for (const line of refused) console.log(`refused: ${line}`);
  if (Object.keys(failures).length) console.log(`calls without an answer, and phones refused: ${JSON.stringify(failures)}`);
  for (const [kind, s] of Object.entries(stats)) {
    const ms = s.ms.sort((a, b) => a - b);
    const bad = Object.entries(s.status).filter(([k]) => k === '0' || k >= '500').reduce((a, [, v]) => a + v, 0);
    console.log(`${kind.padEnd(7)} n=${String(ms.length).padStart(6)} p50 ${pct(ms, 0.5)} ms  p95 ${pct(ms, 0.95)} ms  ` +
      `p99 ${pct(ms, 0.99)} ms  5xx/failed ${bad}  statuses ${JSON.stringify(s.status)}`);
  }
  process.exit(0);
}

if (!args.includes('--phones-child')) main().catch((e) => { console.error(e); process.exit(1); });
