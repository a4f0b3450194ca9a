#!/bin/bash
# scripts/fuzz-campaign.sh: a long fuzzing campaign on a shared machine
# (docs/fuzzing.md, "Campaigns").
#
#   scripts/fuzz-campaign.sh run WORK UNTIL [LANES]
#       Build the libFuzzer targets (build-fuzz/, as scripts/fuzz.sh),
#       copy them to WORK/bin, and run LANES (default 2) lanes until the
#       wall-clock time UNTIL (anything `date -d` reads, e.g. 18:25).  Each
#       lane picks the target with the least CPU time so far in WORK (and
#       not running in another lane) and fuzzes it for 600 s of wall time
#       under `nice -n 19` (only idle CPU), growing WORK/corpus/NAME from
#       fuzz/corpus/NAME.  Each run leaves WORK/logs/NAME-LANE-HHMMSS.log
#       and .time (user and system CPU seconds, from /usr/bin/time);
#       crashes go to WORK/artifacts/.  Runs in the foreground; use
#       nohup/setsid to leave it running.
#   scripts/fuzz-campaign.sh summary WORK
#       Per target: runs, CPU minutes (user+sys, not wall time),
#       executions, the last edges (cov), features (ft) and corpus size
#       libFuzzer printed, and the findings (reproducers written).
#   scripts/fuzz-campaign.sh merge WORK
#       Minimize WORK/corpus/NAME against fuzz/corpus/NAME (libFuzzer
#       -merge=1: only inputs that add coverage) and copy the new inputs
#       into fuzz/corpus/NAME, to commit.
#
# FUZZ_TARGETS limits the targets (default: all seven).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
targets=${FUZZ_TARGETS:-"mmio tables dmar machine trace snapshot guest"}
cmd=${1:-}
work=${2:-}
if [ -z "$cmd" ] || [ -z "$work" ]; then
    sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)

cpu_of() { # CPU seconds of target $1 in the finished runs of $work
    { cat "$work"/logs/"$1"-*.time 2>/dev/null || true; } |
        awk '/^TIME/ { split($2, u, "="); split($3, s, "=");
                       t += u[2] + s[2] } END { printf "%d\n", t + 0 }'
}

lane() { # lane NAME STOP_EPOCH
    local name=$1 stop=$2 t best bc c now left secs log rc
    while :; do
        now=$(date +%s)
        left=$((stop - now))
        [ "$left" -lt 60 ] && break
        secs=$((left < 600 ? left : 600))
        exec 9>"$work/run/.lock"
        flock 9
        best=""
        bc=999999999
        for t in $targets; do
            [ -e "$work/run/$t" ] && continue
            c=$(cpu_of "$t")
            if [ "$c" -lt "$bc" ]; then
                bc=$c
                best=$t
            fi
        done
        [ -n "$best" ] && touch "$work/run/$best"
        flock -u 9
        if [ -z "$best" ]; then
            sleep 10
            continue
        fi
        t=$best
        mkdir -p "$work/corpus/$t"
        log=$work/logs/$t-$name-$(date +%H%M%S).log
        echo "$(date +%T) lane $name $t ${secs}s" >> "$work/lanes.log"
        rc=0
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        /usr/bin/time -f "TIME user=%U sys=%S wall=%e maxrss_kb=%M" \
            -o "$log.time" nice -n 19 "$work/bin/fuzz-$t" \
            -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
            "$work/corpus/$t" "$repo/fuzz/corpus/$t" > "$log" 2>&1 || rc=$?
        echo "$(date +%T) lane $name $t rc=$rc $(tail -n 1 "$log.time")" \
            >> "$work/lanes.log"
        rm -f "$work/run/$t"
        [ "$rc" -ne 0 ] && sleep 5
    done
    echo "$(date +%T) lane $name done" >> "$work/lanes.log"
}

case $cmd in
run)
    until=${3:?UNTIL}
    lanes=${4:-2}
    stop=$(date -d "$until" +%s)
    if [ ! -f build-fuzz/build.ninja ]; then
        CC=clang meson setup build-fuzz -Dfuzzers=true -Dtests=false \
            -Db_sanitize=address,undefined -Db_lundef=false
    fi
    nice ninja -C build-fuzz
    mkdir -p "$work/bin" "$work/logs" "$work/run" "$work/artifacts"
    rm -f "$work"/run/*
    for t in $targets; do
        cp "build-fuzz/fuzz/fuzz-$t" "$work/bin/.fuzz-$t.new"
        mv "$work/bin/.fuzz-$t.new" "$work/bin/fuzz-$t"
    done
    pids=()
    for i in $(seq 1 "$lanes"); do
        lane "$i" "$stop" &
        pids+=($!)
        sleep 2
    done
    wait "${pids[@]}"
    ;;
summary)
    printf '%-9s %4s %8s %11s %6s %7s %6s  %s\n' target runs "CPU min" \
        executions edges features corpus findings
    for t in $targets; do
        runs=0 execs=0 cov=0 ft=0 corp=0 finds=0
        for log in "$work"/logs/"$t"-*.log; do
            if [ ! -f "$log.time" ] || ! grep -q '^TIME' "$log.time"; then
                continue    # still running
            fi
            runs=$((runs + 1))
            n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" |
                tail -n 1 | awk '{ print $2 }')
            [ -z "$n" ] && n=$(grep -o '^#[0-9]*' "$log" | tail -n 1 |
                               tr -d '#')
            execs=$((execs + ${n:-0}))
            last=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" |
                   tail -n 1)
            if [ -n "$last" ]; then
                # shellcheck disable=SC2086
                set -- $last
                [ "$2" -gt "$cov" ] && cov=$2
                [ "$4" -gt "$ft" ] && ft=$4
                [ "$6" -gt "$corp" ] && corp=$6
            fi
            finds=$((finds + $(grep -c 'Test unit written' "$log" || true)))
        done
        c=$(cpu_of "$t")
        printf '%-9s %4d %8.1f %11d %6d %7d %6d  %d\n' "$t" "$runs" \
            "$(awk "BEGIN { print $c / 60 }")" "$execs" "$cov" "$ft" "$corp" "$finds"
    done
    find "$work/artifacts" -type f 2>/dev/null | sed 's/^/reproducer: /'
    ;;
merge)
    for t in $targets; do
        [ -d "$work/corpus/$t" ] || continue
        out=$work/merged/$t
        snap=$work/merged/$t.in
        rm -rf "$out" "$snap"
        mkdir -p "$out"
        cp fuzz/corpus/"$t"/* "$out"/ 2>/dev/null || true
        # A copy: a running lane replaces inputs by smaller ones, and a
        # merge that finds a listed file gone retries forever.
        cp -r "$work/corpus/$t" "$snap"
        nice -n 19 "$work/bin/fuzz-$t" -merge=1 -timeout=10 \
            -rss_limit_mb=2048 "$out" "$snap" \
            > "$work/merge-$t.log" 2>&1
        rm -rf "$snap"
        new=0
        for f in "$out"/*; do
            b=$(basename "$f")
            if [ ! -e "fuzz/corpus/$t/$b" ]; then
                cp "$f" "fuzz/corpus/$t/$b"
                new=$((new + 1))
            fi
        done
        echo "$t: $new new inputs ($(du -sb "fuzz/corpus/$t" | cut -f1) bytes in fuzz/corpus/$t)"
    done
    ;;
*)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
