#!/usr/bin/env bash
# PostgreSQL's archive_command: copy one finished WAL segment into the archive, durably.
#
#   archive_command = '/usr/share/paidan/backup/archive-wal.sh %p %f /srv/paidan-backup/wal'
#
# Exit 0 only once the file is safely in the archive (PostgreSQL retries otherwise and keeps the
# segment). A segment already archived with the same content is success; with other content it is
# an error (two clusters writing into one archive), never an overwrite.
set -euo pipefail

src=$1 name=$2 archive=$3
dest="$archive/$name"
if [ -e "$dest" ]; then
    cmp -s "$src" "$dest" && exit 0
    echo "archive-wal: $dest exists with other content; refusing to overwrite" >&2
    exit 1
fi
tmp="$archive/.$name.tmp.$$"
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$dest"
sync "$archive"
