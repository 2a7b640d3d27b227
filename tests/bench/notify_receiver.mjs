// A fake 企业微信 robot for tests/bench/notify.sh: HTTPS with a test CA of its own; prints
// "URL CAFILE" on its first line, then on SIGTERM the number of distinct keys and of requests.
import { makeTestCa, startReceiver } from '../integration/notify_receivers.mjs';

const ca = makeTestCa();
const r = await startReceiver('wecom', ca, { tokens: ['bench'] });
let connections = 0; // the sender should keep its connections: a TLS handshake per message costs both ends
r.server.on('secureConnection', () => connections++);
console.log(`${r.url}/cgi-bin/webhook/send?key=bench ${ca.caFile}`);
process.on('SIGTERM', async () => {
  console.log(`received ${r.delivered.size} distinct ${r.hits.length} requests ${r.rejected.length} rejected over ${connections} TLS connections`);
  await r.close();
  process.exit(0);
});
