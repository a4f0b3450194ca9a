/* SPDX-License-Identifier: MIT */
/*
 * tests/test_replay_v2.c: the version-2 machine around the units in a
 * trace: cpu, pid and ioapic lines, interrupt delivery to the CPUs,
 * recordings of them, and `machine`/`vtdemu run` device trees
 * (trace/parse_*.c, trace/replay*.c, machine/board.c).  Format rules are
 * those of traces/FORMAT.md.
 */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "trace/replay.h"
#include "trace/trace.h"
#include "trace_util.h"

/* ------------------------------------------------------------------ */
/* v2 machine commands: cpu, pid, ioapic (traces/FORMAT.md)            */
/* ------------------------------------------------------------------ */

/* A unit with interrupt remapping (ECAP.IR) and posting (CAP.PI). */
#define HDR2 "vtdtrace 2\nram 0x10000000\n" \
    "unit dmar0 base=0xfed90000 profile=full\n"

/* VT-d 9.10 remapped IRTE 0 at 0x300000: P=1, fixed, physical, vector
 * 0x31, xAPIC destination 1 (bits 47:40), no source check; IRTA with 16
 * entries (11.4.10), then SIRTP and IRE (11.4.4.1). */
#define IRT \
    "mem write 0x300000 01003100000100000000000000000000\n" \
    "reg write IRTA 0x300003\n" \
    "reg write GCMD 0x1000000\n" \
    "reg write GCMD 0x2000000\n"

START_TEST(test_cpu_and_ioapic_setup_lines_parse)
{
    struct trace *t = parse_ok(HDR2
        "cpu 0\n"
        "cpu 1 ldr=0x12 dfr=cluster tpr=0x30\n"
        "cpu 0x100 x2apic\n"
        "ioapic base=0xfec00000 id=2 sid=ff:00.0\n"
        "cpu 1 expect irr=0x31,0xff isr=none\n"
        "cpu 0x100 eoi expect=none\n"
        "cpu 0 guest-mode on nv=0xf2 pid=0x400040\n"
        "pid 0x400040 expect on=1 sn=0 pir=0x61\n"
        "ioapic write 0x10 0x8041\n"
        "ioapic assert 23 id=2\n");
    ck_assert_uint_eq(t->ncpus, 3);
    ck_assert_uint_eq(t->cpus[1].apic_id, 1);
    ck_assert_uint_eq(t->cpus[1].ldr, 0x12);
    ck_assert(t->cpus[1].cluster);
    ck_assert_uint_eq(t->cpus[1].tpr, 0x30);
    ck_assert_uint_eq(t->cpus[0].tpr, 0);
    ck_assert(!t->cpus[0].cluster);
    ck_assert(t->cpus[2].x2apic);
    ck_assert_uint_eq(t->nioapics, 1);
    ck_assert_uint_eq(t->ioapics[0].base, 0xfec00000);
    ck_assert_uint_eq(t->ioapics[0].id, 2);
    ck_assert_uint_eq(t->ioapics[0].sid, 0xff00);
    ck_assert_uint_eq(t->ncmds, 6);
    const struct trace_cmd *c = t->cmds;
    ck_assert_int_eq(c[0].mop, TRACE_M_CPU_EXPECT);
    ck_assert_uint_eq(c[0].vset_mask, 1u << TRACE_VSET_IRR |
                                      1u << TRACE_VSET_ISR);
    /* Vectors 0x31 (word 0, bit 49) and 0xff (word 3, bit 63). */
    ck_assert_uint_eq(c[0].vset[TRACE_VSET_IRR][0], 1ull << 49);
    ck_assert_uint_eq(c[0].vset[TRACE_VSET_IRR][3], 1ull << 63);
    ck_assert_uint_eq(c[0].vset[TRACE_VSET_ISR][0], 0);
    ck_assert_int_eq(c[1].mop, TRACE_M_CPU_EOI);
    ck_assert_int_eq(c[1].ack_vector, -1);
    ck_assert_uint_eq(c[1].apic_id, 0x100);
    ck_assert_int_eq(c[2].mop, TRACE_M_CPU_GUEST);
    ck_assert(c[2].guest_on);
    ck_assert_uint_eq(c[2].nv, 0xf2);
    ck_assert_uint_eq(c[2].addr, 0x400040);
    ck_assert_int_eq(c[3].mop, TRACE_M_PID_EXPECT);
    ck_assert_int_eq(c[3].on, TRACE_YES);
    ck_assert_int_eq(c[3].sn, TRACE_NO);
    ck_assert_uint_eq(c[3].vset[TRACE_VSET_PIR][1], 1ull << 33);
    ck_assert_int_eq(c[4].mop, TRACE_M_IOAPIC_WRITE);
    ck_assert_uint_eq(c[4].addr, 0x10);
    ck_assert_uint_eq(c[4].value, 0x8041);
    ck_assert_int_eq(c[4].ioapic, 0);
    ck_assert_int_eq(c[5].mop, TRACE_M_IOAPIC_ASSERT);
    ck_assert_uint_eq(c[5].addr, 23);
    /* Machine commands are not v1/v2 unit commands: op stays 0. */
    ck_assert_int_eq((int)c[0].op, 0);
    /* cpu expect, pid expect and eoi expect= are expectations; an
     * ioapic write and guest-mode are not. */
    ck_assert_uint_eq(t->nexpect, 3);
    trace_free(t);
}
END_TEST

START_TEST(test_bad_machine_commands_are_rejected)
{
    /* Each error names the line (FORMAT.md: unknown keys are errors). */
    const char *e = parse_err(HDR2 "cpu 0\ncpu 0 expect irr=0x31 foo=1\n");
    ck_assert_msg(strncmp(e, "t.vtdt:5: ", 10) == 0, "%s", e);
    ck_assert_ptr_nonnull(strstr(e, "foo"));
    e = parse_err(HDR2 "cpu 0\ncpu 0\n");
    ck_assert_ptr_nonnull(strstr(e, "t.vtdt:5: "));
    ck_assert_ptr_nonnull(strstr(e, "already"));
    e = parse_err(HDR2 "cpu 3 expect irr=none\n");
    ck_assert_ptr_nonnull(strstr(e, "no CPU with APIC id 0x3"));
    e = parse_err("vtdtrace 1\nram 0x1000\n"
                  "iommu base=0xfed90000 cap=0xd2008c22260206 "
                  "ecap=0xf00f4a\ncpu 0\n");
    ck_assert_ptr_nonnull(strstr(e, "vtdtrace 2"));
    parse_err(HDR2 "cpu 0\ncpu 0 expect\n");            /* nothing checked */
    parse_err(HDR2 "cpu 0\ncpu 0 expect irr=0x100\n");  /* vector > 255 */
    parse_err(HDR2 "cpu 0\ncpu 0 expect irr=0x31,\n");  /* empty item */
    parse_err(HDR2 "cpu 0\ncpu 0 ack expect=0x1ff\n");
    parse_err(HDR2 "cpu 0\ncpu 0 fly\n");
    parse_err(HDR2 "cpu 0\ncpu 0 guest-mode on nv=0xf2\n");  /* no pid= */
    parse_err(HDR2 "cpu 0\ncpu 0 guest-mode on nv=0xf2 pid=0x400020\n");
    parse_err(HDR2 "cpu 0\ncpu 0 guest-mode maybe\n");
    parse_err(HDR2 "cpu 0x100\n");                   /* xAPIC id > 0xff */
    parse_err(HDR2 "cpu 1 x2apic ldr=0x1\n");
    parse_err(HDR2 "cpu 1 dfr=tree\n");
    parse_err(HDR2 "cpu 1 tpr=0x100\n");
    parse_err(HDR2 "cpu 0\nmem write 0x0 00\ncpu 1\n");  /* after action */
    parse_err(HDR2 "pid 0x400040 expect\n");
    parse_err(HDR2 "pid 0x400048 expect on=1\n");     /* not 64-aligned */
    parse_err(HDR2 "pid 0x400040 expect on=2\n");
    parse_err(HDR2 "pid 0x400040 check on=1\n");
    parse_err(HDR2 "ioapic base=0xfec00000 id=0\n");   /* no sid= */
    parse_err(HDR2 "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
              "ioapic base=0xfec00080 id=1 sid=ff:00.1\n");  /* overlap */
    parse_err(HDR2 "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
              "ioapic base=0xfec10000 id=0 sid=ff:00.1\n");  /* same id */
    parse_err(HDR2 "ioapic assert 1\n");               /* no IOAPIC */
    parse_err(HDR2 "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
              "ioapic assert 24\n");                   /* 24 pins */
    parse_err(HDR2 "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
              "ioapic write 0x10 0x100000000\n");      /* 32-bit register */
    parse_err(HDR2 "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
              "ioapic assert 1 id=5\n");
    parse_err(HDR2 "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
              "ioapic base=0xfec10000 id=1 sid=ff:00.1\n"
              "ioapic assert 1\n");                    /* which one? */
}
END_TEST

/* SDM vol. 3 11.6.2: physical destination 1 reaches the CPU with APIC id 1
 * only; 11.8.4: acknowledge moves the vector from IRR to ISR; 11.8.5: EOI
 * clears it. */
START_TEST(test_remapped_interrupt_reaches_its_cpu)
{
    struct trace *t = parse_ok(HDR2 "cpu 0\ncpu 1\n" IRT
        "msi 00:04.0 0xfee00010 0x0 expect=remapped dest=0x1 vector=0x31\n"
        "cpu 1 expect irr=0x31 isr=none\n"                       /* 11 */
        "cpu 0 expect irr=none\n"                                /* 12 */
        "cpu 1 ack expect=0x31\n"                                /* 13 */
        "cpu 1 expect irr=none isr=0x31\n"                       /* 14 */
        "cpu 1 eoi expect=0x31\n"                                /* 15 */
        "cpu 1 expect isr=none\n"                                /* 16 */
        "cpu 0 expect irr=0x31\n"                                /* 17 */
        "cpu 1 ack expect=0x31\n");                              /* 18 */
    struct seen s;
    struct replay_summary sum = replay_ok(t, NULL, &s);
    ck_assert_uint_eq(sum.passed, 7);
    ck_assert_uint_eq(sum.failed, 2);
    ck_assert_uint_eq(s.fail_line[0], 17);
    ck_assert_str_eq(s.actual[0], "irr=none");
    ck_assert_uint_eq(s.fail_line[1], 18);
    ck_assert_str_eq(s.actual[1], "none");
    trace_free(t);
}
END_TEST

/* Without CPUs a v2 trace behaves as before: nothing is delivered and
 * nothing fails. */
START_TEST(test_trace_without_cpus_is_unchanged)
{
    struct trace *t = parse_ok(HDR2 IRT
        "msi 00:04.0 0xfee00010 0x0 expect=remapped dest=0x1\n");
    ck_assert_uint_eq(t->ncpus, 0);
    struct replay_summary sum = replay_ok(t, NULL, NULL);
    ck_assert_uint_eq(sum.passed, 1);
    ck_assert_uint_eq(sum.failed, 0);
    trace_free(t);
}
END_TEST

/* VT-d 5.2.3: the first posting sets PIR bit 0x61 and ON and sends NV
 * (0xf2) to NDST (APIC 3); SDM 29.6: a CPU in guest mode moves PIR to its
 * virtual IRR and clears ON; outside guest mode NV lands in IRR. */
START_TEST(test_posted_notification_is_harvested_in_guest_mode)
{
    struct trace *t = parse_ok(HDR2 "cpu 3\n"
        "mem write 0x300020 01806100400040000000000000000000\n"
        "mem write 0x400060 0000f20000030000\n"
        "reg write IRTA 0x300003\nreg write GCMD 0x1000000\n"
        "reg write GCMD 0x2000000\n"
        "cpu 3 guest-mode on nv=0xf2 pid=0x400040\n"
        "msi 00:04.0 0xfee00050 0x0 expect=posted notify=yes\n"
        "cpu 3 expect irr=none virr=0x61\n"
        "pid 0x400040 expect on=0 pir=none\n"
        "cpu 3 guest-mode off\n"
        "msi 00:04.0 0xfee00050 0x0 expect=posted notify=yes\n"
        "cpu 3 expect irr=0xf2\n"
        "pid 0x400040 expect on=1 sn=0 pir=0x61\n"
        "pid 0x400040 expect on=0\n");                  /* line 18 fails */
    struct seen s;
    struct replay_summary sum = replay_ok(t, NULL, &s);
    ck_assert_uint_eq(sum.failed, 1);
    ck_assert_uint_eq(sum.passed, 6);
    ck_assert_uint_eq(s.fail_line[0], 18);
    ck_assert_str_eq(s.actual[0], "on=1");
    trace_free(t);
}
END_TEST

/* VT-d 5.1.5.1: an IOAPIC RTE in remappable format (bit 48, index in
 * 63:49) is sent with the IOAPIC's source-id; IRTE 0 is level (TM=1) and
 * requires SID ff:00.0 (SVT=01b).  SDM 11.8.5: the level EOI is
 * broadcast and the IOAPIC re-sends while the line is asserted
 * (82093AA remote IRR). */
START_TEST(test_ioapic_level_interrupt_and_eoi_broadcast)
{
    struct trace *t = parse_ok(HDR2 "cpu 0\n"
        "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
        "mem write 0x300000 110041000000000000ff040000000000\n"
        "reg write IRTA 0x300003\nreg write GCMD 0x1000000\n"
        "reg write GCMD 0x2000000\n"
        "ioapic write 0x11 0x10000\n"      /* RTE 0 high: remappable, idx 0 */
        "ioapic write 0x10 0x8041\n"       /* level, vector 0x41 */
        "ioapic assert 0\n"
        "cpu 0 expect irr=0x41 tmr=0x41\n"
        "cpu 0 ack expect=0x41\n"
        "cpu 0 eoi expect=0x41\n"
        "cpu 0 expect irr=0x41 isr=none\n"  /* re-sent: still asserted */
        "ioapic read 0x10 expect=0x4000 mask=0x4000\n"
        "ioapic deassert 0\n"
        "cpu 0 ack expect=0x41\n"
        "cpu 0 eoi expect=0x41\n"
        "cpu 0 expect irr=none isr=none\n"
        "ioapic read 0x10 expect=0x0 mask=0x4000\n");
    struct replay_summary sum = replay_ok(t, NULL, NULL);
    ck_assert_uint_eq(sum.failed, 0);
    ck_assert_uint_eq(sum.passed, 9);
    trace_free(t);
    /* The same IRTE from another requester id: blocked (26h), nothing
     * delivered. */
    t = parse_ok(HDR2 "cpu 0\n"
        "ioapic base=0xfec00000 id=0 sid=ff:00.1\n"
        "mem write 0x300000 110041000000000000ff040000000000\n"
        "reg write IRTA 0x300003\nreg write GCMD 0x1000000\n"
        "reg write GCMD 0x2000000\n"
        "ioapic write 0x11 0x10000\nioapic write 0x10 0x8041\n"
        "ioapic assert 0\n"
        "cpu 0 expect irr=none\n"
        "reg read FSTS expect=0x2 mask=0x2\n");
    sum = replay_ok(t, NULL, NULL);
    ck_assert_uint_eq(sum.failed, 0);
    ck_assert_uint_eq(sum.passed, 2);
    trace_free(t);
}
END_TEST

/* Record t's text into a string; replay the recording; return it. */
static char *record_text(const char *text, unsigned long *passed)
{
    struct trace *t = parse_ok(text);
    size_t len = 0;
    char *buf = replay_record(t, &len);
    trace_free(t);
    struct trace *r = NULL;
    char err[256] = "";
    ck_assert_msg(trace_parse("rec.vtdt", buf, len, &r, err, sizeof(err))
                  == 0, "%s\n%s", err, buf);
    struct replay_summary sum = replay_ok(r, NULL, NULL);
    ck_assert_msg(sum.failed == 0, "recording fails:\n%s", buf);
    *passed = sum.passed;
    trace_free(r);
    return buf;
}

#define HAS_LINE(buf, line) \
    ck_assert_msg(strstr(buf, line "\n") != NULL, "no '%s' in:\n%s", line, buf)

/* traces/FORMAT.md (v2): a recording sets up the same CPUs and IOAPIC and
 * repeats the IOAPIC and CPU actions, each with what it gave as its
 * expectation.  The IOAPIC's messages are not written as msi lines too
 * (the recorded `ioapic assert` sends them again).  The level scenario of
 * test_ioapic_level_interrupt_and_eoi_broadcast (SDM 11.8.5, VT-d
 * 5.1.5.1): 4 ack/eoi, 3 cpu expect and 2 ioapic read expectations. */
START_TEST(test_record_v2_repeats_cpu_and_ioapic_actions)
{
    unsigned long passed = 0;
    char *buf = record_text(HDR2 "cpu 0\n"
        "ioapic base=0xfec00000 id=0 sid=ff:00.0\n"
        "mem write 0x300000 110041000000000000ff040000000000\n"
        "reg write IRTA 0x300003\nreg write GCMD 0x1000000\n"
        "reg write GCMD 0x2000000\n"
        "ioapic write 0x11 0x10000\n"
        "ioapic write 0x10 0x8041\n"
        "ioapic assert 0\n"
        "cpu 0 expect irr=0x41\n"
        "cpu 0 ack\n"
        "cpu 0 eoi\n"
        "cpu 0 expect isr=none\n"
        "ioapic read 0x10\n"
        "ioapic deassert 0\n"
        "cpu 0 ack\n"
        "cpu 0 eoi\n"
        "cpu 0 expect irr=none\n"
        "ioapic read 0x10\n", &passed);
    HAS_LINE(buf, "cpu 0x0 ldr=0x0 dfr=flat tpr=0");
    HAS_LINE(buf, "ioapic base=0xfec00000 id=0 sid=ff:00.0");
    HAS_LINE(buf, "ioapic write 0x11 0x10000 id=0");
    HAS_LINE(buf, "ioapic assert 0 id=0");
    HAS_LINE(buf, "ioapic deassert 0 id=0");
    /* The vector was re-sent while the line stayed asserted: IRR and TMR
     * hold 0x41 after the first EOI. */
    HAS_LINE(buf, "cpu 0x0 expect irr=0x41 isr=none tmr=0x41 virr=none");
    HAS_LINE(buf, "cpu 0x0 ack expect=0x41");
    HAS_LINE(buf, "cpu 0x0 eoi expect=0x41");
    /* RTE 0 as written, remote IRR (bit 14) clear after the last EOI. */
    HAS_LINE(buf, "ioapic read 0x10 expect=0x8041 id=0");
    ck_assert_ptr_null(strstr(buf, "\nmsi "));
    ck_assert_uint_eq(passed, 9);
    free(buf);
}
END_TEST

/* SDM 29.6 and VT-d 9.11: the guest-mode CPU clears ON and moves PIR
 * into its virtual IRR; the recording repeats the guest-mode switch and
 * checks the descriptor as it was (pid lines with every field). */
START_TEST(test_record_v2_repeats_guest_mode_and_pid_checks)
{
    unsigned long passed = 0;
    char *buf = record_text(HDR2 "cpu 3\n"
        "mem write 0x300020 01806100400040000000000000000000\n"
        "mem write 0x400060 0000f20000030000\n"
        "reg write IRTA 0x300003\nreg write GCMD 0x1000000\n"
        "reg write GCMD 0x2000000\n"
        "cpu 3 guest-mode on nv=0xf2 pid=0x400040\n"
        "msi 00:04.0 0xfee00050 0x0 expect=posted\n"
        "cpu 3 expect virr=0x61\n"
        "pid 0x400040 expect on=0\n"
        "cpu 3 guest-mode off\n"
        "msi 00:04.0 0xfee00050 0x0\n"
        "pid 0x400040 expect on=1\n", &passed);
    HAS_LINE(buf, "cpu 0x3 guest-mode on nv=0xf2 pid=0x400040");
    HAS_LINE(buf, "cpu 0x3 guest-mode off");
    HAS_LINE(buf, "cpu 0x3 expect irr=none isr=none tmr=none virr=0x61");
    HAS_LINE(buf, "pid 0x400040 expect on=0 sn=0 pir=none");
    HAS_LINE(buf, "pid 0x400040 expect on=1 sn=0 pir=0x61");
    /* 2 msi (the second had no expect: the recording adds one), 1 cpu,
     * 2 pid. */
    ck_assert_uint_eq(passed, 5);
    free(buf);
}
END_TEST

/* traces/FORMAT.md: lint=yes units report a cache hit that disagrees with
 * the tables (VT-d 6.1: stale until invalidated); the recording carries
 * the unit's lint= and each request's stale=.  The PTE is changed after
 * the first DMA filled the IOTLB, without invalidation. */
START_TEST(test_record_carries_lint_and_stale)
{
    unsigned long passed = 0;
    char *buf = record_text("vtdtrace 2\nram 0x10000000\n"
        "unit dmar0 base=0xfed90000 cap=0xd2008c22260206 ecap=0xf00f4a "
        "lint=yes\n" TABLES
        "dma 00:04.0 read 0x1010\n"
        "mem write 0x104008 0110300000000000\n"
        "dma 00:04.0 read 0x1010\n", &passed);
    ck_assert_ptr_nonnull(strstr(buf, " lint=yes\n"));
    HAS_LINE(buf, "dma 00:04.0 read 0x1010 len=4 expect=ok gpa=0x201010 "
                  "stale=no");
    /* Served from the IOTLB: the old page, reported stale. */
    HAS_LINE(buf, "dma 00:04.0 read 0x1010 len=4 expect=ok gpa=0x201010 "
                  "stale=yes");
    ck_assert_uint_eq(passed, 4);   /* 2 dma and 2 stale groups */
    free(buf);
}
END_TEST

/* A `mem expect` on bytes the guest wrote and nothing read: the recording
 * describes them first, so its expectation holds on replay. */
START_TEST(test_record_mem_expect_describes_guest_bytes)
{
    unsigned long passed = 0;
    char *buf = record_text(HDR "mem write 0x5000 aabbccdd\n"
                            "mem expect 0x5000 aabb\n", &passed);
    char *w = strstr(buf, "mem write 0x5000 aabb\n");
    char *e = strstr(buf, "mem expect 0x5000 aabb\n");
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_nonnull(e);
    ck_assert(w < e);
    ck_assert_uint_eq(passed, 1);
    free(buf);
}
END_TEST

#ifdef MACHINES_DIR
/* vtdemu run: the machine is loaded after the header; a trace with its
 * own set-up is an error naming the line. */
START_TEST(test_run_on_machine_gives_units_cpus_and_ioapic)
{
    char *dtb = g_strdup_printf("%s/q35.dtb", MACHINES_DIR);
    const char *text = "vtdtrace 2\ncpu 1 expect irr=none\n";
    struct trace *t = NULL;
    char err[512] = "";
    ck_assert_int_eq(trace_parse_on_machine("t.vtdt", text, strlen(text),
                                            dtb, &t, err, sizeof(err)), 0);
    /* q35.dts: one unit, CPUs 0 and 1, IOAPIC 0 at 0xfec00000 with
     * source-id ff:00.0. */
    ck_assert_uint_eq(t->nunits, 1);
    ck_assert_uint_eq(t->ncpus, 2);
    ck_assert_uint_eq(t->cpus[1].apic_id, 1);
    ck_assert_uint_eq(t->nioapics, 1);
    ck_assert_uint_eq(t->ioapics[0].base, 0xfec00000);
    ck_assert_uint_eq(t->ioapics[0].sid, 0xff00);
    trace_free(t);
    const char *bad = "vtdtrace 2\n# set-up\nunit u base=0x0 profile=full\n";
    ck_assert_int_eq(trace_parse_on_machine("t.vtdt", bad, strlen(bad), dtb,
                                            &t, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strncmp(err, "t.vtdt:3: 'unit'", 16) == 0, "%s", err);
    ck_assert_int_eq(trace_parse_on_machine("t.vtdt", text, strlen(text),
                                            "/nonexistent.dtb", &t, err,
                                            sizeof(err)), -EINVAL);
    g_free(dtb);
}
END_TEST

/* machine FILE (v2): RAM and units from q35.dts (one unit at 0xfed90000,
 * profile qemu-7.2, 512 MiB, explicit device scopes; VT-d 8.3.1). */
START_TEST(test_machine_line_builds_units_from_a_device_tree)
{
    char *text = g_strdup_printf(
        "vtdtrace 2\nmachine %s/q35.dtb\n"
        "mmio read 0xfed90008 8 expect=0xd2008c22260206\n"
        "dma 00:04.0 read 0x1000 expect=ok gpa=0x1000\n", MACHINES_DIR);
    struct trace *t = parse_ok(text);
    ck_assert_uint_eq(t->nunits, 1);
    ck_assert_str_eq(t->units[0].name, "dmar0");
    ck_assert_uint_eq(t->units[0].base, 0xfed90000);
    ck_assert(!t->units[0].scope_all);
    ck_assert_uint_eq(t->nram, 1);
    ck_assert_uint_eq(t->ram[0].size, 0x20000000);
    bool edu = false, ioapic = false, other = false;
    for (size_t i = 0; i < t->units[0].nscope; i++) {
        const struct trace_scope *sc = &t->units[0].scope[i];
        edu |= sc->first <= 0x20 && 0x20 <= sc->last;
        ioapic |= sc->first <= 0xff00 && 0xff00 <= sc->last;
        other |= sc->first <= 0x28 && 0x28 <= sc->last;
    }
    ck_assert(edu && ioapic && !other);
    struct replay_summary sum = { 0, 0 };
    char err[256];
    ck_assert_int_eq(replay_trace(t, NULL, NULL, &sum, err, sizeof(err)), 0);
    ck_assert_uint_eq(sum.passed, 2);
    trace_free(t);
    g_free(text);
    /* 00:05.0 is in no scope: the trace cannot be run. */
    text = g_strdup_printf("vtdtrace 2\nmachine %s/q35.dtb\n"
                           "dma 00:05.0 read 0x0\n", MACHINES_DIR);
    t = parse_ok(text);
    ck_assert_int_eq(replay_trace(t, NULL, NULL, &sum, err, sizeof(err)),
                     -EINVAL);
    trace_free(t);
    g_free(text);
    parse_err("vtdtrace 1\nmachine q35.dtb\n");
    parse_err("vtdtrace 2\nmachine /nonexistent.dtb\n");
    parse_err("vtdtrace 2\nmachine /dev/zero\n");
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("replay-v2");
    TCase *tc = tcase_create("replay-v2");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_cpu_and_ioapic_setup_lines_parse);
    tcase_add_test(tc, test_bad_machine_commands_are_rejected);
    tcase_add_test(tc, test_remapped_interrupt_reaches_its_cpu);
    tcase_add_test(tc, test_trace_without_cpus_is_unchanged);
    tcase_add_test(tc, test_posted_notification_is_harvested_in_guest_mode);
    tcase_add_test(tc, test_ioapic_level_interrupt_and_eoi_broadcast);
    tcase_add_test(tc, test_record_v2_repeats_cpu_and_ioapic_actions);
    tcase_add_test(tc, test_record_v2_repeats_guest_mode_and_pid_checks);
    tcase_add_test(tc, test_record_carries_lint_and_stale);
    tcase_add_test(tc, test_record_mem_expect_describes_guest_bytes);
#ifdef MACHINES_DIR
    tcase_add_test(tc, test_machine_line_builds_units_from_a_device_tree);
    tcase_add_test(tc, test_run_on_machine_gives_units_cpus_and_ioapic);
#endif
    suite_add_tcase(s, tc);
    return check_run(s);
}
