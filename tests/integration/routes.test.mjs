// Route × role against the real server: the route table in server/routes.c says who may call each
// route; dispatch must refuse everyone else (401 without a session, 403 for another role) before the
// handler runs, and let the named roles through to the handler (whatever it then answers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, startServer, loadDemo } from './harness.mjs';

const ROLES = ['admin', 'community', 'department', 'team', 'volunteer'];
const MASKS = {
  ANYONE: [],
  ANYONE_OR_STAFF: [],
  SIGNED_IN: ROLES,
  STAFF: ['admin', 'community', 'department'],
  ADMIN: ['admin'],
  COMMUNITY: ['community'],
  DEPARTMENT: ['department'],
  TEAM: ['team'],
  VOLUNTEER: ['volunteer'],
};

// {GET, "/api/v1/orders", order_list, SIGNED_IN, NONE, SLOW},
function readTable() {
  const text = fs.readFileSync(path.join(ROOT, 'server/routes.c'), 'utf8');
  const routes = [];
  for (const m of text.matchAll(/\{(GET|POST|DELETE|PATCH), "([^"]+)", (\w+), ([A-Z_ |]+), (\w+)(?:, (\w+))?\}/g)) {
    const roles = new Set();
    let open = false;
    for (const word of m[4].split('|').map((w) => w.trim())) {
      assert.ok(word in MASKS, `unknown role word ${word} in routes.c`);
      if (word === 'ANYONE' || word === 'ANYONE_OR_STAFF') open = true;
      for (const r of MASKS[word]) roles.add(r);
    }
    routes.push({ method: m[1], pattern: m[2], handler: m[3], open, roles });
  }
  return routes;
}

let srv;
const sessions = {};

before(async () => {
  await loadDemo();
  srv = await startServer();
  for (const role of ROLES) {
    const r = await srv.http('POST', '/api/v1/sessions', { body: { username: `demo-${role}`, password: 'paidan-demo' } });
    assert.equal(r.status, 201, `login demo-${role}`);
    sessions[role] = r.json.token;
  }
});

after(async () => {
  if (srv) await srv.stop();
});

const samplePath = (pattern) => pattern.replace(/\{\*\w+\}/, 'x').replace(/\{action\}/, 'claim').replace(/\{code\}/, 'ABCDEFGHJK').replace(/\{\w+\}/g, '999999');

test('every protected route: 401 without a session, 403 for each role it does not name, the handler for the rest', async () => {
  const routes = readTable();
  assert.ok(routes.length > 30, `the table was read (${routes.length} routes)`);
  let checked = 0;
  // Logging out ends the session the later checks use, and a live stream never ends: those two are
  // checked for their refusals only.
  const letThroughSkipped = new Set(['auth_logout', 'events_stream']);
  for (const route of routes) {
    if (route.open) continue;
    const p = samplePath(route.pattern);
    const body = route.method === 'POST' || route.method === 'PATCH' ? {} : undefined;
    const anon = await srv.http(route.method, p, { body });
    assert.equal(anon.status, 401, `${route.method} ${route.pattern} without a session`);
    assert.equal(anon.json?.error?.code, 'unauthenticated');
    for (const role of ROLES) {
      if (route.roles.has(role) && letThroughSkipped.has(route.handler)) continue;
      const r = await srv.http(route.method, p, { body, headers: { authorization: `Bearer ${sessions[role]}` } });
      if (route.roles.has(role)) {
        assert.ok(!(r.status === 403 && r.json?.error?.code === 'forbidden' && /your role may not do this/.test(r.json.error.message)),
          `${route.method} ${route.pattern} as ${role}: the route names the role, so dispatch must let it through (${r.status} ${r.text.slice(0, 120)})`);
        assert.notEqual(r.status, 401, `${route.method} ${route.pattern} as ${role}`);
      } else {
        assert.equal(r.status, 403, `${route.method} ${route.pattern} as ${role}: ${r.text.slice(0, 120)}`);
        assert.equal(r.json?.error?.code, 'forbidden');
      }
      checked++;
    }
  }
  console.log(`route × role: ${checked} combinations checked`);
});

test('public routes answer without a session', async () => {
  for (const route of readTable()) {
    if (!route.open || route.method !== 'GET') continue;
    const r = await srv.http(route.method, samplePath(route.pattern));
    assert.notEqual(r.status, 401, `${route.pattern}`);
    assert.notEqual(r.status, 403, `${route.pattern}`);
  }
});
