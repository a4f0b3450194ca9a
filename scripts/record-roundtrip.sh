#!/bin/sh
# scripts/record-roundtrip.sh VTDEMU TRACE...: record each trace, then
# replay the recording; every recorded expectation must pass.
set -u
vtdemu=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for t in "$@"; do
    out="$tmp/$(basename "$t")"
    if ! "$vtdemu" record -o "$out" "$t"; then
        echo "record failed: $t"
        status=1
        continue
    fi
    if ! "$vtdemu" replay --quiet "$out"; then
        echo "replay of the recording of $t failed"
        status=1
    fi
done
exit $status
