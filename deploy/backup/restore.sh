#!/usr/bin/env bash
# Point-in-time recovery into a NEW data directory: the newest base backup finished before the
# target time, then archived WAL replayed up to that time; the result is promoted when started.
#
#   restore.sh BACKUP_DIR NEW_DATADIR 'YYYY-MM-DD HH:MM:SS+00'      (or 'latest': all archived WAL)
#
# It never touches a running cluster. Afterwards: start it (pg_ctl -D NEW_DATADIR start, as the
# postgres user, on a free port), check it (`paidan audit verify --database-url …`), then point
# paidan at it. The key files come from their own backup (README.md).
set -euo pipefail

backup=$1 target=$2 when=$3
[ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ] && {
    echo "restore: $target is not empty; restore into a new directory" >&2
    exit 1
}

to_epoch() { date -u -d "$1" +%s; }
choice=
for dir in $(find "$backup/base" -mindepth 1 -maxdepth 1 -type d -name '2*Z' | sort); do
    [ -f "$dir/finished_at" ] || continue
    if [ "$when" = latest ] || [ "$(to_epoch "$(cat "$dir/finished_at")")" -le "$(to_epoch "$when")" ]; then
        choice=$dir
    fi
done
[ -n "$choice" ] || {
    echo "restore: no base backup finished before $when" >&2
    exit 1
}
echo "restore: base backup $(basename "$choice") (finished $(cat "$choice/finished_at")), target $when"

mkdir -p "$target"
chmod 700 "$target"
tar -xzf "$choice/base.tar.gz" -C "$target"
[ -f "$choice/pg_wal.tar.gz" ] && tar -xzf "$choice/pg_wal.tar.gz" -C "$target/pg_wal"
wal=$(cd "$backup/wal" && pwd -P)
{
    echo "# restore.sh: point-in-time recovery from $wal"
    echo "restore_command = 'cp \"$wal/%f\" \"%p\"'"
    if [ "$when" != latest ]; then
        echo "recovery_target_time = '$when'"
        echo "recovery_target_inclusive = true"
    fi
    echo "recovery_target_action = 'promote'"
    # The restored copy must not archive into the original's archive.
    echo "archive_mode = off"
} >>"$target/postgresql.auto.conf"
touch "$target/recovery.signal"
echo "restore: ready in $target; start it and it replays to the target, then opens for writing"
