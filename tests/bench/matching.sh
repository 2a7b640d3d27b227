#!/usr/bin/env bash
# Benchmark of team matching on a generated county (1,000 teams, 50,000 volunteers): the HTTP
# endpoint GET /api/v1/orders/{id}/suggested-teams against pgbench running the same SQL
# (SELECT * FROM paidan_suggest_teams(id)) in the same run, with the same concurrency.
# Prints both rates and their ratio: this machine is noisy, the ratio is what to compare.
# On demand only (not in CI):  ./tests/bench/matching.sh [SECONDS] [CLIENTS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh
SECONDS_RUN=${1:-10}
CLIENTS=${2:-4}

pg_ensure_packages
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j2 >/dev/null

WORK=$(mktemp -d /tmp/paidan-bench-XXXXXX)
PORT=$((30000 + RANDOM % 5000))
HTTP_PORT=$((35000 + RANDOM % 5000))
cleanup() { [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null; pg_stop "$WORK/pgdata" || true; rm -rf "$WORK"; }
trap cleanup EXIT
pg_start "$WORK/pgdata" "$PORT" fast
pg_createdb "$WORK/pgdata" "$PORT" bench
URL=$(pg_url "$WORK/pgdata" "$PORT" bench)
export PAIDAN_DATABASE_URL=$URL PAIDAN_SQL_DIR=$ROOT/sql
build/paidan migrate >/dev/null
build/paidan demo >/dev/null
echo "generating the county…"
psql "$URL" -qX -v ON_ERROR_STOP=1 -f tests/bench/generate_county.sql >/dev/null
# 100 orders dispatched to departments (candidates: that department's teams) and 100 not yet
# dispatched (candidates: every team).
psql "$URL" -qX -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
INSERT INTO orders (tracking_code, community_id, category_id, department_id, state, description,
                    contact_name, contact_phone, last_event_hash)
SELECT substr(md5(g::text), 1, 0) || translate(upper(substr(md5(g::text || 'x'), 1, 10)), '01IOL', '23456'),
       (SELECT id FROM communities ORDER BY id OFFSET g % 16 LIMIT 1),
       (SELECT id FROM categories ORDER BY id OFFSET g % 11 LIMIT 1),
       CASE WHEN g <= 100 THEN (SELECT department_id FROM categories ORDER BY id OFFSET g % 11 LIMIT 1) END,
       CASE WHEN g <= 100 THEN 'dispatched' ELSE 'submitted' END,
       'bench', '测试', '13900000000', decode(repeat('00', 32), 'hex')
  FROM generate_series(1, 200) g;
ANALYZE;
SQL
read -r COUNTS < <(psql "$URL" -AtX -F' ' -c "SELECT (SELECT count(*) FROM teams), (SELECT count(*) FROM volunteers), (SELECT min(id) FROM orders WHERE description = 'bench'), (SELECT max(id) FROM orders WHERE description = 'bench')")
set -- $COUNTS
echo "county: $1 teams, $2 volunteers; orders $3..$4"
LO=$3
HI=$4

echo "single query (EXPLAIN ANALYZE), one dispatched and one undispatched order:"
for id in "$LO" "$HI"; do
    psql "$URL" -AtX -c "EXPLAIN (ANALYZE, TIMING OFF) SELECT * FROM paidan_suggest_teams($id)" | grep 'Execution Time' | sed "s/^/  order $id: /"
done

cat > "$WORK/suggest.sql" <<SQL
\set id random($LO, $HI)
SELECT * FROM paidan_suggest_teams(:id);
SQL
PGBENCH=$(pg_bindir)/pgbench
echo "pgbench: $CLIENTS clients, ${SECONDS_RUN}s"
PG_TPS=$("$PGBENCH" -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" -f "$WORK/suggest.sql" "$URL" | awk '/^tps/ {print $3; exit}')
echo "  pgbench: $PG_TPS queries/s"

build/paidan serve --listen "127.0.0.1:$HTTP_PORT" --db-pool-size "$CLIENTS" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$HTTP_PORT/api/v1/sessions" -H 'Content-Type: application/json' \
    -d '{"username":"demo-admin","password":"paidan-demo"}' | sed -E 's/.*"token" *: *"([^"]+)".*/\1/')
cat > "$WORK/suggest.lua" <<LUA
math.randomseed(42)
request = function()
  local id = math.random($LO, $HI)
  return wrk.format("GET", "/api/v1/orders/" .. id .. "/suggested-teams", {["Authorization"] = "Bearer $TOKEN"})
end
LUA
echo "HTTP (wrk): $CLIENTS connections, ${SECONDS_RUN}s"
HTTP_RPS=$(wrk -t 2 -c "$CLIENTS" -d "${SECONDS_RUN}s" -s "$WORK/suggest.lua" "http://127.0.0.1:$HTTP_PORT" | awk '/^Requests\/sec/ {print $2}')
NON_2XX=$(grep -c 'status=[45]' "$WORK/server.log" || true)
echo "  paidan: $HTTP_RPS requests/s ($NON_2XX non-2xx)"
awk -v h="$HTTP_RPS" -v p="$PG_TPS" 'BEGIN { printf "ratio paidan/pgbench: %.2f\n", h / p }'
