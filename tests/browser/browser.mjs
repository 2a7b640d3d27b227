// Helpers for the browser tests: Debian's Chromium driven by playwright-core, pages that fail the
// test on any console error or page error, and screenshots at phone and desktop sizes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SHOTS = path.join(HERE, 'screenshots');
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };
export const PASSWORD = process.env.PAIDAN_DEMO_PASSWORD || 'paidan-demo';

const CHROMIUM = process.env.PAIDAN_CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

/** Headless Chromium on a fresh profile (Playwright gives every launch a new temporary user-data dir). */
export async function launch() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (tests/run.sh does)`);
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * A new context (its own cookies and storage) with one page, at the phone size unless told.
 * Every console error and page error is recorded in page.problems, except messages matching one of
 * page.allowed (RegExps tested against "text @ url"), which a test adds for errors it expects.
 */
export async function newPage(browser, base, { viewport = PHONE, javaScriptEnabled = true, name = 'page', bypassCSP = false } = {}) {
  // bypassCSP: for pages axe-core is injected into (as an inline script, which the server's CSP refuses).
  const context = await browser.newContext({ viewport, javaScriptEnabled, baseURL: base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', bypassCSP });
  // Generous: the test machine is shared, and a page load there can take many seconds under load.
  context.setDefaultTimeout(30000);
  context.setDefaultNavigationTimeout(45000);
  const page = await context.newPage();
  watch(page, name);
  context.on('page', (p) => { if (p !== page) watch(p, `${name} (new tab)`); });
  return page;
}

function watch(page, name) {
  page.problems = [];
  page.allowed = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const line = `${m.text()} @ ${m.location()?.url || ''}`;
    if (page.allowed.some((re) => re.test(line))) return;
    page.problems.push(`[${name}] console error: ${line}`);
  });
  page.on('pageerror', (e) => page.problems.push(`[${name}] page error: ${e.message}\n${e.stack || ''}`));
}

/** Throws when any of the pages logged an unexpected console error or page error. */
export function assertClean(...pages) {
  const all = pages.flatMap((p) => [...(p.problems || []), ...p.context().pages().filter((q) => q !== p).flatMap((q) => q.problems || [])]);
  if (all.length) throw new Error(`console or page errors:\n${all.join('\n')}`);
}

/** Screenshots of the page as it is, at 360×740 and 1280×800 (full page), then back to its size. */
export async function shot(page, name) {
  const original = page.viewportSize();
  for (const [label, size] of [['360', PHONE], ['1280', DESKTOP]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(120);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/** Log in on the console or the team app. */
export async function login(page, username) {
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
}

// ---------------------------------------------------------------- the glossary, axe-core, zoom

const glossary = await import(path.join(HERE, '../../clients/common/glossary.js'));

/**
 * Throws when a state badge or an action button on the page does not say the glossary's word for
 * audience ('resident' or 'staff') in the page's language.
 */
export async function assertGlossary(page, audience) {
  const found = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    states: [...document.querySelectorAll('.badge[data-state], #state[data-state]')].map((n) => [n.dataset.state, n.textContent.trim()]),
    actions: [...document.querySelectorAll('button[data-action]')].map((n) => [n.dataset.action, n.textContent.trim()]),
  }));
  const i = found.lang === 'en' ? 1 : 0;
  const bad = [
    ...found.states.filter(([s, text]) => glossary.STATES[s]?.[audience]?.[i] !== text).map(([s, text]) => `state ${s}: "${text}"`),
    ...found.actions.filter(([a, text]) => glossary.ACTIONS[a]?.[i] !== text).map(([a, text]) => `action ${a}: "${text}"`),
  ];
  if (bad.length) throw new Error(`words not from the glossary (${audience}, ${found.lang}) on ${page.url()}:\n${bad.join('\n')}`);
  return found.states.length + found.actions.length;
}

const AXE = path.join(HERE, 'node_modules/axe-core/axe.min.js');

/** axe-core's violations of any impact on the page as it is: ["rule (impact): target …"]. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const v = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`));
  return v;
}

/** What sticks out of the viewport sideways: the page's scroll width and the elements cut off. */
export async function overflow(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > w + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${w}`);
    for (const n of document.querySelectorAll('button, a.btn, input, select, textarea, label, th, td, svg, h1, h2, .badge, .stars label')) {
      const r = n.getBoundingClientRect();
      if (!r.width || !r.height || getComputedStyle(n).visibility === 'hidden') continue;
      if (n.closest('.sr-only') || r.right <= 0) continue; // hidden on purpose (off-screen headers of card tables)
      if (r.right > w + 1 || r.left < -1) out.push(`${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}.${n.className}: ${Math.round(r.left)}–${Math.round(r.right)} of ${w}`);
    }
    return out.slice(0, 12);
  });
}
