# shellcheck shell=bash
# Shared helpers for a private PostgreSQL cluster, sourced by deploy/run-local.sh and tests/run.sh.
#
#   pg_ensure_packages          install what is missing of the Debian packages the project needs
#   pg_start DIR PORT [fast]    initdb DIR if needed, start it (unix socket only), wait until ready;
#                               "fast" (or PAIDAN_PG_FAST=1) turns fsync off: for throwaway test clusters
#   pg_stop DIR                 stop it (fast mode) if it is running
#   pg_status DIR               exit 0 when the cluster in DIR is running
#   pg_sockdir DIR              the socket directory used for DIR
#   pg_url DIR PORT DBNAME      print a libpq URI for DBNAME
#   pg_createdb DIR PORT DBNAME create DBNAME unless it exists
#   pg_app_role DIR PORT ROLE   the server's login role, a member of paidan_app (rows only)
#   pg_url_as DIR PORT DB ROLE  a libpq URI connecting as ROLE
#
# DIR is the data directory. Its socket directory is DIR/../run (so DIR should be a directory of its
# own, e.g. var/pgdata next to var/run), unless PAIDAN_PG_SOCKDIR says otherwise or that path is too
# long for a unix socket (107 bytes), in which case a short directory under /tmp is used.
# PostgreSQL refuses to run as root: as root, every server command runs as the postgres user.

PAIDAN_PG_PACKAGES=(build-essential cmake pkg-config libevent-dev libpq-dev libjson-c-dev
    libsodium-dev zlib1g-dev libcmocka-dev libcurl4-openssl-dev libqrencode-dev libturbojpeg0-dev ca-certificates
    openssl postgresql postgresql-contrib curl nodejs)

pg__log() { printf '[pg] %s\n' "$*" >&2; }

pg__die() {
    printf '[pg] error: %s\n' "$*" >&2
    return 1
}

pg__pkg_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

pg_ensure_packages() {
    local missing=() p
    for p in "${PAIDAN_PG_PACKAGES[@]}"; do
        if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then
            continue # a Node.js from elsewhere (nodesource, nvm) will do
        fi
        pg__pkg_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    pg__log "installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            pg__die "not root and no sudo: install these packages first: ${missing[*]}"
            return 1
        fi
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" || return 1
}

pg_bindir() {
    if [ -n "${PAIDAN_PG_BINDIR:-}" ]; then
        printf '%s\n' "$PAIDAN_PG_BINDIR"
        return 0
    fi
    local d
    d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then
        printf '%s\n' "$d"
        return 0
    fi
    if command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    pg__die "no PostgreSQL server binaries found (install the postgresql package)"
}

pg__abspath() {
    local d=$1
    if [ -d "$d" ]; then
        (cd "$d" && pwd -P)
    else
        local parent
        parent=$(cd "$(dirname "$d")" && pwd -P) || return 1
        printf '%s/%s\n' "$parent" "$(basename "$d")"
    fi
}

pg_sockdir() {
    if [ -n "${PAIDAN_PG_SOCKDIR:-}" ]; then
        printf '%s\n' "$PAIDAN_PG_SOCKDIR"
        return 0
    fi
    local dir parent cand
    dir=$(pg__abspath "$1") || return 1
    parent=$(dirname "$dir")
    cand="$parent/run"
    # ".s.PGSQL.NNNNN" plus "/" is 15 bytes; sun_path holds 107 of them.
    if [ "${#cand}" -gt 90 ]; then
        cand="/tmp/paidan-pg-$(printf '%s' "$dir" | md5sum | cut -c1-12)"
    fi
    printf '%s\n' "$cand"
}

pg__is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a PostgreSQL server command, as the postgres user when we are root.
pg__as_pg() {
    if pg__is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# As root: make sure the postgres user can reach the directory PATH (search bit on PATH and each of
# its ancestors, from the top down, so only the directories that block the way are changed).
pg__make_traversable() {
    pg__is_root || return 0
    local p cur='' part parts
    p=$(pg__abspath "$1") || return 1
    IFS=/ read -ra parts <<<"$p"
    for part in "${parts[@]}"; do
        [ -n "$part" ] || continue
        cur="$cur/$part"
        if ! runuser -u postgres -- test -x "$cur" 2>/dev/null; then
            pg__log "giving others search permission on $cur so the postgres user can reach the cluster"
            chmod o+x "$cur" || return 1
        fi
    done
}

pg_status() {
    local bindir
    bindir=$(pg_bindir) || return 1
    [ -f "$1/PG_VERSION" ] || return 1
    pg__as_pg "$bindir/pg_ctl" -D "$1" status >/dev/null 2>&1
}

pg_start() {
    local dir=$1 port=$2 mode=${3:-}
    if [ -z "$dir" ] || [ -z "$port" ]; then
        pg__die "usage: pg_start DIR PORT [fast]"
        return 1
    fi
    local bindir sock
    bindir=$(pg_bindir) || return 1
    mkdir -p "$dir" || return 1
    dir=$(pg__abspath "$dir") || return 1
    sock=$(pg_sockdir "$dir") || return 1
    mkdir -p "$sock" || return 1
    chmod 700 "$dir"
    chmod 755 "$sock"
    if pg__is_root; then
        id postgres >/dev/null 2>&1 || { pg__die "as root, the postgres user is needed (install postgresql)"; return 1; }
        chown postgres: "$dir" "$sock" || return 1
        pg__make_traversable "$(dirname "$dir")" || return 1
        pg__make_traversable "$sock" || return 1
    fi

    if [ ! -f "$dir/PG_VERSION" ]; then
        pg__log "initdb $dir"
        pg__as_pg "$bindir/initdb" -D "$dir" -E UTF8 --locale=C.UTF-8 -A trust -U postgres >"$dir.initdb.log" 2>&1 || {
            cat "$dir.initdb.log" >&2
            pg__die "initdb failed"
            return 1
        }
        rm -f "$dir.initdb.log"
    fi

    if pg_status "$dir"; then
        pg__log "already running: $dir"
    else
        local opts="-c listen_addresses='' -c unix_socket_directories='$sock' -c port=$port"
        if [ "$mode" = fast ] || [ "${PAIDAN_PG_FAST:-0}" = 1 ]; then
            opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        fi
        pg__log "starting PostgreSQL in $dir (socket $sock, port $port)"
        if ! pg__as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null; then
            tail -n 30 "$dir/server.log" >&2 2>/dev/null || true
            pg__die "pg_ctl start failed"
            return 1
        fi
    fi

    local i
    for i in $(seq 1 300); do
        if "$bindir/pg_isready" -q -h "$sock" -p "$port" -U postgres; then
            return 0
        fi
        [ "$i" -eq 1 ] && pg__log "waiting for PostgreSQL to accept connections"
        sleep 0.1
    done
    tail -n 30 "$dir/server.log" >&2 2>/dev/null || true
    pg__die "PostgreSQL in $dir is not ready after 30 s (socket $sock, port $port)"
}

pg_stop() {
    local dir=$1 bindir
    bindir=$(pg_bindir) || return 1
    [ -f "$dir/PG_VERSION" ] || return 0
    if pg_status "$dir"; then
        pg__as_pg "$bindir/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
    fi
}

pg__urlencode() {
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [a-zA-Z0-9._~/-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

pg_url() {
    local dir=$1 port=$2 db=$3 sock
    sock=$(pg_sockdir "$dir") || return 1
    printf 'postgresql:///%s?host=%s&port=%s&user=postgres\n' "$(pg__urlencode "$db")" "$(pg__urlencode "$sock")" "$port"
}

# pg_url_as DIR PORT DBNAME ROLE: like pg_url, connecting as ROLE.
pg_url_as() {
    local dir=$1 port=$2 db=$3 role=$4 sock
    sock=$(pg_sockdir "$dir") || return 1
    printf 'postgresql:///%s?host=%s&port=%s&user=%s\n' "$(pg__urlencode "$db")" "$(pg__urlencode "$sock")" "$port" "$(pg__urlencode "$role")"
}

# pg_app_role DIR PORT ROLE: the login role the server connects as, a member of paidan_app (which may
# read and write rows, and owns nothing: sql/053_app_role.sql). Idempotent.
pg_app_role() {
    local dir=$1 port=$2 role=$3 url
    if ! [[ $role =~ ^[a-z_][a-z0-9_]*$ ]]; then
        pg__die "role name must be a plain identifier: $role"
        return 1
    fi
    url=$(pg_url "$dir" "$port" postgres) || return 1
    psql "$url" -AtX -q -v ON_ERROR_STOP=1 <<SQL || return 1
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'paidan_app') THEN
        CREATE ROLE paidan_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
        CREATE ROLE $role LOGIN IN ROLE paidan_app;
    END IF;
END
\$\$;
SQL
}

pg_createdb() {
    local dir=$1 port=$2 db=$3 url exists
    if ! [[ $db =~ ^[a-z_][a-z0-9_]*$ ]]; then
        pg__die "database name must be a plain identifier: $db"
        return 1
    fi
    url=$(pg_url "$dir" "$port" postgres) || return 1
    exists=$(psql "$url" -AtX -v ON_ERROR_STOP=1 -c "SELECT 1 FROM pg_database WHERE datname = '$db'") || return 1
    if [ "$exists" != 1 ]; then
        pg__log "creating database $db"
        psql "$url" -AtX -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" || return 1
    fi
}
