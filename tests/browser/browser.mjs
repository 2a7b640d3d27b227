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
export async function newPage(browser, base, { viewport = PHONE, javaScriptEnabled = true, name = 'page' } = {}) {
  const context = await browser.newContext({ viewport, javaScriptEnabled, baseURL: base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(15000);
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
