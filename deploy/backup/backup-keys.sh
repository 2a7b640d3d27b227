#!/usr/bin/env bash
# Copies paidan's key files to a place that is NOT where the database backups go (another disk,
# an offline medium), with their SHA-256 sums, so a restore can check it has the right keys.
#
#   backup-keys.sh DEST_DIR [STATE_DIR]      (STATE_DIR defaults to /var/lib/paidan)
#
# Keys: id.key (encrypts ID-card numbers; without it they cannot be read and a registered number
# is not recognised again) and, once the audit checkpoints exist, their signing key (*.key).
set -euo pipefail

dest=$1 state=${2:-/var/lib/paidan}
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest/$stamp"
found=0
for key in "$state"/*.key; do
    [ -f "$key" ] || continue
    cp -p "$key" "$dest/$stamp/"
    found=$((found + 1))
done
[ "$found" -gt 0 ] || {
    echo "backup-keys: no *.key in $state" >&2
    exit 1
}
(cd "$dest/$stamp" && sha256sum -- *.key >SHA256SUMS && sha256sum -c --quiet SHA256SUMS)
echo "backup-keys: $found key file(s) in $dest/$stamp"
cat "$dest/$stamp/SHA256SUMS"
