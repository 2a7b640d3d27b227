#!/usr/bin/env bash
# Bytes a phone downloads for each web client's first visit, plain and gzip-compressed, measured
# through a running paidan:  tests/ops/page-sizes.sh BASE_URL
# What a visit loads is followed, not listed: the page, its <link rel=stylesheet|icon|manifest> and
# <script src>, and every module those scripts import (static and dynamic), transitively. The team
# app's service worker and the icons its manifest names are left out (installed, not visited).
set -euo pipefail
BASE=${1:?usage: page-sizes.sh BASE_URL}
node - "$BASE" <<'JS'
const base = process.argv[2];
const get = async (path, gzip) => {
  const headers = gzip ? { 'accept-encoding': 'gzip' } : { 'accept-encoding': 'identity' };
  // The compressed copy is made off the event loop after the first request for a file (which is
  // answered plain): ask again until it is there; files too small to gain stay plain.
  let res, enc;
  for (let i = 0; i < 10; i++) {
    res = await fetch(new URL(path, base), { headers });
    enc = res.headers.get('content-encoding') || 'identity';
    if (!gzip || enc === 'gzip' || i === 9) break;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 100));
  }
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  const len = Number(res.headers.get('content-length'));
  const body = await res.text();
  return { len, enc, type: res.headers.get('content-type') || '', body };
};
const refs = (path, type, body) => {
  const out = [];
  if (type.includes('html')) {
    for (const m of body.matchAll(/<link\s[^>]*rel="(?:stylesheet|icon|manifest)"[^>]*href="([^"]+)"/g)) out.push(m[1]);
    for (const m of body.matchAll(/<script\s[^>]*src="([^"]+)"/g)) out.push(m[1]);
  } else if (type.includes('javascript')) {
    for (const m of body.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+\.js)['"]/g)) out.push(m[1]);
  } else if (type.includes('css')) {
    for (const m of body.matchAll(/@import\s+(?:url\()?['"]?([^'")\s]+)/g)) out.push(m[1]);
  }
  return out.map((r) => new URL(r, new URL(path, base)).pathname);
};
console.log('client      files      plain       gzip  saved   (gzip on the wire: content-encoding gzip)');
for (const [client, start] of [['resident', '/'], ['track', '/track/'], ['console', '/console/'], ['team', '/team/']]) {
  const seen = new Set([start]);
  const queue = [start];
  let plain = 0, gz = 0, encoded = 0;
  while (queue.length) {
    const p = queue.shift();
    const a = await get(p, false);
    const b = await get(p, true);
    plain += a.len;
    gz += b.len;
    if (b.enc === 'gzip') encoded++;
    for (const r of refs(p, a.type, a.body)) if (!seen.has(r)) { seen.add(r); queue.push(r); }
  }
  console.log(`${client.padEnd(9)} ${String(seen.size).padStart(6)} ${String(plain).padStart(10)} ${String(gz).padStart(10)} ${String(Math.round(100 - gz * 100 / plain)).padStart(5)}%   (${encoded} of ${seen.size} compressed)`);
}
JS
