#!/usr/bin/env bash
# Upgrade drill (on demand, a few minutes: it builds the previous release). The previous release
# (git tag, default v0.1.0) serves a database it migrated and filled; under a steady load of 4
# clients (orders with Idempotency-Keys, every answer recorded):
#   1. `paidan migrate --check` of this tree says what would run;
#   2. this tree's binary starts on the same port (SO_REUSEPORT: the old release has no socket
#      activation), migrates while the old one serves, and the old one is sent SIGTERM and drains;
#   3. a socket holder (as systemd's paidan.socket) passes one listening socket to a new process,
#      the previous one drains on SIGTERM, then another new process takes over from it on the
#      same socket: the hand-over every later upgrade makes.
# Then every acknowledged order must be in the database once, and the failed requests per phase are
# printed; there must be none in any phase (a migration waits for locks only briefly and retries).
#
#   tests/ops/upgrade-drill.sh [BUILD_DIR] [PREVIOUS_TAG]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=$(cd "${1:-$ROOT/build}" && pwd -P)
TAG=${2:-v0.1.0}
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"

say() { printf '[upgrade] %s\n' "$*"; }
fail() {
    printf '[upgrade] FAIL: %s\n' "$*" >&2
    exit 1
}
now_ms() { date +%s%3N; }

WORK=$(mktemp -d /tmp/paidan-upgrade.XXXXXX)
chmod 755 "$WORK"
PIDS=()
LOAD_PID=
cleanup() {
    local rc=$?
    set +e
    touch "$WORK/stop"
    [ -n "$LOAD_PID" ] && wait "$LOAD_PID" 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    exec 7>&- 2>/dev/null
    sleep 0.5
    pg_stop "$WORK/pg/data" >/dev/null 2>&1
    if [ "$rc" -ne 0 ]; then
        for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
    fi
    [ "${PAIDAN_TEST_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

# ---------------------------------------------------------------- the previous release
say "building $TAG"
mkdir -p "$WORK/old-src"
git -C "$ROOT" archive "$TAG" | tar -x -C "$WORK/old-src"
cmake -S "$WORK/old-src" -B "$WORK/old-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAIDAN_TESTS=OFF >"$WORK/old-build.log" 2>&1
cmake --build "$WORK/old-build" -j2 >>"$WORK/old-build.log" 2>&1 || fail "building $TAG failed"
OLD="$WORK/old-build/paidan"
NEW="$BUILD/paidan"

mkdir -p "$WORK/pg"
pg_start "$WORK/pg/data" $((20000 + RANDOM % 20000)) fast
port=$(sed -n 4p "$WORK/pg/data/postmaster.pid")
pg_createdb "$WORK/pg/data" "$port" paidan
URL=$(pg_url "$WORK/pg/data" "$port" paidan)
# This release's processes run as a deployment runs them (README, "least privilege"): serving as
# paidan_server (rows only), migrating with the owner's URL. The previous release knew no such
# roles and serves as the owner, as it did when it was released.
pg_app_role "$WORK/pg/data" "$port" paidan_server
SERVER_URL=$(pg_url_as "$WORK/pg/data" "$port" paidan paidan_server)
# The load submits every order from one address and one phone: this release's anonymous limits
# (the previous one had none) are lifted.
NEW_DB=(--database-url "$SERVER_URL" --migrate-database-url "$URL" --orders-per-address-hour 1000000
    --open-orders-per-phone 1000000)
export PAIDAN_DATABASE_URL=$URL PAIDAN_ID_KEY_FILE="$WORK/id.key" PAIDAN_STATIC_DIR="$ROOT/clients"
"$OLD" migrate --sql-dir "$WORK/old-src/sql" | tail -n 1
"$OLD" demo --sql-dir "$WORK/old-src/sql" >/dev/null
HTTP_PORT=$((40000 + RANDOM % 20000))
BASE="http://127.0.0.1:$HTTP_PORT"
wait_listening() { # LOGFILE
    local i
    for i in $(seq 1 300); do
        grep -q 'msg="listening' "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no 'listening' in $1"
}
"$OLD" serve --sql-dir "$WORK/old-src/sql" --listen "127.0.0.1:$HTTP_PORT" 2>"$WORK/old.log" &
OLD_PID=$!
PIDS+=("$OLD_PID")
wait_listening "$WORK/old.log"
read -r COMMUNITY CATEGORY < <(psql "$URL" -AtX -F ' ' -c "SELECT (SELECT min(id) FROM communities), (SELECT min(id) FROM categories)")

say "data under $TAG: 3 s of orders"
load() { # TAG OUT STOPFILE
    node "$ROOT/tests/ops/load-clients.mjs" "$BASE" "$2" --clients 4 --pause-ms 20 --stop-file "$3" \
        --community "$COMMUNITY" --category "$CATEGORY" --tag "$1"
}
load before "$WORK/before.json" "$WORK/stop-before" >"$WORK/load-before.log" 2>&1 &
sleep 3
touch "$WORK/stop-before"
wait $!
cat "$WORK/load-before.log"

# ---------------------------------------------------------------- 1. what would run
say "paidan migrate --check ($(git -C "$ROOT" describe --tags --always) over $TAG's schema):"
rc=0
"$NEW" migrate --check --sql-dir "$ROOT/sql" >"$WORK/check.out" || rc=$?
sed 's/^/    /' "$WORK/check.out"
say "exit $rc (0: nothing to run, 1: the lines above would run)"
[ "$rc" -le 1 ] || fail "migrate --check failed"

# ---------------------------------------------------------------- steady load through the upgrade
load upgrade "$WORK/upgrade.json" "$WORK/stop" >"$WORK/load.log" 2>&1 &
LOAD_PID=$!
sleep 2

# ---------------------------------------------------------------- 2. old → new on SO_REUSEPORT
P2_START=$(now_ms)
"$NEW" serve "${NEW_DB[@]}" --sql-dir "$ROOT/sql" --listen "127.0.0.1:$HTTP_PORT" 2>"$WORK/new1.log" &
NEW1_PID=$!
PIDS+=("$NEW1_PID")
wait_listening "$WORK/new1.log"
sleep 1
kill -TERM "$OLD_PID"
rc=0
wait "$OLD_PID" || rc=$?
say "phase 2: $TAG drained and exited $rc; $(git -C "$ROOT" describe --tags --always) serves (migrated: $(psql "$URL" -AtX -c 'SELECT count(*) FROM schema_migrations') migrations)"
[ "$rc" -eq 0 ] || fail "$TAG did not exit 0 on SIGTERM"
sleep 2
P2_END=$(now_ms)

# ---------------------------------------------------------------- 3. new → new on one passed socket
exec 7> >(perl "$ROOT/tests/ops/socket-holder.pl" 127.0.0.1 "$HTTP_PORT" >"$WORK/holder.out" 2>"$WORK/holder.log")
for _ in $(seq 1 50); do grep -q ready "$WORK/holder.out" 2>/dev/null && break; sleep 0.1; done
start_held() { # LOG: a new paidan on the holder's socket; prints its pid
    local before
    before=$(wc -l <"$WORK/holder.out")
    echo "$NEW serve --database-url '$SERVER_URL' --migrate-database-url '$URL' --orders-per-address-hour 1000000 --open-orders-per-phone 1000000 --sql-dir $ROOT/sql --listen 127.0.0.1:1 2>$1" >&7
    for _ in $(seq 1 50); do [ "$(wc -l <"$WORK/holder.out")" -gt "$before" ] && break; sleep 0.1; done
    tail -n 1 "$WORK/holder.out"
}
NEW2_PID=$(start_held "$WORK/new2.log")
PIDS+=("$NEW2_PID")
wait_listening "$WORK/new2.log"
grep -q 'listening on the socket systemd passed' "$WORK/new2.log" || fail "new2 did not take the passed socket"
# new1 bound the port itself: its queue goes with it, so this step is still an SO_REUSEPORT one.
kill -TERM "$NEW1_PID"
wait "$NEW1_PID" || fail "new1 did not exit 0"
sleep 2
P3_START=$(now_ms)
NEW3_PID=$(start_held "$WORK/new3.log")
PIDS+=("$NEW3_PID")
wait_listening "$WORK/new3.log"
sleep 1
kill -TERM "$NEW2_PID"
for _ in $(seq 1 100); do kill -0 "$NEW2_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$NEW2_PID" 2>/dev/null && fail "new2 did not exit on SIGTERM"
sleep 2
P3_END=$(now_ms)
say "phase 3: two processes of this release overlapped on one passed socket; the first drained and exited"

touch "$WORK/stop"
wait "$LOAD_PID"
LOAD_PID=
cat "$WORK/load.log"

# ---------------------------------------------------------------- check
psql "$URL" -AtX -F ' ' -c "SELECT description, tracking_code FROM orders WHERE description LIKE 'upgrade %'" >"$WORK/db-orders"
P2_START=$P2_START P2_END=$P2_END P3_START=$P3_START P3_END=$P3_END node - "$WORK/upgrade.json" "$WORK/db-orders" <<'JS'
const fs = require('fs');
const [loadFile, dbFile] = process.argv.slice(2);
const load = JSON.parse(fs.readFileSync(loadFile, 'utf8'));
const e = process.env;
const stored = new Map();
for (const l of fs.readFileSync(dbFile, 'utf8').split('\n').filter(Boolean)) {
  const i = l.lastIndexOf(' ');
  const key = l.slice('upgrade '.length, i);
  stored.set(key, (stored.get(key) || []).concat(l.slice(i + 1)));
}
const problems = [];
const noCode = [];
for (const a of load.acknowledged) {
  const codes = stored.get(a.key) || [];
  if (codes.length !== 1) problems.push(`${a.key}: stored ${codes.length} times`);
  else if (a.tracking_code === undefined) noCode.push(a);
  else if (codes[0] !== a.tracking_code) problems.push(`${a.key}: acknowledged ${a.tracking_code}, stored ${codes[0]}`);
}
const failed = load.requests.filter((r) => r.status !== 201 && r.status !== 200);
const inPhase = (s, t) => failed.filter((r) => r.t1 >= Number(e[s]) && r.t0 <= Number(e[t]));
const p2 = inPhase('P2_START', 'P2_END');
const p3 = inPhase('P3_START', 'P3_END');
const wrongIn = (s, t) => load.wrong.filter((w) => w.t1 >= Number(e[s]) && w.t0 <= Number(e[t])).length;
console.log(`acknowledged ${load.acknowledged.length} orders, ${load.requests.length} requests; every acknowledged order stored once: ${problems.length === 0 ? 'yes' : 'NO'}`);
console.log(`failed requests: ${failed.length} in all; phase 2 (old→new, SO_REUSEPORT): ${p2.length} ${JSON.stringify(p2.map((r) => r.status || r.error))}; phase 3 (passed socket): ${p3.length} ${JSON.stringify(p3.map((r) => r.status || r.error))}`);
console.log(`wrong answers: ${load.wrong.length} (phase 2: ${wrongIn('P2_START', 'P2_END')}, phase 3: ${wrongIn('P3_START', 'P3_END')}); of them 201s without a tracking code: ${noCode.length}` +
  (noCode.length ? ` (the previous release's submit on the new schema: a migration changed what a function it calls returns)` : ''));
for (const p of problems.slice(0, 10)) console.log(`  problem: ${p}`);
process.exit(problems.length === 0 && load.wrong.length === 0 && failed.length === 0 && load.acknowledged.length > 0 ? 0 : 1);
JS
say "PASS"
