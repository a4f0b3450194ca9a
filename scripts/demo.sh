#!/bin/sh
# scripts/demo.sh: install dependencies, build, and replay the bundled
# example traces (traces/examples), printing a verdict per file; then build,
# check and print the ACPI DMAR table of the bundled two-unit machine
# (machine/machines/rich.dts).
# Environment: BUILD_DIR (default build), SKIP_DEPS=1 to skip apt-get,
# DEMO_ARGS (default: the examples folder) to replay something else.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    ./scripts/deps.sh
fi
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build"
fi
ninja -C "$build" tools/vtdemu machine/machines/rich.dtb
vtdemu="./$build/tools/vtdemu"
status=0
# shellcheck disable=SC2086
"$vtdemu" replay ${DEMO_ARGS:-traces/examples} || status=$?
machine="$build/machine/machines/rich.dtb"
echo
echo "DMAR table of $machine (docs/machine-binding.md):"
"$vtdemu" dmar build "$machine" -o "$build/rich-dmar.bin" &&
    "$vtdemu" dmar check "$build/rich-dmar.bin" --machine "$machine" &&
    "$vtdemu" dmar dump "$build/rich-dmar.bin" || status=$?
exit $status
