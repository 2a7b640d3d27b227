#!/usr/bin/env bash
# The suite once under valgrind (memcheck), on demand (slow: not in CI). A plain Debug build
# (valgrind cannot run an AddressSanitizer binary), the unit tests under valgrind, then the
# integration tests with every server and command started under valgrind, against a throwaway
# PostgreSQL. Each valgrind report goes to its own log; the script prints every error found and
# exits 1 when there is one. Tests with timing limits (deadlines of a second or two) may fail only
# because valgrind is 20-50 times slower: their results are printed, but only valgrind's own
# findings decide the exit status.
#
# Usage: tests/valgrind.sh [integration test files...]   (default: every file in tests/integration/)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"

command -v valgrind >/dev/null || {
    echo "valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
}
pg_ensure_packages

BUILD=build-valgrind
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DPAIDAN_WERROR=ON
cmake --build "$BUILD" -j2

WORK=$(mktemp -d /tmp/paidan-valgrind.XXXXXX)
chmod 755 "$WORK"
LOGS="$WORK/valgrind"
mkdir -p "$LOGS"
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-fds=no --num-callers=30)

echo "== unit tests under valgrind"
for t in "$BUILD"/test_*; do
    [ -x "$t" ] || continue
    "${VG[@]}" --log-file="$LOGS/unit-$(basename "$t").log" "$t" >/dev/null 2>&1 ||
        echo "   $(basename "$t"): exit $?"
done

# Every server the integration tests start runs under valgrind; the commands too with
# PAIDAN_VALGRIND_ALL=1 (on a loaded machine `paidan demo` under valgrind passes the tests' 120 s limit).
cat >"$WORK/paidan" <<EOF
#!/bin/sh
if [ "\$1" != serve ] && [ "\${PAIDAN_VALGRIND_ALL:-0}" != 1 ]; then
    exec $(printf '%q' "$ROOT/$BUILD/paidan") "\$@"
fi
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
    --show-leak-kinds=definite --num-callers=30 --log-file=$(printf '%q' "$LOGS")/paidan-%p.log \\
    $(printf '%q' "$ROOT/$BUILD/paidan") "\$@"
EOF
chmod 755 "$WORK/paidan"

PG_DIR="$WORK/data"
PG_PORT=$((20000 + RANDOM % 20001))
cleanup() {
    set +e
    pg_stop "$PG_DIR" >/dev/null 2>&1
    echo "valgrind logs kept in $LOGS" >&2
}
trap cleanup EXIT
pg_start "$PG_DIR" "$PG_PORT" fast
pg_createdb "$PG_DIR" "$PG_PORT" paidan_test
# db_freeze.test.mjs freezes the cluster as its owner, as tests/run.sh lets it.
cat >"$WORK/pg-signal" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source $(printf '%q' "$ROOT/deploy/pg.sh")
pm=\$(head -n 1 $(printf '%q' "$PG_DIR/postmaster.pid"))
pg__as_pg kill -"\$1" "\$pm"
# shellcheck disable=SC2016
pg__as_pg sh -c 'kill -s "\$0" "\$@" 2>/dev/null; exit 0' "\$1" \$(pgrep -P "\$pm")
EOF
chmod 755 "$WORK/pg-signal"

echo "== integration tests with the server under valgrind"
files=("$@")
[ "${#files[@]}" -eq 0 ] && files=(tests/integration/*.test.mjs)
set +e
PAIDAN_BIN="$WORK/paidan" \
    PAIDAN_TEST_DATABASE_URL=$(pg_url "$PG_DIR" "$PG_PORT" paidan_test) \
    PAIDAN_SQL_DIR="$ROOT/sql" PAIDAN_STATIC_DIR="$ROOT/clients" PAIDAN_TEST_LOG_DIR="$WORK/logs" \
    PAIDAN_ID_KEY_FILE="$WORK/id.key" \
    PAIDAN_TEST_PG_FREEZE="$WORK/pg-signal STOP" PAIDAN_TEST_PG_THAW="$WORK/pg-signal CONT" \
    timeout --kill-after=30 7200 node --test --test-concurrency=1 --test-reporter=dot "${files[@]}" >"$WORK/tests.txt" 2>&1
tests_rc=$?
set -e
echo "   integration tests: exit $tests_rc (summary below; failures may be timing under valgrind)"
grep -E '^# (tests|pass|fail)' "$WORK/tests.txt" || tail -5 "$WORK/tests.txt"

echo "== valgrind's findings"
errors=0
for log in "$LOGS"/*.log; do
    # With --quiet, valgrind writes only what it found: an empty log is a clean run.
    [ -s "$log" ] || continue
    errors=$((errors + 1))
    echo "--- $log"
    head -60 "$log"
done
runs=$(find "$LOGS" -name '*.log' | wc -l)
echo "$runs processes ran under valgrind; $errors reported errors"
[ "$errors" -eq 0 ]
