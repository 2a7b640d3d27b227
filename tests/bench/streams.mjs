// Holds N live-update streams (GET /api/v1/events) open until SIGTERM, then prints how many opened,
// were refused and how many events arrived in all.   node streams.mjs N BASE_URL TOKEN
import http from 'node:http';

const [count, base, token] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
let open = 0, refused = 0, failed = 0, events = 0;
const requests = [];
for (let i = 0; i < count; i++) {
  const req = http.get(`${base}/api/v1/events`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) { refused++; res.resume(); return; }
    open++;
    if (open + refused + failed === count) console.log(`ready open=${open} refused=${refused} failed=${failed}`);
    res.setEncoding('utf8');
    res.on('data', (chunk) => { events += chunk.split('\nevent: order\n').length - 1; });
  });
  req.on('error', () => { failed++; });
  requests.push(req);
}
process.on('SIGTERM', () => {
  console.log(`open=${open} refused=${refused} failed=${failed} events=${events}`);
  process.exit(0);
});
