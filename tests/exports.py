#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/exports.py LIB MAP HEADER...: the linkage test of libvtdemu.

Every function a public header declares with VTD_API must be exported by
the shared library, the library must export nothing else, and the
explicit export list vtd/libvtdemu.map must name exactly those functions.
"""
import re
import subprocess
import sys


def declared(headers):
    names = set()
    for h in headers:
        text = open(h, encoding='utf-8').read()
        # Drop comments, then find "VTD_API <type...> name(".
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
        text = re.sub(r'^\s*#.*$', ' ', text, flags=re.M)
        for m in re.finditer(r'\bVTD_API\b([^;{(]*?)\b(\w+)\s*\(', text):
            names.add(m.group(2))
    names.discard('VTD_API')
    return names


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] == 'A':   # version nodes
            continue
        names.add(parts[2].split('@')[0])
    return names


def listed(mapfile):
    text = re.sub(r'/\*.*?\*/', '', open(mapfile, encoding='utf-8').read(),
                  flags=re.S)
    m = re.search(r'global:(.*?)local:', text, re.S)
    if not m:
        return set(), 'no global:/local: sections'
    items = [x.strip() for x in m.group(1).split(';') if x.strip()]
    bad = [x for x in items if '*' in x or '?' in x]
    return set(items), ('wildcards in the export list: ' + ', '.join(bad)
                        if bad else '')


def main():
    lib, mapfile, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    want = declared(headers)
    have = exported(lib)
    mapped, err = listed(mapfile)
    fail = False
    if not want:
        print('not ok - no VTD_API declarations found')
        return 1
    if err:
        print('not ok - ' + err)
        fail = True
    for n in sorted(want - have):
        print('not ok - %s is declared VTD_API but not exported (add it to '
              'vtd/libvtdemu.map)' % n)
        fail = True
    for n in sorted(have - want):
        print('not ok - %s is exported but no public header declares it '
              'VTD_API' % n)
        fail = True
    for n in sorted(mapped ^ want):
        print('not ok - vtd/libvtdemu.map and the headers disagree on %s' % n)
        fail = True
    if not fail:
        print('ok - %d public functions, all exported, nothing else' %
              len(want))
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
