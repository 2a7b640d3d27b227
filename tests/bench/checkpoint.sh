#!/usr/bin/env bash
# `paidan audit verify --checkpoint` at scale (on demand, not in CI): a private PostgreSQL, the demo
# county with tests/bench/generate_county.sql and N generated orders (default 10,000), one signed
# checkpoint, then the time of `audit verify` alone and with `--checkpoint` (the difference is the
# checkpoint's check), and the statements the check sent (pg_stat_statements would need a restart;
# the server log counts them instead). Usage: tests/bench/checkpoint.sh [ORDERS] — BIN=path/to/paidan
# measures another build (say, main's) on the same generated database.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
source deploy/pg.sh
N=${1:-10000}
BIN=${BIN:-build/paidan}
OTHER=${OTHER_BIN:-}

pg_ensure_packages
[ -x "$BIN" ] || { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j2 >/dev/null; }
WORK=$(mktemp -d /tmp/paidan-bench-cp-XXXXXX)
chmod 755 "$WORK"
PORT=$((30000 + RANDOM % 5000))
cleanup() { pg_stop "$WORK/pgdata" || true; rm -rf "$WORK"; }
trap cleanup EXIT
pg_start "$WORK/pgdata" "$PORT" fast
pg_createdb "$WORK/pgdata" "$PORT" bench
URL=$(pg_url "$WORK/pgdata" "$PORT" bench)
ADMIN_URL=$(pg_url "$WORK/pgdata" "$PORT" postgres)
export PAIDAN_DATABASE_URL=$URL PAIDAN_SQL_DIR=$ROOT/sql PAIDAN_ID_KEY_FILE=$WORK/id.key
build/paidan migrate >/dev/null
build/paidan demo >/dev/null
psql "$URL" -qX -v ON_ERROR_STOP=1 -f tests/bench/generate_county.sql >/dev/null
psql "$URL" -qX -v ON_ERROR_STOP=1 -v orders="$N" -f tests/bench/generate_orders.sql >/dev/null
echo "orders: $(psql "$URL" -AtX -c 'SELECT count(*) FROM orders'), events: $(psql "$URL" -AtX -c 'SELECT count(*) FROM order_events')"
KEYS=(--checkpoint-key-file "$WORK/cp.key" --checkpoint-dir "$WORK/cp")
FILE=$(build/paidan audit checkpoint "${KEYS[@]}")
echo "checkpoint: $(grep -c '^order ' "$FILE") order heads"

# seconds of one command (best of three)
best() {
    local b=999999 s e t
    for _ in 1 2 3; do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc); b=$(echo "if ($t < $b) $t else $b" | bc)
    done
    echo "$b"
}
statements() { # statements the command sent, from the server log
    psql "$ADMIN_URL" -qX -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
    local before after
    before=$(wc -l <"$WORK/pgdata/server.log")
    "$@" >/dev/null 2>&1 || true
    after=$(grep -c 'LOG:  \(statement\|execute\)' <(tail -n +"$((before + 1))" "$WORK/pgdata/server.log") || true)
    psql "$ADMIN_URL" -qX -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
    echo "$after"
}
for bin in "$BIN" $OTHER; do
    plain=$(best "$bin" audit verify)
    with=$(best "$bin" audit verify --checkpoint "$FILE" "${KEYS[@]}")
    n=$(statements "$bin" audit verify --checkpoint "$FILE" "${KEYS[@]}")
    printf '%s: verify %.2f s, verify --checkpoint %.2f s (the check: %.2f s), %s statements\n' \
        "$bin" "$plain" "$with" "$(echo "$with - $plain" | bc)" "$n"
done
