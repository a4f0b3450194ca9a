#!/bin/sh
# scripts/replay-or-skip.sh VTDEMU DIR...: replay trace directories; exit 77
# (meson: skipped) when one of them does not exist, e.g. the oracle data
# outside this repository.
vtdemu=$1
shift
for d in "$@"; do
    if [ ! -e "$d" ]; then
        echo "skipped: $d not found"
        exit 77
    fi
done
exec "$vtdemu" replay --quiet "$@"
