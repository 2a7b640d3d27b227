// Logs in the bench accounts PREFIX-1 … PREFIX-COUNT (tests/bench/accounts.sql), a few at a time
// (each login is a password hash on the server's offload threads), retrying a refusal after its
// Retry-After. Returns their tokens in order.
import http from 'node:http';

function login(base, username, password) {
  const data = Buffer.from(JSON.stringify({ username, password }));
  return new Promise((resolve) => {
    const req = http.request(`${base}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json;
        try { json = JSON.parse(Buffer.concat(chunks).toString()); } catch { json = undefined; }
        resolve({ status: res.statusCode, token: json?.token, retry: Number(res.headers['retry-after'] ?? 1) });
      });
    });
    req.on('error', () => resolve({ status: 0, retry: 1 }));
    req.end(data);
  });
}

export async function loginMany(base, prefix, count, password = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo') {
  const tokens = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        const r = await login(base, `${prefix}-${i + 1}`, password);
        if (r.status === 201 && r.token) { tokens[i] = r.token; break; }
        if (attempt >= 20 || (r.status >= 400 && r.status < 500 && r.status !== 429)) {
          throw new Error(`login ${prefix}-${i + 1}: HTTP ${r.status}`);
        }
        await new Promise((done) => setTimeout(done, 1000 * Math.min(r.retry, 5)));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  return tokens;
}
