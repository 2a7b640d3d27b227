#!/usr/bin/env bash
# Benchmark of notifications (issue 12), on demand (not in CI):  ./tests/bench/notify.sh [SECONDS] [CLIENTS]
#  1. 点单 throughput (POST /api/v1/orders with wrk) with the sender off (--notify-sender 0) and on,
#     every order telling its community's group robot (a local HTTPS fake 企业微信); prints the ratio.
#  2. The sender keeping up: 1,000 notifications put due at once; prints how long they took to reach
#     the robot and the rate per minute.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/pg.sh
source deploy/pg.sh
SECONDS_RUN=${1:-15}
CLIENTS=${2:-8}

pg_ensure_packages
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j2 >/dev/null

WORK=$(mktemp -d /tmp/paidan-bench-XXXXXX)
chmod 755 "$WORK"
PORT=$((30000 + RANDOM % 5000))
HTTP_PORT=$((35000 + RANDOM % 5000))
cleanup() {
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
    [ -n "${RECEIVER_PID:-}" ] && kill "$RECEIVER_PID" 2>/dev/null
    pg_stop "$WORK/pgdata" || true
    rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$WORK/pgdata" "$PORT" fast
pg_createdb "$WORK/pgdata" "$PORT" bench
URL=$(pg_url "$WORK/pgdata" "$PORT" bench)
export PAIDAN_DATABASE_URL=$URL PAIDAN_SQL_DIR=$ROOT/sql PAIDAN_ID_KEY_FILE=$WORK/id.key
# One address and one phone send every order here: lift the anonymous limits (issue 9).
export PAIDAN_ORDERS_PER_ADDRESS_HOUR=100000000 PAIDAN_OPEN_ORDERS_PER_PHONE=100000000
build/paidan migrate >/dev/null
build/paidan demo >/dev/null

mkfifo "$WORK/receiver.out"
node tests/bench/notify_receiver.mjs >"$WORK/receiver.out" &
RECEIVER_PID=$!
exec 3<"$WORK/receiver.out"
read -r ROBOT_URL CA_FILE <&3
psql "$URL" -qX -v ON_ERROR_STOP=1 -c "INSERT INTO robot_webhooks (scope, scope_id, kind, url) SELECT 'community', id, 'wecom', '$ROBOT_URL' FROM communities UNION ALL SELECT 'county', 0, 'wecom', '$ROBOT_URL'" >/dev/null
read -r COMMUNITY CATEGORY < <(psql "$URL" -AtX -F' ' -c "SELECT min(c.id), (SELECT min(id) FROM categories) FROM communities c")
cat > "$WORK/submit.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"community_id":$COMMUNITY,"category_id":$CATEGORY,"description":"压测","contact_name":"压测","contact_phone":"13900000000"}'
-- each 点单 from its own phone, as residents send them
request = function()
  local body = wrk.body:gsub("13900000000", string.format("139%08d", math.random(0, 99999999)))
  return wrk.format(nil, nil, nil, body)
end
LUA

serve() { # SENDER: start the server, wait until ready
    build/paidan serve --listen "127.0.0.1:$HTTP_PORT" --notify-sender "$1" --ca-bundle "$CA_FILE" \
        --notify-poll-ms 500 >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.1; done
}
stop() { kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=; }
# CPU time (clock ticks) of a process and its reaped children: the server, the receiver, and
# PostgreSQL (the postmaster and its live backends). Throughput moves with whatever else runs on
# the machine; the CPU each 点单 costs does not, so it is printed beside the rates.
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
    local pm total=0 p
    pm=$(head -1 "$WORK/pgdata/postmaster.pid")
    total=$(ticks "$pm")
    for p in $(pgrep -P "$pm"); do total=$((total + $(ticks "$p"))); done
    echo "$total"
}
orders_now() { psql "$URL" -AtX -c "SELECT count(*) FROM orders"; }
run_wrk() {
    local s0 p0 r0 n0 rate
    s0=$(ticks "$SERVER_PID"); p0=$(pg_ticks); r0=$(ticks "$RECEIVER_PID"); n0=$(orders_now)
    rate=$(wrk -t 2 -c "$CLIENTS" -d "${SECONDS_RUN}s" -s "$WORK/submit.lua" "http://127.0.0.1:$HTTP_PORT/api/v1/orders" |
        awk '/^Requests\/sec/ {print $2}')
    awk -v s="$(($(ticks "$SERVER_PID") - s0))" -v p="$(($(pg_ticks) - p0))" -v r="$(($(ticks "$RECEIVER_PID") - r0))" \
        -v n="$(($(orders_now) - n0))" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        if (n > 0) printf "    CPU ms per 点单: server %.3f, PostgreSQL %.3f, receiver %.3f (%d orders)\n",
            s * 1000 / hz / n, p * 1000 / hz / n, r * 1000 / hz / n, n }' >&2
    echo "$rate"
}

# Waits until every notification made so far is sent (the sender must be running).
drain() {
    for _ in $(seq 1 1200); do
        LEFT=$(psql "$URL" -AtX -c "SELECT count(*) FROM notifications WHERE state <> 'sent'")
        EXPANDED=$(psql "$URL" -AtX -c "SELECT count(*) FROM order_events e WHERE e.id > (SELECT expanded_below FROM notify_state) AND NOT EXISTS (SELECT 1 FROM notify_expanded x WHERE x.event_id = e.id)")
        [ "$LEFT" = 0 ] && [ "$EXPANDED" = 0 ] && return 0
        sleep 0.5
    done
}

echo "点单 throughput, $CLIENTS connections, ${SECONDS_RUN}s each (sender off, on, off, on):"
echo "(before each 'on' run the sender first delivers what the 'off' run left, unmeasured)"
declare -a OFF ON
for round in 1 2; do
    serve 0
    OFF+=("$(run_wrk)")
    stop
    serve 1
    START=$(date +%s.%N)
    drain
    echo "    the off run's notifications delivered in $(echo "$(date +%s.%N) - $START" | bc) s" >&2
    [ "${NOTIFY_PROFILE:-0}" = 1 ] && [ "$round" = 2 ] && psql "$URL" -qX -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
    ON+=("$(run_wrk)")
    if [ "${NOTIFY_PROFILE:-0}" = 1 ] && [ "$round" = 2 ]; then
        psql "$URL" -qX -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
        grep -o 'duration: [0-9.]* ms  execute [a-z_0-9]*' "$WORK/pgdata/server.log" |
            awk '{t[$5] += $2; n[$5]++} END {for (k in t) printf "    %-28s %7d calls %9.1f ms\n", k, n[k], t[k]}' | sort -k4 -rn >&2
    fi
    stop
    echo "  round $round: off ${OFF[-1]} req/s, on ${ON[-1]} req/s"
done
serve 1
echo -n "  draining what the last run left… "
START=$(date +%s.%N)
drain
echo "done in $(echo "$(date +%s.%N) - $START" | bc) s"
awk -v off="${OFF[*]}" -v on="${ON[*]}" 'BEGIN {
    n = split(off, a, " "); split(on, b, " "); so = 0; sn = 0;
    for (i = 1; i <= n; i++) { so += a[i]; sn += b[i] }
    printf "  mean: off %.1f req/s, on %.1f req/s, ratio on/off %.3f\n", so / n, sn / n, sn / so }'
TOTAL=$(psql "$URL" -AtX -c "SELECT count(*) || ' notifications, ' || count(*) FILTER (WHERE state = 'sent') || ' sent' FROM notifications")
echo "  $TOTAL"

echo "the sender keeping up: 1,000 notifications due at once"
psql "$URL" -qX -v ON_ERROR_STOP=1 <<SQL >/dev/null
INSERT INTO notifications (event_id, order_id, rule, channel, recipient, template, text)
SELECT e.id, e.order_id, 'bench', 'robot', 'county:0', 'new_order', '压测 ' || g
  FROM generate_series(1, 1000) g
  CROSS JOIN LATERAL (SELECT id, order_id FROM order_events ORDER BY id OFFSET g LIMIT 1) e;
SQL
START=$(date +%s.%N)
for _ in $(seq 1 1200); do
    LEFT=$(psql "$URL" -AtX -c "SELECT count(*) FROM notifications WHERE rule = 'bench' AND state <> 'sent'")
    [ "$LEFT" = 0 ] && break
    sleep 0.1
done
ELAPSED=$(echo "$(date +%s.%N) - $START" | bc)
echo "  1,000 delivered in $ELAPSED s: $(echo "1000 * 60 / $ELAPSED" | bc) a minute (left: $LEFT)"
stop
kill "$RECEIVER_PID"
wait "$RECEIVER_PID" || true
cat <&3
RECEIVER_PID=
