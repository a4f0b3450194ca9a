#!/bin/sh
# scripts/qemu-guest.sh: the guest of the live QEMU tests (tests/live) and of
# scripts/qemu-bench.sh.  On a Debian 12 machine (Debian's packages only):
#   - downloads (apt-get download, not installed) the newest
#     linux-image-6.1.0-N-amd64 and busybox-static, extracts them,
#   - builds tests/live/guest/*.c with gcc -static,
#   - packs an initramfs (cpio newc, gzip) with busybox, the kernel modules
#     the tests need (virtio_pci, virtio_blk, nvme and their dependencies,
#     from the modules' own "depends=" records; built-in ones are skipped)
#     and the test programs, /init being tests/live/guest/init.
# The result is cached under $VTDEMU_CACHE (default ~/.cache/vtdemu) in
# guest/<key>, the key covering the kernel and busybox versions and the
# guest sources, so a second run is instant.  The directory holds vmlinuz,
# initrd.gz and kernel-version.  The last line of stdout is that directory.
# Environment: VTDEMU_CACHE, VTDEMU_GUEST_KERNEL (a linux-image package name
# instead of the newest), SKIP_DEPS=1 (do not apt-get install the tools).
# Options: --cached  print the cached directory if it exists, else exit 1
#          (no download, no build).
set -eu
cd "$(dirname "$0")/.."
cache_root=${VTDEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtdemu}
mkdir -p "$cache_root/guest"

cached_only=0
case "${1:-}" in
--cached) cached_only=1 ;;
"") ;;
*) echo "usage: $0 [--cached]" >&2; exit 2 ;;
esac

as_root=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
fi

need_tools() {
    missing=""
    command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
    [ -f /usr/include/stdio.h ] || missing="$missing libc6-dev"
    command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
    command -v gzip >/dev/null 2>&1 || missing="$missing gzip"
    if [ -n "$missing" ]; then
        if [ "${SKIP_DEPS:-0}" = 1 ]; then
            echo "qemu-guest.sh: missing tools:$missing" >&2
            exit 1
        fi
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q \
            --no-install-recommends $missing >&2
    fi
}

# The newest Debian 6.1 kernel image for amd64 (signed flavour name, not
# -cloud or -rt: the cloud flavour lacks drivers the tests use).
kernel_pkg() {
    if [ -n "${VTDEMU_GUEST_KERNEL:-}" ]; then
        echo "$VTDEMU_GUEST_KERNEL"
        return
    fi
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
        awk '{print $1}' | sort -V | tail -n 1
}

kpkg=$(kernel_pkg)
if [ -z "$kpkg" ] && [ "$cached_only" = 0 ]; then
    $as_root apt-get update -q >&2
    kpkg=$(kernel_pkg)
fi
if [ -z "$kpkg" ]; then
    echo "qemu-guest.sh: no linux-image-6.1.0-*-amd64 package known to apt" >&2
    exit 1
fi
pkg_version() {
    apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}
kver=$(pkg_version "$kpkg")
bver=$(pkg_version busybox-static)
key=$( {
    echo "$kpkg $kver busybox-static $bver"
    cat "$0" tests/live/guest/init tests/live/guest/*.c
} | sha256sum | cut -c1-16)
out="$cache_root/guest/$key"

if [ -f "$out/initrd.gz" ] && [ -f "$out/vmlinuz" ]; then
    echo "$out"
    exit 0
fi
if [ "$cached_only" = 1 ]; then
    echo "qemu-guest.sh: no cached guest for $kpkg $kver (run scripts/qemu-guest.sh)" >&2
    exit 1
fi

# One builder at a time (meson runs live tests in parallel).
exec 9>"$cache_root/guest/.lock"
flock 9
if [ -f "$out/initrd.gz" ]; then
    echo "$out"
    exit 0
fi

need_tools
work=$(mktemp -d "$cache_root/guest/tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "qemu-guest.sh: $kpkg $kver, busybox-static $bver -> $out" >&2
(cd "$work" && apt-get download "$kpkg" busybox-static >&2)
mkdir "$work/k" "$work/bb" "$work/root"
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/bb"
kdir=$(ls -d "$work"/k/lib/modules/*/ | sed 's,/$,,')
krel=$(basename "$kdir")

# Kernel modules: resolve "depends=" recursively, dependencies first.
find_mod() {
    local name alt
    name=$1
    alt=$(echo "$name" | tr '_-' '-_')
    f=$(find "$kdir/kernel" \( -name "$name.ko" -o -name "$alt.ko" \) | head -n 1)
    echo "$f"
}
order=""
add_mod() {
    local name f rel deps dep
    name=$1
    f=$(find_mod "$name")
    if [ -z "$f" ]; then
        if grep -qE "/($name|$(echo "$name" | tr '_-' '-_'))\.ko\$" "$kdir/modules.builtin"; then
            return 0
        fi
        echo "qemu-guest.sh: module $name neither a module nor built into $krel" >&2
        exit 1
    fi
    rel=${f#"$kdir"/}
    case " $order " in *" $rel "*) return 0 ;; esac
    deps=$(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
    for dep in $deps; do
        add_mod "$dep"
    done
    case " $order " in *" $rel "*) return 0 ;; esac
    order="$order $rel"
}
for m in virtio_pci virtio_blk nvme; do
    add_mod "$m"
done

r="$work/root"
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/lib/modules"
cp "$work/bb/bin/busybox" "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
for m in $order; do
    mkdir -p "$r/lib/modules/$(dirname "$m")"
    cp "$kdir/$m" "$r/lib/modules/$m"
    echo "$m" >>"$r/lib/modules/load-order"
done
for p in vtdblk edudma; do
    gcc -static -O2 -Wall -Wextra -Werror -o "$r/bin/$p" "tests/live/guest/$p.c"
done
cp tests/live/guest/init "$r/init"
chmod 755 "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) >"$work/initrd.gz"

mkdir -p "$work/out"
cp "$work"/k/boot/vmlinuz-* "$work/out/vmlinuz"
mv "$work/initrd.gz" "$work/out/initrd.gz"
{
    echo "package=$kpkg"
    echo "version=$kver"
    echo "release=$krel"
    echo "busybox=$bver"
    echo "modules=$(echo $order)"
} >"$work/out/guest.txt"
rm -rf "$out"
mv "$work/out" "$out"
echo "qemu-guest.sh: modules:$order" >&2
echo "$out"
