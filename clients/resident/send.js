// Sending the 点单 as JSON with an Idempotency-Key that is kept (with the body, in sessionStorage)
// until the server has the order, so a retry after a network error or a 503 can never make a second
// order; transient failures are retried twice, waiting as the server asks (Retry-After).
import { uuid } from '/common/api.js';
import { api } from './lib.js';

const PENDING_KEY = 'paidan.pending'; // sessionStorage: {key, body} of the form being sent

export function pending() {
  try { return JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null'); } catch { return null; }
}

export function setPending(p) {
  try {
    if (p) sessionStorage.setItem(PENDING_KEY, JSON.stringify(p));
    else sessionStorage.removeItem(PENDING_KEY);
  } catch { /* storage may be off: the key then lives only in this page */ }
}

/** The key for this body: the kept one while the body is unchanged, else a new one. */
function keyFor(text) {
  const p = pending();
  if (p && p.body === text && p.key) return p.key;
  const key = uuid();
  setPending({ key, body: text });
  return key;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends body b (to path: a 点单, or a booking of a service); onRetry(n) is told before attempt n. Resolves {kind, r}: 'done' (r.json is the
 * order), 'fields' (422 with fields), 'transient' (network or busy after the retries), 'failed'.
 */
export async function sendOrder(b, onRetry, path = '/api/v1/orders') {
  const text = JSON.stringify(b);
  let key = keyFor(text);
  for (let attempt = 1; ; attempt++) {
    const r = await api(path, { method: 'POST', body: b, headers: { 'Idempotency-Key': key } });
    if (r.status === 201 || r.status === 200) { setPending(null); return { kind: 'done', r }; }
    if (r.status === 422 && r.json?.error?.code === 'idempotency_key_reused' && attempt === 1) {
      setPending(null);
      key = keyFor(text);
      continue;
    }
    if (r.status === 422 && r.json?.error?.fields) return { kind: 'fields', r };
    const transient = r.status === 0 || r.status === 503 || r.status === 502 || r.status === 504;
    if (!transient) return { kind: 'failed', r };
    if (attempt >= 3) return { kind: 'transient', r };
    onRetry(attempt + 1);
    const after = Number(r.headers.get('Retry-After'));
    await sleep(Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 1500 * attempt, 8000));
  }
}
