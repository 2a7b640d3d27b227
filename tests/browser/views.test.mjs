// Every page of the three clients as people see it: at 360 px and 1280 px with no axe-core
// violation of any impact; at 200 % on a 360 px phone (a 180 CSS px viewport at device scale 2, and
// separately the root font at 200 %) with nothing cut off or scrolling sideways; in English; with
// the state and action words of the glossary. Screenshots: 6x-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as h from '../integration/harness.mjs';
import { launch, login, PASSWORD, SHOTS, assertGlossary, axeViolations, overflow } from './browser.mjs';

let srv;
let browser;
const ids = {};

// The sizes each page is looked at in, in one context at device scale 2 (a phone's): the layout
// depends only on the CSS px width, so 180 CSS px at scale 2 is a 360 px phone zoomed to 200 %.
const SIZES = [
  { name: 'phone', viewport: { width: 360, height: 740 }, axe: true },
  { name: 'desktop', viewport: { width: 1280, height: 800 }, axe: true },
  { name: 'zoom', viewport: { width: 180, height: 370 } },
  { name: 'rootfont', viewport: { width: 360, height: 740 }, rootFont: true },
];

async function as(username) {
  const r = await srv.http('POST', '/api/v1/sessions', { body: { username, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return { Authorization: `Bearer ${r.json.token}` };
}

/** A closed order of the demo team with hours, and an open one offered to it. */
async function orders() {
  const sql = (q) => h.sql(q).then(Number);
  ids.community = await sql("SELECT community_id FROM users WHERE username = 'demo-community'");
  ids.department = await sql("SELECT department_id FROM users WHERE username = 'demo-department'");
  ids.team = await sql("SELECT team_id FROM users WHERE username = 'demo-team'");
  ids.volunteer = await sql("SELECT volunteer_id FROM users WHERE username = 'demo-volunteer'");
  ids.category = await sql(`SELECT min(id) FROM categories WHERE department_id = ${ids.department}`);
  const who = { community: await as('demo-community'), department: await as('demo-department'), team: await as('demo-team') };
  const make = async (steps) => {
    const phone = h.randomPhone();
    const r = await srv.http('POST', '/api/v1/orders', { body: { community_id: ids.community, category_id: ids.category, description: h.uniq('views 想学用手机视频通话，还想学网上挂号和缴电费'), contact_name: '周奶奶', contact_phone: phone } });
    assert.equal(r.status, 201, r.text);
    for (const [action, role, body] of steps) {
      const a = await srv.http('POST', `/api/v1/orders/${r.json.id}/${action}`, { body, headers: who[role] });
      assert.equal(a.status, 200, `${action}: ${a.text}`);
    }
    return { ...r.json, phone };
  };
  const upToOffer = [['dispatch', 'community', { department_id: ids.department }], ['claim', 'department', {}], ['offer', 'department', { team_ids: [ids.team] }]];
  ids.open = await make(upToOffer);
  ids.closed = await make([...upToOffer, ['accept', 'team', {}], ['start', 'team', {}],
    ['complete', 'team', { summary: '教会周奶奶视频通话。', hours: [{ volunteer_id: ids.volunteer, hours: '2.50' }] }], ['confirm', 'community', {}]]);
}

before(async () => {
  await h.loadDemo();
  srv = await h.startServer();
  browser = await launch();
  await orders();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** A fresh context (a language), one page, page errors collected. */
async function open(lang = null) {
  // axe-core is injected as a script tag; the server's CSP rightly refuses inline script, so this
  // context (which checks layout and accessibility, not the CSP) lets the injection through.
  const context = await browser.newContext({ viewport: SIZES[0].viewport, deviceScaleFactor: 2, baseURL: srv.base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', bypassCSP: true });
  context.setDefaultTimeout(30000);
  context.setDefaultNavigationTimeout(45000);
  if (lang) await context.addInitScript((l) => { try { localStorage.setItem('paidan.lang', l); } catch { /* about:blank */ } }, lang);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  return page;
}

/** The root font at 200 % (as a browser's font setting does), or back to the page's own. */
async function rootFont(p, on) {
  await p.evaluate((big) => {
    document.getElementById('root-200')?.remove();
    if (big) document.head.append(Object.assign(document.createElement('style'), { id: 'root-200', textContent: 'html { font-size: 200% !important; }' }));
  }, on);
}

/** The pages of each client, each with a selector that says it is drawn and its audience. */
const PAGES = {
  resident: [
    ['form', () => '/', '#categories .choice', 'resident'],
    ['lookup', () => '/track/', '#code', 'resident'],
    ['track-open', () => `/track/${ids.open.tracking_code}`, '#path', 'resident'],
    ['track-rate', () => `/track/${ids.closed.tracking_code}`, '#eval-form', 'resident'],
    ['mine', () => '/mine.html', '#phone', 'resident'],
  ],
  console: [
    ['queue', () => '/console/#/queue?tab=all', '#queue-rows tr[data-id]', 'staff'],
    ['detail', () => `/console/#/order/${ids.closed.id}`, '#timeline li', 'staff'],
    ['dashboard', () => '/console/#/dashboard', '#dash .tiles, #dash-unavailable', 'staff'],
    ['volunteers', () => '/console/#/volunteers', '#vol-rows tr[data-id]', 'staff'],
    ['teams', () => '/console/#/teams', '#team-rows tr[data-id]', 'staff'],
    ['accounts', () => '/console/#/accounts', '#acct-form', 'staff'],
    ['notifications', () => '/console/#/notifications', '#no-failures, table.notifications', 'staff'],
    ['robots', () => '/console/#/robots', '#robot-form', 'staff'],
  ],
  team: [
    ['jobs', () => '/team/#/jobs', () => `#offered .job[data-id="${ids.open.id}"]`, 'staff'],
    ['job', () => `/team/#/job/${ids.open.id}`, '#job-state', 'staff'],
    ['history', () => '/team/#/history', () => `.job[data-id="${ids.closed.id}"]`, 'staff'],
    ['members', () => '/team/#/members', 'ul.members li', 'staff'],
  ],
};

async function signIn(p, app) {
  if (app === 'resident') return;
  await p.goto(app === 'console' ? '/console/' : '/team/');
  await p.waitForSelector('#username');
  await login(p, app === 'console' ? 'demo-admin' : 'demo-team');
  await p.waitForSelector(app === 'console' ? '#queue-rows tr' : '#tabs:not([hidden])');
}

/** Looks at the page on screen in every size; problems go to report. */
async function inspect(p, label, report) {
  for (const size of SIZES) {
    await p.setViewportSize(size.viewport);
    await rootFont(p, Boolean(size.rootFont));
    await p.waitForTimeout(100);
    if (size.axe) for (const v of await axeViolations(p)) report.push(`${label} ${size.name}: axe: ${v}`);
    for (const o of await overflow(p)) report.push(`${label} ${size.name}: ${o}`);
    if (size.name !== 'desktop' || label.includes('login')) {
      // A picture for people to look at, not part of the verdict: a slow machine may time out on it.
      await p.screenshot({ path: path.join(SHOTS, `6x-${label.replace(/ /g, '-')}-${size.name}.png`), timeout: 20000 })
        .catch((e) => console.log(`screenshot ${label} ${size.name}: ${e.message.split('\n')[0]}`));
    }
  }
  await rootFont(p, false);
  await p.setViewportSize(SIZES[0].viewport);
}

async function visit(p, app, lang, report) {
  if (app !== 'resident' && lang === 'zh-CN') {
    await p.goto(app === 'console' ? '/console/' : '/team/');
    await p.waitForSelector('#username');
    await inspect(p, `${app} login`, report);
  }
  await signIn(p, app);
  for (const [name, url, ready, audience] of PAGES[app]) {
    await p.goto(url());
    await p.waitForSelector(typeof ready === 'function' ? ready() : ready);
    await p.waitForTimeout(150);
    await assertGlossary(p, audience);
    assert.equal(await p.locator('#pref-lang').count(), 1, `${app} ${name}: the language switch is on the page`);
    if (lang === 'en') {
      assert.equal(await p.evaluate(() => document.documentElement.lang), 'en', `${app} ${name} is in English`);
      const leaked = await p.evaluate(() => [...document.querySelectorAll('h1, h2, label, button, th, legend')].map((n) => n.textContent.trim()).filter((x) => /^[a-z_]+\.[a-z_.0-9]+$/.test(x)));
      assert.deepEqual(leaked, [], `${app} ${name}: keys shown instead of texts`);
      await p.screenshot({ path: path.join(SHOTS, `6x-${app}-${name}-en.png`), timeout: 20000 }).catch(() => {});
    } else {
      await inspect(p, `${app} ${name}`, report);
    }
  }
  assert.deepEqual(p.problems, [], `${app} ${lang}: page errors`);
}

for (const app of Object.keys(PAGES)) {
  test(`${app}: every page at 360 and 1280 px (axe), at 200 % two ways, and in English`, async () => {
    const report = [];
    const noted = { push: (line) => { console.log(`PROBLEM ${line}`); report.push(line); } }; // seen as they come
    for (const lang of ['zh-CN', 'en']) {
      const p = await open(lang);
      await visit(p, app, lang, noted);
      await p.context().close();
    }
    assert.deepEqual(report, [], 'accessibility and layout problems');
  });
}

test('the rating stars all fit at 200 % and 长辈模式 is remembered', async () => {
  const p = await open();
  await p.goto(`/track/${ids.closed.tracking_code}`);
  await p.waitForSelector('#eval-form');
  for (const size of SIZES.slice(2)) {
    await p.setViewportSize(size.viewport);
    await rootFont(p, Boolean(size.rootFont));
    const inside = await p.evaluate(() => [...document.querySelectorAll('.stars label')].every((l) => l.getBoundingClientRect().right <= document.documentElement.clientWidth));
    assert.ok(inside, `${size.name}: all five stars inside the screen`);
  }
  await rootFont(p, false);
  await p.setViewportSize(SIZES[0].viewport);
  await p.goto('/');
  await p.click('#pref-elder');
  assert.equal(await p.evaluate(() => document.documentElement.classList.contains('elder')), true);
  await p.reload();
  await p.waitForSelector('#pref-elder[aria-pressed=true]');
  assert.equal(await p.evaluate(() => getComputedStyle(document.documentElement).fontSize), '20px', 'larger type after a reload');
  await p.screenshot({ path: path.join(SHOTS, '69-resident-elder-360.png') });
  await p.click('#pref-lang');
  await p.waitForFunction(() => document.documentElement.lang === 'en');
  assert.match(await p.textContent('#form-title'), /Make a request/);
  await p.context().close();
});
