#!/usr/bin/env bash
# Run paidan locally on a fresh Debian machine: install what is missing, build, start a private
# PostgreSQL under ./var/, migrate, load the demo county and serve on http://127.0.0.1:8080.
#
#   ./deploy/run-local.sh          set up and serve (a second run reuses the cluster and database)
#   ./deploy/run-local.sh stop     stop the private PostgreSQL
#
# Environment: PAIDAN_LISTEN (default 127.0.0.1:8080), PAIDAN_PG_PORT (default 5433; the cluster
# listens on a unix socket only, the port just names it), PAIDAN_DEMO_PASSWORD (demo accounts),
# PAIDAN_WORKERS, and anything else `build/paidan --help` lists.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source "$ROOT/deploy/pg.sh"

PGDATA_DIR="$ROOT/var/pgdata"
PG_PORT=${PAIDAN_PG_PORT:-5433}
LISTEN=${PAIDAN_LISTEN:-127.0.0.1:8080}

log() { printf '[run-local] %s\n' "$*" >&2; }

if [ "${1:-}" = stop ]; then
    pg_stop "$PGDATA_DIR"
    log "PostgreSQL stopped"
    exit 0
elif [ $# -gt 0 ]; then
    echo "usage: $0 [stop]" >&2
    exit 2
fi

pg_ensure_packages

log "building (build/, RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j2

mkdir -p "$ROOT/var"
chmod 755 "$ROOT/var"
pg_start "$PGDATA_DIR" "$PG_PORT"
pg_createdb "$PGDATA_DIR" "$PG_PORT" paidan
# The server connects as paidan_server (rows only); migrations, the demo and the tools as the owner.
pg_app_role "$PGDATA_DIR" "$PG_PORT" paidan_server

PAIDAN_DATABASE_URL=$(pg_url "$PGDATA_DIR" "$PG_PORT" paidan)
PAIDAN_SERVER_DATABASE_URL=$(pg_url_as "$PGDATA_DIR" "$PG_PORT" paidan paidan_server)
export PAIDAN_DATABASE_URL
export PAIDAN_CHECKPOINT_KEY_FILE="${PAIDAN_CHECKPOINT_KEY_FILE:-$ROOT/var/checkpoint.key}"
export PAIDAN_CHECKPOINT_DIR="${PAIDAN_CHECKPOINT_DIR:-$ROOT/var/checkpoints}"
export PAIDAN_LISTEN="$LISTEN"
export PAIDAN_STATIC_DIR="${PAIDAN_STATIC_DIR:-$ROOT/clients}"
export PAIDAN_SQL_DIR="${PAIDAN_SQL_DIR:-$ROOT/sql}"
export PAIDAN_ID_KEY_FILE="${PAIDAN_ID_KEY_FILE:-$ROOT/var/id.key}"
# SMS are only logged here (the server's log says what would have been sent).
export PAIDAN_SMS_CHANNEL="${PAIDAN_SMS_CHANNEL:-none}"
# The demo county's certificates name a sample issuer; a real deployment sets its own.
export PAIDAN_ISSUER="${PAIDAN_ISSUER:-定南县科学技术协会（示例）}"

# The QR decoder the team app serves (npm, locked): deploy/clients-vendor.sh.
bash "$ROOT/deploy/clients-vendor.sh"

log "migrating"
build/paidan migrate
log "loading the demo county"
demo_out=$(build/paidan demo)

base="http://$LISTEN"
cat <<EOF

paidan is starting on $base
  resident form  $base/
  console        $base/console/
  team app       $base/team/
  catalog        $base/api/v1/catalog
  database       $PAIDAN_DATABASE_URL (the server connects as paidan_server: rows only)
                 (psql "$PAIDAN_DATABASE_URL"; stop it with ./deploy/run-local.sh stop)

$demo_out

Press Ctrl-C to stop the server.
EOF

exec build/paidan serve --listen "$LISTEN" --database-url "$PAIDAN_SERVER_DATABASE_URL" \
    --migrate-database-url "$PAIDAN_DATABASE_URL"
