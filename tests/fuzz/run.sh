#!/usr/bin/env bash
# Builds the libFuzzer targets (clang; build-fuzz/) and runs each for SECONDS (default 60) from the
# seeds in tests/fuzz/seeds/<target>/ (copied: the seeds stay as they are). CI runs it briefly
# (tests/run.sh, PAIDAN_FUZZ_SECONDS); run it longer on demand: tests/fuzz/run.sh 600
# A crash leaves its input as build-fuzz/crash-* and fails the run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
SECONDS_EACH=${1:-60}
TARGETS=(http request_body router)

# clang with libFuzzer's runtime (Debian: clang, libclang-rt-dev), installed when missing.
if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang libclang-rt-dev
fi

CC=clang cmake -S . -B build-fuzz -DPAIDAN_FUZZ=ON -DPAIDAN_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 >/dev/null

rc=0
rm -f build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* build-fuzz/oom-*
for t in "${TARGETS[@]}"; do
    corpus=$(mktemp -d /tmp/paidan-fuzz-$t.XXXXXX)
    log="$corpus.log"
    if [ -d "tests/fuzz/seeds/$t" ]; then
        cp -r "tests/fuzz/seeds/$t/." "$corpus/"
    fi
    echo "== fuzz_$t: $SECONDS_EACH s"
    status=0
    (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" -max_total_time="$SECONDS_EACH" \
        -print_final_stats=1 -max_len=16384 "$corpus") >"$log" 2>&1 || status=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss' "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "fuzz_$t: FOUND A PROBLEM (exit $status; the input is in build-fuzz/):"
        tail -40 "$log"
        rc=1
    fi
    echo "fuzz_$t: corpus $(find "$corpus" -type f | wc -l) inputs"
    rm -rf "$corpus" "$log"
done
exit "$rc"
