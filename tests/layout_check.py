#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/layout_check.py SRCROOT: register offsets are named only once.

Issue 14: register offsets and register fields are written only in
include/vtd/layout.h (and the register table in vtd/regs.c).  This check
fails when a source file outside the tests

  - reads or writes a register at a numeric offset (vtd_mmio_read(u, 0x20,
    ...), vtd_reg_get32_(u, 0x34) ...) instead of a VTD_REG_* name, or
  - defines its own constant for a register or one of its fields
    (#define GCMD_TE (1u << 31), #define VX_CAP_CM ...), or
  - splits a source-id by hand ((sid >> 3) & 0x1f: VTD_SID_BDF() and
    VTD_SID_FMT name it), or shifts a field it read back into place
    (field_get(q[1], QD_DEV_HI, ADDR) << 12: an address field is read
    with VTD_GET_ADDR_, a field split in two with its decoder, such as
    vtd_qd_type() or vtd_qd_dev_pfsid()).

Tests are left out on purpose: they type their expectations from the spec
by hand, as an oracle independent of the header.
"""
import os
import re
import sys

DIRS = ['vtd', 'report', 'trace', 'tools', 'machine', 'apic', 'pci', 'mem',
        'acpi', 'fuzz', 'examples', 'integrations']
SKIP_DIRS = {os.path.join('vtd', 'tests')}
# The register table itself.
SKIP_FILES = {os.path.join('vtd', 'regs.c')}

ACCESS = re.compile(
    r'\b(vtd_mmio_read|vtd_mmio_write|vtd_reg_(?:get|set)\w*)\s*\('
    r'\s*[^,()]+,\s*(0x[0-9a-fA-F]+|[0-9]+)\s*[,)]')
REGS = ('VER|CAP|ECAP|GCMD|GSTS|RTADDR|CCMD|FSTS|FECTL|FEDATA|FEADDR|'
        'FEUADDR|PMEN|PLMBASE|PLMLIMIT|PHMBASE|PHMLIMIT|IQH|IQT|IQA|ICS|'
        'IECTL|IQERCD|IRTA|PQH|PQT|PQA|PECTL|IVA|IOTLB|FRCD')
# A field or offset constant: REG_FIELD (any prefix: GCMD_TE, VX_CAP_CM,
# FRCD_REG) or an offset R_REG / REG_REG / OFF_REG (R_GCMD).  A name that
# only ends in a register's name (B_CAP: a value for the whole register)
# is not one.
DEFINE = re.compile(r'^\s*#\s*define\s+((?:\w+_)?(?:%s)_\w+|'
                    r'(?:R|REG|OFF)_(?:%s))\s+[(\s]*(?:0x|[0-9])'
                    % (REGS, REGS), re.M)
# The device number of a source-id taken by hand (3.4.1).
SID_SPLIT = re.compile(r'>>\s*3\s*\)\s*&\s*0x1f\b')
# A field read and shifted back by its own position: an address field
# (bits 63:12) or the upper half of a split field (type 6:4, PFSID 15:4).
# Other shifts of a field value (hash keys built of several fields) are
# not layouts and are left alone.
FIELD_SHIFT = re.compile(r'\b(?:field_get|VTD_FIELD_GET)\s*\([^;()]*'
                         r'(?:\([^;()]*\)[^;()]*)*\)\s*<<\s*(?:4|12)\b')
# Names that only look like register constants.
ALLOWED = {'IOTLB_SETS'}


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def main():
    root = sys.argv[1]
    bad = []
    for d in DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            rel = os.path.relpath(dirpath, root)
            if rel in SKIP_DIRS:
                dirnames[:] = []
                continue
            for f in sorted(filenames):
                if not f.endswith(('.c', '.h')):
                    continue
                path = os.path.join(rel, f)
                if path in SKIP_FILES:
                    continue
                text = strip_comments(open(os.path.join(root, path),
                                           encoding='utf-8').read())
                for m in ACCESS.finditer(text):
                    line = text.count('\n', 0, m.start()) + 1
                    bad.append('%s:%d: register %s at a numeric offset; use '
                               'a VTD_REG_* name' % (path, line, m.group(2)))
                for m in DEFINE.finditer(text):
                    if m.group(1) in ALLOWED:
                        continue
                    line = text.count('\n', 0, m.start()) + 1
                    bad.append('%s:%d: %s: a register constant outside '
                               'include/vtd/layout.h' % (path, line,
                                                         m.group(1)))
                for m in SID_SPLIT.finditer(text):
                    line = text.count('\n', 0, m.start()) + 1
                    bad.append('%s:%d: a source-id split by hand; use '
                               'VTD_SID_BDF()/VTD_SID_FMT' % (path, line))
                for m in FIELD_SHIFT.finditer(text):
                    line = text.count('\n', 0, m.start()) + 1
                    bad.append('%s:%d: a field shifted back into place by '
                               'hand; use VTD_GET_ADDR_ or the field\'s '
                               'decoder' % (path, line))
    for b in bad:
        print(b)
    print('%d register offsets, constants or bit positions outside '
          'layout.h/regs.c' % len(bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
