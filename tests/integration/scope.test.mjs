// The C scope rule and SQL's paidan_order_visible agree on every kind of order (tests/unit/test_scope_sql.c,
// run here because it needs the throwaway database and the demo county).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';

import { bin, dbUrl, loadDemo } from './harness.mjs';

test('the C scope rule and the SQL visibility function agree row for row', async () => {
  await loadDemo();
  const exe = path.join(path.dirname(bin()), 'test_scope_sql');
  const out = await new Promise((resolve) => {
    execFile(exe, [], { env: { ...process.env, PAIDAN_TEST_DATABASE_URL: dbUrl() }, timeout: 120000 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, text: stdout + stderr }));
  });
  console.log(out.text.trim());
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /C and SQL agree on all/);
  assert.doesNotMatch(out.text, /SKIPPED/);
});
