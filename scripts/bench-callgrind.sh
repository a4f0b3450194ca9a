#!/bin/bash
# scripts/bench-callgrind.sh: instructions per operation inside the
# library's entry points, for every `vtdemu bench` case (issue 16 item 5;
# docs/bench.md).  Exact and repeatable on a noisy machine, unlike wall
# clock: callgrind counts the instructions executed while the named entry
# point is on the stack (--toggle-collect), once with --iterations N and
# once with --iterations 0 (the same set-up, no operations); the
# difference divided by N is the cost of one operation.
#
# Entry points per case:
#   hit, miss, walk,  vtd_translate
#   psc               (walk with paging-structure caches)
#   inval             vtd_translate + vtd_mmio_write (the two register
#                     writes of the invalidation and the refill)
#   inval-domain, inval-global   the same (one register write)
#   remap, post       vtd_interrupt
#
# Usage: scripts/bench-callgrind.sh [-n N] [-b BUILD_DIR] [CASE...]
#   N          operations (default 100000)
#   BUILD_DIR  a meson build directory with tools/vtdemu (default build)
# Prints a Markdown table: case, instructions per op, entry points.
set -euo pipefail
cd "$(dirname "$0")/.."

n=100000
build=build
while getopts "n:b:h" o; do
    case $o in
    n) n=$OPTARG ;;
    b) build=$OPTARG ;;
    *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(hit walk psc miss inval inval-domain inval-global remap post)
case $n in ''|*[!0-9]*|0) echo "bench-callgrind: -n must be a positive integer" >&2; exit 2 ;; esac

vtdemu=$build/tools/vtdemu
if [ ! -x "$vtdemu" ]; then
    echo "bench-callgrind: $vtdemu not found (build first: meson setup $build && ninja -C $build)" >&2
    exit 2
fi
if ! command -v valgrind > /dev/null; then
    echo "bench-callgrind: valgrind not installed (scripts/deps.sh installs it)" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Instructions collected in one run (the "totals:" line of the output).
count() { # case iterations toggles...
    local c=$1 it=$2
    shift 2
    local args=() f
    for f in "$@"; do args+=("--toggle-collect=$f"); done
    if ! valgrind --tool=callgrind --collect-atstart=no "${args[@]}" \
            --callgrind-out-file="$tmp/out" "$vtdemu" bench "$c" \
            --iterations "$it" > "$tmp/log" 2>&1; then
        echo "bench-callgrind: 'vtdemu bench $c --iterations $it' failed:" >&2
        tail -5 "$tmp/log" >&2
        exit 1
    fi
    local t
    t=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/out")
    [ -n "$t" ] || t=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/out")
    echo "${t:-0}"
}

echo "| case | instructions/op | entry points |"
echo "|---|---|---|"
for c in "${cases[@]}"; do
    case $c in
    hit|miss|walk|psc) fns=(vtd_translate) ;;
    inval|inval-domain|inval-global) fns=(vtd_translate vtd_mmio_write) ;;
    remap|post) fns=(vtd_interrupt) ;;
    *) echo "bench-callgrind: unknown case '$c'" >&2; exit 2 ;;
    esac
    full=$(count "$c" "$n" "${fns[@]}")
    base=$(count "$c" 0 "${fns[@]}")
    per=$(awk -v a="$full" -v b="$base" -v n="$n" \
        'BEGIN { printf "%.1f", (a - b) / n }')
    echo "| $c | $per | ${fns[*]} |"
done
