#!/usr/bin/env bash
# The browser libraries the web clients serve, from the npm registry (locked in
# deploy/clients-vendor/package-lock.json), copied into clients/common/vendor/ (not in git):
#   jsQR.js  the QR decoder the team app scans check-in codes with where the browser has no
#            BarcodeDetector (Chromium on Linux, many Android WebViews).
# Run by tests/run.sh and deploy/run-local.sh; run it before building the Debian package too.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/deploy/clients-vendor"
OUT="$ROOT/clients/common/vendor"

want=$(node -p "require('$SRC/package-lock.json').packages['node_modules/jsqr'].version")
have=$(node -p "try { require('$SRC/node_modules/jsqr/package.json').version } catch { '' }")
if [ "$want" != "$have" ]; then
    (cd "$SRC" && npm ci --no-audit --no-fund)
fi
mkdir -p "$OUT"
install -m 0644 "$SRC/node_modules/jsqr/dist/jsQR.js" "$OUT/jsQR.js"
install -m 0644 "$SRC/node_modules/jsqr/LICENSE" "$OUT/jsQR.LICENSE.txt"
echo "clients/common/vendor: jsQR $want"
