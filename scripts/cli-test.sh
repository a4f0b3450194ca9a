#!/bin/sh
# scripts/cli-test.sh VTDEMU SRCDIR [MACHINES]: the command-line contract of
# docs/cli.md (exit status, closing line, per-file verdicts, TAP, JUnit,
# --help; dmar and caps with the compiled example machines in MACHINES).
set -u
vtdemu=$1
src=$2
machines=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # description, condition result
    if [ "$2" -eq 0 ]; then
        echo "ok - $1"
    else
        echo "not ok - $1"
        fails=$((fails + 1))
    fi
}

good="$src/traces/examples/01-legacy-translation.vtdt"
# A trace with one wrong expectation (VER reads 0x10 by default).
cat > "$tmp/bad.vtdt" <<'T'
vtdtrace 1
iommu base=0xfed90000 cap=0xd2008c22260206 ecap=0xf00f4a
mmio read 0xfed90000 4 expect=0x10
mmio read 0xfed90000 4 expect=0x11
T
printf 'vtdtrace 1\nbogus line\n' > "$tmp/parse.vtdt"

"$vtdemu" replay "$good" > "$tmp/out" 2>&1
check "all pass: exit 0" $?
tail -n 1 "$tmp/out" | grep -qx '4 passed, 0 failed'
check "closing line 'N passed, M failed'" $?
grep -q "^PASS $good (4 expectations)\$" "$tmp/out"
check "per-file PASS line" $?

"$vtdemu" replay "$good" "$tmp/bad.vtdt" > "$tmp/out" 2>&1
check "mismatch: exit 1" $([ $? -eq 1 ]; echo $?)
grep -q "bad.vtdt:4: FAIL mmio read: expected 0x11, got 0x10" "$tmp/out"
check "failing line names file:line, expected and actual" $?
grep -q "^FAIL $tmp/bad.vtdt (1 of 2 expectations failed)\$" "$tmp/out"
check "per-file FAIL line" $?
tail -n 1 "$tmp/out" | grep -qx '5 passed, 1 failed'
check "closing line counts all files" $?

"$vtdemu" replay "$tmp/parse.vtdt" "$good" > "$tmp/out" 2>&1
check "parse error: exit 2" $([ $? -eq 2 ]; echo $?)
grep -q "parse.vtdt:2: unknown command 'bogus'" "$tmp/out"
check "parse error names file:line" $?
grep -q "^PASS $good" "$tmp/out"
check "other files still run after a parse error" $?

"$vtdemu" replay "$tmp/nonesuch" > /dev/null 2>&1
check "missing file: exit 2" $([ $? -eq 2 ]; echo $?)
"$vtdemu" replay --frobnicate "$good" > /dev/null 2>&1
check "unknown option: exit 2" $([ $? -eq 2 ]; echo $?)
"$vtdemu" nonesuch > /dev/null 2>&1
check "unknown command: exit 2" $([ $? -eq 2 ]; echo $?)

"$vtdemu" replay --quiet "$good" "$tmp/bad.vtdt" > "$tmp/out" 2>&1
! grep -q "^PASS" "$tmp/out"
check "--quiet drops PASS lines" $?

"$vtdemu" replay --tap --junit="$tmp/j.xml" "$good" "$tmp/bad.vtdt" > "$tmp/out" 2>&1
check "--tap exit 1 on mismatch" $([ $? -eq 1 ]; echo $?)
head -n 1 "$tmp/out" | grep -qx 'TAP version 13'
check "TAP header" $?
grep -qx '1\.\.6' "$tmp/out"
check "TAP plan counts expectations" $?
grep -q "^not ok 6 - $tmp/bad.vtdt:4 mmio read\$" "$tmp/out"
check "TAP failing point" $?
grep -q '    expected: "0x11"' "$tmp/out"
check "TAP YAML block" $?
grep -q '<testsuite name="'"$tmp"'/bad.vtdt" tests="2" failures="1"' "$tmp/j.xml"
check "JUnit report" $?

"$vtdemu" replay --explain "$good" > "$tmp/out" 2>&1
grep -q "context entry for 00:04.0 at 0x101200: P=1" "$tmp/out"
check "--explain shows the walk" $?

"$vtdemu" record -o "$tmp/rec.vtdt" "$tmp/bad.vtdt"
check "record: exit 0" $?
"$vtdemu" replay "$tmp/rec.vtdt" > /dev/null 2>&1
check "recording replays clean" $?

for c in replay run record bench; do
    "$vtdemu" "$c" --help > "$tmp/out" 2>&1
    check "$c --help exits 0" $?
    grep -qi "usage" "$tmp/out"
    check "$c --help prints usage" $?
done
"$vtdemu" --help > /dev/null 2>&1
check "vtdemu --help exits 0" $?
"$vtdemu" help replay | grep -q -- "--explain"
check "vtdemu help replay" $?

"$vtdemu" bench nonesuch > /dev/null 2>&1
check "bench unknown case: exit 2" $([ $? -eq 2 ]; echo $?)
for c in remap post; do
    "$vtdemu" bench "$c" --iterations 1000 --threads 2 > "$tmp/out" 2>&1
    check "bench $c: exit 0" $?
    grep -q "^$c: [0-9.]* ns/op, [0-9.]* Mops/s, 2 threads$" "$tmp/out"
    check "bench $c: one result line" $?
    "$vtdemu" bench "$c" --iterations 0 > /dev/null 2>&1
    check "bench $c --iterations 0: exit 0" $?
done
"$vtdemu" bench remap --iterations 100 --stats > /dev/null 2> "$tmp/out"
grep -q "^irte cache hits 85 of 100 requests (15 IRTE reads)$" "$tmp/out"
check "bench remap --stats: 16 handles, one set-up check, 15 cache fills" $?
"$vtdemu" bench hit --iterations 100 --threads 2 --json --stats > "$tmp/out" 2>&1
check "bench hit --json: exit 0" $?
# docs/bench.md: one JSON object on stdout, with the counters under --stats.
grep -q '^{"case": "hit", "threads": 2, "iterations": 100, "ok": true, "elapsed_ns": [0-9]*, "ns_per_op": [0-9.]*, "mops": [0-9.]*, "errors": 0, "stats": {"iotlb_hits": [0-9]*, "iotlb_misses": [0-9]*, "invalidations": 0, "faults": 0}}$' "$tmp/out"
check "bench hit --json: one object with the figures and stats" $?
[ "$(wc -l < "$tmp/out")" -eq 1 ]
check "bench --json: nothing but the object" $?
# inval-load (docs/bench.md): 500 invalidations alone, then 500 with a
# translating thread: the unit counts 1000 IOTLB invalidations.
"$vtdemu" bench inval-load --iterations 500 --threads 2 --json --stats > "$tmp/out" 2>&1
check "bench inval-load: exit 0" $?
grep -q '^{"case": "inval-load", "threads": 2, "iterations": 500, "ok": true, "inval_alone": {"n": 500, "mean_ns": [0-9.]*, "p50_ns": [0-9]*, "p99_ns": [0-9]*, "p999_ns": [0-9]*, "max_ns": [0-9]*, "refill_mean_ns": [0-9.]*}, "inval_loaded": {"n": 500, .*}, "xlate_alone_mops": [0-9.]*, "xlate_loaded_mops": [0-9.]*, "timer_ns": [0-9]*, "errors": 0, "stats": {.*"invalidations": 1000, "faults": 0}}$' "$tmp/out"
check "bench inval-load --json: both runs, 1000 invalidations, no fault" $?
"$vtdemu" bench inval-load --iterations 0 > /dev/null 2>&1
check "bench inval-load --iterations 0: exit 0" $?

for c in dmar caps inspect import-qemu-log; do
    "$vtdemu" "$c" --help > "$tmp/out" 2>&1
    check "$c --help exits 0" $?
    grep -qi "usage" "$tmp/out"
    check "$c --help prints usage" $?
done

# caps: QEMU 7.2's CAP has MGAW field 0x26 (VT-d 11.4.2 bits 21:16).
"$vtdemu" caps 0x00d2008c22260206 0xf00f4a > "$tmp/out" 2>&1
check "caps CAP ECAP: exit 0" $?
grep -q "MGAW     \[21:16\]  = 0x26   39 bits" "$tmp/out"
check "caps decodes MGAW" $?
"$vtdemu" caps nonesuch > /dev/null 2>&1
check "caps unknown profile: exit 2" $([ $? -eq 2 ]; echo $?)

if [ -n "$machines" ]; then
    "$vtdemu" dmar build "$machines/rich.dtb" -o "$tmp/dmar.bin" 2> /dev/null
    check "dmar build: exit 0" $?
    "$vtdemu" dmar check "$tmp/dmar.bin" --machine "$machines/rich.dtb" \
        > "$tmp/out" 2>&1
    check "dmar check of a built table: exit 0" $?
    "$vtdemu" dmar dump "$tmp/dmar.bin" | grep -q "INCLUDE_PCI_ALL"
    check "dmar dump shows the INCLUDE_PCI_ALL unit" $?
    printf '\377' | dd of="$tmp/dmar.bin" bs=1 seek=9 conv=notrunc 2> /dev/null
    "$vtdemu" dmar check "$tmp/dmar.bin" > "$tmp/out" 2>&1
    check "dmar check of a broken checksum: exit 1" $([ $? -eq 1 ]; echo $?)
    grep -q "dmar.bin:0x009: error: checksum" "$tmp/out"
    check "dmar check names the offset" $?
    "$vtdemu" dmar build "$tmp/nonesuch.dtb" -o "$tmp/x.bin" > /dev/null 2>&1
    check "dmar build of a missing file: exit 2" $([ $? -eq 2 ]; echo $?)

    # vtdemu run MACHINE.dtb TRACE...: the trace on the machine's RAM,
    # units, CPUs and IOAPIC (docs/cli.md).
    "$vtdemu" run "$machines/q35.dtb" "$src/traces/run-q35" > "$tmp/out" 2>&1
    check "run q35 traces: exit 0" $?
    grep -q "^PASS .*ioapic-to-cpu.vtdt" "$tmp/out"
    check "run prints PASS per file" $?
    printf 'vtdtrace 2\ncpu 1 expect irr=0x99\n' > "$tmp/runfail.vtdt"
    "$vtdemu" run "$machines/q35.dtb" "$tmp/runfail.vtdt" > "$tmp/out" 2>&1
    check "run with a failing expectation: exit 1" $([ $? -eq 1 ]; echo $?)
    grep -q "runfail.vtdt:2: FAIL cpu: expected irr=0x99, got irr=none" "$tmp/out"
    check "run names the failing line" $?
    printf 'vtdtrace 2\n\nram 0x1000\n' > "$tmp/runram.vtdt"
    "$vtdemu" run "$machines/q35.dtb" "$tmp/runram.vtdt" > "$tmp/out" 2>&1
    check "run of a trace with its own ram line: exit 2" $([ $? -eq 2 ]; echo $?)
    grep -q "runram.vtdt:3: 'ram'" "$tmp/out"
    check "run names the ram line" $?
    "$vtdemu" run "$tmp/nonesuch.dtb" "$tmp/runfail.vtdt" > "$tmp/out" 2>&1
    check "run on a missing machine: exit 2" $([ $? -eq 2 ]; echo $?)
    "$vtdemu" run > /dev/null 2>&1
    check "run without arguments: exit 2" $([ $? -eq 2 ]; echo $?)
fi

exit $fails
