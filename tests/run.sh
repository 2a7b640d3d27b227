#!/usr/bin/env bash
# Every test of paidan: builds (release and ASan/UBSan), unit tests in both, then integration tests
# against the ASan binary and a throwaway PostgreSQL. Exits non-zero on any failure; the last line is
# "N passed, N failed" (", N skipped" when a stage could not run), counting stages.
#
# Environment: PAIDAN_TEST_SKIP_BUILD=1 reuses build/ and build-asan/ as they are;
#              PAIDAN_TEST_KEEP=1 keeps the throwaway cluster's directory, with the server logs of
#              the integration tests in logs/ (its path is printed);
#              PAIDAN_TEST_ONLY="tests/integration/x.test.mjs tests/browser/y.test.mjs" runs only those
#              test files (for a quick loop while working; the summary then counts the rest as skipped);
#              PAIDAN_FUZZ_SECONDS (default 20; with PAIDAN_TEST_ONLY the fuzz stage runs only when set)
#              is each fuzz target's time;
#              PAIDAN_TEST_STAGE_TIMEOUT_S (default 1800) bounds the integration and the browser stage
#              each: on a quiet machine they take a few minutes, on a loaded one far longer;
#              PAIDAN_TEST_BIN=build/paidan runs the server under test from the release build instead
#              of the ASan one (for the timed, on-demand tests: lock storm, PAIDAN_THROTTLE=1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"

START_TIME=$(date +%s)
STAGE_TIMEOUT_S=${PAIDAN_TEST_STAGE_TIMEOUT_S:-1800}
PASSED=0
FAILED=0
SKIPPED=0
RESULTS=()

banner() { printf '\n===== %s =====\n' "$*"; }

# stage NAME CMD... : run CMD in a subshell with errexit on, record the result in STAGE_RC and the
# summary, never abort the script. Call it as a plain command (not after && or ||, where bash would
# switch errexit off inside CMD).
STAGE_RC=0
stage() {
    local name=$1 t0
    shift
    banner "$name"
    t0=$(date +%s)
    set +e
    (
        set -e
        "$@"
    )
    STAGE_RC=$?
    set -e
    if [ "$STAGE_RC" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        RESULTS+=("PASS  $name ($(($(date +%s) - t0)) s)")
    else
        FAILED=$((FAILED + 1))
        RESULTS+=("FAIL  $name (exit $STAGE_RC, $(($(date +%s) - t0)) s)")
    fi
}

skip() {
    SKIPPED=$((SKIPPED + 1))
    RESULTS+=("SKIP  $1 ($2)")
    printf '\n===== %s: skipped (%s) =====\n' "$1" "$2"
}

summary() {
    banner "summary ($(($(date +%s) - START_TIME)) s)"
    local r
    for r in "${RESULTS[@]}"; do
        printf '%s\n' "$r"
    done
    if [ "$SKIPPED" -gt 0 ]; then
        printf '%d passed, %d failed, %d skipped\n' "$PASSED" "$FAILED" "$SKIPPED"
    else
        printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    fi
}

# ---------------------------------------------------------------- set-up
stage "packages" pg_ensure_packages

test_tool_packages() { # Debian packages only the tests use: zbarimg reads certificates' QR codes back
    local missing=() p sudo=()
    for p in zbar-tools; do
        pg__pkg_installed "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "not root and no sudo: install ${missing[*]} first" >&2; return 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
stage "test packages" test_tool_packages
# The browser libraries the clients serve (the team app's QR decoder), from npm: as a deployment has them.
stage "client libraries (npm)" bash "$ROOT/deploy/clients-vendor.sh"

# Every client module must parse as an ES module: one that does not (a merge that imports a name twice)
# blanks its whole page, and the browser stage would only see it as timeouts minutes later.
client_modules_parse() {
    find "$ROOT/clients" -name '*.js' -not -path '*/vendor/*' | sort |
        node --no-warnings --experimental-vm-modules -e '
const fs = require("fs"), vm = require("vm");
let bad = 0;
for (const f of fs.readFileSync(0, "utf8").split("\n").filter(Boolean)) {
  try { new vm.SourceTextModule(fs.readFileSync(f, "utf8"), { identifier: f }); }
  catch (e) { bad++; console.log(`${f} does not parse: ${e.message}`); }
}
process.exit(bad ? 1 : 0);'
}
stage "client modules parse" client_modules_parse

build_tree() { # DIR CMAKE-ARGS...
    local dir=$1
    shift
    if [ "${PAIDAN_TEST_SKIP_BUILD:-0}" = 1 ] && [ -x "$dir/paidan" ]; then
        echo "PAIDAN_TEST_SKIP_BUILD=1: using $dir as it is"
        return 0
    fi
    cmake -S . -B "$dir" "$@"
    cmake --build "$dir" -j2
}

unit_tests() { # DIR
    ctest --test-dir "$1" --output-on-failure
}

build_ok=0
asan_ok=0
stage "build (RelWithDebInfo, -Werror)" build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAIDAN_WERROR=ON
[ "$STAGE_RC" -eq 0 ] && build_ok=1
stage "build-asan (Debug, ASan+UBSan, -Werror)" build_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DPAIDAN_SANITIZE=ON -DPAIDAN_WERROR=ON
[ "$STAGE_RC" -eq 0 ] && asan_ok=1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [ "$build_ok" = 1 ]; then
    stage "unit tests (build)" unit_tests build
else
    skip "unit tests (build)" "build failed"
fi
if [ "$asan_ok" = 1 ]; then
    stage "unit tests (build-asan)" unit_tests build-asan
else
    skip "unit tests (build-asan)" "build failed"
fi

# Every libFuzzer target (whole raw requests through the real server, bodies, the router) for a
# bounded time; tests/fuzz/run.sh SECONDS runs them longer on demand.
FUZZ_SECONDS=${PAIDAN_FUZZ_SECONDS:-20}
if [ -n "${PAIDAN_TEST_ONLY:-}" ] && [ -z "${PAIDAN_FUZZ_SECONDS:-}" ]; then
    skip "fuzz (${FUZZ_SECONDS} s per target)" "PAIDAN_TEST_ONLY"
else
    stage "fuzz (${FUZZ_SECONDS} s per target)" "$ROOT/tests/fuzz/run.sh" "$FUZZ_SECONDS"
fi

# ---------------------------------------------------------------- throwaway PostgreSQL
PG_BASE=$(mktemp -d /tmp/paidan-test.XXXXXX)
chmod 755 "$PG_BASE"
PG_DIR="$PG_BASE/data"
PG_PORT=$((20000 + RANDOM % 20001))

cleanup() {
    local rc=$?
    set +e
    [ -x "$PG_BASE/pg-signal" ] && [ -f "$PG_DIR/postmaster.pid" ] && "$PG_BASE/pg-signal" CONT >/dev/null 2>&1
    pg_stop "$PG_DIR" >/dev/null 2>&1
    if [ "${PAIDAN_TEST_KEEP:-0}" = 1 ]; then
        echo "kept $PG_BASE" >&2
    else
        rm -rf "$PG_BASE"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Commands the integration tests run to take the database away and bring it back.
cat >"$PG_BASE/pg-stop" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source $(printf '%q' "$ROOT/deploy/pg.sh")
pg_stop $(printf '%q' "$PG_DIR")
EOF
cat >"$PG_BASE/pg-start" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source $(printf '%q' "$ROOT/deploy/pg.sh")
pg_start $(printf '%q' "$PG_DIR") $PG_PORT fast
EOF
# pg-signal STOP|CONT freezes or thaws the whole cluster (postmaster first, then every backend), as
# its owner: a database that stops answering with its sockets still open, like a hung host.
cat >"$PG_BASE/pg-signal" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source $(printf '%q' "$ROOT/deploy/pg.sh")
pm=\$(head -n 1 $(printf '%q' "$PG_DIR/postmaster.pid"))
pg__as_pg kill -"\$1" "\$pm"
# One call for every backend (runuser is slow on a busy machine); one may end meanwhile.
# shellcheck disable=SC2016
pg__as_pg sh -c 'kill -s "\$0" "\$@" 2>/dev/null; exit 0' "\$1" \$(pgrep -P "\$pm")
EOF
chmod 755 "$PG_BASE/pg-stop" "$PG_BASE/pg-start" "$PG_BASE/pg-signal"

db_ok=0
start_db() {
    pg_start "$PG_DIR" "$PG_PORT" fast
    pg_createdb "$PG_DIR" "$PG_PORT" paidan_test
    # The servers under test connect as a role that may only read and write rows (issue 9).
    pg_app_role "$PG_DIR" "$PG_PORT" paidan_server
}
stage "throwaway PostgreSQL" start_db
[ "$STAGE_RC" -eq 0 ] && db_ok=1

# ---------------------------------------------------------------- integration tests (Node.js)
only_files() { # DIR: the files of PAIDAN_TEST_ONLY under DIR, one node --test run
    local f files=()
    for f in $PAIDAN_TEST_ONLY; do
        case "$f" in "$1"*) files+=("$f") ;; esac
    done
    [ "${#files[@]}" -eq 0 ] && { echo "PAIDAN_TEST_ONLY: nothing under $1"; return 0; }
    timeout --kill-after=15 "$STAGE_TIMEOUT_S" node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
}
integration() {
    export PAIDAN_BIN="$ROOT/${PAIDAN_TEST_BIN:-build-asan/paidan}"
    PAIDAN_TEST_DATABASE_URL=$(pg_url "$PG_DIR" "$PG_PORT" paidan_test)
    PAIDAN_TEST_APP_DATABASE_URL=$(pg_url_as "$PG_DIR" "$PG_PORT" paidan_test paidan_server)
    export PAIDAN_TEST_DATABASE_URL PAIDAN_TEST_APP_DATABASE_URL
    export PAIDAN_TEST_PG_STOP="$PG_BASE/pg-stop"
    export PAIDAN_TEST_PG_START="$PG_BASE/pg-start"
    export PAIDAN_TEST_PG_FREEZE="$PG_BASE/pg-signal STOP"
    export PAIDAN_TEST_PG_THAW="$PG_BASE/pg-signal CONT"
    export PAIDAN_SQL_DIR="$ROOT/sql"
    export PAIDAN_STATIC_DIR="$ROOT/clients"
    export PAIDAN_TEST_LOG_DIR="$PG_BASE/logs"
    export PAIDAN_ID_KEY_FILE="$PG_BASE/id.key" # made by the first server or import that needs it
    if [ -n "${PAIDAN_TEST_ONLY:-}" ]; then
        only_files tests/integration/
    elif node --test-concurrency=1 -e 0 >/dev/null 2>&1; then
        timeout --kill-after=15 "$STAGE_TIMEOUT_S" node --test --test-concurrency=1 --test-reporter=spec tests/integration/
    else
        # Node.js before 20.10 has no --test-concurrency: one file at a time by hand.
        local f rc=0
        for f in tests/integration/*.test.mjs; do
            timeout --kill-after=15 600 node --test --test-reporter=spec "$f" || rc=1
        done
        return "$rc"
    fi
}
if [ "$asan_ok" = 1 ] && [ "$db_ok" = 1 ]; then
    stage "integration tests (build-asan)" integration
else
    skip "integration tests (build-asan)" "needs build-asan and the database"
fi

# ---------------------------------------------------------------- operations
# The Debian package, built from build/ and run unpacked against its own database on the cluster.
package_test() {
    pg_createdb "$PG_DIR" "$PG_PORT" paidan_pkg
    PAIDAN_PKG_DATABASE_URL=$(pg_url "$PG_DIR" "$PG_PORT" paidan_pkg) \
        PAIDAN_PKG_APP_DATABASE_URL=$(pg_url_as "$PG_DIR" "$PG_PORT" paidan_pkg paidan_server) \
        "$ROOT/tests/ops/package.sh" "$ROOT/build"
}
if [ -n "${PAIDAN_TEST_ONLY:-}" ] && ! [[ " $PAIDAN_TEST_ONLY " == *" tests/ops/package.sh "* ]]; then
    skip "package (.deb)" "PAIDAN_TEST_ONLY"
elif [ "$build_ok" = 1 ] && [ "$db_ok" = 1 ]; then
    stage "package (.deb)" package_test
else
    skip "package (.deb)" "needs build and the database"
fi
# Backups: WAL archiving, a base backup, point-in-time restore into a new directory, audit verify.
if [ -n "${PAIDAN_TEST_ONLY:-}" ] && ! [[ " $PAIDAN_TEST_ONLY " == *" tests/ops/restore-drill.sh "* ]]; then
    skip "restore drill" "PAIDAN_TEST_ONLY"
elif [ "$build_ok" = 1 ]; then
    stage "restore drill" "$ROOT/tests/ops/restore-drill.sh" "$ROOT/build"
else
    skip "restore drill" "needs build"
fi

# ---------------------------------------------------------------- browser tests
# >>> BROWSER TESTS GO HERE <<<
# Headless Chromium (Debian's chromium, driven by playwright-core pinned in tests/browser/package-lock.json)
# against servers started the way the integration tests start them (tests/integration/harness.mjs),
# on the same throwaway cluster. Screenshots go to tests/browser/screenshots/ (not committed).
BROWSER_PACKAGES=(chromium fonts-wqy-microhei) # the font: legible Chinese in the screenshots

browser_packages() {
    local missing=() p
    for p in "${BROWSER_PACKAGES[@]}"; do
        pg__pkg_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    echo "installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "not root and no sudo: install ${missing[*]} first" >&2; return 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

browser_node_modules() { # npm ci unless node_modules already holds exactly the locked packages
    local dir="$ROOT/tests/browser" want have
    want=$(node -p "Object.entries(require('$dir/package-lock.json').packages).filter(([k]) => k).map(([k, v]) => k + '@' + v.version).join(' ')")
    have=$(node -p "Object.keys(require('$dir/package-lock.json').packages).filter((k) => k).map((k) => { try { return k + '@' + require('$dir/' + k + '/package.json').version } catch { return '' } }).join(' ')")
    if [ -n "$want" ] && [ "$want" = "$have" ]; then
        echo "tests/browser/node_modules: $have (cached)"
        return 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund)
}

browser_tests() {
    browser_packages
    browser_node_modules
    export PAIDAN_BIN="$ROOT/${PAIDAN_TEST_BIN:-build-asan/paidan}"
    PAIDAN_TEST_DATABASE_URL=$(pg_url "$PG_DIR" "$PG_PORT" paidan_test)
    PAIDAN_TEST_APP_DATABASE_URL=$(pg_url_as "$PG_DIR" "$PG_PORT" paidan_test paidan_server)
    export PAIDAN_TEST_DATABASE_URL PAIDAN_TEST_APP_DATABASE_URL
    export PAIDAN_SQL_DIR="$ROOT/sql"
    export PAIDAN_STATIC_DIR="$ROOT/clients"
    export PAIDAN_TEST_LOG_DIR="$PG_BASE/logs"
    export PAIDAN_ID_KEY_FILE="$PG_BASE/id.key"
    rm -rf "$ROOT/tests/browser/screenshots"
    local rc=0 f
    if [ -n "${PAIDAN_TEST_ONLY:-}" ]; then
        only_files tests/browser/ || rc=$?
    elif node --test-concurrency=1 -e 0 >/dev/null 2>&1; then
        timeout --kill-after=15 "$STAGE_TIMEOUT_S" node --test --test-concurrency=1 --test-reporter=spec tests/browser/ || rc=$?
    else
        for f in tests/browser/*.test.mjs; do
            timeout --kill-after=15 600 node --test --test-reporter=spec "$f" || rc=1
        done
    fi
    if [ "$rc" -eq 0 ]; then
        echo "browser tests: PASS ($(find "$ROOT/tests/browser/screenshots" -name '*.png' | wc -l) screenshots in tests/browser/screenshots/)"
    else
        echo "browser tests: FAIL (exit $rc)"
    fi
    return "$rc"
}
if [ "$asan_ok" = 1 ] && [ "$db_ok" = 1 ]; then
    stage "browser tests (headless Chromium)" browser_tests
else
    skip "browser tests (headless Chromium)" "needs build-asan and the database"
fi

# ---------------------------------------------------------------- summary
summary
[ "$FAILED" -eq 0 ] && [ "$SKIPPED" -eq 0 ]
