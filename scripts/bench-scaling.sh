#!/bin/bash
# scripts/bench-scaling.sh: two-thread scaling of `vtdemu bench`, one
# command (issue 16 item 5; docs/bench.md, "Two-thread scaling").
#
# For each case, ROUNDS rounds; each round runs the case on one thread
# and then on two (interleaved, so that a busy spell of a shared machine
# falls on both), --iterations N per thread, and reads Mops/s from
# `vtdemu bench --json`.  Prints a Markdown table: per thread count the
# best and the worst Mops/s, and the scaling (best at two threads over
# best at one, and worst over worst), with the date, the commit, the
# CPU count and the load average before and after.  Wall clock: meant for
# a quiet machine (load average below 0.3, nothing else running); the
# script says so when the load is higher.
#
# inval-load is not a scaling case: each round runs `vtdemu bench
# inval-load --threads 2` (one thread invalidating one page at a time
# through the registers, one translating; docs/bench.md) with N / 10
# invalidations, and a second table gives the invalidation latency (mean
# and p99) alone and with the translating thread, and the translating
# thread's Mops/s alone and with the invalidations.
#
# Usage: scripts/bench-scaling.sh [-n N] [-r ROUNDS] [-b BUILD_DIR] [-f] [CASE...]
#   N          operations per thread (default 2000000)
#   ROUNDS     runs per case and thread count (default 3)
#   BUILD_DIR  meson build directory with tools/vtdemu (default build;
#              use a debugoptimized or release build)
#   -f         run every benchmark under `chrt -f 10` (SCHED_FIFO; needs
#              root): its threads then preempt everything at normal
#              priority, which makes the figures usable on a busy machine
#              (the kernel's RT throttling still leaves 5% of each second
#              to the rest; each run takes a second or two)
#   CASE       default: hit walk miss inval remap post inval-load
set -euo pipefail
cd "$(dirname "$0")/.."

n=2000000
rounds=3
build=build
fifo=()
while getopts "n:r:b:fh" o; do
    case $o in
    n) n=$OPTARG ;;
    r) rounds=$OPTARG ;;
    b) build=$OPTARG ;;
    f) fifo=(chrt -f 10) ;;
    *) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(hit walk miss inval remap post inval-load)
case $n in ''|*[!0-9]*|0) echo "bench-scaling: -n must be a positive integer" >&2; exit 2 ;; esac
case $rounds in ''|*[!0-9]*|0) echo "bench-scaling: -r must be a positive integer" >&2; exit 2 ;; esac

vtdemu=$build/tools/vtdemu
if [ ! -x "$vtdemu" ]; then
    echo "bench-scaling: $vtdemu not found (build first: meson setup $build --buildtype=debugoptimized && ninja -C $build)" >&2
    exit 2
fi

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(loadavg)
buildtype=$(sed -n "s/^buildtype *= *//p" "$build/meson-private/cmd_line.txt" 2>/dev/null || true)

# Mops/s of one run (the "mops" member of the JSON line).
mops() { # case threads
    local out
    if ! out=$("${fifo[@]}" "$vtdemu" bench "$1" --iterations "$n" --threads "$2" --json); then
        echo "bench-scaling: 'vtdemu bench $1 --threads $2' failed: $out" >&2
        exit 1
    fi
    sed -n 's/.*"mops": *\([0-9.]*\).*/\1/p' <<< "$out"
}

# inval-load: one JSON line per round.
ilrows=()
inval_load() {
    local out
    if ! out=$("${fifo[@]}" "$vtdemu" bench inval-load --iterations "$((n / 10 > 0 ? n / 10 : 1))" --threads 2 --json); then
        echo "bench-scaling: 'vtdemu bench inval-load --threads 2' failed: $out" >&2
        exit 1
    fi
    ilrows+=("$(sed -n 's/.*"inval_alone": {[^}]*"mean_ns": \([0-9.]*\), [^}]*"p99_ns": \([0-9]*\),.*"inval_loaded": {[^}]*"mean_ns": \([0-9.]*\), [^}]*"p99_ns": \([0-9]*\),.*"xlate_alone_mops": \([0-9.]*\), "xlate_loaded_mops": \([0-9.]*\).*/\1 \2 \3 \4 \5 \6/p' <<< "$out")")
}

rows=()
for c in "${cases[@]}"; do
    if [ "$c" = inval-load ]; then
        for ((r = 0; r < rounds; r++)); do inval_load; done
        continue
    fi
    one=() two=()
    for ((r = 0; r < rounds; r++)); do
        one+=("$(mops "$c" 1)")
        two+=("$(mops "$c" 2)")
    done
    rows+=("$(printf '%s\n' "${one[@]}" | sort -g | sed -n '1p;$p' | tr '\n' ' ')$(printf '%s\n' "${two[@]}" | sort -g | sed -n '1p;$p' | tr '\n' ' ')$c")
done
load_after=$(loadavg)

echo "$(date -u '+%Y-%m-%d %H:%M UTC')${fifo:+ (SCHED_FIFO)}, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)'), $(nproc) CPUs, build '$build' (${buildtype:-unknown buildtype}), $n operations per thread, $rounds rounds"
echo "load average before: $load_before; after: $load_after"
echo
if [ ${#rows[@]} -gt 0 ]; then
echo "| case | 1 thread (Mops/s, worst-best) | 2 threads (Mops/s, worst-best) | scaling (worst, best) |"
echo "|---|---|---|---|"
fi
for row in "${rows[@]}"; do
    read -r w1 b1 w2 b2 c <<< "$row"
    awk -v c="$c" -v w1="$w1" -v b1="$b1" -v w2="$w2" -v b2="$b2" 'BEGIN {
        printf "| %s | %.2f-%.2f | %.2f-%.2f | %.2fx, %.2fx |\n", c, w1, b1, w2, b2,
               (w1 > 0 ? w2 / w1 : 0), (b1 > 0 ? b2 / b1 : 0) }'
done
if [ ${#ilrows[@]} -gt 0 ]; then
    echo
    echo "inval-load, 2 threads, $((n / 10 > 0 ? n / 10 : 1)) one-page invalidations per run (latencies include one clock read pair):"
    echo
    echo "| round | invalidation alone (mean, p99 ns) | with a translating thread (mean, p99 ns) | translating Mops/s alone | with the invalidations |"
    echo "|---|---|---|---|---|"
    i=0
    for row in "${ilrows[@]}"; do
        i=$((i + 1))
        read -r am a99 lm l99 xa xl <<< "$row"
        awk -v i="$i" -v am="$am" -v a99="$a99" -v lm="$lm" -v l99="$l99" -v xa="$xa" -v xl="$xl" 'BEGIN {
            printf "| %d | %.0f, %d | %.0f, %d | %.2f | %.2f (%.2fx) |\n", i, am, a99, lm, l99, xa, xl,
                   (xa > 0 ? xl / xa : 0) }'
    done
fi
busy=$(awk -v a="${load_before%% *}" -v b="${load_after%% *}" 'BEGIN { print (a > 0.3 || b > 0.3) ? 1 : 0 }')
if [ "$busy" = 1 ] || [ "$(nproc)" -lt 2 ]; then
    echo
    echo "WARNING: load average above 0.3 or fewer than 2 CPUs: the figures are not meaningful for scaling (docs/bench.md)."
fi
