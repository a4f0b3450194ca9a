#!/bin/sh
# scripts/record-roundtrip.sh VTDEMU ITEM...: record each trace, then
# replay the recording; every recorded expectation must pass.
#
# An ITEM is a trace, a folder (searched for *.vtdt), or FOLDER=MACHINE.dtb
# for traces without set-up lines that run on a machine description
# (`vtdemu run`): they are recorded with a `machine` line added after
# their header.  A missing folder is skipped with a note (the oracle may
# be absent).  At the end the script reports how many expectations the
# originals and the recordings carry (`vtdemu replay` counts).
set -u
vtdemu=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
n=0
: > "$tmp/list"
for arg in "$@"; do
    machine=
    dir=$arg
    case $arg in
    *=*)
        dir=${arg%%=*}
        machine=${arg#*=}
        case $machine in /*) ;; *) machine=$(pwd)/$machine ;; esac
        ;;
    esac
    if [ -d "$dir" ]; then
        find "$dir" -name '*.vtdt' | sort | sed "s|\$|	$machine|"
    elif [ -e "$dir" ]; then
        printf '%s\t%s\n' "$dir" "$machine"
    else
        echo "skipped (not there): $dir" >&2
    fi
done > "$tmp/list"

# The "N passed, M failed" total of one replay: N+M.
count() {
    "$vtdemu" replay --quiet "$1" 2>/dev/null |
        sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' |
        tail -n 1 | { read -r p f && echo $((p + f)) || echo 0; }
}

orig_total=0
rec_total=0
tab=$(printf '\t')
while IFS="$tab" read -r t machine; do
    n=$((n + 1))
    src=$t
    if [ -n "$machine" ]; then
        # Keep the file's folder so relative paths still resolve.
        src="$tmp/machine-$n.vtdt"
        awk -v m="$machine" '
            !done && /^[ \t]*vtdtrace[ \t]/ { print; print "machine " m;
                                              done = 1; next }
            { print }' "$t" > "$src"
    fi
    out="$tmp/rec-$n.vtdt"
    if ! "$vtdemu" record -o "$out" "$src"; then
        echo "record failed: $t"
        status=1
        continue
    fi
    if ! "$vtdemu" replay --quiet "$out" > "$tmp/replay.log" 2>&1; then
        cat "$tmp/replay.log"
        echo "replay of the recording of $t failed"
        status=1
    fi
    o=$(count "$src")
    r=$(count "$out")
    orig_total=$((orig_total + o))
    rec_total=$((rec_total + r))
done < "$tmp/list"
echo "$n traces recorded and replayed"
echo "expectations: $orig_total in the originals, $rec_total in the recordings"
exit $status
