// Helpers for paidan's integration tests (node:test). Run through tests/run.sh, which sets:
//   PAIDAN_BIN                 the server binary (the ASan build)
//   PAIDAN_TEST_DATABASE_URL   a libpq URI of a throwaway database, as its owner (migrations, psql)
//   PAIDAN_TEST_APP_DATABASE_URL  the same database as the server's role (rows only); servers use it
//   PAIDAN_TEST_PG_STOP/START  shell commands that stop / start that cluster (start waits until ready)
//   PAIDAN_SQL_DIR, PAIDAN_STATIC_DIR
import { spawn, execFile, exec } from 'node:child_process';
import fs from 'node:fs';
import http_ from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SQL_DIR = process.env.PAIDAN_SQL_DIR || path.join(ROOT, 'sql');
export const STATIC_DIR = process.env.PAIDAN_STATIC_DIR || path.join(ROOT, 'clients');

/** Tracking codes: 10 characters from an alphabet without 0/1/I/L/O. */
export const TRACKING_CODE_RE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$/;
export const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|runtime error:/;

export function bin() {
  let b = process.env.PAIDAN_BIN;
  if (!b) {
    for (const cand of ['build-asan/paidan', 'build/paidan']) {
      const p = path.join(ROOT, cand);
      if (fs.existsSync(p)) { b = p; break; }
    }
  }
  if (!b) throw new Error('PAIDAN_BIN is not set and no build-asan/paidan or build/paidan exists: build first (tests/run.sh does)');
  if (!fs.existsSync(b)) throw new Error(`PAIDAN_BIN=${b} does not exist: build it first (tests/run.sh does)`);
  try { fs.accessSync(b, fs.constants.X_OK); } catch { throw new Error(`PAIDAN_BIN=${b} is not executable`); }
  return b;
}

export function dbUrl() {
  const u = process.env.PAIDAN_TEST_DATABASE_URL;
  if (!u) throw new Error('PAIDAN_TEST_DATABASE_URL is not set: run the integration tests through tests/run.sh');
  return u;
}

/** The URL servers connect with: the server's own role when run.sh made one, else the owner's. */
export function appDbUrl() {
  return process.env.PAIDAN_TEST_APP_DATABASE_URL || dbUrl();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The value of PROMISE if it settles within MS, else null; leaves no timer behind. */
export function within(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((r) => { timer = setTimeout(() => r(null), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** A unique tag for this test run, to keep each test's data apart. */
/** Signs username in on srv (the demo password unless given): the session {token, user}; throws unless 201. */
export async function login(srv, username, password = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo') {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password } });
  if (r.status !== 201) throw new Error(`login ${username}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

export function uniq(prefix = 't') {
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
}

/** A random, valid-looking mainland mobile number (11 digits, 13x-19x). */
export function randomPhone() {
  let s = '13' + String(crypto.randomInt(0, 10));
  for (let i = 0; i < 8; i++) s += String(crypto.randomInt(0, 10));
  return s;
}

function tryPort(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.unref();
    s.on('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * A port that was free a moment ago on 127.0.0.1. Taken from 10000–19999, below Linux's ephemeral
 * range, so that neither our own client sockets nor another program's "port 0" servers land on it
 * (the server binds with SO_REUSEPORT, so a second server of the same user on the port would
 * silently share it).
 */
export async function freePort() {
  for (let i = 0; i < 50; i++) {
    const p = await tryPort(10000 + crypto.randomInt(0, 10000));
    if (p) return p;
  }
  const p = await tryPort(0);
  if (!p) throw new Error('no free port on 127.0.0.1');
  return p;
}

let tmpRoot;
/** Where server logs go: PAIDAN_TEST_LOG_DIR (tests/run.sh removes it with the cluster), else a new temp dir. */
function tmpDir() {
  if (!tmpRoot) {
    const dir = process.env.PAIDAN_TEST_LOG_DIR;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      tmpRoot = dir;
    } else {
      tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-it-'));
    }
  }
  return tmpRoot;
}

// Servers still running when the test process exits are killed, so nothing outlives a run.
const live = new Set();
process.on('exit', () => {
  for (const s of live) {
    try { process.kill(s.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

function tail(text, n = 60) {
  return text.split('\n').slice(-n).join('\n');
}

// ------------------------------------------------------------------ HTTP

/**
 * One HTTP request to base (e.g. http://127.0.0.1:PORT) with node:http, a new connection each time.
 * opts: body (object → JSON; string or Buffer → as is), raw (Buffer, same as body), headers,
 *       timeout (ms, default 15000), signal (AbortSignal), onSocket(req) hook.
 * Resolves {status, headers, body: Buffer, text, json (parsed or undefined), ms}.
 */
export function request(base, method, urlPath, opts = {}) {
  const { headers = {}, timeout = 15000 } = opts;
  let body = opts.raw !== undefined ? opts.raw : opts.body;
  const h = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && v !== null) h[k.toLowerCase()] = v;
  if (body !== undefined && body !== null) {
    if (!Buffer.isBuffer(body) && typeof body !== 'string') body = JSON.stringify(body);
    if (typeof body === 'string') body = Buffer.from(body, 'utf8');
    if (!('content-type' in h)) h['content-type'] = 'application/json';
    h['content-length'] = String(body.length);
  } else {
    body = undefined;
  }
  const u = new URL(base);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, v) => { if (!done) { done = true; clearTimeout(timer); fn(v); } };
    const req = http_.request({
      host: u.hostname, port: u.port, method, path: urlPath, headers: h, agent: false, signal: opts.signal,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => finish(reject, e));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        finish(resolve, { status: res.statusCode, headers: res.headers, body: buf, text, json, ms: performance.now() - t0 });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(reject, new Error(`${method} ${urlPath}: no answer within ${timeout} ms`));
    }, timeout);
    req.on('error', (e) => finish(reject, new Error(`${method} ${urlPath}: ${e.code || ''} ${e.message}`)));
    if (opts.onRequest) opts.onRequest(req);
    if (body) req.end(body); else req.end();
  });
}

/**
 * Raw bytes over a TCP socket, for requests node:http would refuse to send. Reads until the server
 * closes the connection, one complete response has arrived (by Content-Length), or timeout.
 * Resolves {status, headers (lower-case names), text, raw, closed}; status is 0 when nothing parseable came back.
 * opts.chunks: further Buffers written after `bytes`, with back-pressure, stopping at the first error.
 */
export function rawRequest(port, bytes, opts = {}) {
  const timeout = opts.timeout ?? 10000;
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const got = [];
    let done = false;
    let writeError = null;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...parseResponse(Buffer.concat(got)), closed, writeError });
    };
    const timer = setTimeout(() => finish(false), timeout);
    sock.on('data', (c) => {
      got.push(c);
      const p = parseResponse(Buffer.concat(got));
      if (p.complete) finish(false);
    });
    sock.on('error', (e) => { writeError = e.code || e.message; });
    sock.on('close', () => finish(true));
    sock.on('connect', async () => {
      try {
        if (!sock.write(bytes)) await new Promise((r) => sock.once('drain', r));
        for (const c of opts.chunks || []) {
          if (done || sock.destroyed) break;
          if (!sock.write(c)) {
            await new Promise((r) => { sock.once('drain', r); sock.once('close', r); });
          }
        }
      } catch (e) { writeError = e.message; }
    });
  });
}

function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, text: buf.toString('latin1'), raw: buf, complete: false };
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const bodyBuf = buf.subarray(end + 4);
  let complete = false;
  if ('content-length' in headers) complete = bodyBuf.length >= Number(headers['content-length']);
  return { status: m ? Number(m[1]) : 0, headers, text: bodyBuf.toString('utf8'), raw: buf, complete };
}

/** request() under the name the tests' brief uses: http(base, method, path, {body, headers, raw}). */
export const http = request;

// ------------------------------------------------------------------ server

/**
 * Start `paidan serve` on a free port against the test database; resolves once /healthz and /readyz
 * answer 200.
 * Returns {port, base, pid, logFile, log(), http(method, path, opts), raw(bytes, opts), stop(), kill(), exited}.
 */
export async function startServer({ workers, env = {}, args = [], readyTimeout = 30000, readyWait = 5000, mustBeReady = false } = {}) {
  const b = bin();
  const url = dbUrl();
  const port = await freePort();
  const logFile = path.join(tmpDir(), `server-${port}-${Date.now()}.log`);
  const fd = fs.openSync(logFile, 'w');
  const argv = ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', appDbUrl(), '--migrate-database-url', url,
    '--static-dir', STATIC_DIR];
  if (workers) argv.push('--workers', String(workers));
  argv.push(...args);
  const child = spawn(b, argv, {
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      PAIDAN_SQL_DIR: SQL_DIR,
      PAIDAN_STATIC_DIR: STATIC_DIR,
      ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
      UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
      // Every test talks from 127.0.0.1 and many share a phone number: the anonymous limits (issue 9)
      // are set high here; tests of the limits pass their own.
      PAIDAN_ORDERS_PER_ADDRESS_HOUR: '100000000',
      PAIDAN_OPEN_ORDERS_PER_PHONE: '100000000',
      PAIDAN_LOGIN_MAX_PER_ADDRESS: '1000000',
      PAIDAN_LOGIN_MAX_PER_USER: '1000000',
      // The server's own signed checkpoints (once a day) go to the run's temporary directory.
      PAIDAN_CHECKPOINT_KEY_FILE: path.join(tmpDir(), 'checkpoint.key'),
      PAIDAN_CHECKPOINT_DIR: path.join(tmpDir(), 'checkpoints'),
      ...env,
    },
  });
  fs.closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exitInfo = { code, signal }; live.delete(child); resolve(exitInfo); });
    child.on('error', (e) => { exitInfo = { code: null, signal: null, error: e }; live.delete(child); resolve(exitInfo); });
  });
  live.add(child);
  const readLog = () => { try { return fs.readFileSync(logFile, 'utf8'); } catch { return ''; } };

  const srv = {
    port, base, pid: child.pid, logFile, child, exited,
    log: readLog,
    /** The log once it matches `re`: the access-log line is written after the reply has gone out. */
    async waitLog(re, ms = 5000) {
      const t0 = Date.now();
      for (;;) {
        const text = readLog();
        if (re.test(text) || Date.now() - t0 > ms) return text;
        await sleep(25);
      }
    },
    http: (method, p, opts) => request(base, method, p, opts),
    raw: (bytes, opts) => rawRequest(port, bytes, opts),
    get exitInfo() { return exitInfo; },
    /** SIGTERM, wait for exit; throws unless exit code 0 and the log is free of sanitizer reports. */
    async stop({ timeout = 20000 } = {}) {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const t = await within(exited, timeout);
        if (!t) {
          child.kill('SIGKILL');
          await exited;
          throw new Error(`server did not exit within ${timeout} ms of SIGTERM (killed)\n--- log tail (${logFile}) ---\n${tail(readLog())}`);
        }
      }
      srv.checkLog();
      if (exitInfo.code !== 0) {
        throw new Error(`server exited with ${exitInfo.signal ? 'signal ' + exitInfo.signal : 'code ' + exitInfo.code}${exitInfo.error ? ' (' + exitInfo.error.message + ')' : ''}\n--- log tail (${logFile}) ---\n${tail(readLog())}`);
      }
      return exitInfo;
    },
    /** Throws when the log so far holds a sanitizer report. */
    checkLog() {
      const text = readLog();
      const m = SANITIZER_RE.exec(text);
      if (m) {
        const at = text.lastIndexOf('\n', Math.max(0, m.index - 2000));
        throw new Error(`sanitizer report in the server log (${logFile}):\n${text.slice(Math.max(0, at), m.index + 6000)}`);
      }
    },
    async kill() {
      if (!exitInfo) { child.kill('SIGKILL'); await exited; }
    },
  };

  const deadline = Date.now() + readyTimeout;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exitInfo) {
      throw new Error(`server exited during start-up (${JSON.stringify(exitInfo)}): ${b} ${argv.join(' ')}\n--- log tail (${logFile}) ---\n${tail(readLog())}`);
    }
    try {
      const r = await request(base, 'GET', '/healthz', { timeout: 2000 });
      if (r.status === 200) {
        // Alive; give its database connections a moment to come up (a test that starts the server
        // with the database away goes on after readyWait).
        const until = Math.min(deadline, Date.now() + readyWait);
        let readyOk = false;
        while (!readyOk && Date.now() < until) {
          const ready = await request(base, 'GET', '/readyz', { timeout: 2000 }).catch(() => null);
          readyOk = Boolean(ready && ready.status === 200);
          if (!readyOk) await sleep(50);
        }
        if (mustBeReady && !readyOk) {
          await srv.kill();
          throw new Error(`the server's database pool did not come up within ${readyWait} ms`);
        }
        if (readyOk) await liftWorkLimits();
        return srv;
      }
      last = `status ${r.status}: ${r.text.slice(0, 200)}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  await srv.kill();
  throw new Error(`server did not answer GET /healthz with 200 within ${readyTimeout} ms (last: ${last})\n--- log tail (${logFile}) ---\n${tail(readLog())}`);
}

// The county's claim and accept limits (issue 14) count every order a shared demo department or team
// holds, and the test files leave many open: lifted once per file, like the anonymous limits above.
// The tests of the limits set a department's or team's own limit, which comes before the county's.
let workLimitsLifted = false;
async function liftWorkLimits() {
  if (workLimitsLifted) return;
  workLimitsLifted = true;
  await sql(`DO $$ BEGIN IF to_regclass('county_settings') IS NOT NULL THEN
      UPDATE county_settings SET claim_limit = 10000, accept_limit = 10000; END IF; END $$`).catch(() => {});
}

// ------------------------------------------------------------------ database and CLI

/** Run one SQL text with psql against the test database; resolves stdout, trimmed (-At: unaligned, tuples only). */
export function sql(query, { timeout = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile('psql', [dbUrl(), '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', query],
      { timeout, maxBuffer: 64 << 20, env: { ...process.env, PGCLIENTENCODING: 'UTF8' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`psql failed (${err.code ?? err.signal}): ${stderr}\nquery: ${query.slice(0, 500)}`));
        else resolve(stdout.trim());
      });
  });
}

/** A SQL string literal. */
export function lit(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

export async function orderCount(where = 'true') {
  return Number(await sql(`SELECT count(*) FROM orders WHERE ${where}`));
}

/** Run a shell command (PAIDAN_TEST_PG_STOP / START); resolves {stdout, stderr, ms}. */
export function sh(command, { timeout = 60000 } = {}) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    exec(command, { timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`command failed (${err.code ?? err.signal}): ${command}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Run `paidan ARGS... --database-url URL`; throws on a non-zero exit or a sanitizer report. */
export function runCli(args, { timeout = 120000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    execFile(bin(), [...args, '--database-url', dbUrl()], {
      timeout, maxBuffer: 64 << 20,
      env: { ...process.env, PAIDAN_SQL_DIR: SQL_DIR, PAIDAN_DATABASE_URL: dbUrl(), ...env },
    }, (err, stdout, stderr) => {
      const all = `${stdout}\n${stderr}`;
      if (err) reject(new Error(`paidan ${args.join(' ')} failed (${err.code ?? err.signal}):\n${tail(all)}`));
      else if (SANITIZER_RE.test(all)) reject(new Error(`paidan ${args.join(' ')}: sanitizer report:\n${tail(all, 120)}`));
      else resolve({ stdout, stderr });
    });
  });
}

let demoLoaded = null;
/** Migrate and load the demo county, once per test process. */
export function loadDemo() {
  if (!demoLoaded) {
    demoLoaded = (async () => {
      await runCli(['migrate']);
      return runCli(['demo']);
    })();
    demoLoaded.catch(() => { demoLoaded = null; });
  }
  return demoLoaded;
}

/** GET /api/v1/catalog from a running server; throws unless 200 with JSON. */
export async function catalog(srv) {
  const r = await srv.http('GET', '/api/v1/catalog');
  if (r.status !== 200 || !r.json) throw new Error(`GET /api/v1/catalog: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

/** Ids for a valid order from the catalog: the first town's first community and the first category. */
export async function validRefs(srv) {
  const c = await catalog(srv);
  const town = c.towns.find((t) => t.communities && t.communities.length > 0);
  if (!town || !c.categories.length) throw new Error('catalog has no community or no category: was the demo loaded?');
  return { community_id: town.communities[0].id, category_id: c.categories[0].id, catalog: c };
}

/** A valid order body. */
export function orderBody(refs, over = {}) {
  return {
    community_id: refs.community_id,
    category_id: refs.category_id,
    description: uniq('desc'),
    contact_name: '张三',
    contact_phone: '13912345678',
    address: '历市镇 示例路 1 号',
    preferred_time: '周末上午',
    ...over,
  };
}

/** Assert-free check of the error envelope; returns a description of what is wrong, or null. */
export function errorShapeProblem(r) {
  const e = r.json && r.json.error;
  if (!e || typeof e !== 'object') return `body is not {"error": {...}}: ${r.text.slice(0, 300)}`;
  if (typeof e.code !== 'string' || !e.code) return `error.code missing: ${r.text.slice(0, 300)}`;
  if (typeof e.message !== 'string' || !e.message) return `error.message missing: ${r.text.slice(0, 300)}`;
  if ('fields' in e && (typeof e.fields !== 'object' || e.fields === null || Array.isArray(e.fields))) return `error.fields is not an object: ${r.text.slice(0, 300)}`;
  return null;
}

/**
 * In a background psql session: BEGIN; insert KEY into idempotency_keys; sleep SECONDS; ROLLBACK.
 * Resolves once the row is inserted (the sleep is running), with {done}: a promise of
 * {code, stdout, stderr} when psql has exited.
 */
export async function holdIdempotencyKey(key, seconds) {
  const app = uniq('holder');
  const child = spawn('psql', [dbUrl(), '-AtX', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
    env: { ...process.env, PGAPPNAME: app, PGCLIENTENCODING: 'UTF8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  child.stdin.end(
    'BEGIN;\n' +
    `INSERT INTO idempotency_keys (key, request_hash) VALUES (${lit(key)}, '\\x00');\n` +
    `SELECT pg_sleep(${Number(seconds)});\n` +
    'ROLLBACK;\n');
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const n = await sql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = ${lit(app)} AND query LIKE '%pg_sleep%'`);
    if (n === '1') return { done, child };
    const early = await Promise.race([done, sleep(50).then(() => null)]);
    if (early) throw new Error(`holder psql exited early (${early.code}): ${early.stderr}`);
  }
  child.kill('SIGKILL');
  throw new Error(`holder psql did not reach pg_sleep within 10 s: ${stderr}`);
}
