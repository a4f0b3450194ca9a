#!/bin/sh
# examples/run.sh BUILD_DIR CC SANITIZE: install the build into a
# temporary prefix (meson install --destdir), build each example out of
# tree against the installed library with the flags pkg-config gives for
# vtdemu from that prefix, and run it.  The examples are compiled with
# the sanitizer the library was built with: ThreadSanitizer when
# SANITIZE contains "thread", else AddressSanitizer and UBSan.
set -eu
build=$1
cc=${2:-cc}
sanitize=${3:-none}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet \
    > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
pc=$(find "$tmp/root" -name vtdemu.pc | head -n 1)
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH="$(dirname "$pc")"
pcflags="--define-variable=prefix=$tmp/root$prefix"
cflags=$(pkg-config $pcflags --cflags vtdemu)
libs=$(pkg-config $pcflags --libs vtdemu)
libdir=$(pkg-config $pcflags --variable=libdir vtdemu)
case $sanitize in
*thread*) san="-fsanitize=thread" ;;
*) san="-fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
fail=0
for ex in minimal vfio; do
    # shellcheck disable=SC2086
    if ! "$cc" -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror $san \
            "$here/$ex.c" $cflags $libs -pthread -o "$tmp/$ex" \
            2> "$tmp/err"; then
        echo "not ok - $ex does not build against the installed library"
        cat "$tmp/err"
        fail=1
        continue
    fi
    if LD_LIBRARY_PATH="$libdir" "$tmp/$ex"; then
        echo "ok - $ex ($san)"
    else
        echo "not ok - $ex ($san)"
        fail=1
    fi
done
exit $fail
