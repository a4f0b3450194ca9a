#!/bin/bash
# scripts/qemu-build.sh: build Debian 12's QEMU 7.2 with the vtdemu-iommu
# device (integrations/qemu/) and print the path of qemu-system-x86_64 as the
# last line of stdout.  Everything else goes to stderr.
#
# Works on a fresh Debian 12 machine whose only network is Debian's archive:
# installs the build dependencies, enables the deb-src index when it is
# missing (one-line sources.list or deb822 .sources), fetches Debian's qemu
# source package with `apt-get source`, applies Debian's patches and
# integrations/qemu/vtdemu-qemu-7.2.patch and vtdemu-qemu-7.2-x2apic.patch
# (x2APIC under TCG), copies the device source in, and
# builds only qemu-system-x86_64 (x86_64-softmmu, TCG, no default features,
# no docs, no slirp).  No QEMU source is ever written into this checkout.
#
# Cache: ${VTDEMU_QEMU_CACHE:-/var/cache/vtdemu/qemu}
#   tree-T/   the patched QEMU tree and its build directory.  T hashes the
#             patches and this script's build recipe (the parts between the
#             "qemu recipe" markers): a new T is a full build (minutes).
#   bin-B/    the built binary.  B hashes T, the device sources and the
#             public headers include/vtd/*.h: a change of those recompiles
#             one file in tree-T and relinks (seconds).
#   lib-L/    this repository's library and tools (meson, -Dtests=false),
#             L hashing the library sources: a library change never rebuilds
#             QEMU.
#   run-B-L/  what the caller runs: bin/qemu-system-x86_64 (a hard link of
#             bin-B's), lib/libvtdemu.so* (found through the binary's rpath
#             $ORIGIN/../lib, so no LD_LIBRARY_PATH is needed),
#             bin/vtdemu, share/q35-vtdemu.dtb and share/DMAR.bin (the
#             guest's DMAR table for -acpitable file=...), share/qemu/
#             (links to Debian's firmware: seabios, qemu-system-data,
#             ipxe-qemu).
# A second run with nothing changed does no building at all.
#
# Environment: VTDEMU_QEMU_CACHE (cache folder), SKIP_DEPS=1 (do not run
# apt-get install), QEMU_BUILD_JOBS (ninja -j, default 2).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${VTDEMU_QEMU_CACHE:-/var/cache/vtdemu/qemu}
jobs=${QEMU_BUILD_JOBS:-2}
integ=$repo/integrations/qemu
patchfile=$integ/vtdemu-qemu-7.2.patch
# TCG x2APIC (the live suite's x2apic boots), applied after the device hook.
x2apic_patch=$integ/vtdemu-qemu-7.2-x2apic.patch
device_sources=("$integ/vtdemu-iommu.h" "$integ/vtdemu-iommu.c"
    "$integ/vtdemu-iommu-dma.c" "$integ/vtdemu-iommu-irq.c"
    "$integ/vtdemu-iommu-trace.c")
dts=$integ/q35-vtdemu.dts

log() { echo "qemu-build: $*" >&2; }
die() { log "error: $*"; exit 1; }

as_root=""
if [ "$(id -u)" -ne 0 ]; then
    as_root="sudo"
fi

mkdir -p "$cache" || die "cannot create the cache folder $cache (set VTDEMU_QEMU_CACHE)"
# One build at a time per cache; concurrent callers wait here.
exec 9>"$cache/.lock"
flock 9

hash_files() { cat "$@" | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- keys
deb_version_file=$cache/.debian-qemu-version
# The script's part that makes the QEMU tree (between the recipe markers)
# is in T; editing the rest of the script rebuilds nothing.
recipe=$(sed -n '/^# >>> qemu recipe/,/^# <<< qemu recipe/p' "$0")
T=$( (echo "$recipe"; cat "$patchfile" "$x2apic_patch") | sha256sum | cut -c1-16)
# The device is compiled against the public headers: B covers them (ninja
# recompiles the device when they change, nothing else).
B=$( (echo "$T"; cat "${device_sources[@]}" "$repo"/include/vtd/*.h) |
    sha256sum | cut -c1-16)
# The library: every source file of the repository except the QEMU
# integration, tests, traces and documentation.
lib_files() {
    (cd "$repo" && git ls-files -co --exclude-standard 2>/dev/null ||
        find . -type f -not -path './.git/*' -printf '%P\n') |
        grep -v -E '^(integrations|tests|traces|docs|fuzz|scripts|\.ci|build[^/]*)/' |
        grep -v -E '\.md$' | LC_ALL=C sort
}
L=$( (cd "$repo" && lib_files | while read -r f; do
        [ -f "$f" ] && { echo "$f"; cat "$f"; }; done) | sha256sum | cut -c1-16)
L=$( (echo "$L"; cat "$dts") | sha256sum | cut -c1-16)

run=$cache/run-$B-$L
if [ -x "$run/bin/qemu-system-x86_64" ] && [ -f "$run/share/DMAR.bin" ] &&
    [ -e "$run/share/qemu/bios-256k.bin" ]; then
    log "cached: $run"
    echo "$run/bin/qemu-system-x86_64"
    exit 0
fi

# ---------------------------------------------------------------- deps
if [ "${SKIP_DEPS:-}" != 1 ]; then
    need_update=1
    install() {
        if [ -n "$need_update" ]; then
            $as_root apt-get update -q >&2
            need_update=""
        fi
        $as_root apt-get install -y -q --no-install-recommends "$@" >&2
    }
    pkgs=(dpkg-dev libpixman-1-dev zlib1g-dev flex bison python3-venv
          ninja-build meson pkg-config libglib2.0-dev gcc libfdt-dev
          device-tree-compiler xz-utils patch
          qemu-system-data seabios ipxe-qemu)
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        install "${missing[@]}"
    fi
fi

# ---------------------------------------------------------------- library
libdir=$cache/lib-$L
if [ ! -f "$libdir/done" ]; then
    log "building libvtdemu ($libdir)"
    rm -rf "$libdir"
    mkdir -p "$libdir"
    meson setup "$libdir/build" "$repo" -Dtests=false -Dfuzzers=false \
        --prefix="$libdir/prefix" --libdir=lib --buildtype=debugoptimized >&2
    ninja -C "$libdir/build" -j"$jobs" >&2
    meson install -C "$libdir/build" --no-rebuild >&2
    # Every public header (some trees do not install all of them yet).
    mkdir -p "$libdir/prefix/include/vtd"
    cp "$repo"/include/vtd/*.h "$libdir/prefix/include/vtd/"
    # The guest's DMAR table, from the machine description of the q35
    # machine as this device presents it (docs/qemu.md).
    dtc -q -I dts -O dtb -o "$libdir/q35-vtdemu.dtb" "$dts"
    "$libdir/build/tools/vtdemu" dmar build "$libdir/q35-vtdemu.dtb" \
        -o "$libdir/DMAR.bin" >&2
    "$libdir/build/tools/vtdemu" dmar check "$libdir/DMAR.bin" \
        --machine "$libdir/q35-vtdemu.dtb" >&2
    touch "$libdir/done"
fi
so=$(ls "$libdir"/prefix/lib/libvtdemu.so* 2>/dev/null | head -1)
[ -n "$so" ] || die "libvtdemu.so was not installed into $libdir/prefix/lib"

# ---------------------------------------------------------------- source
tree=$cache/tree-$T
bindir=$cache/bin-$B
if [ ! -x "$bindir/qemu-system-x86_64" ]; then
    srcpkg=$cache/src
    dsc=$(ls "$srcpkg"/qemu_7.2*.dsc 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$dsc" ]; then
        # Enable Debian's source index when it is missing.
        if ! apt-cache showsrc qemu 2>/dev/null | grep -q '^Version: 1:7\.2'; then
            log "enabling deb-src"
            for f in /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] || continue
                if grep -q '^Types:.*\bdeb\b' "$f" && ! grep -q '^Types:.*deb-src' "$f"; then
                    $as_root sed -i -E 's/^Types:(.*\bdeb\b.*)$/Types:\1 deb-src/' "$f"
                fi
            done
            for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -f "$f" ] || continue
                grep -E '^deb\s' "$f" | grep -v -E 'cloud\.google|nodesource' |
                    sed -E 's/^deb(\s)/deb-src\1/' | while read -r line; do
                    grep -qxF "$line" "$f" || echo "$line" | $as_root tee -a "$f" >/dev/null
                done
            done
            $as_root apt-get update -q >&2
        fi
        mkdir -p "$srcpkg"
        (cd "$srcpkg" && apt-get source --download-only qemu >&2) ||
            die "apt-get source qemu failed (is deb-src enabled?)"
        dsc=$(ls "$srcpkg"/qemu_7.2*.dsc 2>/dev/null | sort -V | tail -1 || true)
        [ -n "$dsc" ] || die "Debian's qemu 7.2 source package was not found"
    fi
    echo "$(basename "$dsc")" > "$deb_version_file"

# >>> qemu recipe
    if [ ! -f "$tree/configured" ]; then
        log "extracting $(basename "$dsc") into $tree"
        rm -rf "$tree"
        mkdir -p "$tree"
        dpkg-source --no-check -x "$dsc" "$tree/src" >&2
        patch -d "$tree/src" -p1 --forward < "$patchfile" >&2
        patch -d "$tree/src" -p1 --forward < "$x2apic_patch" >&2
    fi
# <<< qemu recipe
    # The device source and a pkg-config file for the library.
    for f in "${device_sources[@]}"; do
        cmp -s "$f" "$tree/src/hw/i386/$(basename "$f")" ||
            cp "$f" "$tree/src/hw/i386/"
    done
    mkdir -p "$tree/vtdemu/lib/pkgconfig" "$tree/vtdemu/include/vtd"
    cp "$repo"/include/vtd/*.h "$tree/vtdemu/include/vtd/"
    # For the link only: a plain libvtdemu.so and no libvtdemu.so.0 (the
    # SONAME), so that at run time the loader skips this folder (meson puts
    # it first in the binary's RUNPATH) and uses $ORIGIN/../lib.
    rm -f "$tree"/vtdemu/lib/libvtdemu.so*
    cp "$(readlink -f "$so")" "$tree/vtdemu/lib/libvtdemu.so"
    cat > "$tree/vtdemu/lib/pkgconfig/vtdemu.pc" <<EOF
prefix=$tree/vtdemu
Name: vtdemu
Description: Intel VT-d IOMMU emulator core (for linking QEMU)
Version: 0.1.0
Libs: -L\${prefix}/lib -lvtdemu
Cflags: -I\${prefix}/include
EOF
    export PKG_CONFIG_PATH=$tree/vtdemu/lib/pkgconfig
# >>> qemu recipe
    if [ ! -f "$tree/configured" ]; then
        log "configuring QEMU"
        mkdir -p "$tree/build"
        (cd "$tree/build" && ../src/configure \
            --target-list=x86_64-softmmu --without-default-features \
            --enable-tcg --disable-docs --disable-install-blobs \
            --disable-slirp --disable-werror \
            --disable-debug-info >&2)
        touch "$tree/configured"
    fi
# <<< qemu recipe
    log "building qemu-system-x86_64 in $tree/build (a few minutes the first time)"
    start=$SECONDS
    ninja -C "$tree/build" -j"$jobs" qemu-system-x86_64 >&2
    log "built in $((SECONDS - start)) s"
    rm -rf "$bindir"
    mkdir -p "$bindir"
    cp "$tree/build/qemu-system-x86_64" "$bindir/qemu-system-x86_64.tmp"
    mv "$bindir/qemu-system-x86_64.tmp" "$bindir/qemu-system-x86_64"
fi

# ---------------------------------------------------------------- run dir
rm -rf "$run.tmp"
mkdir -p "$run.tmp/bin" "$run.tmp/lib" "$run.tmp/share"
ln "$bindir/qemu-system-x86_64" "$run.tmp/bin/qemu-system-x86_64" 2>/dev/null ||
    cp "$bindir/qemu-system-x86_64" "$run.tmp/bin/qemu-system-x86_64"
cp -P "$libdir"/prefix/lib/libvtdemu.so* "$run.tmp/lib/"
cp "$libdir/build/tools/vtdemu" "$run.tmp/bin/vtdemu"
cp "$libdir/q35-vtdemu.dtb" "$libdir/DMAR.bin" "$run.tmp/share/"
# Firmware: Debian's source has no blobs; the binary looks in its
# relocated data folder ../share/qemu, which gets Debian's firmware files
# (SeaBIOS, linuxboot_dma.bin, option ROMs) as links.
mkdir -p "$run.tmp/share/qemu"
for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
        [ -e "$run.tmp/share/qemu/$(basename "$f")" ] ||
            ln -s "$f" "$run.tmp/share/qemu/$(basename "$f")"
    done
done
[ -e "$run.tmp/share/qemu/bios-256k.bin" ] ||
    die "no bios-256k.bin (install Debian's seabios package)"
"$run.tmp/bin/qemu-system-x86_64" -device vtdemu-iommu,help >/dev/null ||
    die "the built binary does not run or has no vtdemu-iommu device"
rm -rf "$run"
mv "$run.tmp" "$run"
log "ready: $run (DMAR table: $run/share/DMAR.bin)"
echo "$run/bin/qemu-system-x86_64"
