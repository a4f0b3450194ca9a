#!/bin/bash
# scripts/fuzz.sh [SECONDS]: build the libFuzzer targets with clang, ASan
# and UBSan (build-fuzz/) and run each for SECONDS (default 60) starting
# from its seed corpus in fuzz/corpus/NAME.  New inputs go to
# build-fuzz/corpus/NAME; a crash, leak or timeout stops with a non-zero
# status and leaves the reproducer in build-fuzz/artifacts/.  See
# docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
targets=${FUZZ_TARGETS:-"mmio tables dmar machine trace snapshot guest"}
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzzers=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-fuzz
mkdir -p build-fuzz/artifacts
status=0
for t in $targets; do
    mkdir -p "build-fuzz/corpus/$t"
    echo "=== fuzz-$t for ${secs}s"
    log="build-fuzz/artifacts/$t.log"
    if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "build-fuzz/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="build-fuzz/artifacts/$t-" \
        "build-fuzz/corpus/$t" "fuzz/corpus/$t" > "$log" 2>&1; then
        grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
    else
        grep -E "ERROR|SUMMARY|Test unit written" "$log" || tail -n 20 "$log"
        echo "=== fuzz-$t FAILED (reproducer in build-fuzz/artifacts/)"
        status=1
    fi
done
exit $status
