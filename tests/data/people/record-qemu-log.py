#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Record a QEMU 7.2 vtd_* trace log without a guest, through qtest.

Drives QEMU's intel-iommu (TCG; the firmware runs first and is left
idle, DMA completes on edu's 100 ms timer in real time) and an edu device from the qtest socket: builds
legacy root/context/second-stage tables and an interrupt remapping table in
guest RAM, programs the unit (RTADDR, SRTP, QI with a wait descriptor, IRTA,
SIRTP, IRE, TE), then makes edu DMA to a mapped and an unmapped IOVA and
raise MSIs (remappable and compatibility format).  The vtd_* events go to
the log file given (QEMU's log backend).

Also writes LOG.mem.vtdt: the guest-memory writes made here as vtdtrace
"mem write" lines (what a QEMU log cannot hold), for
`vtdemu import-qemu-log --memory LOG.mem.vtdt LOG`.

usage: record-qemu-log.py LOG [qemu-system-x86_64] [--timestamps]
"""
import struct
import subprocess
import time
import sys

EDU = 4                     # edu at 00:04.0
BAR = 0xfea00000
IOMMU = 0xfed90000
ACCEL = "tcg"


class QTest:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        self.mem = []       # (gpa, value) of 8-byte RAM writes


    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        while True:
            r = self.p.stdout.readline()
            if not r:
                raise RuntimeError("qemu exited at: " + line)
            if r.startswith("IRQ"):
                continue
            if not r.startswith("OK"):
                raise RuntimeError(line + " -> " + r)
            return r.split()[1] if len(r.split()) > 1 else None

    def wq(self, a, v):
        if a < 0x4000000:   # guest RAM (64 MiB), not MMIO
            self.mem.append((a, v))
        self.cmd("writeq 0x%x 0x%x" % (a, v))
    def wl(self, a, v): self.cmd("writel 0x%x 0x%x" % (a, v))
    def rl(self, a): return int(self.cmd("readl 0x%x" % a), 16)
    def rq(self, a): return int(self.cmd("readq 0x%x" % a), 16)

    def cfg_addr(self, reg):
        self.cmd("outl 0xcf8 0x%x" % (0x80000000 | EDU << 11 | (reg & ~3)))

    def cfg_wl(self, reg, v):
        self.cfg_addr(reg)
        self.cmd("outl 0xcfc 0x%x" % v)

    def cfg_ww(self, reg, v):
        self.cfg_addr(reg)
        self.cmd("outw 0x%x 0x%x" % (0xcfc + (reg & 2), v))

    def cfg_rl(self, reg):
        self.cfg_addr(reg)
        return int(self.cmd("inl 0xcfc"), 16)

    def quit(self):
        self.p.terminate()
        self.p.wait(timeout=10)


def main():
    log = sys.argv[1]
    qemu = next((a for a in sys.argv[2:] if not a.startswith("--")),
                "qemu-system-x86_64")
    ts = "--timestamps" in sys.argv
    argv = [qemu, "-machine", "q35,kernel-irqchip=split", "-accel", ACCEL,
            "-display", "none", "-nodefaults", "-m", "64M",
            "-device", "intel-iommu,intremap=on",
            "-device", "edu,addr=%02x.0,dma_mask=0xffffffff" % EDU,
            "-qtest", "stdio", "-qtest-log", "/dev/null", "-trace", "vtd_*", "-D", log]
    if ts:
        argv += ["-msg", "timestamp=on"]
    q = QTest(argv)
    time.sleep(2)           # let the firmware finish POST (it sizes BARs)

    # Tables (VT-d 9.1, 9.3, 9.8, 9.10).
    root, ctx, l3, l2, l1 = 0x100000, 0x101000, 0x102000, 0x103000, 0x104000
    q.wq(root, ctx | 1)                               # bus 0
    q.wq(ctx + (EDU << 3) * 16, l3 | 1)               # P, TT 00b
    q.wq(ctx + (EDU << 3) * 16 + 8, 1 | 6 << 8)       # AW 39-bit, DID 6
    q.wq(l3, l2 | 3)
    q.wq(l2, l1 | 3)
    q.wq(l1 + 8 * 0x40, 0x200000 | 3)                 # IOVA 0x40000 rw
    q.wq(l1 + 8 * 0x41, 0x201000 | 1)                 # IOVA 0x41000 r
    irt = 0x300000
    sid = EDU << 3
    # IRTE 5: P, vector 0x45, xAPIC dest 1 (DST 0x100), physical, edge,
    # fixed; SVT 01b SQ 0 SID 00:04.0.
    q.wq(irt + 16 * 5, 1 | 0x45 << 16 | 0x100 << 32)
    q.wq(irt + 16 * 5 + 8, sid | 1 << 18)

    # Unit: root table, queued invalidation, IR, TE.
    q.wq(IOMMU + 0x20, root)
    q.wl(IOMMU + 0x18, 0x40000000)                    # SRTP
    iq = 0x310000
    q.wq(IOMMU + 0x90, iq)                            # IQA, 256 slots
    q.wl(IOMMU + 0x18, 0x04000000)                    # QIE
    status = 0x320000
    q.wq(iq + 0x00, 0x1 | 1 << 4)                     # context-cache global
    q.wq(iq + 0x08, 0)
    q.wq(iq + 0x10, 0x2 | 1 << 4)                     # IOTLB global
    q.wq(iq + 0x18, 0)
    q.wq(iq + 0x20, 0x5 | 1 << 5 | 0x1 << 32)         # wait, SW, data 1
    q.wq(iq + 0x28, status)
    q.wq(IOMMU + 0x88, 0x30)                          # IQT: 3 descriptors
    q.wq(IOMMU + 0xb8, irt | 7)                       # IRTA: 256 entries
    q.wl(IOMMU + 0x18, 0x05000000)                    # QIE|SIRTP
    q.wq(iq + 0x30, 0x4 | 0 << 4)                     # IEC global
    q.wq(iq + 0x38, 0)
    q.wq(iq + 0x40, 0x5 | 1 << 5 | 0x2 << 32)         # wait, data 2
    q.wq(iq + 0x48, status)
    q.wq(IOMMU + 0x88, 0x50)
    q.wl(IOMMU + 0x18, 0x06000000)                    # QIE|IRE
    q.wl(IOMMU + 0x18, 0x86000000)                    # TE|QIE|IRE
    q.rl(IOMMU + 0x1c)                                # GSTS (value not traced)

    # edu: BAR0, memory + bus master.
    q.cfg_wl(0x10, BAR)
    q.cfg_ww(0x04, 0x6)

    def dma(src, dst, count, to_ram):
        q.wq(BAR + 0x80, src)
        q.wq(BAR + 0x88, dst)
        q.wq(BAR + 0x90, count)
        q.wq(BAR + 0x98, 1 | (2 if to_ram else 0))
        time.sleep(0.3)                               # edu DMA timer: 100 ms

    dma(0x40010, 0x40000, 8, False)                   # read mapped IOVA
    dma(0x40000, 0x41020, 8, True)                    # write to read-only
    dma(0x40000, 0x40100, 8, True)                    # write mapped IOVA
    dma(0x1234000, 0x40000, 8, False)                 # read unmapped IOVA

    # MSI: capability, remappable format handle 5, then compatibility.
    cap = q.cfg_rl(0x34) & 0xff
    while cap:
        hdr = q.cfg_rl(cap)
        if hdr & 0xff == 0x05:
            break
        cap = (hdr >> 8) & 0xff
    if cap:
        ctl = (q.cfg_rl(cap) >> 16) & 0xffff
        data_off = 0x0c if ctl & 0x80 else 0x08
        # VT-d 5.1.5.2: remappable: bit 4 set, handle 14:0 in 19:5.
        q.cfg_wl(cap + 4, 0xfee00000 | 5 << 5 | 1 << 4 | 1 << 3)
        if ctl & 0x80:
            q.cfg_wl(cap + 8, 0)
        q.cfg_wl(cap + data_off, 0)
        q.cfg_ww(cap + 2, ctl | 1)                    # MSI enable
        q.wl(BAR + 0x60, 1)                           # raise
        time.sleep(0.05)
        q.wl(BAR + 0x64, 1)                           # ack
        q.cfg_wl(cap + 4, 0xfee00000)                 # compatibility format
        q.cfg_wl(cap + data_off, 0x30)
        q.wl(BAR + 0x60, 1)
        time.sleep(0.05)
        q.wl(BAR + 0x64, 1)
    q.quit()
    with open(log + ".mem.vtdt", "w") as f:
        f.write("# guest-memory writes of record-qemu-log.py\nvtdtrace 1\n")
        for a, v in q.mem:
            f.write("mem write 0x%x %s\n" % (a, struct.pack("<Q", v).hex()))


if __name__ == "__main__":
    main()
