#!/usr/bin/env bash
# The busy-hour replay (tests/bench/busy_hour.mjs) against a server of this tree, on a throwaway
# PostgreSQL with the demo county, the generated county and ORDERS generated orders. On demand only:
#
#   ./tests/bench/busy_hour.sh [SCALE] [MINUTES]      default 0.1 and 2 (SCALE 1 = the whole province)
#
# Settings (environment): BENCH_ORDERS (100000), BENCH_WORKERS (2), BENCH_POOL (8 per worker),
# BENCH_SPEED (10). The server runs with the anonymous limits raised (one address and a few phones
# submit everything) and room for the phones' streams; the settings are printed with the figures.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh
SCALE=${1:-0.1}
MINUTES=${2:-2}
ORDERS=${BENCH_ORDERS:-100000}
WORKERS=${BENCH_WORKERS:-2}
POOL=${BENCH_POOL:-8}
SPEED=${BENCH_SPEED:-10}
PHONES=$(awk -v s="$SCALE" 'BEGIN { printf "%d", 20000 * s + 0.5 }')

pg_ensure_packages
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j2 >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d /tmp/paidan-busy-XXXXXX)
chmod 755 "$WORK"
PORT=$((30000 + RANDOM % 5000))
HTTP_PORT=$((35000 + RANDOM % 5000))
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    pg_stop "$WORK/pgdata" || true
    rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$WORK/pgdata" "$PORT"
pg_createdb "$WORK/pgdata" "$PORT" busy
URL=$(pg_url "$WORK/pgdata" "$PORT" busy)
export PAIDAN_DATABASE_URL=$URL PAIDAN_SQL_DIR=$ROOT/sql PAIDAN_ID_KEY_FILE=$WORK/id.key
build/paidan migrate >/dev/null
build/paidan demo >/dev/null
psql "$URL" -qX -v ON_ERROR_STOP=1 -f tests/bench/generate_county.sql >/dev/null
psql "$URL" -qX -v ON_ERROR_STOP=1 -v orders="$ORDERS" -f tests/bench/generate_orders.sql >/dev/null
psql "$URL" -qX -v ON_ERROR_STOP=1 -v like=demo-team -v prefix=bench-team -v count="$((PHONES / 16 + 1))" \
    -f tests/bench/accounts.sql >/dev/null
SETTINGS=(--workers "$WORKERS" --db-pool-size "$POOL" --max-streams "$((PHONES / WORKERS + 1000))"
    --max-connections "$((PHONES / WORKERS + 4000))" --orders-per-address-hour 100000000
    --open-orders-per-phone 100000000 --login-max-per-address 1000000 --sweep-interval-s 86400
    --db-queue-max 4096)
build/paidan serve --listen "127.0.0.1:$HTTP_PORT" "${SETTINGS[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.1; done
echo "server: ${SETTINGS[*]}; $ORDERS generated orders; nproc $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
node tests/bench/busy_hour.mjs "http://127.0.0.1:$HTTP_PORT" --scale "$SCALE" --minutes "$MINUTES" --speed "$SPEED"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); workers' RSS (MB): $(ps --ppid "$SERVER_PID" -o rss= | awk '{printf "%d ", $1 / 1024}')"
