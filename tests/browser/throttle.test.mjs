// On a slow phone and network (1.6 Mbps down, 750 kbps up, 150 ms round trip, CPU 4× slower), how
// long after navigation the resident form's first field and the team app's sign-in field take
// input: at most 1.5 s. On demand, because it takes minutes on a busy machine:
//   PAIDAN_THROTTLE=1 PAIDAN_TEST_BIN=build/paidan PAIDAN_TEST_SKIP_BUILD=1 \
//     PAIDAN_TEST_ONLY=tests/browser/throttle.test.mjs ./tests/run.sh
// The limit holds for the best of TRIES cold loads, with no tolerance: the test machine is shared,
// and the CPU throttle multiplies whatever else runs on it, so one load can be slowed by another
// engineer's build; the best of several is what the page itself costs, and a page that is too slow
// is too slow in every try.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from '../integration/harness.mjs';
import { launch, SHOTS } from './browser.mjs';

const LIMIT_MS = 1500;
const TRIES = 3;
const MODE = process.env.PAIDAN_THROTTLE || '';
let srv;
let browser;

before(async () => {
  if (!MODE) return;
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  // A server that has run a while has its gzip copies made (on a file's first request): load each
  // page once unthrottled, so that every try below meets the same server.
  const warm = await browser.newContext({ baseURL: srv.base });
  const page = await warm.newPage();
  for (const url of ['/', '/team/']) await page.goto(url, { waitUntil: 'networkidle' });
  await warm.close();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** ms from navigation until selector takes typed input, on a fresh (cold-cache) throttled page; shot: a screenshot then. */
async function timeToInput(url, selector, shot) {
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
  if (shot) await page.screenshot({ path: path.join(SHOTS, shot) });
  const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
  await context.close();
  return { ms, paint: paint === null ? null : Math.round(paint) };
}

for (const [name, url, selector] of [['resident form, first field', '/', '#description'], ['team app, sign-in field', '/team/', '#username']]) {
  test(`throttled: the ${name} takes input within ${LIMIT_MS} ms (best of ${TRIES})`, { skip: !MODE && 'on demand: PAIDAN_THROTTLE=1' }, async () => {
    const runs = [];
    for (let i = 0; i < TRIES; i++) runs.push(await timeToInput(url, selector, `throttle-${url === '/' ? 'resident' : 'team'}-${i + 1}.png`));
    const best = Math.min(...runs.map((r) => r.ms));
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`throttled ${name}: ${runs.map((r) => `${r.ms} ms (first paint ${r.paint} ms)`).join(', ')}; best ${best} ms; load ${load}`);
    assert.ok(best <= LIMIT_MS, `best of ${TRIES}: ${best} ms > ${LIMIT_MS} ms`);
  });
}
