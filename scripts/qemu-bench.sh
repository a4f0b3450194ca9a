#!/bin/bash
# scripts/qemu-bench.sh: guest-level benchmark of vtdemu-iommu against QEMU's
# own intel-iommu and against no IOMMU (issue 12 item 5; docs/bench.md).
# A benchmark that prints figures, not a test.
#
# The same QEMU binary (scripts/qemu-build.sh), guest (scripts/qemu-guest.sh:
# Debian's Linux 6.1 and tests/live/guest/vtdblk.c) and workload for every
# configuration: QD1 O_DIRECT reads from RAM-backed disks, sequential 64 KiB
# and random 4 KiB, on virtio-blk (modern, iommu_platform=on) and on NVMe,
# SECS seconds each.  Each round boots every configuration once, in turn
# (round-robin, so that a slow spell of the machine hits all of them); the
# figures are the medians over the rounds, with min-max.
#
# Usage: scripts/qemu-bench.sh [-r ROUNDS] [-s SECS] [-m MODES] [-o RAWFILE]
#   ROUNDS  boots per configuration (default 3)
#   SECS    seconds per workload and boot (default 5)
#   MODES   comma-separated IOMMU modes (default legacy):
#           legacy   intel_iommu=on,sm_off (lazy invalidation, Linux's default)
#           scalable intel_iommu=on,sm_on
#           strict   intel_iommu=on,sm_off iommu.strict=1
#   RAWFILE one line per boot and workload (default: a temporary file)
# Environment: VTDEMU_QEMU, VTDEMU_GUEST (default: the scripts' output).
# TCG, 1 vCPU, 512 MiB: figures are for comparing the configurations with
# each other on one machine, not for absolute I/O performance.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
secs=5
modes=legacy
raw=""
while getopts "r:s:m:o:h" opt; do
    case "$opt" in
    r) rounds=$OPTARG ;;
    s) secs=$OPTARG ;;
    m) modes=$OPTARG ;;
    o) raw=$OPTARG ;;
    *) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d' >&2; exit 2 ;;
    esac
done

qemu=${VTDEMU_QEMU:-}
if [ -z "$qemu" ]; then
    qemu=$(./scripts/qemu-build.sh | tail -n 1)
fi
guest=${VTDEMU_GUEST:-}
if [ -z "$guest" ]; then
    guest=$(./scripts/qemu-guest.sh | tail -n 1)
fi
have_vtdemu=0
if "$qemu" -device help 2>/dev/null | grep -q '"vtdemu-iommu"'; then
    have_vtdemu=1
fi
dmar=$(dirname "$qemu")/../share/DMAR.bin

shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/vtdbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -n "$raw" ] || raw=$work/raw.txt
: >"$raw"
# Filled disks: reads of holes could take a different path on the host.
head -c $((80 << 20)) /dev/urandom >"$work/vblk.img"
cp "$work/vblk.img" "$work/nvme.img"

configs=(none)
for m in ${modes//,/ }; do
    case "$m" in legacy | scalable | strict) ;; *) echo "unknown mode $m" >&2; exit 2 ;; esac
    configs+=("intel-$m")
    if [ "$have_vtdemu" = 1 ]; then
        configs+=("vtdemu-$m")
    fi
done
if [ "$have_vtdemu" = 0 ]; then
    echo "note: $qemu has no vtdemu-iommu; measuring none and intel-iommu only" >&2
fi

boot() { # boot CONFIG ROUND: one boot, appends its figures to $raw
    local config=$1 round=$2 iommu mode base cmdline dev
    # clocksource=hpet: the guest times its I/O with CLOCK_MONOTONIC; under
    # TCG Linux may miscalibrate the TSC on a loaded host (tests/live/run.sh).
    # no_timer_check: on a loaded host check_timer() can count too few I/O
    # APIC timer ticks and panic ("timer doesn't work through
    # Interrupt-remapped IO-APIC", seen 2026-12-03 with vtdemu-strict at load
    # average 8); tests/live/run.sh boots the same way and checks the timer.
    iommu=${config%%-*}
    mode=${config#*-}
    base="console=ttyS0 panic=-1 clocksource=hpet no_timer_check"
    cmdline="$base vtdtest=bench vtdbench_secs=$secs"
    local args=(-accel tcg -machine q35 -cpu qemu64 -m 512M -smp 1 -nodefaults
        -display none -monitor none -serial stdio -no-reboot)
    case "$mode" in
    legacy) cmdline="$cmdline intel_iommu=on,sm_off" ;;
    scalable) cmdline="$cmdline intel_iommu=on,sm_on" ;;
    strict) cmdline="$cmdline intel_iommu=on,sm_off iommu.strict=1" ;;
    esac
    case "$iommu" in
    none) cmdline="$base vtdtest=bench vtdbench_secs=$secs" ;;
    intel)
        dev=intel-iommu,intremap=on
        [ "$mode" = scalable ] && dev=$dev,x-scalable-mode=on
        args+=(-device "$dev")
        ;;
    vtdemu)
        dev=vtdemu-iommu,scalable=off
        [ "$mode" = scalable ] && dev=vtdemu-iommu,scalable=on
        args+=(-acpitable "file=$dmar" -device "$dev")
        ;;
    esac
    args+=(-kernel "$guest/vmlinuz" -initrd "$guest/initrd.gz" -append "$cmdline"
        -drive "file=$work/vblk.img,if=none,id=vblk,format=raw"
        -device "virtio-blk-pci,disable-legacy=on,iommu_platform=on,drive=vblk,addr=03.0"
        -drive "file=$work/nvme.img,if=none,id=nvme,format=raw"
        -device "nvme,serial=vtdemu-bench,drive=nvme,addr=04.0")
    local log=$work/$config-$round.console
    if ! timeout -k 10 $((secs * 4 + 300)) "$qemu" "${args[@]}" </dev/null >"$log" 2>&1; then
        echo "error: boot $config round $round failed; console:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
    tr -d '\r' <"$log" | sed -n 's/^VTDLIVE bench //p' | while read -r line; do
        echo "config=$config round=$round $line" >>"$raw"
    done
    if [ "$(grep -c "^config=$config round=$round " "$raw")" != 4 ]; then
        echo "error: boot $config round $round did not report 4 figures; console:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
}

echo "qemu-bench: $rounds rounds x ${#configs[@]} configurations (${configs[*]}), $secs s per workload" >&2
for ((r = 1; r <= rounds; r++)); do
    for c in "${configs[@]}"; do
        echo "qemu-bench: round $r: $c" >&2
        boot "$c" "$r"
    done
done

# Medians (min-max) per configuration and workload; overhead against no
# IOMMU as extra time per I/O; ratio vtdemu / intel-iommu of throughput.
echo
echo "QEMU: $("$qemu" --version | head -n 1); guest: $(sed -n 's/^package=//p' "$guest/guest.txt") ($(sed -n 's/^version=//p' "$guest/guest.txt"))"
echo "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "$rounds boots per configuration (round-robin), $secs s per workload; TCG, 1 vCPU; median (min-max)"
echo
awk -v order="${configs[*]}" '
function kv(s, k,   i, a, n) { n = split(s, a, " "); for (i = 1; i <= n; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2); return "" }
function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    lo = a[1]; hi = a[n]
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    c = kv($0, "config"); d = kv($0, "dev"); k = kv($0, "kind")
    w = (d == "vda" ? "virtio-blk" : "nvme") " " k
    v = (k == "seq") ? kv($0, "MBps") : kv($0, "iops")
    vals[c, w] = vals[c, w] " " v
}
END {
    nw = split("virtio-blk seq,virtio-blk rand,nvme seq,nvme rand", ws, ",")
    nc = split(order, cs, " ")
    printf "| configuration |"
    for (i = 1; i <= nw; i++) printf " %s (%s) |", ws[i], (ws[i] ~ /seq/) ? "MB/s, 64 KiB" : "IOPS, 4 KiB"
    printf "\n|---|"
    for (i = 1; i <= nw; i++) printf "---|"
    printf "\n"
    for (j = 1; j <= nc; j++) {
        c = cs[j]
        printf "| %s |", c
        for (i = 1; i <= nw; i++) {
            m = median(vals[c, ws[i]]); med[c, ws[i]] = m
            extra = ""
            if (c != "none" && med["none", ws[i]] > 0) extra = sprintf(", %+.0f%% time", (med["none", ws[i]] / m - 1) * 100)
            printf " %.0f (%.0f-%.0f%s) |", m, lo, hi, extra
        }
        printf "\n"
    }
    for (j = 1; j <= nc; j++) {
        c = cs[j]
        if (c !~ /^vtdemu-/) continue
        ref = "intel-" substr(c, 8)
        printf "| ratio %s / %s |", c, ref
        for (i = 1; i <= nw; i++) printf " %.2f |", med[c, ws[i]] / med[ref, ws[i]]
        printf "\n"
    }
}' "$raw"
echo
echo "raw figures: $raw" >&2
if [ "$raw" = "$work/raw.txt" ]; then
    echo "--- raw"
    cat "$raw"
fi
