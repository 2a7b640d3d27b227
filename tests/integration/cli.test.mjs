// The command line: `paidan user add` makes the first admin (password on standard input),
// refuses bad roles and scopes; `paidan migrate` is idempotent; `paidan demo` twice changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { bin, dbUrl, startServer, loadDemo, runCli, sql, uniq, SQL_DIR } from './harness.mjs';

let srv;

function paidan(args, input) {
  const r = spawnSync(bin(), [...args, '--database-url', dbUrl()], {
    input, encoding: 'utf8', timeout: 60000, env: { ...process.env, PAIDAN_SQL_DIR: SQL_DIR },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  await loadDemo();
  srv = await startServer();
});

after(async () => {
  if (srv) await srv.stop();
});

test('user add makes an admin who can log in; the password comes from standard input only', async () => {
  const username = uniq('admin').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
  const r = paidan(['user', 'add', '--role', 'admin', '--username', username, '--display-name', '县科协 管理员'], 'correct horse battery\n');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`created user ${username} \\(id \\d+, role admin\\)`));
  const stored = await sql(`SELECT password_hash FROM users WHERE username = '${username}'`);
  assert.match(stored, /^\$argon2id\$/);
  assert.ok(!stored.includes('correct horse'));
  const login = await srv.http('POST', '/api/v1/sessions', { body: { username, password: 'correct horse battery' } });
  assert.equal(login.status, 201, login.text);
  assert.equal(login.json.user.role, 'admin');
  // The same name again is refused by the database, not silently replaced.
  const again = paidan(['user', 'add', '--role', 'admin', '--username', username], 'another password\n');
  assert.notEqual(again.code, 0);
});

test('user add refuses a missing or foreign scope, an unknown role and a short password', async () => {
  const community = await sql('SELECT min(id) FROM communities');
  const cases = [
    [['--role', 'community', '--username', 'c_missing_scope'], 'long enough password\n', /needs --community-id/],
    [['--role', 'admin', '--username', 'a_with_scope', '--community-id', community], 'long enough password\n', /does not take --community-id/],
    [['--role', 'wizard', '--username', 'w_role'], 'long enough password\n', /unknown role/],
    [['--role', 'admin', '--username', 'short_pw'], 'short\n', /8 to 128 characters/],
    [['--role', 'admin', '--username', 'no_pw'], '', /no password/],
  ];
  for (const [args, input, message] of cases) {
    const r = paidan(['user', 'add', ...args], input);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  assert.equal(await sql("SELECT count(*) FROM users WHERE username IN ('c_missing_scope','a_with_scope','w_role','short_pw','no_pw')"), '0');
});

test('migrate and demo are idempotent', async () => {
  const m = await runCli(['migrate']);
  assert.equal(m.stdout.trim(), 'migrations up to date');
  const countsBefore = await sql('SELECT (SELECT count(*) FROM towns) || \'/\' || (SELECT count(*) FROM communities) || \'/\' || (SELECT count(*) FROM teams WHERE name NOT LIKE \'%生成%\') || \'/\' || (SELECT count(*) FROM users WHERE username LIKE \'demo-%\')');
  await runCli(['demo']);
  const countsAfter = await sql('SELECT (SELECT count(*) FROM towns) || \'/\' || (SELECT count(*) FROM communities) || \'/\' || (SELECT count(*) FROM teams WHERE name NOT LIKE \'%生成%\') || \'/\' || (SELECT count(*) FROM users WHERE username LIKE \'demo-%\')');
  assert.equal(countsAfter, countsBefore);
  assert.equal(countsAfter.split('/')[0], '7');
  assert.equal(countsAfter.split('/')[3], '5');
});

test('--help lists the commands and every setting with its variable', () => {
  const r = spawnSync(bin(), ['--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const word of ['serve', 'migrate', 'demo', 'user add', 'audit verify', 'PAIDAN_LISTEN', 'PAIDAN_DATABASE_URL', 'PAIDAN_WORKERS', 'PAIDAN_STATIC_DIR']) {
    assert.ok(r.stdout.includes(word), word);
  }
  const version = spawnSync(bin(), ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^paidan \d+\.\d+\.\d+\n$/);
  const bad = spawnSync(bin(), ['serve', '--workers', 'many'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers \(PAIDAN_WORKERS\) must be a whole number/);
});
