#!/usr/bin/env bash
# Each route against pgbench running the SQL that route sends, in one sitting, at several connection
# counts and on generated data of several sizes; prints one table (rates, their ratio, p50/p99) and
# then submit with live-update streams open. On demand only (not in CI):
#
#   ./tests/bench/routes.sh [ORDERS...]        default: 10000 100000 (add 1000000 for the 1M run)
#
# Settings (environment): BENCH_SECONDS per measurement (5), BENCH_CONNS ("16 64"), BENCH_POOL (server
# database pool, 8), BENCH_WORKERS (1), BENCH_STREAMS (2000: submit with that many live-update streams
# open, against submit just before without them: desks spread over the communities, then all of the
# submits' community), BENCH_IDLE_STREAMS (10000: the server's memory with
# that many idle streams; 0 skips), BENCH_ROUTES (all, or a list of names),
# BENCH_PG_FAST=1 (fsync off; default is a real commit path), BENCH_DATA_DIR (keep the cluster and its
# generated databases there and reuse a size's database on the next run: 1M orders take long to
# generate; a reused one is migrated to this tree and keeps what earlier runs submitted), BENCH_DEPTHS
# (e.g. "1 4": every route at each --db-pipeline-depth, the server restarted for each, its rows named
# route@dN; pgbench runs once per route and connection count, at the first depth; default: the
# server's own depth, rows unnamed).
#
# The SQL is taken from the server: the database logs every statement with its parameters while each
# route is called once (log_min_duration_statement = 0), and tests/bench/pgbench_script.mjs turns that
# into a pgbench script (-M prepared, so the statements go as parameterised prepared statements, as
# the server sends them). pgbench's p50/p99 come from its per-transaction log; wrk's from --latency.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh
SECONDS_RUN=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-16 64}
POOL=${BENCH_POOL:-8}
WORKERS=${BENCH_WORKERS:-1}
STREAMS=${BENCH_STREAMS:-2000}
IDLE_STREAMS=${BENCH_IDLE_STREAMS:-10000}
DEPTHS=${BENCH_DEPTHS:-}
DEPTH=
SIZES=${*:-10000 100000}

pg_ensure_packages
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
command -v node >/dev/null || { echo "node is needed (tests/run.sh installs it)" >&2; exit 1; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j2 >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/paidan-bench-XXXXXX)
chmod 755 "$WORK"
DATA=${BENCH_DATA_DIR:-$WORK}
mkdir -p "$DATA" && chmod 755 "$DATA"
PORT=$((30000 + RANDOM % 5000))
HTTP_PORT=$((35000 + RANDOM % 5000))
BASE=http://127.0.0.1:$HTTP_PORT
SERVER_PID=
STREAMS_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    SERVER_PID=
}
cleanup() {
    [ -n "$STREAMS_PID" ] && kill "$STREAMS_PID" 2>/dev/null
    stop_server
    pg_stop "$DATA/pgdata" || true
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
if [ "${BENCH_PG_FAST:-0}" = 1 ]; then pg_start "$DATA/pgdata" "$PORT" fast; else pg_start "$DATA/pgdata" "$PORT"; fi
PGBENCH=$(pg_bindir)/pgbench
ADMIN_URL=$(pg_url "$DATA/pgdata" "$PORT" postgres)
PGLOG="$DATA/pgdata/server.log"

start_server() {
    build/paidan serve --listen "127.0.0.1:$HTTP_PORT" --db-pool-size "$POOL" --workers "$WORKERS" \
        --sweep-interval-s 86400 --db-queue-max 4096 --orders-per-address-hour 100000000 \
        --open-orders-per-phone 100000000 --login-max-per-address 1000000 \
        --max-streams "$((STREAMS > IDLE_STREAMS ? STREAMS : IDLE_STREAMS))" --max-connections 20000 \
        ${DEPTH:+--db-pipeline-depth "$DEPTH"} >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && return 0; sleep 0.1; done
    echo "the server did not start" >&2; tail "$WORK/server.log" >&2; exit 1
}

# Waits (up to a minute) until the server answers its readiness probe quickly again: after wrk stops,
# the server still runs what was queued, which would land on the next measurement.
settle() {
    local t
    for _ in $(seq 1 120); do
        t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/readyz" || echo 9)
        awk -v t="$t" 'BEGIN { exit !(t < 0.05) }' && return 0
        sleep 0.5
    done
}

login() {
    curl -sf -X POST "$BASE/api/v1/sessions" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"paidan-demo\"}" | sed -E 's/.*"token" *: *"([^"]+)".*/\1/'
}

# The anonymous limits (issue 9) are lifted: every submit comes from one address with one phone.
# route NAME METHOD PATH TOKEN [BODY] [VARY]: the routes, as wrk and capture see them.
ROUTES=()
route() { ROUTES+=("$*"); }

# capture NAME METHOD PATH TOKEN BODY VARY: calls the route once with statement logging on and writes
# $WORK/NAME.pgb (the script) and $WORK/NAME.defs (its -D options).
capture() {
    local name=$1 method=$2 path=$3 token=$4 body=$5 vary=$6 before status
    local args=(-s -o /dev/null -w '%{http_code}' -X "$method" "$BASE$path")
    [ "$token" != - ] && args+=(-H "Authorization: Bearer $token")
    [ "$body" != - ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    for _ in 1 2 3; do
        settle
        before=$(stat -c %s "$PGLOG")
        status=$(curl "${args[@]}")
        sleep 0.3
        case $status in 2??) break ;; esac
        sleep 3
    done
    tail -c +"$((before + 1))" "$PGLOG" >"$WORK/$name.log"
    # shellcheck disable=SC2086
    node tests/bench/pgbench_script.mjs "$WORK/$name.log" "$WORK/$name.pgb" ${vary//,/ } >"$WORK/$name.defs"
    echo "  $name: HTTP $status, $(grep -vc '^\\set' "$WORK/$name.pgb") statement(s)"
}

# wrk_script NAME METHOD PATH TOKEN BODY → $WORK/NAME.lua
wrk_script() {
    local name=$1 method=$2 path=$3 token=$4 body=$5
    {
        echo "wrk.method = \"$method\""
        echo "wrk.path = \"$path\""
        [ "$token" != - ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
        if [ "$body" != - ]; then
            echo 'wrk.headers["Content-Type"] = "application/json"'
            printf 'wrk.body = [==[%s]==]\n' "$body"
        fi
        # Each submit from its own phone, as pgbench_script.mjs does (phone=...).
        if [[ $body == *$PHONE* ]]; then
            printf 'request = function()\n  local body = wrk.body:gsub("%s", string.format("139%%08d", math.random(0, 99999999)))\n  return wrk.format(nil, nil, nil, body)\nend\n' "$PHONE"
        fi
    } >"$WORK/$name.lua"
}

# pgbench_run NAME CONNS → "tps p50_ms p99_ms"
pgbench_run() {
    local name=$1 c=$2 defs=() line
    while IFS= read -r line; do defs+=(-D "$line"); done <"$WORK/$name.defs"
    rm -rf "$WORK/pglog" && mkdir -p "$WORK/pglog"
    local tps
    # -T counts pgbench's own connecting too (here about 70 ms per connection, one after another):
    # the run is padded so that about SECONDS_RUN of it is spent on transactions.
    tps=$( (cd "$WORK/pglog" && "$PGBENCH" -n -M prepared -c "$c" -j 2 -T "$((SECONDS_RUN + 1 + c / 8))" -l "${defs[@]}" \
        -f "$WORK/$name.pgb" "$URL" 2>"$WORK/pgbench.err" || true) | awk '/^tps/ {print $3; exit}')
    [ -n "$tps" ] || { tail -3 "$WORK/pgbench.err" >&2; tps=0; }
    # Per-transaction log: the third field is the latency in microseconds.
    cat "$WORK"/pglog/pgbench_log.* 2>/dev/null | awk '{print $3}' | sort -n | awk -v tps="$tps" '
        { v[NR] = $1 } END {
            if (NR == 0) { printf "%s - -\n", tps; exit }
            printf "%s %.2f %.2f\n", tps, v[int(NR * 0.5) + (NR * 0.5 > int(NR * 0.5))] / 1000,
                v[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] / 1000 }'
}

to_ms() { # wrk's "1.23ms" / "850.00us" / "1.02s" → milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

# The server's CPU time so far (its processes', in clock ticks): a figure per request that the
# machine's load does not move.
server_ticks() {
    local pid sum=0
    for pid in "$SERVER_PID" $(ps --ppid "$SERVER_PID" -o pid= 2>/dev/null); do
        sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$sum"
}

# wrk_run NAME CONNS → "rps p50_ms p99_ms non2xx server_cpu_us_per_request"
wrk_run() {
    local name=$1 c=$2 out rps p50 p99 bad ticks total
    ticks=$(server_ticks)
    out=$(wrk -t 2 -c "$c" -d "${SECONDS_RUN}s" --timeout 30s --latency -s "$WORK/$name.lua" "$BASE" 2>&1)
    ticks=$(($(server_ticks) - ticks))
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    echo "${rps:-0} $(to_ms "${p50:-0}") $(to_ms "${p99:-0}") ${bad:-0} $(awk -v t="$ticks" -v n="${total:-0}" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-" }')"
}

PHONE=13900001111
TABLE="$WORK/table"
printf '%-8s %-19s %5s %10s %10s %6s %15s %15s %7s %7s %5s\n' orders route conns paidan/s pgbench/s ratio \
    'paidan p50/p99' 'pgbench p50/p99' non2xx 'cpu µs' load >"$TABLE"

for N in $SIZES; do
    DB=bench_$N
    REUSED=$(psql "$ADMIN_URL" -AtX -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")
    pg_createdb "$DATA/pgdata" "$PORT" "$DB"
    URL=$(pg_url "$DATA/pgdata" "$PORT" "$DB")
    export PAIDAN_DATABASE_URL=$URL PAIDAN_SQL_DIR=$ROOT/sql PAIDAN_ID_KEY_FILE=$DATA/id.key
    build/paidan migrate >/dev/null
    if [ "$REUSED" = 1 ] && [ -n "${BENCH_DATA_DIR:-}" ]; then
        echo "== $N orders: reusing $DATA/pgdata's $DB: $(psql "$URL" -AtX -c 'SELECT count(*) FROM orders') orders"
        psql "$URL" -qX -c "VACUUM ANALYZE" >/dev/null
    else
        build/paidan demo >/dev/null
        echo "== $N orders: generating…"
        start=$(date +%s)
        psql "$URL" -qX -v ON_ERROR_STOP=1 -f tests/bench/generate_county.sql >/dev/null
        psql "$URL" -qX -v ON_ERROR_STOP=1 -v orders="$N" -f tests/bench/generate_orders.sql >/dev/null
        echo "   generated in $(($(date +%s) - start)) s: $(psql "$URL" -AtX -c 'SELECT count(*) FROM orders') orders"
    fi
    # Desks, 16 streams each: bench-desk-* all of the demo community (every submit below goes to each
    # of their streams: the worst case), bench-spread-* one of the demo community and the others of
    # the county's other communities in turn (as a county's desks are).
    DESKS=$(((STREAMS > IDLE_STREAMS ? STREAMS : IDLE_STREAMS) / 16 + 1))
    psql "$URL" -qX -v ON_ERROR_STOP=1 -v like=demo-community -v prefix=bench-desk -v count="$DESKS" -v keep="$DESKS" \
        -f tests/bench/accounts.sql >/dev/null
    psql "$URL" -qX -v ON_ERROR_STOP=1 -v like=demo-community -v prefix=bench-spread -v count="$((STREAMS / 16 + 1))" \
        -v keep=1 -f tests/bench/accounts.sql >/dev/null

    start_server
    ADMIN=$(login demo-admin)
    COMMUNITY=$(login demo-community)
    DEPARTMENT=$(login demo-department)
    TEAM=$(login demo-team)
    VOLUNTEER=$(login demo-volunteer)
    read -r ORDER_ID CODE < <(psql "$URL" -AtX -F' ' -c "SELECT id, tracking_code FROM orders WHERE state = 'closed' ORDER BY id DESC LIMIT 1")
    COMMUNITY_ID=$(psql "$URL" -AtX -c "SELECT community_id FROM users WHERE username = 'demo-community'")
    CATEGORY_ID=$(psql "$URL" -AtX -c "SELECT min(id) FROM categories")
    THREE_YEARS_AGO=$(date -u -d '+8 hours -1094 days' +%F)
    SUBMIT="{\"community_id\":$COMMUNITY_ID,\"category_id\":$CATEGORY_ID,\"description\":\"压测：电脑连不上网\",\"contact_name\":\"压测\",\"contact_phone\":\"$PHONE\"}"
    ROUTES=()
    route catalog GET /api/v1/catalog - - -
    route me GET /api/v1/me "$ADMIN" - -
    route track GET "/api/v1/track/$CODE" - - -
    route list_admin GET /api/v1/orders "$ADMIN" - -
    route list_community GET /api/v1/orders "$COMMUNITY" - -
    route list_department GET /api/v1/orders "$DEPARTMENT" - -
    route list_team GET /api/v1/orders "$TEAM" - -
    route list_volunteer GET /api/v1/orders "$VOLUNTEER" - -
    # What a desk's console opens on: its 待我处理 tab and the tabs' counts.
    route mine_community GET "/api/v1/orders?tab=mine&limit=30" "$COMMUNITY" - -
    route mine_department GET "/api/v1/orders?tab=mine&limit=30" "$DEPARTMENT" - -
    route counts_community GET /api/v1/queue/counts "$COMMUNITY" - -
    route detail GET "/api/v1/orders/$ORDER_ID" "$ADMIN" - -
    route stats_30d GET /api/v1/stats/summary "$ADMIN" - -
    route stats_3y GET "/api/v1/stats/summary?from=$THREE_YEARS_AGO" "$ADMIN" - -
    route stats_3y_community GET "/api/v1/stats/summary?from=$THREE_YEARS_AGO" "$COMMUNITY" - -
    route stats_3y_department GET "/api/v1/stats/summary?from=$THREE_YEARS_AGO" "$DEPARTMENT" - -
    route submit POST /api/v1/orders - "$SUBMIT" "3=code,phone=$PHONE"
    # Capture every route's SQL first (statement logging on only for this).
    psql "$ADMIN_URL" -qX -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
    echo "   the SQL of each route, as the server sends it:"
    for spec in "${ROUTES[@]}"; do
        read -r name method path token body vary <<<"$spec"
        if [ -n "${BENCH_ROUTES:-}" ] && ! grep -qw "$name" <<<"$BENCH_ROUTES"; then continue; fi
        capture "$name" "$method" "$path" "$token" "$body" "$vary"
        wrk_script "$name" "$method" "$path" "$token" "$body"
    done
    psql "$ADMIN_URL" -qX -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
    declare -A PGB_CACHE=()
    for DEPTH in ${DEPTHS:--}; do
        label=
        if [ "$DEPTH" = - ]; then DEPTH=; else label=@d$DEPTH; stop_server; start_server; fi
        for spec in "${ROUTES[@]}"; do
            read -r name _ <<<"$spec"
            [ -f "$WORK/$name.pgb" ] || continue
            for c in $CONNS; do
                settle
                [ -n "${PGB_CACHE[$name.$c]:-}" ] || PGB_CACHE[$name.$c]=$(pgbench_run "$name" "$c")
                read -r PG_TPS PG_P50 PG_P99 <<<"${PGB_CACHE[$name.$c]}"
                read -r RPS P50 P99 BAD CPU < <(wrk_run "$name" "$c")
                RATIO=$(awk -v h="$RPS" -v p="$PG_TPS" 'BEGIN { if (p > 0) printf "%.2f", h / p; else print "-" }')
                printf '%-8s %-19s %5s %10.0f %10.0f %6s %15s %15s %7s %7s %5s\n' "$N" "$name$label" "$c" "$RPS" \
                    "$PG_TPS" "$RATIO" "$P50/$P99" "$PG_P50/$PG_P99" "$BAD" "$CPU" "$(cut -d' ' -f1 /proc/loadavg)" |
                    tee -a "$TABLE"
            done
        done
    done
    unset PGB_CACHE

    # Submit with live-update streams open, against submit without them just before, in the same
    # sitting: desks spread over the county's communities ("spread": a submit reaches its community's
    # few), then every desk of the submits' community ("one community": each submit to every stream).
    if [ -f "$WORK/submit.lua" ] && [ "$STREAMS" -gt 0 ]; then
        declare -A WITHOUT=() WITHOUT_CPU=()
        for c in $CONNS; do settle; read -r RPS _ _ _ CPU < <(wrk_run submit "$c"); WITHOUT[$c]=$RPS; WITHOUT_CPU[$c]=$CPU; done
        for kind in spread desk; do
            node tests/bench/streams.mjs "$STREAMS" "$BASE" "bench-$kind" >"$WORK/streams.out" 2>&1 &
            STREAMS_PID=$!
            for _ in $(seq 1 1800); do grep -q '^ready' "$WORK/streams.out" && break; sleep 0.1; done
            RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
            label=submit+$STREAMS$([ "$kind" = desk ] && echo ' one' || echo ' spread')
            for c in $CONNS; do
                settle
                read -r RPS P50 P99 BAD CPU < <(wrk_run submit "$c")
                RATIO=$(awk -v h="$RPS" -v p="${WITHOUT[$c]}" 'BEGIN { if (p > 0) printf "%.2f", h / p; else print "-" }')
                printf '%-8s %-19s %5s %10.0f %10.0f %6s %15s %15s %7s %7s %5s\n' "$N" "$label" "$c" "$RPS" \
                    "${WITHOUT[$c]}" "$RATIO" "$P50/$P99" "(no streams)" "$BAD" "$CPU/${WITHOUT_CPU[$c]}" \
                    "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$TABLE"
            done
            kill "$STREAMS_PID" && wait "$STREAMS_PID" || true
            STREAMS_PID=
            echo "   $N orders, $label: the second rate is submit without streams just before; streams: $(grep '^ready' "$WORK/streams.out"); at the end: $(tail -1 "$WORK/streams.out"); server RSS with them open: $((RSS / 1024)) MB" | tee -a "$WORK/notes"
            sleep 3 # the closed streams are noticed before the next kind opens its own
        done
    fi
    # Memory with many idle streams (target: 10,000 in at most 100 MB per process), once: it does not
    # depend on the orders, and the accounts' logins (password hashes) take minutes.
    if [ "$IDLE_STREAMS" -gt 0 ] && [ "$N" = "${SIZES%% *}" ]; then
        settle
        BEFORE=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
        node tests/bench/streams.mjs "$IDLE_STREAMS" "$BASE" bench-desk >"$WORK/idle.out" 2>&1 &
        STREAMS_PID=$!
        for _ in $(seq 1 1800); do grep -q '^ready' "$WORK/idle.out" && break; sleep 0.1; done
        sleep 2
        RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
        OPEN=$(curl -s "$BASE/metrics" | awk '$1 == "paidan_http_connections" {print $2}')
        kill "$STREAMS_PID" && wait "$STREAMS_PID" || true
        STREAMS_PID=
        echo "   $N orders, $IDLE_STREAMS idle streams: $(grep '^ready' "$WORK/idle.out"); server holds ${OPEN:-?} connections; server RSS $((BEFORE / 1024)) MB before, $((RSS / 1024)) MB with them open" | tee -a "$WORK/notes"
    fi
    stop_server
done

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nproc: $(nproc); $SECONDS_RUN s per figure; server: --workers $WORKERS --db-pool-size $POOL; PostgreSQL fsync $([ "${BENCH_PG_FAST:-0}" = 1 ] && echo off || echo on)"
cat "$TABLE"
[ -f "$WORK/notes" ] && cat "$WORK/notes"
true
