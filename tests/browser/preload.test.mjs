// No build step, so the pages list their module graphs by hand: each page's <link rel="modulepreload">
// lines must be exactly the modules its entry module imports, directly or not (static imports only;
// views loaded with import() on first use are not preloaded). Then the browser fetches the whole
// graph in one round trip, alongside the CSS, instead of one round trip per level of imports (150 ms
// each on a slow phone network). The team app's service worker must also cache every module of
// its graph, or the app would not open offline. No browser: this reads the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HERE } from './browser.mjs';

const CLIENTS = path.resolve(HERE, '../../clients');

/** The file behind a URL path, as the server maps it: /team/, /console/, /common/ are folders; the rest is resident/. */
function fileOf(url) {
  return /^\/(team|console|common)\//.test(url) ? path.join(CLIENTS, url) : path.join(CLIENTS, 'resident', url);
}

/** The static imports and re-exports of a module's source (not import(), which loads on first use). */
export function importsOf(source) {
  const out = [];
  for (const m of source.matchAll(/^[ \t]*(?:import|export)\b[^'"`;()]*?\bfrom[ \t]*['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of source.matchAll(/^[ \t]*import[ \t]*['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

/** Every module the entry (a URL path) imports, directly or not, as URL paths, sorted; the entry itself not. */
function graph(entry) {
  const seen = new Set([entry]);
  const todo = [entry];
  while (todo.length) {
    const url = todo.pop();
    for (const spec of importsOf(fs.readFileSync(fileOf(url), 'utf8'))) {
      const dep = new URL(spec, `http://x${url}`).pathname;
      if (!seen.has(dep)) { seen.add(dep); todo.push(dep); }
    }
  }
  seen.delete(entry);
  return [...seen].sort();
}

const PAGES = fs.readdirSync(CLIENTS).flatMap((app) => fs.readdirSync(path.join(CLIENTS, app))
  .filter((f) => f.endsWith('.html')).map((f) => path.join(app, f)));

test('the import scanner finds static imports and re-exports, not import()', () => {
  const found = importsOf([
    "import a from './a.js';", "import { b,\n  c } from '/common/b.js';", "export * from './c.js';",
    "export { d as e } from \"./d.js\";", "import './e.js';", "const v = await import('./lazy.js');",
    "  load: () => import('./view.js'),", "// import x from './comment.js'",
  ].join('\n'));
  assert.deepEqual(found, ['./a.js', '/common/b.js', './c.js', './d.js', './e.js']);
});

for (const page of PAGES) {
  const html = fs.readFileSync(path.join(CLIENTS, page), 'utf8');
  const entry = /<script type="module" src="([^"]+)"><\/script>/.exec(html)?.[1];
  if (!entry) continue;
  test(`${page} preloads exactly the module graph of ${entry}`, () => {
    const want = graph(entry);
    const have = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual([...have].sort(), want, `${page} should have these lines before its <script>:\n${want.map((u) => `<link rel="modulepreload" href="${u}">`).join('\n')}`);
    assert.ok(html.indexOf('rel="modulepreload"') < html.indexOf('<script type="module"'), 'the preloads come before the script');
  });
}

test('the team app\'s service worker caches its whole module graph', () => {
  const sw = fs.readFileSync(path.join(CLIENTS, 'team/sw.js'), 'utf8');
  const shell = [...sw.matchAll(/^\s*'(\/(?:team|common)\/[^']*)',$/gm)].map((m) => m[1]);
  const missing = ['/team/app.js', ...graph('/team/app.js')].filter((u) => !shell.includes(u));
  assert.deepEqual(missing, [], `missing from SHELL in clients/team/sw.js: ${missing}`);
});
