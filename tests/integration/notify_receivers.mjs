// Fake SMS providers and group robots for the notification tests: HTTPS servers with a test CA of
// their own (made here with openssl), each checking the sender's signature with its own code — the
// generic webhook's HMAC, Tencent Cloud's TC3-HMAC-SHA256, 钉钉's timestamp+sign, 企业微信's key —
// and recording what arrived. A receiver recognises a repeat by its idempotency key: `delivered`
// holds each key once, `hits` every request, `rejected` every request whose signature was wrong.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** A CA and a certificate for 127.0.0.1 signed by it, in a new directory: {dir, caFile, key, cert}. */
export function makeTestCa() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paidan-ca-'));
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=paidan test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '2', '-extfile', 'ext.cnf']);
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    key: fs.readFileSync(path.join(dir, 'server.key')),
    cert: fs.readFileSync(path.join(dir, 'server.pem')),
  };
}

const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256hex = (data) => crypto.createHash('sha256').update(data).digest('hex');
const same = (a, b) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Checks the generic webhook's signature: X-Paidan-Signature = sha256=hex(HMAC(secret, ts "." body)). */
function checkWebhook(req, raw, { secret }) {
  const ts = req.headers['x-paidan-timestamp'] || '';
  const sig = req.headers['x-paidan-signature'] || '';
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale or missing timestamp';
  const want = 'sha256=' + hmac(secret, `${ts}.${raw}`).toString('hex');
  if (!same(sig, want)) return 'bad signature';
  const body = JSON.parse(raw);
  if (body.key !== req.headers['idempotency-key']) return 'key header and body differ';
  return null;
}

/** Checks Tencent Cloud API 3.0's TC3-HMAC-SHA256 the way the documentation describes it. */
function checkTencent(req, raw, { secretId, secretKey }) {
  const auth = req.headers.authorization || '';
  const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/sms\/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'malformed Authorization';
  const [, id, date, signedHeaders, signature] = m;
  if (id !== secretId) return 'unknown SecretId';
  const ts = req.headers['x-tc-timestamp'];
  if (new Date(Number(ts) * 1000).toISOString().slice(0, 10) !== date) return 'date does not match timestamp';
  if (req.headers['x-tc-action'] !== 'SendSms' || req.headers['x-tc-version'] !== '2021-01-11') return 'wrong action or version';
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n]).trim().toLowerCase()}\n`).join('');
  const canonical = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256hex(raw)].join('\n');
  const toSign = ['TC3-HMAC-SHA256', ts, `${date}/sms/tc3_request`, sha256hex(canonical)].join('\n');
  const kDate = hmac('TC3' + secretKey, date);
  const kSigning = hmac(hmac(kDate, 'sms'), 'tc3_request');
  if (!same(hmac(kSigning, toSign).toString('hex'), signature)) return 'bad signature';
  return null;
}

/** 钉钉: timestamp (ms, within an hour) and sign = base64(HMAC(secret, timestamp "\n" secret)). */
function checkDingtalk(req, raw, { secret, token }) {
  const u = new URL(req.url, 'https://x');
  if (u.searchParams.get('access_token') !== token) return 'wrong access_token';
  const ts = u.searchParams.get('timestamp') || '';
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() - Number(ts)) > 3600e3) return 'stale timestamp';
  const want = hmac(secret, `${ts}\n${secret}`).toString('base64');
  if (!same(u.searchParams.get('sign') || '', want)) return 'bad sign';
  const body = JSON.parse(raw);
  if (body.msgtype !== 'markdown' || typeof body.markdown?.text !== 'string') return 'not markdown';
  return null;
}

/** 企业微信: the key in the URL is the credential. */
function checkWecom(req, raw, { tokens }) {
  const u = new URL(req.url, 'https://x');
  if (!tokens.includes(u.searchParams.get('key'))) return 'wrong key';
  const body = JSON.parse(raw);
  if (body.msgtype !== 'markdown' || typeof body.markdown?.content !== 'string') return 'not markdown';
  return null;
}

const KINDS = {
  webhook: { check: checkWebhook, key: (req, body) => body.key, ok: () => ({ ok: true }) },
  tencent: {
    check: checkTencent,
    key: (req, body) => body.SessionContext,
    ok: (body) => ({ Response: { RequestId: crypto.randomUUID(), SendStatusSet: [{ Code: 'Ok', Message: 'send success', PhoneNumber: body.PhoneNumberSet[0], SessionContext: body.SessionContext, SerialNo: crypto.randomUUID(), Fee: 1 }] } }),
  },
  dingtalk: { check: checkDingtalk, key: (req) => req.headers['idempotency-key'], ok: () => ({ errcode: 0, errmsg: 'ok' }) },
  wecom: { check: checkWecom, key: (req) => req.headers['idempotency-key'], ok: () => ({ errcode: 0, errmsg: 'ok' }) },
};

/**
 * Starts a receiver of kind (webhook | tencent | dingtalk | wecom) with the CA's certificate.
 * opts: the secrets its check needs. Returns {url, port, hits, delivered: Map key → {body, at}, rejected,
 * mode (set .mode = {status} | {delayMs} | null), down(), up(), close()}.
 */
export async function startReceiver(kind, ca, opts = {}) {
  const k = KINDS[kind];
  const r = { kind, hits: [], delivered: new Map(), rejected: [], mode: null, sockets: new Set() };
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const mode = r.mode;
      let problem;
      try { problem = k.check(req, raw, opts); } catch (e) { problem = `unreadable: ${e.message}`; }
      if (problem) {
        r.rejected.push({ problem, url: req.url, raw });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errcode: 310000, errmsg: problem }));
        return;
      }
      const body = JSON.parse(raw);
      const key = k.key(req, body);
      r.hits.push({ key, at: Date.now(), mode: mode ? JSON.stringify(mode) : 'ok' });
      if (mode?.status) {
        res.writeHead(mode.status, { 'content-type': 'text/plain' });
        res.end('failing on purpose');
        return;
      }
      // A slow receiver still takes the message (the sender may give up waiting and send it again).
      if (!r.delivered.has(key)) r.delivered.set(key, { body, url: req.url, at: Date.now() });
      if (mode?.delayMs) await new Promise((s) => setTimeout(s, mode.delayMs));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(k.ok(body)));
    });
  };
  const listen = (port) => new Promise((resolve, reject) => {
    r.server = https.createServer({ key: ca.key, cert: ca.cert }, handler);
    r.server.on('connection', (s) => { r.sockets.add(s); s.on('close', () => r.sockets.delete(s)); });
    r.server.once('error', reject);
    r.server.listen(port, '127.0.0.1', () => resolve(r.server.address().port));
  });
  r.port = await listen(0);
  r.url = `https://127.0.0.1:${r.port}`;
  r.down = () => new Promise((resolve) => {
    for (const s of r.sockets) s.destroy();
    r.server.close(() => resolve());
  });
  r.up = () => listen(r.port);
  r.close = () => r.down();
  return r;
}
