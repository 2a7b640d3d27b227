// Holds N live-update streams (GET /api/v1/events) open until SIGTERM, as phones would: a refused
// stream (503) is tried again after its Retry-After, as EventSource does. Prints "ready …" once all
// are open (or after 90 s), and on SIGTERM how many were open and how many events arrived in all.
// One account holds at most 16 streams, as on the server: the streams belong to the bench accounts
// PREFIX-1 … (tests/bench/accounts.sql; as many as N needs), 16 to each.
//   node streams.mjs N BASE_URL PREFIX
import http from 'node:http';
import { loginMany } from './logins.mjs';

const PER_ACCOUNT = 16;
const [count, base, prefix] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const tokens = await loginMany(base, prefix, Math.ceil(count / PER_ACCOUNT));
console.log(`logged in ${tokens.length} accounts`);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
let open = 0, refusals = 0, failures = 0, events = 0, ready = false;
const started = Date.now();

function report(word) {
  console.log(`${word} open=${open} refusals=${refusals} failures=${failures} events=${events} after_ms=${Date.now() - started}`);
}

function connect(i) {
  const token = tokens[i % tokens.length];
  const req = http.get(`${base}/api/v1/events`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) {
      refusals++;
      res.resume();
      setTimeout(() => connect(i), 1000 * Number(res.headers['retry-after'] ?? 3) * (0.5 + Math.random()));
      return;
    }
    open++;
    if (open === count && !ready) { ready = true; report('ready'); }
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const text = tail + chunk;
      events += text.split('\nevent: order\n').length - tail.split('\nevent: order\n').length;
      tail = text.slice(-16);
    });
    res.on('end', () => { open--; setTimeout(() => connect(i), 3000); });
  });
  req.on('error', () => { failures++; setTimeout(() => connect(i), 3000); });
}

for (let i = 0; i < count; i++) setTimeout(() => connect(i), i % 1000);
setTimeout(() => { if (!ready) { ready = true; report('ready'); } }, 90000);
process.on('SIGTERM', () => { report('end'); process.exit(0); });
