#!/usr/bin/env bash
# Bytes a phone downloads for each web client's first visit, plain and gzip-compressed, measured
# through a running paidan (tests/ops/page-sizes.sh BASE_URL). Every file of the client's folder is
# counted (the scripts are ES modules that import each other), plus the shared /common/ modules.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BASE=${1:?usage: page-sizes.sh BASE_URL}

size() { # URL-PATH ENCODING: bytes on the wire (the compressed copy is made on the first request)
    local p=$1 enc=$2 n
    if [ "$enc" = gzip ]; then
        curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$BASE$p"
        sleep 0.2
        n=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$BASE$p")
    else
        n=$(curl -s -o /dev/null -w '%{size_download}' "$BASE$p")
    fi
    echo "$n"
}
printf '%-10s %6s %10s %10s %6s\n' client files plain gzip saved
for client in resident console team; do
    prefix="/$client"
    [ "$client" = resident ] && prefix=""
    paths=("$prefix/")
    for f in "$ROOT/clients/$client"/*; do
        name=$(basename "$f")
        [ "$name" = index.html ] && continue
        case "$name" in *.png) continue ;; esac # icons only when installed
        paths+=("$prefix/$name")
    done
    [ "$client" != resident ] && paths+=(/common/dom.js /common/sse.js)
    plain=0 gz=0
    for p in "${paths[@]}"; do
        plain=$((plain + $(size "$p" plain)))
        gz=$((gz + $(size "$p" gzip)))
    done
    printf '%-10s %6d %10d %10d %5d%%\n' "$client" "${#paths[@]}" "$plain" "$gz" $((100 - gz * 100 / plain))
done
