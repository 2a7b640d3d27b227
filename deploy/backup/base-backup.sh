#!/usr/bin/env bash
# A base backup (pg_basebackup, tar + gzip, with the WAL needed to make it consistent) into
# BACKUP_DIR/base/YYYYmmddTHHMMSSZ/, then prunes base backups past the newest KEEP and archived WAL
# older than the oldest kept one. Run it as the postgres user (or a replication role), e.g. weekly.
#
#   base-backup.sh BACKUP_DIR [KEEP]      (KEEP defaults to 4)
#
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER).
set -euo pipefail

backup=$1 keep=${2:-4}
name=$(date -u +%Y%m%dT%H%M%SZ)
dir="$backup/base/$name"
mkdir -p "$backup/base" "$backup/wal"
pg_basebackup -D "$dir.partial" -Ft -z -X stream --checkpoint=fast --label="paidan $name"
# The moment after which any time can be recovered from this backup plus the archive.
date -u '+%Y-%m-%d %H:%M:%S+00' >"$dir.partial/finished_at"
mv "$dir.partial" "$dir"
echo "base backup $dir ($(du -sh "$dir" | cut -f1))"

mapfile -t all < <(find "$backup/base" -mindepth 1 -maxdepth 1 -type d -name '2*Z' -printf '%f\n' | sort)
if [ "${#all[@]}" -gt "$keep" ]; then
    for old in "${all[@]:0:${#all[@]}-keep}"; do
        rm -rf "${backup:?}/base/$old"
        echo "removed base backup $old"
    done
fi
# WAL before the oldest kept backup's start is no longer needed.
oldest=$(find "$backup/base" -mindepth 1 -maxdepth 1 -type d -name '2*Z' -printf '%f\n' | sort | head -n 1)
start_wal=$(tar -xzOf "$backup/base/$oldest/base.tar.gz" backup_label | sed -n 's/^START WAL LOCATION: .*(file \(.*\))$/\1/p')
if [ -n "$start_wal" ] && command -v pg_archivecleanup >/dev/null 2>&1; then
    pg_archivecleanup "$backup/wal" "$start_wal"
fi
