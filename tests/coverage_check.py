#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/coverage_check.py VTDEMU BASELINE PENDING DIR...: the conformance
coverage test (docs/coverage.md).

Runs `vtdemu replay --coverage --json` over the corpus DIR... and fails when
  - a trace fails or cannot be run (exit status 1 or 2);
  - an implemented rule of the registry (<vtd/rules.h>) is exercised by no
    trace (a gap), unless PENDING lists it (a feature whose traces are
    being landed; a PENDING rule that is covered is reported: remove the
    line);
  - a rule named in BASELINE (the rules covered when it was last updated)
    no longer exists, or has lost its last trace;
  - a rule the registry calls not implemented, unreachable or host-only was
    hit (the registry is wrong).
Newly covered rules that BASELINE does not list are reported, not failed:
add them to BASELINE so that losing them later fails.
"""
import json
import subprocess
import sys


def names(path):
    out = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                out.append(line)
    return out


def main():
    if len(sys.argv) < 5:
        print('usage: coverage_check.py VTDEMU BASELINE PENDING DIR...')
        return 2
    vtdemu, baseline_path, pending_path = sys.argv[1:4]
    dirs = sys.argv[4:]
    run = subprocess.run([vtdemu, 'replay', '--quiet', '--coverage',
                          '--json'] + dirs, capture_output=True, text=True)
    if run.returncode not in (0, 3):
        print('not ok - vtdemu replay exit status %d' % run.returncode)
        print(run.stderr)
        return 1
    report = json.loads(run.stdout)
    rules = {r['name']: r for r in report['rules']}
    baseline = names(baseline_path)
    pending = names(pending_path)

    failures, notes = [], []
    for name in pending:
        r = rules.get(name)
        if r is None:
            failures.append('pending: %s is not in the registry' % name)
        elif r['traces']:
            notes.append('pending: %s is covered now (by %s): remove it '
                         'from %s and add it to the baseline'
                         % (name, r['traces'][0], pending_path))
    for r in report['rules']:
        if r['status'] == 'implemented' and not r['traces'] and \
                r['name'] in pending:
            notes.append('pending: %s (%s) has no trace yet'
                         % (r['name'], r['text']))
        elif r['status'] == 'implemented' and not r['traces']:
            failures.append('gap: %s (%s, %s) is implemented but no trace '
                            'exercises it' % (r['name'], r['section'],
                                              r['text']))
        if r['status'] != 'implemented' and r['hits']:
            failures.append('registry: %s is %s but was hit by %s'
                            % (r['name'], r['status'],
                               ', '.join(r['traces'][:3])))
    for name in baseline:
        r = rules.get(name)
        if r is None:
            failures.append('baseline: %s is no longer in the registry '
                            '(rules are never renamed)' % name)
        elif not r['traces']:
            failures.append('baseline: %s lost its last trace' % name)
    new = sorted(n for n, r in rules.items()
                 if r['traces'] and n not in baseline)

    print('1..1')
    print('# %d rules, %d implemented, %d covered, %d gaps, %d excluded; '
          '%d traces'
          % (report['rules_total'], report['implemented'],
             report['covered'], report['gap_count'],
             report['excluded'], report['traces']))
    for n in new:
        print('# covered but not in the baseline (add it): %s' % n)
    for n in notes:
        print('# ' + n)
    if failures:
        for f in failures:
            print('# ' + f)
        print('not ok 1 - conformance coverage')
        return 1
    print('ok 1 - conformance coverage')
    return 0


if __name__ == '__main__':
    sys.exit(main())
