#!/bin/sh
# oracle-check.sh VTDEMU ORACLE_DIR DEVIATIONS
#
# Replays the oracle traces in ORACLE_DIR and passes when the expectations
# that fail are exactly the ones listed in DEVIATIONS (FILE:LINE SECTION
# why; see traces/oracle-deviations.txt): those are where the VT-d
# specification and the recorded QEMU 7.2 behaviour disagree and vtdemu
# follows the specification.  An unlisted failure fails the test, and so
# does a listed expectation that now passes.  Exit 77 (skipped) when the
# oracle directory is absent.
set -u
vtdemu=$1
dir=$2
devs=$3
if [ ! -d "$dir" ]; then
    echo "oracle directory $dir not found: skipped"
    exit 77
fi
tmp=${TMPDIR:-/tmp}/oracle-check.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
"$vtdemu" replay --quiet "$dir" > "$tmp/out" 2>&1
rc=$?
if [ "$rc" -gt 1 ]; then
    cat "$tmp/out"
    echo "vtdemu replay exited with $rc (usage, parse or trace error)"
    exit 1
fi
# Failing expectations as BASENAME:LINE.
sed -n 's/^\(.*\):\([0-9][0-9]*\): FAIL .*/\1:\2/p' "$tmp/out" |
    sed 's|.*/||' | sort -u > "$tmp/failed"
grep -v '^#' "$devs" | awk 'NF { print $1 }' | sort -u > "$tmp/listed"
comm -23 "$tmp/failed" "$tmp/listed" > "$tmp/unexpected"
comm -13 "$tmp/failed" "$tmp/listed" > "$tmp/fixed"
nfail=$(wc -l < "$tmp/failed")
nunexp=$(wc -l < "$tmp/unexpected")
nfixed=$(wc -l < "$tmp/fixed")
closing=$(tail -n 1 "$tmp/out")
echo "replay: $closing"
echo "known specification deviations (listed in $(basename "$devs")): $((nfail - nunexp))"
status=0
if [ "$nunexp" -ne 0 ]; then
    echo "UNEXPECTED failures ($nunexp):"
    while read -r fl; do
        grep -F -A1 "/$fl: FAIL" "$tmp/out" | head -n 2
    done < "$tmp/unexpected"
    status=1
fi
if [ "$nfixed" -ne 0 ]; then
    echo "listed deviations that now pass ($nfixed): remove them from $devs"
    sed 's/^/  /' "$tmp/fixed"
    status=1
fi
[ "$status" -eq 0 ] && echo "oracle: every expectation passes except the $((nfail - nunexp)) listed deviations"
exit $status
