#!/bin/sh
# oracle-check.sh VTDEMU ORACLE_DIR DEVIATIONS
#
# Replays the oracle traces in ORACLE_DIR and passes when the expectations
# that fail are exactly the ones listed in DEVIATIONS (FILE:LINE SECTION
# got=VALUE why; see traces/oracle-deviations.txt): those are where the
# VT-d specification and the recorded QEMU 7.2 behaviour disagree and
# vtdemu follows the specification.  Each listed expectation must fail with
# the VALUE the specification predicts there.  An unlisted failure fails the
# test, and so do a listed expectation that now passes and one that fails
# with another value.  Exit 77 (skipped) when the oracle directory is
# absent.
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
# Failing expectations as BASENAME:LINE got=VALUE, VALUE as replay prints
# it after "got", without parenthesised notes, spaces made commas.
sed -n 's/^\(.*\):\([0-9][0-9]*\): FAIL [^:]*: .*, got \(.*\)$/\1:\2 \3/p' \
    "$tmp/out" | sed 's|^[^ ]*/||; s/ ([^)]*)//g; s/ *$//' |
    awk '{ k = $1; $1 = ""; sub(/^ /, ""); gsub(/ /, ","); print k, "got=" $0 }' |
    sort -u > "$tmp/failedv"
awk '{ print $1 }' "$tmp/failedv" | sort -u > "$tmp/failed"
grep -v '^#' "$devs" | awk 'NF { print $1, $3 }' | sort -u > "$tmp/listedv"
awk '{ print $1 }' "$tmp/listedv" | sort -u > "$tmp/listed"
# Listed and failing, but not with the predicted value.
join "$tmp/listedv" "$tmp/failedv" | awk '$2 != $3' > "$tmp/wrongv"
comm -23 "$tmp/failed" "$tmp/listed" > "$tmp/unexpected"
comm -13 "$tmp/failed" "$tmp/listed" > "$tmp/fixed"
nfail=$(wc -l < "$tmp/failed")
nunexp=$(wc -l < "$tmp/unexpected")
nfixed=$(wc -l < "$tmp/fixed")
nwrong=$(wc -l < "$tmp/wrongv")
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
if [ "$nwrong" -ne 0 ]; then
    echo "listed deviations failing with a value the specification does not predict ($nwrong):"
    awk '{ printf "  %s: listed %s, %s\n", $1, $2, $3 }' "$tmp/wrongv"
    status=1
fi
[ "$status" -eq 0 ] && echo "oracle: every expectation passes except the $((nfail - nunexp)) listed deviations, each with the predicted value"
exit $status
