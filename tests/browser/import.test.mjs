// Volunteer import from the console (issue 15, item 6), at 360 px and 1280 px: an admin picks a CSV
// file, sees its first lines, uploads it and reads the report line by line — a bad file names each line
// and field in Chinese and imports no one; the fixed file imports everyone; the page reads in English
// too. Screenshots: import-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../integration/harness.mjs';
import { launch, newPage, login, assertClean, shot, overflow, axeViolations, PHONE, DESKTOP } from './browser.mjs';

let srv;
let browser;

before(async () => {
  await h.loadDemo();
  srv = await h.startServer({ mustBeReady: true });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const file = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

for (const [label, viewport] of [['360', PHONE], ['1280', DESKTOP]]) {
  test(`an admin imports volunteers from a file at ${label} px: preview, the bad lines named, then the fixed file`, async () => {
    const phones = [h.randomPhone(), h.randomPhone(), h.randomPhone()];
    const page = await newPage(browser, srv.base, { viewport, name: `import-${label}`, bypassCSP: true });
    page.allowed.push(/status of 422 .*\/api\/v1\/volunteers\/import/); // the bad file, on purpose
    await page.goto('/console/');
    await login(page, 'demo-admin');
    await page.waitForSelector('#nav a[data-nav="volunteers"]');
    await page.click('#nav a[data-nav="volunteers"]');
    await page.click('#vol-import');
    await page.waitForSelector('#imp-form');
    await page.waitForSelector('#imp-skills');
    assert.ok(await page.isDisabled('#imp-upload'), 'nothing to upload before a file is chosen');

    const bad = `\ufeffname,phone,skills\n页面甲,${phones[0]},first_aid\n页面乙,${phones[1].slice(0, 5)},no_such_skill\n页面丙,${phones[0]},\n`;
    await page.setInputFiles('#imp-file', file('bad.csv', bad));
    await page.waitForSelector('#imp-preview-table');
    assert.match(await page.textContent('#imp-count'), /bad\.csv：3 行志愿者/);
    assert.equal(await page.locator('#imp-preview-table tbody tr').count(), 3);
    assert.deepEqual(await overflow(page), [], 'the preview fits');
    await page.click('#imp-upload');
    await page.waitForSelector('#imp-report');
    assert.match(await page.textContent('#imp-summary'), /3 行中有 2 行需要改正，没有导入任何一行/);
    assert.equal(await page.locator('#imp-report tr.ok').count(), 1);
    const line3 = await page.textContent('#imp-report tr[data-line="3"]');
    assert.match(line3, /电话：/, 'line 3 names its phone');
    assert.match(line3, /技能：没有技能代码 "no_such_skill"/, 'and its skill, in Chinese');
    assert.doesNotMatch(line3, /\(no skill/, 'without the English gloss');
    assert.match(await page.textContent('#imp-report tr[data-line="4"]'), /与第 2 行的电话号码相同/);
    assert.deepEqual(await overflow(page), [], 'the report fits');
    assert.deepEqual(await axeViolations(page), [], 'axe-core: the preview and the report');
    await shot(page, `import-bad-${label}`);
    assert.equal(await h.sql(`SELECT count(*) FROM volunteers WHERE phone IN ('${phones[0]}', '${phones[1]}')`), '0');

    const good = `name,phone,skills\n页面甲,${phones[0]},first_aid\n页面乙,${phones[1]},\n页面丙,${phones[2]},\n`;
    await page.setInputFiles('#imp-file', file('good.csv', good));
    await page.waitForSelector('#imp-preview-table');
    await page.click('#imp-upload');
    await page.waitForSelector('#imp-report tr.ok >> nth=2');
    assert.match(await page.textContent('#imp-summary'), /已导入 3 名志愿者/);
    assert.match(await page.textContent('#imp-report tr[data-line="2"]'), /已登记，编号 V\d{6,}/);
    // Pressed again (an answer lost on the way, say): the same file is not registered twice.
    await page.click('#imp-upload');
    await page.waitForFunction(() => /已经导入过/.test(document.querySelector('#imp-summary')?.textContent || ''));
    assert.equal(await h.sql(`SELECT count(*) FROM volunteers WHERE phone IN (${phones.map((p) => `'${p}'`).join(',')})`), '3');
    assert.deepEqual(await overflow(page), [], 'the report fits');
    await shot(page, `import-done-${label}`);
    assertClean(page);
    await page.context().close();
  });
}

test('the import page in English', async () => {
  const page = await newPage(browser, srv.base, { viewport: PHONE, name: 'import-en' });
  await page.context().addInitScript(() => { try { localStorage.setItem('paidan.lang', 'en'); } catch { /* about:blank */ } });
  await page.goto('/console/#/volunteers/import');
  await login(page, 'demo-admin');
  await page.waitForSelector('#imp-form');
  const text = await page.textContent('#view');
  assert.match(text, /Import a file/);
  assert.match(text, /Upload and import/);
  assert.doesNotMatch(text, /imp\.\w+/, 'no key shows as itself');
  assertClean(page);
  await page.context().close();
});
