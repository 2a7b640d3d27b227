#!/usr/bin/env bash
# The Debian package, checked the way a county IT office would meet it: build the .deb with CPack,
# check its metadata and contents, run lintian (no errors allowed), unpack it into a scratch root with
# dpkg-deb -x and run `paidan migrate` and `paidan serve` from there against PostgreSQL; serve a
# second time through systemd's socket hand-over (systemd-socket-activate) when systemd is installed.
#
#   tests/ops/package.sh [BUILD_DIR]       (default build/, configured and built already)
#
# PAIDAN_PKG_DATABASE_URL: an empty database to use, as its owner (it migrates); with it,
# PAIDAN_PKG_APP_DATABASE_URL: the same database as a member of paidan_app, which serve connects as
# (as paidan.env sets it up). Without them a throwaway cluster is started with both roles.
# Run by tests/run.sh as a stage; fast enough for CI (about 30 s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=$(cd "${1:-$ROOT/build}" && pwd -P)
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"

say() { printf '[package] %s\n' "$*"; }
fail() {
    printf '[package] FAIL: %s\n' "$*" >&2
    exit 1
}

ensure_tools() { # lintian, dpkg-shlibdeps (dpkg-dev) and help2man are not in the base image
    local missing=() p
    for p in lintian dpkg-dev help2man; do
        pg__pkg_installed "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
ensure_tools

WORK=$(mktemp -d /tmp/paidan-pkg.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=
PG_DIR=
cleanup() {
    local rc=$?
    set +e
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ -n "$PG_DIR" ] && pg_stop "$PG_DIR" >/dev/null 2>&1
    if [ "$rc" -ne 0 ]; then
        for f in "$WORK"/*.log; do
            [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

# ---------------------------------------------------------------- build
# The build tree was configured before help2man was installed: configure again so the manual page
# is made (find_program looks again for what it did not find).
if ! grep -q '^HELP2MAN:FILEPATH=/' "$BUILD/CMakeCache.txt"; then
    cmake "$BUILD" >"$WORK/reconfigure.log" 2>&1 || fail "cmake could not reconfigure $BUILD"
    cmake --build "$BUILD" --target paidan_manpage >>"$WORK/reconfigure.log" 2>&1 || fail "no manual page"
fi
say "cpack -G DEB in $BUILD"
rm -f "$BUILD"/paidan_*.deb
(cd "$BUILD" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || fail "cpack failed"
DEB=$(find "$BUILD" -maxdepth 1 -name 'paidan_*_amd64.deb' | head -n 1)
[ -n "$DEB" ] || fail "no paidan_*_amd64.deb in $BUILD"
say "built $(basename "$DEB") ($(du -k "$DEB" | cut -f1) KiB)"

# ---------------------------------------------------------------- metadata and contents
depends=$(dpkg-deb -f "$DEB" Depends)
say "Depends: $depends"
for lib in libevent-core-2.1 libevent-extra-2.1 libpq5 libjson-c libsodium adduser; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done
# Every shared library the binary needs comes from a package named in Depends, whatever later
# issues link (libcurl, libqrencode, …): `apt install ./paidan_….deb` must pull it.
for so in $(objdump -p "$BUILD/paidan" | awk '/NEEDED/ {print $2}'); do
    pkg=$(dpkg -S "*/$so" 2>/dev/null | head -n 1 | cut -d: -f1)
    [ -n "$pkg" ] || fail "no installed package holds $so"
    grep -Eq "(^|, )$pkg( |,|$)" <<<"$depends" || fail "Depends lacks $pkg (for $so)"
done
dpkg-deb -c "$DEB" >"$WORK/contents"
for path in ./usr/bin/paidan ./usr/share/paidan/sql/001_reference.sql ./usr/share/paidan/clients/resident/index.html \
    ./usr/share/paidan/clients/common/ ./lib/systemd/system/paidan.service ./lib/systemd/system/paidan.socket \
    ./lib/systemd/system/paidan-migrate.service \
    ./etc/paidan/paidan.env ./usr/share/doc/paidan/copyright ./usr/share/doc/paidan/changelog.gz \
    ./usr/share/man/man1/paidan.1.gz ./usr/share/doc/paidan/README.md; do
    grep -q " $path\$\| $path -> " "$WORK/contents" || fail "the package lacks $path"
done
grep -q ' root/root ' "$WORK/contents" || fail "files are not owned by root"
if grep -v ' root/root ' "$WORK/contents" | grep -q .; then
    fail "files not owned by root: $(grep -v ' root/root ' "$WORK/contents" | head -n 3)"
fi
dpkg-deb -e "$DEB" "$WORK/control"
grep -qx /etc/paidan/paidan.env "$WORK/control/conffiles" || fail "paidan.env is not a conffile"
for unit in paidan.service; do
    for setting in User=paidan ProtectSystem=strict NoNewPrivileges=true StateDirectory=paidan \
        EnvironmentFile=/etc/paidan/paidan.env UnsetEnvironment=PAIDAN_MIGRATE_DATABASE_URL \
        Requires=paidan-migrate.service; do
        dpkg-deb --fsys-tarfile "$DEB" | tar -xO "./lib/systemd/system/$unit" | grep -qx "$setting" ||
            fail "$unit lacks $setting"
    done
done
say "contents, conffiles, ownership and unit hardening: ok"

# ---------------------------------------------------------------- lintian
say "lintian"
lintian --fail-on error --allow-root --tag-display-limit 0 "$DEB" >"$WORK/lintian.log" 2>&1 || {
    cat "$WORK/lintian.log"
    fail "lintian reports errors"
}
say "lintian: $(grep -c '^E:' "$WORK/lintian.log" || true) errors, $(grep -c '^W:' "$WORK/lintian.log" || true) warnings"
sed 's/^/    /' "$WORK/lintian.log"

# ---------------------------------------------------------------- unpack and run
SCRATCH="$WORK/root"
dpkg-deb -x "$DEB" "$SCRATCH"
BIN="$SCRATCH/usr/bin/paidan"
if command -v systemd-analyze >/dev/null 2>&1 && [ -d /lib/systemd/system ]; then
    # Verified against this machine's systemd, with ExecStart pointing into the scratch root.
    mkdir -p "$WORK/units"
    cp "$SCRATCH/lib/systemd/system/paidan.socket" "$WORK/units/"
    for unit in paidan.service paidan-migrate.service; do
        sed "s|^ExecStart=/usr/bin/paidan|ExecStart=$BIN|" "$SCRATCH/lib/systemd/system/$unit" >"$WORK/units/$unit"
    done
    systemd-analyze verify "$WORK/units/paidan.socket" "$WORK/units/paidan.service" "$WORK/units/paidan-migrate.service" \
        >"$WORK/verify.log" 2>&1 ||
        { cat "$WORK/verify.log"; fail "systemd-analyze verify finds fault with the units"; }
    say "systemd-analyze verify: ok$( [ -s "$WORK/verify.log" ] && printf ' (%s)' "$(tr '\n' ' ' <"$WORK/verify.log")")"
    say "systemd-analyze security: $(systemd-analyze security --offline=true "$WORK/units/paidan.service" 2>/dev/null | grep -o 'Overall exposure level.*' || echo 'not available')"
fi

if [ -z "${PAIDAN_PKG_DATABASE_URL:-}" ]; then
    PG_DIR="$WORK/pg/data"
    mkdir -p "$WORK/pg"
    port=$((20000 + RANDOM % 20001))
    pg_start "$PG_DIR" "$port" fast
    pg_createdb "$PG_DIR" "$port" paidan_pkg
    PAIDAN_PKG_DATABASE_URL=$(pg_url "$PG_DIR" "$port" paidan_pkg)
    pg_app_role "$PG_DIR" "$port" paidan_server
    PAIDAN_PKG_APP_DATABASE_URL=$(pg_url_as "$PG_DIR" "$port" paidan_pkg paidan_server)
fi
# As the units run them: migrate as the owner (paidan-migrate.service), serve as the server's role
# without the owner's URL (paidan.service).
export PAIDAN_DATABASE_URL=$PAIDAN_PKG_DATABASE_URL
APP_URL=${PAIDAN_PKG_APP_DATABASE_URL:-$PAIDAN_PKG_DATABASE_URL}
export PAIDAN_SQL_DIR="$SCRATCH/usr/share/paidan/sql"
export PAIDAN_STATIC_DIR="$SCRATCH/usr/share/paidan/clients"
mkdir -p "$SCRATCH/var/lib/paidan"
export PAIDAN_ID_KEY_FILE="$SCRATCH/var/lib/paidan/id.key"

say "paidan migrate (from the unpacked package, as the tables' owner)"
"$BIN" migrate | tee "$WORK/migrate.log"
grep -q 'migrations up to date' "$WORK/migrate.log" || fail "paidan migrate did not finish"

free_port() { echo $((40000 + RANDOM % 20000)); }
wait_ready() { # URL
    local i
    for i in $(seq 1 100); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/readyz")" = 200 ]; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || fail "paidan exited early"
        sleep 0.1
    done
    fail "paidan not ready at $1"
}
check_serving() { # URL
    local status
    status=$(curl -s -o "$WORK/index.html" -w '%{http_code}' "$1/")
    [ "$status" = 200 ] && grep -q '<html' "$WORK/index.html" || fail "GET / gave $status"
    status=$(curl -s -o "$WORK/catalog.json" -w '%{http_code}' "$1/api/v1/catalog")
    [ "$status" = 200 ] || fail "GET /api/v1/catalog gave $status"
}
stop_server() {
    kill -TERM "$SERVER_PID"
    local rc=0
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=
    [ "$rc" -eq 0 ] || fail "paidan serve exited $rc on SIGTERM"
}

port=$(free_port)
say "paidan serve on 127.0.0.1:$port (from the unpacked package)"
PAIDAN_DATABASE_URL=$APP_URL PAIDAN_LISTEN="127.0.0.1:$port" "$BIN" serve 2>"$WORK/serve.log" &
SERVER_PID=$!
wait_ready "http://127.0.0.1:$port"
check_serving "http://127.0.0.1:$port"
mode=$(stat -c %a "$PAIDAN_ID_KEY_FILE")
[ "$mode" = 600 ] || fail "the ID-number key was made with mode $mode, not 600"
as=$(psql "$PAIDAN_PKG_DATABASE_URL" -AtX -c "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
if [ "$APP_URL" != "$PAIDAN_PKG_DATABASE_URL" ] && [ "$as" != paidan_server ]; then
    fail "serve connected as '$as', not as paidan_server"
fi
say "served /, /api/v1/catalog and /readyz as $as; key made with mode $mode"
stop_server

if command -v systemd-socket-activate >/dev/null 2>&1; then
    port=$(free_port)
    say "paidan serve under systemd-socket-activate on 127.0.0.1:$port"
    # PAIDAN_LISTEN names another port on purpose: the passed socket must win.
    PAIDAN_DATABASE_URL=$APP_URL PAIDAN_LISTEN="127.0.0.1:$(free_port)" systemd-socket-activate -l "127.0.0.1:$port" \
        -E PAIDAN_LISTEN -E PAIDAN_DATABASE_URL -E PAIDAN_SQL_DIR -E PAIDAN_STATIC_DIR -E PAIDAN_ID_KEY_FILE \
        "$BIN" serve 2>"$WORK/activated.log" &
    SERVER_PID=$!
    wait_ready "http://127.0.0.1:$port"
    check_serving "http://127.0.0.1:$port"
    grep -q 'listening on the socket systemd passed' "$WORK/activated.log" || fail "the passed socket was not used"
    stop_server
    say "socket activation: ok"
else
    say "systemd-socket-activate not installed: socket activation not checked here"
fi
say "PASS"
