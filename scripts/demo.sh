#!/bin/sh
# scripts/demo.sh: install dependencies, build, and replay the bundled
# example traces (traces/examples), printing a verdict per file.
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
ninja -C "$build" tools/vtdemu
# shellcheck disable=SC2086
exec "./$build/tools/vtdemu" replay ${DEMO_ARGS:-traces/examples}
