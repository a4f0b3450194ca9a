#!/usr/bin/env python3
"""oracle-predict.py ORACLE_DIR DEVIATIONS

Writes to stdout DEVIATIONS with, for each listed oracle expectation, the
value VT-d rev. 5.10 predicts in place of QEMU 7.2's, as the third column
(scripts/oracle-check.sh compares it with what vtdemu gives).  The value
is derived from the oracle file and the section alone, never from
vtdemu's output:

  11.4.7.6  FRCD.FI bits 63:N read 0, N the largest AGAW in the case's
            CAP.SAGAW (57, 48 or 39): expected & (2^N - 1).
  11.4.6.1  CCMD: the request is ignored, ICC clear and CAIG (60:59) 00b:
            expected with CAIG cleared.
  11.4.6.3  IOTLB_REG likewise with IAIG (58:57); a dma line: the request
            hits the translation cached before the refused invalidation
            (see below).
  11.4.9.9  IQEI 5: the first 128-bit descriptor of a scalable-mode queue
            is in error: IQH stays 0 (QIE set it to 0, 11.4.9.1; IQE stays
            set, nothing clears it in these cases), FSTS has IQE (bit 4)
            set, the wait descriptor's status is never written (memory
            keeps 0: the trace wrote nothing there); a dma line as below.
  dma lines after a refused or failed invalidation: 6.2.4 lets hardware
  evict any IOTLB entry at any time, so the specification allows either
  outcome; vtdemu (cache=hardware) keeps the entry, so the value listed is
  the translation the same SID and address had before: "ok,gpa=G".
"""
import re
import sys

odir, devs = sys.argv[1], sys.argv[2]


def lines_of(name, cache={}):
    if name not in cache:
        with open(f"{odir}/{name}") as f:
            cache[name] = f.read().split("\n")
    return cache[name]


def largest_agaw(name):
    for ln in lines_of(name):
        m = re.match(r"iommu .*?\bcap=(0x[0-9a-fA-F]+)", ln)
        if m:
            sagaw = (int(m.group(1), 16) >> 8) & 0x1f
            return 57 if sagaw & 8 else 48 if sagaw & 4 else 39
    raise SystemExit(f"{name}: no iommu line")


def expect_of(ln):
    m = re.search(r"expect=(\S+)", ln)
    return m.group(1)


def predict(name, lineno, section):
    ls = lines_of(name)
    ln = ls[lineno - 1].split("#")[0]
    if ln.startswith("mmio read"):
        exp = int(expect_of(ln), 16)
        m = re.search(r"mask=(0x[0-9a-fA-F]+)", ln)
        mask = int(m.group(1), 16) if m else (1 << 64) - 1
        reg = int(ln.split()[2], 16) & 0xfff
        if section == "11.4.7.6":
            v = exp & ((1 << largest_agaw(name)) - 1)
        elif section == "11.4.6.1":
            v = exp & ~(3 << 59)
        elif section == "11.4.6.3":
            v = exp & ~(3 << 57)
        elif section == "11.4.9.9" and reg == 0x80:
            v = 0
        elif section == "11.4.9.9" and reg == 0x34:
            v = exp | 0x10
        else:
            raise SystemExit(f"{name}:{lineno}: no rule for {ln}")
        return hex(v & mask)
    if ln.startswith("mem expect") and section == "11.4.9.9":
        return "0" * len(ln.split()[3])
    if ln.startswith("dma"):
        sid, iova = ln.split()[1], int(ln.split()[3], 16)
        for prev in reversed(ls[:lineno - 1]):
            if not prev.startswith("dma " + sid + " "):
                continue
            if int(prev.split()[3], 16) >> 12 != iova >> 12:
                continue
            m = re.search(r"ok gpa=(0x[0-9a-fA-F]+)", prev)
            if m:
                g = int(m.group(1), 16)
                return "ok,gpa=" + hex((g & ~0xfff) | (iova & 0xfff))
        raise SystemExit(f"{name}:{lineno}: no earlier translation")
    raise SystemExit(f"{name}:{lineno}: no rule for {ln}")


for raw in open(devs).read().splitlines():
    if not raw.strip() or raw.startswith("#"):
        print(raw)
        continue
    f = raw.split()
    fl, section = f[0], f[1]
    if f[2].startswith("got="):   # already predicted: recompute
        why = raw.split(None, 3)[3]
    else:
        why = raw.split(None, 2)[2]
    name, lineno = fl.rsplit(":", 1)
    print(f"{fl}  {section}  got={predict(name, int(lineno), section)}  {why}")
