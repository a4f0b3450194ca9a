#!/bin/sh
# scripts/test.sh: install dependencies, configure, build and run the whole
# test suite (unit, conformance, oracle, acpi, ...).
# Environment (for CI):
#   BUILD_DIR   build directory (default build-test)
#   CC          compiler (gcc, clang, ...)
#   WERROR      true to build with -Dwerror=true (default false)
#   SANITIZE    value for -Db_sanitize (e.g. address,undefined; default none)
#   SKIP_DEPS   1 to skip apt-get
#   MESON_TEST_ARGS  extra arguments for meson test (e.g. --suite unit)
#   LIVE        1: prepare the live suite "qemu" (tests/live): build the
#               patched QEMU (scripts/qemu-build.sh) and the guest
#               (scripts/qemu-guest.sh) unless VTDEMU_QEMU / VTDEMU_GUEST
#               name them already; 0: do not.  Default: prepare when
#               MESON_TEST_ARGS is empty (the whole suite) or selects qemu.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-test}
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    ./scripts/deps.sh
fi
opts="-Dwerror=${WERROR:-false} -Db_sanitize=${SANITIZE:-none}"
if [ "${SANITIZE:-none}" != none ]; then
    # Sanitizers and -Db_lundef do not mix with clang; harmless with gcc.
    opts="$opts -Db_lundef=false"
fi
if [ -f "$build/build.ninja" ]; then
    # shellcheck disable=SC2086
    meson configure "$build" $opts
else
    # shellcheck disable=SC2086
    meson setup "$build" $opts
fi
ninja -C "$build"
live=${LIVE:-auto}
if [ "$live" = auto ]; then
    case " ${MESON_TEST_ARGS:-} " in
    "  " | *" --suite qemu "* | *" --suite=qemu "*) live=1 ;;
    *) live=0 ;;
    esac
fi
if [ "$live" = 1 ]; then
    if [ -z "${VTDEMU_QEMU:-}" ] && [ -x scripts/qemu-build.sh ]; then
        VTDEMU_QEMU=$(./scripts/qemu-build.sh | tail -n 1)
        export VTDEMU_QEMU
    fi
    if [ -z "${VTDEMU_GUEST:-}" ]; then
        VTDEMU_GUEST=$(./scripts/qemu-guest.sh | tail -n 1)
        export VTDEMU_GUEST
    fi
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# shellcheck disable=SC2086
meson test -C "$build" --print-errorlogs --num-processes "$(nproc 2>/dev/null || echo 2)" ${MESON_TEST_ARGS:-}
