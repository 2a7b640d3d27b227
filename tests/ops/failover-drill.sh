#!/usr/bin/env bash
# Failover drill (on demand, about 2 minutes): pg_auto_failover's monitor, a primary and a
# synchronous standby on this machine (as the postgres user); paidan on a multi-host URL with
# target_session_attrs=read-write; 4 clients submitting orders with Idempotency-Keys and a live
# update stream; the primary killed (SIGKILL, keeper and postmaster). Then: every order
# acknowledged with 201/200 is in the new primary exactly once, no answer was wrong, 503s carried
# Retry-After, the live stream saw orders made after the failover, and the time from the kill to
# the first successful write is printed.
#
#   tests/ops/failover-drill.sh [BUILD_DIR]      (needs postgresql-15-auto-failover; installs it)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=$(cd "${1:-$ROOT/build}" && pwd -P)
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"

say() { printf '[failover] %s\n' "$*"; }
fail() {
    printf '[failover] FAIL: %s\n' "$*" >&2
    exit 1
}

if ! command -v pg_autoctl >/dev/null 2>&1; then
    say "installing postgresql-15-auto-failover"
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15-auto-failover
fi
PGBIN=$(pg_bindir)

WORK=$(mktemp -d /tmp/paidan-failover.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" -eq 0 ] && chown postgres: "$WORK"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
autoctl() { as_pg env XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/share" PATH="$PGBIN:$PATH" pg_autoctl "$@"; }

P0=$((30000 + RANDOM % 5000))
P1=$((P0 + 1))
P2=$((P0 + 2))
SERVER_PID=
LOAD_PID=
KEEPERS=()
cleanup() {
    local rc=$?
    set +e
    touch "$WORK/stop"
    [ -n "$LOAD_PID" ] && wait "$LOAD_PID" 2>/dev/null
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for d in node2 node1 monitor; do
        [ -d "$WORK/$d" ] && autoctl stop --pgdata "$WORK/$d" --immediate >/dev/null 2>&1
    done
    sleep 1
    for p in "${KEEPERS[@]}"; do kill "$p" 2>/dev/null; done
    for d in node2 node1 monitor; do
        [ -f "$WORK/$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/$d" -m immediate stop >/dev/null 2>&1
    done
    if [ "$rc" -ne 0 ]; then
        for f in "$WORK"/*.log; do
            [ -f "$f" ] && { echo "--- $f"; tail -n 25 "$f"; }
        done
    fi
    [ "${PAIDAN_TEST_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

state() { autoctl show state --pgdata "$WORK/monitor" 2>/dev/null; }
wait_state() { # NODE-NAME STATE SECONDS
    local i
    for i in $(seq 1 $(($3 * 5))); do
        state | grep -E "^ *$1 " | grep -q "| *$2 *| *$2 *$" && return 0
        sleep 0.2
    done
    state
    fail "$1 did not reach $2 in $3 s"
}

# ---------------------------------------------------------------- monitor, primary, standby
say "monitor on port $P0"
autoctl create monitor --pgdata "$WORK/monitor" --pgport "$P0" --hostname localhost --auth trust --no-ssl \
    >"$WORK/monitor-create.log" 2>&1
autoctl run --pgdata "$WORK/monitor" >"$WORK/monitor.log" 2>&1 &
KEEPERS+=($!)
MONITOR="postgres://autoctl_node@localhost:$P0/pg_auto_failover?sslmode=disable"
for _ in $(seq 1 100); do psql "$MONITOR" -qAtX -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done

# Find a dead primary in seconds, not the default half a minute.
psql -h localhost -p "$P0" -U postgres -d pg_auto_failover -qAtX \
    -c "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" \
    -c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000" \
    -c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000" \
    -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
say "monitor: $(psql -h localhost -p "$P0" -U postgres -d pg_auto_failover -AtX -c \
    "SELECT string_agg(replace(name, 'pgautofailover.', '') || '=' || setting || unit, ' ' ORDER BY name)
       FROM pg_settings WHERE name LIKE 'pgautofailover.%' AND unit IS NOT NULL")"

pg_node() { # NAME PORT
    autoctl create postgres --pgdata "$WORK/$1" --pgport "$2" --hostname localhost --name "$1" \
        --monitor "$MONITOR" --auth trust --no-ssl --dbname paidan --run >"$WORK/$1.log" 2>&1 &
    KEEPERS+=($!)
}
say "primary node1 on port $P1"
pg_node node1 "$P1"
NODE1_PID=${KEEPERS[-1]}
wait_state node1 single 90
say "standby node2 on port $P2"
pg_node node2 "$P2"
wait_state node1 primary 120
wait_state node2 secondary 120
state | sed 's/^/    /'
sync=$(psql -h localhost -p "$P1" -U postgres -d paidan -AtX -c "SHOW synchronous_standby_names")
say "node1 synchronous_standby_names = $sync"
[ -n "$sync" ] || fail "the standby is not synchronous"

# ---------------------------------------------------------------- paidan on the multi-host URL
# As a deployment runs it (README, "least privilege"): the owner migrates, the server connects as
# paidan_server, a member of paidan_app (rows only). The roles are made on the primary and reach
# the standby by replication; each node's pg_hba.conf is its own, so both let paidan_server in.
OWNER_URL="postgresql://postgres@localhost:$P1,localhost:$P2/paidan?target_session_attrs=read-write&connect_timeout=2"
URL="postgresql://paidan_server@localhost:$P1,localhost:$P2/paidan?target_session_attrs=read-write&connect_timeout=2"
psql "$OWNER_URL" -qAtX -v ON_ERROR_STOP=1 -c "CREATE ROLE paidan_app NOLOGIN" \
    -c "CREATE ROLE paidan_server LOGIN IN ROLE paidan_app" >/dev/null
for n in node1 node2; do
    if ! grep -q '^host paidan paidan_server ' "$WORK/$n/pg_hba.conf"; then
        as_pg sh -c "printf 'host paidan paidan_server 127.0.0.1/32 trust\nhost paidan paidan_server ::1/128 trust\n' >>'$WORK/$n/pg_hba.conf'"
    fi
    as_pg "$PGBIN/pg_ctl" -D "$WORK/$n" reload >/dev/null
done
sleep 0.5
psql "$URL" -qAtX -c 'SELECT 1' >/dev/null || fail "paidan_server cannot connect to the primary"
export PAIDAN_SQL_DIR="$ROOT/sql" PAIDAN_STATIC_DIR="$ROOT/clients" PAIDAN_ID_KEY_FILE="$WORK/id.key"
"$BUILD/paidan" migrate --database-url "$OWNER_URL" >/dev/null
"$BUILD/paidan" demo --database-url "$OWNER_URL" >/dev/null
HTTP_PORT=$((40000 + RANDOM % 20000))
# The drill submits every order from one address and one phone: lift the anonymous limits.
"$BUILD/paidan" serve --database-url "$URL" --migrate-database-url "$OWNER_URL" --listen "127.0.0.1:$HTTP_PORT" \
    --workers 2 --orders-per-address-hour 1000000 --open-orders-per-phone 1000000 2>"$WORK/paidan.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/readyz")" = 200 ] && break
    sleep 0.1
done
read -r COMMUNITY CATEGORY < <(psql "$URL" -AtX -F ' ' -c "SELECT (SELECT min(id) FROM communities), (SELECT min(id) FROM categories)")

say "4 clients and a live stream for 8 s, then the primary is killed"
node "$ROOT/tests/ops/load-clients.mjs" "http://127.0.0.1:$HTTP_PORT" "$WORK/load.json" --clients 4 --sse \
    --stop-file "$WORK/stop" --sse-ready-file "$WORK/sse-ready" --community "$COMMUNITY" --category "$CATEGORY" \
    --tag failover >"$WORK/load.log" 2>&1 &
LOAD_PID=$!
for _ in $(seq 1 600); do [ -f "$WORK/sse-ready" ] && break; sleep 0.2; done
[ -f "$WORK/sse-ready" ] || fail "the live stream did not connect"
sleep 8

descendants() { # PID: its children, grandchildren, …
    local c
    for c in $(pgrep -P "$1" || true); do
        echo "$c"
        descendants "$c"
    done
}
post1=$(head -n 1 "$WORK/node1/postmaster.pid")
# node1's keeper: the runuser started for it, and everything under it (its "start/stop postgres"
# child would otherwise start PostgreSQL again, an old primary back on its own).
keeper1=$(descendants "$NODE1_PID" | tr '\n' ' ')
kill -KILL $keeper1 2>/dev/null || true
# The postmaster and every backend at once: a backend orphaned by a lone SIGKILL of the postmaster
# would go on committing for a moment, which a dead machine does not do.
backends=$(pgrep -P "$post1" || true)
kill -KILL "$post1" $backends
KILL_MS=$(date +%s%3N)
# The keeper and its children (it would restart PostgreSQL): as if the machine died.
say "killed node1 (postmaster $post1) at $KILL_MS"
wait_state node2 wait_primary 120
NEWPRIMARY_MS=$(date +%s%3N)
say "node2 is primary (wait_primary) after $((NEWPRIMARY_MS - KILL_MS)) ms"
state | sed 's/^/    /'
sleep 10
touch "$WORK/stop"
wait "$LOAD_PID"
LOAD_PID=
cat "$WORK/load.log"

# ---------------------------------------------------------------- check
psql -h localhost -p "$P2" -U postgres -d paidan -AtX -F ' ' \
    -c "SELECT description, tracking_code FROM orders WHERE description LIKE 'failover %'" >"$WORK/db-orders"
KILL_MS=$KILL_MS node - "$WORK/load.json" "$WORK/db-orders" <<'JS'
const fs = require('fs');
const [loadFile, dbFile] = process.argv.slice(2);
const load = JSON.parse(fs.readFileSync(loadFile, 'utf8'));
const kill = Number(process.env.KILL_MS);
const rows = fs.readFileSync(dbFile, 'utf8').split('\n').filter(Boolean).map((l) => {
  const i = l.lastIndexOf(' ');
  return { key: l.slice('failover '.length, i), code: l.slice(i + 1) };
});
const byKey = new Map();
for (const r of rows) byKey.set(r.key, (byKey.get(r.key) || []).concat(r.code));
const problems = [];
const acked = new Map();
for (const a of load.acknowledged) acked.set(a.key, a);
for (const [key, a] of acked) {
  const codes = byKey.get(key) || [];
  if (codes.length !== 1) problems.push(`${key}: ${codes.length} orders in the new primary`);
  else if (codes[0] !== a.tracking_code) problems.push(`${key}: acknowledged ${a.tracking_code}, stored ${codes[0]}`);
}
for (const [key, codes] of byKey) if (codes.length > 1) problems.push(`${key}: stored ${codes.length} times`);
const unacked = [...byKey.keys()].filter((k) => !acked.has(k));
const before = load.acknowledged.filter((a) => a.t < kill).length;
const after = load.acknowledged.filter((a) => a.t >= kill);
// The first write that succeeded after the first refusal the kill caused (requests already past
// their commit when the kill landed are answered a moment later and do not count).
const firstFail = load.requests.filter((r) => r.status !== 201 && r.status !== 200 && r.t1 >= kill).sort((x, y) => x.t1 - y.t1)[0];
const firstWrite = firstFail && load.requests.filter((r) => (r.status === 201 || r.status === 200) && r.t0 >= firstFail.t1).sort((x, y) => x.t1 - y.t1)[0];
if (firstFail) console.log(`first refusal after the kill: ${firstFail.t1 - kill} ms (${firstFail.status || firstFail.error})`);
const failures = {};
for (const r of load.requests) if (r.status !== 201 && r.status !== 200) failures[r.status || r.error] = (failures[r.status || r.error] || 0) + 1;
const lastBefore = load.events.filter((e) => e.received < kill).length;
const eventsAfter = load.events.filter((e) => e.received >= kill && firstWrite && e.received >= firstWrite.t0);
console.log(`acknowledged: ${acked.size} orders (${before} before the kill, ${after.length} after), all ${acked.size - problems.length > 0 ? 'present once' : ''} in the new primary: ${problems.length === 0 ? 'yes' : 'NO'}`);
console.log(`stored but never acknowledged (client retried past the end, or in flight at the kill): ${unacked.length}`);
console.log(`answers other than 201/200: ${JSON.stringify(failures)}; wrong answers: ${load.wrong.length}`);
console.log(`kill → first successful write: ${firstWrite ? firstWrite.t1 - kill : 'none'} ms`);
console.log(`live stream: ${load.events.length} order events (${lastBefore} before the kill, ${eventsAfter.length} after writing resumed), ${load.sse_connects} connections`);
for (const p of problems.slice(0, 20)) console.log(`  problem: ${p}`);
if (load.wrong.length) console.log(`  wrong: ${JSON.stringify(load.wrong.slice(0, 5))}`);
const ok = problems.length === 0 && load.wrong.length === 0 && firstWrite && after.length > 0 && eventsAfter.length > 0 && before > 0;
process.exit(ok ? 0 : 1);
JS
say "paidan log: $(grep -c 'listening for notifications' "$WORK/paidan.log") LISTEN subscriptions (2 workers: 2 at start, 2 after the failover)"
grep -E 'connection lost|reconnect|listening for notifications' "$WORK/paidan.log" | head -n 12 | sed 's/^/    /'
say "PASS"
