#!/usr/bin/env bash
# Restore drill: a cluster archiving its WAL (deploy/backup/archive-wal.sh), paidan taking orders,
# and then: orders A, a base backup, orders B, a noted time T, orders C; restore to T into a new
# directory with deploy/backup/restore.sh; the restored database must hold exactly A and B, and
# `paidan audit verify` must pass on it. The nightly dump is taken and restored too.
#
#   tests/ops/restore-drill.sh [BUILD_DIR]     (default build/; about 20 s; a stage of tests/run.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=$(cd "${1:-$ROOT/build}" && pwd -P)
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"
BINDIR=$(pg_bindir)

say() { printf '[restore-drill] %s\n' "$*"; }
fail() {
    printf '[restore-drill] FAIL: %s\n' "$*" >&2
    exit 1
}

WORK=$(mktemp -d /tmp/paidan-restore.XXXXXX)
chmod 755 "$WORK"
PRIMARY="$WORK/primary/data"
RESTORED="$WORK/restored/data"
BACKUP="$WORK/backup"
PORT=$((20000 + RANDOM % 10000))
PORT2=$((PORT + 10000))
SERVER_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    pg_stop "$PRIMARY" >/dev/null 2>&1
    pg_stop "$RESTORED" >/dev/null 2>&1
    if [ "$rc" -ne 0 ]; then
        for f in "$WORK"/*.log "$PRIMARY/server.log" "$RESTORED/server.log"; do
            [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
        done
    fi
    [ "${PAIDAN_TEST_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# ---------------------------------------------------------------- a primary that archives its WAL
mkdir -p "$WORK/primary" "$WORK/restored" "$BACKUP/wal" "$WORK/scripts"
cp "$ROOT"/deploy/backup/*.sh "$WORK/scripts/" # where the postgres user can run them
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$BACKUP" "$WORK/restored"
pg_start "$PRIMARY" "$PORT"
URL_ADMIN=$(pg_url "$PRIMARY" "$PORT" postgres)
psql "$URL_ADMIN" -qAtX -v ON_ERROR_STOP=1 \
    -c "ALTER SYSTEM SET wal_level = replica" \
    -c "ALTER SYSTEM SET archive_mode = on" \
    -c "ALTER SYSTEM SET archive_command = '$WORK/scripts/archive-wal.sh %p %f $BACKUP/wal'" \
    -c "ALTER SYSTEM SET archive_timeout = 0"
pg_stop "$PRIMARY"
pg_start "$PRIMARY" "$PORT"
pg_createdb "$PRIMARY" "$PORT" paidan
URL=$(pg_url "$PRIMARY" "$PORT" paidan)

export PAIDAN_SQL_DIR="$ROOT/sql" PAIDAN_STATIC_DIR="$ROOT/clients" PAIDAN_ID_KEY_FILE="$WORK/id.key"
"$BUILD/paidan" migrate --database-url "$URL" >/dev/null
"$BUILD/paidan" demo --database-url "$URL" >/dev/null
HTTP_PORT=$((40000 + RANDOM % 20000))
# The drill submits all its orders from one address and one phone: lift the anonymous limits.
"$BUILD/paidan" serve --database-url "$URL" --listen "127.0.0.1:$HTTP_PORT" \
    --orders-per-address-hour 100000 --open-orders-per-phone 100000 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/readyz")" = 200 ] && break
    sleep 0.1
done
read -r COMMUNITY CATEGORY < <(psql "$URL" -AtX -F ' ' -c \
    "SELECT (SELECT min(id) FROM communities), (SELECT min(id) FROM categories)")

order() { # LABEL: one order through the API; prints its tracking code
    local body code
    body=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"community_id\":$COMMUNITY,\"category_id\":$CATEGORY,\"description\":\"drill $1\",\"contact_name\":\"演练\",\"contact_phone\":\"13800000000\"}" \
        "http://127.0.0.1:$HTTP_PORT/api/v1/orders")
    code=$(tail -n 1 <<<"$body")
    [ "$code" = 201 ] || fail "order $1: HTTP $code: $body"
    head -n 1 <<<"$body" | grep -o '"tracking_code" *: *"[A-Z0-9]*"' | grep -o '[A-Z0-9]\{10\}'
}
batch() { # LABEL N FILE
    for i in $(seq 1 "$2"); do order "$1$i" >>"$3"; done
}

batch A 5 "$WORK/codes-a"
say "orders A: $(wc -l <"$WORK/codes-a")"
as_pg env PGHOST="$(pg_sockdir "$PRIMARY")" PGPORT="$PORT" PGUSER=postgres \
    "$WORK/scripts/base-backup.sh" "$BACKUP" | sed 's/^/    /'
batch B 5 "$WORK/codes-b"
say "orders B: $(wc -l <"$WORK/codes-b")"
sleep 1.1
T=$(psql "$URL" -AtX -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
say "noted time T = $T"
sleep 1.1
batch C 5 "$WORK/codes-c"
say "orders C: $(wc -l <"$WORK/codes-c")"
# Every commit so far into the archive: a WAL switch, then wait for the archiver.
seg=$(psql "$URL_ADMIN" -AtX -c "SELECT pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 100); do
    [ -f "$BACKUP/wal/$seg" ] && break
    sleep 0.1
done
[ -f "$BACKUP/wal/$seg" ] || fail "WAL segment $seg was not archived"
say "archived WAL up to $seg ($(find "$BACKUP/wal" -maxdepth 1 -type f | wc -l) segments)"

as_pg env PGHOST="$(pg_sockdir "$PRIMARY")" PGPORT="$PORT" PGUSER=postgres \
    "$WORK/scripts/nightly-dump.sh" "$BACKUP" paidan | sed 's/^/    /'
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=

# ---------------------------------------------------------------- restore to T
t0=$(date +%s%N)
as_pg "$WORK/scripts/restore.sh" "$BACKUP" "$RESTORED" "$T" | sed 's/^/    /'
pg_start "$RESTORED" "$PORT2"
RURL=$(pg_url "$RESTORED" "$PORT2" paidan)
for _ in $(seq 1 300); do
    [ "$(psql "$RURL" -AtX -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
    sleep 0.1
done
[ "$(psql "$RURL" -AtX -c 'SELECT pg_is_in_recovery()')" = f ] || fail "the restored cluster did not finish recovery"
ms=$((($(date +%s%N) - t0) / 1000000))
say "restored and promoted in $((ms / 1000)).$((ms % 1000 / 100)) s"
grep -E 'recovery stopping|starting point-in-time|archive recovery complete' "$RESTORED/server.log" | sed 's/^/    /' || true

sort "$WORK/codes-a" "$WORK/codes-b" >"$WORK/expected"
psql "$RURL" -AtX -c "SELECT tracking_code FROM orders WHERE description LIKE 'drill %' ORDER BY 1" >"$WORK/restored-codes"
sort -o "$WORK/restored-codes" "$WORK/restored-codes"
if ! diff -u "$WORK/expected" "$WORK/restored-codes" >"$WORK/diff.log"; then
    cat "$WORK/diff.log"
    fail "the restored orders are not exactly A and B"
fi
for c in $(cat "$WORK/codes-c"); do
    grep -qx "$c" "$WORK/restored-codes" && fail "order $c of C (after T) was restored"
done
say "restored orders: $(wc -l <"$WORK/restored-codes") = A ($(wc -l <"$WORK/codes-a")) + B ($(wc -l <"$WORK/codes-b")), none of C"
rc=0
"$BUILD/paidan" audit verify --database-url "$RURL" >"$WORK/verify.out" || rc=$?
sed 's/^/    /' "$WORK/verify.out"
say "paidan audit verify on the restored database: exit $rc"
[ "$rc" -eq 0 ] || fail "audit verify failed on the restored database"

# ---------------------------------------------------------------- the nightly dump restores too
dump=$(find "$BACKUP/dump" -name 'paidan-*.dump' | head -n 1)
psql "$RURL" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE from_dump"
pg_restore -d "$(pg_url "$RESTORED" "$PORT2" from_dump)" --no-owner "$dump"
n=$(psql "$(pg_url "$RESTORED" "$PORT2" from_dump)" -AtX -c "SELECT count(*) FROM orders WHERE description LIKE 'drill %'")
[ "$n" = 15 ] || fail "the nightly dump holds $n drill orders, not 15"
"$BUILD/paidan" audit verify --database-url "$(pg_url "$RESTORED" "$PORT2" from_dump)" >/dev/null ||
    fail "audit verify failed on the restored dump"
say "nightly dump: restored with pg_restore, 15 drill orders, audit verify passes"

# ---------------------------------------------------------------- keys, apart
"$WORK/scripts/backup-keys.sh" "$WORK/keys-offline" "$WORK" | sed 's/^/    /'
say "PASS"
