#!/bin/sh
# scripts/record-roundtrip.sh VTDEMU TRACE|DIR...: record each trace (DIRs
# are searched for *.vtdt), then replay the recording; every recorded
# expectation must pass.
set -u
vtdemu=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
n=0
for arg in "$@"; do
    if [ -d "$arg" ]; then
        find "$arg" -name '*.vtdt' | sort
    else
        echo "$arg"
    fi
done > "$tmp/list"
while IFS= read -r t; do
    n=$((n + 1))
    out="$tmp/rec-$n.vtdt"
    if ! "$vtdemu" record -o "$out" "$t"; then
        echo "record failed: $t"
        status=1
        continue
    fi
    if ! "$vtdemu" replay --quiet "$out" > "$tmp/replay.log" 2>&1; then
        cat "$tmp/replay.log"
        echo "replay of the recording of $t failed"
        status=1
    fi
done < "$tmp/list"
echo "$n traces recorded and replayed"
exit $status
