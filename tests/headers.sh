#!/bin/sh
# tests/headers.sh BUILD_DIR: install the build into a temporary prefix
# (meson install --destdir), then compile each installed public header
# alone as C11 -pedantic -Werror and as C++17, with the flags pkg-config
# gives for vtdemu from that prefix, and link and run a small program
# against the installed library (issue 13 item 1).
set -eu
build=$1
# The sanitizer the library was built with (meson's b_sanitize): a program
# linked against an instrumented library must be instrumented too, or the
# sanitizer runtime refuses to start.
case ${2:-none} in
none|'') san="" ;;
*thread*) san="-fsanitize=thread" ;;
*) san="-fsanitize=$2" ;;
esac
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet \
    > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
pc=$(find "$tmp/root" -name vtdemu.pc | head -n 1)
if [ -z "$pc" ]; then
    echo "not ok - vtdemu.pc was not installed"
    exit 1
fi
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH="$(dirname "$pc")"
pcflags="--define-variable=prefix=$tmp/root$prefix"
if ! grep -q '^Requires.private:.*glib-2.0' "$pc"; then
    echo "not ok - vtdemu.pc lacks Requires.private: glib-2.0"
    fail=1
fi
cflags=$(pkg-config $pcflags --cflags vtdemu)
libs=$(pkg-config $pcflags --libs vtdemu)
incdir=$(pkg-config $pcflags --variable=includedir vtdemu)

n=0
for h in "$incdir"/vtd/*.h; do
    name=vtd/$(basename "$h")
    n=$((n + 1))
    # (one declaration after it: ISO C forbids an empty translation unit)
    printf '#include <%s>\ntypedef int one_t;\n' "$name" > "$tmp/one.c"
    cp "$tmp/one.c" "$tmp/one.cc"
    # shellcheck disable=SC2086
    if $cc -std=c11 -pedantic -Wall -Wextra -Werror $cflags \
            -c "$tmp/one.c" -o "$tmp/one.o" 2> "$tmp/err"; then
        echo "ok - $name alone as C11 -pedantic"
    else
        echo "not ok - $name alone as C11 -pedantic"; cat "$tmp/err"; fail=1
    fi
    # shellcheck disable=SC2086
    if $cxx -std=c++17 -pedantic -Wall -Wextra -Werror $cflags \
            -c "$tmp/one.cc" -o "$tmp/one.o" 2> "$tmp/err"; then
        echo "ok - $name alone as C++17"
    else
        echo "not ok - $name alone as C++17"; cat "$tmp/err"; fail=1
    fi
done
for want in api.h entries.h faults.h layout.h notify.h vtd.h; do
    if [ ! -f "$incdir/vtd/$want" ]; then
        echo "not ok - vtd/$want is not installed"; fail=1
    fi
done

# Link against the installed library: a register name from the table.
cat > "$tmp/prog.c" <<'PROG'
#include <stdio.h>
#include <string.h>
#include <vtd/vtd.h>
#include <vtd/layout.h>
int main(void)
{
    char buf[16];
    if (vtd_reg_name(VTD_REG_GCMD, 0, 0, buf, sizeof(buf)) != 4 ||
        strcmp(buf, "GCMD") != 0)
        return 1;
    puts(buf);
    return 0;
}
PROG
libdir=$(pkg-config $pcflags --variable=libdir vtdemu)
# shellcheck disable=SC2086
if $cc -std=c11 $san "$tmp/prog.c" $cflags $libs -o "$tmp/prog" 2> "$tmp/err" &&
        LD_LIBRARY_PATH="$libdir" "$tmp/prog" > /dev/null; then
    echo "ok - a program links and runs against the installed library"
else
    echo "not ok - linking against the installed library"; cat "$tmp/err"
    fail=1
fi
echo "# $n installed headers checked"
exit $fail
