// On a slow phone and network (1.6 Mbps down, 750 kbps up, 150 ms round trip, CPU 4× slower), how
// long after navigation the resident form's first field and the team app's sign-in field take
// input. On demand (it takes minutes on a busy machine, where the CPU throttle multiplies whatever
// else runs): PAIDAN_THROTTLE=1 prints the figures, PAIDAN_THROTTLE=strict also fails above 1.5 s.
//   PAIDAN_THROTTLE=strict PAIDAN_TEST_ONLY=tests/browser/throttle.test.mjs ./tests/run.sh
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch } from './browser.mjs';

const LIMIT_MS = 1500;
const MODE = process.env.PAIDAN_THROTTLE || '';
let srv;
let browser;

before(async () => {
  if (!MODE) return;
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** ms from navigation until selector takes typed input, on a fresh (cold-cache) throttled page. */
async function timeToInput(url, selector) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, baseURL: srv.base });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  const field = page.locator(selector);
  await field.waitFor({ state: 'visible' });
  await field.pressSequentially('a');
  const ms = Date.now() - t0;
  assert.equal(await field.inputValue(), 'a', 'the field took the key');
  const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
  await context.close();
  return { ms, paint: paint === null ? null : Math.round(paint) };
}

for (const [name, url, selector] of [['resident form, first field', '/', '#description'], ['team app, sign-in field', '/team/', '#username']]) {
  test(`throttled: the ${name} takes input within ${LIMIT_MS} ms`, { skip: !MODE && 'on demand: PAIDAN_THROTTLE=1' }, async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await timeToInput(url, selector));
    const best = Math.min(...runs.map((r) => r.ms));
    console.log(`throttled ${name}: ${runs.map((r) => `${r.ms} ms (first paint ${r.paint} ms)`).join(', ')}; best ${best} ms`);
    if (MODE === 'strict') assert.ok(best <= LIMIT_MS, `${best} ms > ${LIMIT_MS} ms`);
  });
}
