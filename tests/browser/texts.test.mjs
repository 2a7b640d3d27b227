// The clients' words without a browser: every text has its English, every key the code asks for
// exists, state names and action labels come only from the glossary, and docs/GLOSSARY.md says the
// same as clients/common/glossary.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HERE } from './browser.mjs';

const ROOT = path.resolve(HERE, '../..');
const CLIENTS = path.join(ROOT, 'clients');
const load = async (rel) => (await import(path.join(CLIENTS, rel))).default;
const glossary = await import(path.join(CLIENTS, 'common/glossary.js'));
const APPS = { console: 'staff', team: 'staff', resident: 'resident' };

/** Every text a page of app can show: shared, glossary, own (as the app registers them). */
async function textsOf(app) {
  return { ...(await load('common/messages.js')), ...glossary.glossaryMessages(APPS[app]), ...(await load(`${app}/messages.js`)) };
}

function sources(dir) {
  return fs.readdirSync(path.join(CLIENTS, dir)).filter((f) => f.endsWith('.js') && f !== 'messages.js').map((f) => path.join(CLIENTS, dir, f));
}

test('every text of every client has its Chinese and its English', async () => {
  const missing = [];
  for (const app of [...Object.keys(APPS), 'common']) {
    const dict = app === 'common' ? await load('common/messages.js') : await load(`${app}/messages.js`);
    for (const [k, v] of Object.entries(dict)) {
      if (!Array.isArray(v) || typeof v[0] !== 'string' || !v[0] || typeof v[1] !== 'string' || !v[1].trim()) missing.push(`${app}: ${k}`);
      // The same placeholders in both languages.
      else if (JSON.stringify((v[0].match(/\{\w+\}/g) || []).sort()) !== JSON.stringify((v[1].match(/\{\w+\}/g) || []).sort())) missing.push(`${app}: ${k} placeholders differ`);
    }
  }
  for (const [audience, table] of [['resident', glossary.STATES], ['staff', glossary.STATES]]) {
    for (const [k, v] of Object.entries(table)) if (!v[audience]?.[1]) missing.push(`glossary ${audience} state ${k}`);
  }
  for (const [k, v] of Object.entries(glossary.ACTIONS)) if (!v[1]) missing.push(`glossary action ${k}`);
  assert.deepEqual(missing, [], 'texts without English');
});

test('every key the code asks for exists in its client', async () => {
  const missing = [];
  for (const app of Object.keys(APPS)) {
    const texts = await textsOf(app);
    for (const file of [...sources(app), ...sources('common')]) {
      const code = fs.readFileSync(file, 'utf8');
      for (const m of code.matchAll(/\bt\(\s*'([a-z_]+(?:\.[a-z0-9_]+)+)'/g)) {
        if (!(m[1] in texts)) missing.push(`${app}: ${path.relative(CLIENTS, file)}: ${m[1]}`);
      }
      for (const m of code.matchAll(/data-i18n(?:-placeholder|-aria-label)?="([^"]+)"/g)) if (!(m[1] in texts)) missing.push(`${app}: ${m[1]}`);
    }
    for (const html of fs.readdirSync(path.join(CLIENTS, app)).filter((f) => f.endsWith('.html'))) {
      const code = fs.readFileSync(path.join(CLIENTS, app, html), 'utf8');
      for (const m of code.matchAll(/data-i18n(?:-placeholder|-aria-label)?="([^"]+)"/g)) if (!(m[1] in texts)) missing.push(`${app}/${html}: ${m[1]}`);
    }
  }
  assert.deepEqual([...new Set(missing)], [], 'keys asked for but not defined');
});

test('state names and action labels come only from the glossary', async () => {
  const own = [];
  for (const app of Object.keys(APPS)) {
    for (const k of Object.keys(await load(`${app}/messages.js`))) {
      if (/^(state|state_explain|action|path|term)\./.test(k)) own.push(`${app}: ${k}`);
    }
  }
  assert.deepEqual(own, [], 'an app defines its own state or action words');
  // The words the issue found in use for one thing, now gone from every client's texts.
  const retired = [/任务/, /^待确认$/, /^已完成$/];
  const staffTexts = { ...(await load('console/messages.js')), ...(await load('team/messages.js')) };
  const found = Object.entries(staffTexts).filter(([k, [zh]]) => retired.some((re) => re.test(zh)) && !k.startsWith('detail.record.') && !k.startsWith('history.'));
  assert.deepEqual(found, [], 'a retired word is still shown');
});

test('docs/GLOSSARY.md lists every word of the glossary', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/GLOSSARY.md'), 'utf8');
  const words = [
    ...Object.values(glossary.TERMS).flatMap((v) => [v.resident[0], v.staff[0]]),
    ...Object.values(glossary.STATES).flatMap((v) => [v.resident[0], v.staff[0], v.explain[0], v.resident[1], v.staff[1]]),
    ...Object.values(glossary.ACTIONS).flatMap((v) => v),
    ...glossary.PATH.map((p) => p.step[0]),
  ];
  const absent = [...new Set(words)].filter((w) => !doc.includes(w));
  assert.deepEqual(absent, [], 'words missing from docs/GLOSSARY.md');
});
