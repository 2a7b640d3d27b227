#!/usr/bin/env bash
# A logical dump (pg_dump custom format) into BACKUP_DIR/dump/, keeping the newest KEEP; a second,
# independent way back (another PostgreSQL version, one table, a look at last night's data).
#
#   nightly-dump.sh BACKUP_DIR [DBNAME] [KEEP]      (defaults: paidan, 14)
#
# Restore: createdb NEW && pg_restore -d NEW --no-owner BACKUP_DIR/dump/paidan-….dump
set -euo pipefail

backup=$1 db=${2:-paidan} keep=${3:-14}
mkdir -p "$backup/dump"
out="$backup/dump/$db-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump -Fc -d "$db" -f "$out.partial"
pg_restore --list "$out.partial" >/dev/null # readable, or fail now rather than on the day it is needed
mv "$out.partial" "$out"
echo "dump $out ($(du -h "$out" | cut -f1))"
find "$backup/dump" -maxdepth 1 -name "$db-*.dump" -printf '%f\n' | sort | head -n -"$keep" |
    while read -r old; do rm -f "$backup/dump/$old" && echo "removed dump $old"; done
