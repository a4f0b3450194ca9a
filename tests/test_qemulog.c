/* SPDX-License-Identifier: MIT */
/*
 * tests/test_qemulog.c: QEMU vtd_* log import (trace/import_qemu.c).
 *
 * The input log (tests/data/people/qemu-7.2-sample.log) is written by hand
 * from the event formats of QEMU 7.2's hw/i386/trace-events, with the three
 * prefix styles QEMU has used.  The expected trace lines are worked out by
 * hand: register offsets from VT-d 11.4 added to the base, descriptors in
 * the queue slots of 6.5.2 (IQA 0x7000, 128-bit, slots from IQH 0 up to the
 * new IQT 0x20 >> 4 = 2), little-endian bytes.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "mem/guestmem.h"
#include "trace/import_qemu.h"
#include "tools/inspect_state.h"
#include "trace/replay.h"
#include "trace/trace.h"
#include "check_main.h"

#define HAS(s, sub)                                                        \
    ck_assert_msg(strstr((s), (sub)) != NULL, "missing \"%s\" in:\n%s",     \
                  (sub), (s))

START_TEST(test_prefix_styles)
{
    ck_assert_str_eq(qemulog_event_start("vtd_reg_read addr 0x1c size 0x4"),
                     "vtd_reg_read addr 0x1c size 0x4");
    ck_assert_str_eq(qemulog_event_start("4242@1700000000.123456:vtd_ir_enable "
                                         "enable 1"), "vtd_ir_enable enable 1");
    ck_assert_str_eq(qemulog_event_start("2024-05-01T10:00:00.000002Z "
                                         "vtd_dmar_enable enable 1"),
                     "vtd_dmar_enable enable 1");
    ck_assert_ptr_null(qemulog_event_start("qemu-system-x86_64: warning"));
    ck_assert_ptr_null(qemulog_event_start("4242@17.1:pci_cfg_read x"));
    ck_assert_ptr_null(qemulog_event_start(""));
}
END_TEST

static char *convert_sample(GString *warn, struct qemulog_stats *st)
{
    gchar *text = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(PEOPLE_DATA "/qemu-7.2-sample.log", &text,
                                  &len, NULL));
    struct qemulog_opts o;
    qemulog_opts_init(&o);
    o.name = "sample.log";
    GString *out = g_string_new(NULL);
    ck_assert_int_eq(qemulog_convert(text, len, &o, out, warn, st), 0);
    g_free(text);
    return g_string_free(out, FALSE);
}

START_TEST(test_sample_log_converts)
{
    GString *warn = g_string_new(NULL);
    struct qemulog_stats st;
    char *t = convert_sample(warn, &st);
    HAS(t, "\nvtdtrace 1\niommu base=0xfed90000 cap=0x00d2008c22260206 "
           "ecap=0xf00f4a\n");
    HAS(t, "\nmmio write 0xfed90090 8 0x7000  # L1\n");
    HAS(t, "\nmmio write 0xfed90018 4 0x4000000  # L2\n");
    /* The two descriptors go into slots 0 and 1 before the IQT write. */
    HAS(t, "\nmem write 0x7000 12000000000000000000000000000000  # L4 "
           "descriptor\nmem write 0x7010 25000000010000000080000000000000"
           "  # L4 descriptor\nmmio write 0xfed90088 8 0x20  # L4 IQT\n"
           "mem expect 0x8000 01000000  # wait status write\n");
    /* Direction from the IOTLB entry's R bit; the repeat is dropped. */
    HAS(t, "\ndma 00:03.0 read 0x1000 len=4 expect=ok gpa=0x80000  # L11\n");
    ck_assert_ptr_null(strstr(t, "# L12\n"));
    /* QEMU prints the fault reason in decimal: 6 -> 0x6. */
    HAS(t, "\ndma 00:04.0 read 0x1234004 len=4 expect=fault reason=0x6  "
           "# L14\n");
    HAS(t, "\nmsi - 0xfee00010 0x0 expect=remapped dest=0x1 vector=0x30 "
           "dm=1 tm=0 dlm=0x0  # L15\n");
    HAS(t, "\nmsi - 0xfee00000 0x31 expect=passthrough  # L19\n");
    /* FR bits 103:96 of the new record = 0x22. */
    HAS(t, "\nmsi - 0xfee00030 0x0 expect=blocked reason=0x22  # L21\n");
    /* What could not be reconstructed is said, in the file and as
     * warnings. */
    HAS(t, "# ---- not reconstructed:\n");
    HAS(t, "#   line 9: vtd_reg_read: register read without value");
    HAS(t, "#   line 13: vtd_dmar_translate: translation without direction");
    HAS(t, "#   line 23: vtd_bogus_event: unknown event");
    HAS(warn->str, "sample.log:9: vtd_reg_read: ");
    ck_assert_uint_eq(st.lines, 24);
    ck_assert_uint_eq(st.events, 23);
    ck_assert_uint_eq(st.skipped, 3);
    ck_assert_uint_eq(st.other, 1);
    g_free(t);
    g_string_free(warn, TRUE);
}
END_TEST

/* The output is a valid trace, and running it does what the log says:
 * QI enabled, the wait descriptor's status 1 written at 0x8000. */
START_TEST(test_sample_output_parses_and_runs)
{
    struct qemulog_stats st;
    char *t = convert_sample(NULL, &st);
    struct trace *tr = NULL;
    char err[256] = "";
    ck_assert_msg(trace_parse("out.vtdt", t, strlen(t), &tr, err,
                              sizeof(err)) == 0, "%s", err);
    struct inspect_state ps;
    ck_assert_msg(inspect_state_run(tr, 0, &ps, err, sizeof(err)) == 0, "%s",
                  err);
    uint8_t b[4] = { 0 };
    ck_assert_int_eq(guestmem_read(ps.mem, 0x8000, b, 4), 0);
    ck_assert_uint_eq(b[0], 1);
    inspect_state_free(&ps);
    trace_free(tr);
    g_free(t);
}
END_TEST

/* Memory lines given by the caller are copied before the actions. */
START_TEST(test_memory_lines_copied)
{
    const char *log = "vtd_reg_write addr 0x20 size 0x8 value 0x10000\n";
    struct qemulog_opts o;
    qemulog_opts_init(&o);
    o.memory = "vtdtrace 1\n# x\nmem write 0x10000 01\nmmio write 0 4 0\n";
    o.caps_given = true;
    GString *out = g_string_new(NULL);
    ck_assert_int_eq(qemulog_convert(log, strlen(log), &o, out, NULL, NULL),
                     0);
    HAS(out->str, "ecap=0xf00f4a\nmem write 0x10000 01\nmmio write "
                  "0xfed90020 8 0x10000  # L1\n");
    ck_assert_ptr_null(strstr(out->str, "mmio write 0 4 0"));
    ck_assert_ptr_null(strstr(out->str, "defaults assumed"));
    g_string_free(out, TRUE);
}
END_TEST

/* Garbage never fails the conversion: every odd line is a warning. */
START_TEST(test_garbage_is_warned_not_fatal)
{
    const char log[] = "vtd_reg_write addr zz\nvtd_dmar_fault sid 0x1\n"
                       "vtd_inv_desc invalidate desc type x high 0x1 low 0x2\n"
                       "vtd_ir_remap index 1\n\0\xff vtd_\n";
    GString *out = g_string_new(NULL), *warn = g_string_new(NULL);
    struct qemulog_stats st;
    ck_assert_int_eq(qemulog_convert(log, sizeof(log) - 1,
                                     &(struct qemulog_opts){ .name = "g" },
                                     out, warn, &st), 0);
    ck_assert_uint_eq(st.skipped, 4);
    HAS(warn->str, "g:1: vtd_reg_write: arguments not understood\n");
    g_string_free(out, TRUE);
    g_string_free(warn, TRUE);
}
END_TEST

/* A log recorded from QEMU 7.2 (Debian 12) through qtest by
 * tests/data/people/record-qemu-log.py (TID@SEC.USEC prefixes), with the
 * guest memory that script wrote: the imported trace replays with every
 * expectation passing.  The lines checked are derived by hand from the
 * log's events: "vtd_dmar_fault sid 0x20 fault 5 addr 0x41020 write 1",
 * "vtd_ir_remap index 5 trigger 0 vector 69 deliver 0 dest 0x1 mode 0". */
START_TEST(test_recorded_qemu72_log_replays)
{
    gchar *text = NULL, *mem = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(PEOPLE_DATA "/qemu-7.2-qtest.log", &text,
                                  &len, NULL));
    ck_assert(g_file_get_contents(PEOPLE_DATA "/qemu-7.2-qtest.log.mem.vtdt",
                                  &mem, NULL, NULL));
    struct qemulog_opts o;
    qemulog_opts_init(&o);
    o.memory = mem;
    GString *out = g_string_new(NULL);
    struct qemulog_stats st;
    ck_assert_int_eq(qemulog_convert(text, len, &o, out, NULL, &st), 0);
    ck_assert_uint_eq(st.events, st.lines);
    ck_assert_uint_eq(st.skipped, 1);     /* the GSTS read */
    HAS(out->str, "\ndma 00:04.0 write 0x41020 len=4 expect=fault "
                  "reason=0x5  # L85\n");
    HAS(out->str, "\ndma 00:04.0 read 0x40000 len=4 expect=ok gpa=0x200000"
                  "  # L83\n");
    HAS(out->str, "\nmsi - 0xfee000b8 0x0 expect=remapped dest=0x1 "
                  "vector=0x45 dm=0 tm=0 dlm=0x0  # L96\n");
    /* The compatibility-format MSI sent with IRE=1, CFI=0: the spec's
     * 25h, not QEMU 7.2's pass-through. */
    HAS(out->str, "\nmsi - 0xfee00000 0x30 expect=blocked reason=0x25  "
                  "# L101 spec:");
    struct trace *tr = NULL;
    char err[256] = "";
    ck_assert_msg(trace_parse("qtest.vtdt", out->str, out->len, &tr, err,
                              sizeof(err)) == 0, "%s", err);
    struct replay_opts ro = { 0 };
    struct replay_hooks rh = { 0 };
    struct replay_summary sum = { 0 };
    ck_assert_msg(replay_trace(tr, &ro, &rh, &sum, err, sizeof(err)) == 0,
                  "%s", err);
    ck_assert_uint_eq(sum.failed, 0);
    ck_assert_uint_eq(sum.passed, 10);
    trace_free(tr);
    g_string_free(out, TRUE);
    g_free(text);
    g_free(mem);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qemulog");
    TCase *tc = tcase_create("qemulog");
    tcase_add_test(tc, test_prefix_styles);
    tcase_add_test(tc, test_sample_log_converts);
    tcase_add_test(tc, test_sample_output_parses_and_runs);
    tcase_add_test(tc, test_memory_lines_copied);
    tcase_add_test(tc, test_garbage_is_warned_not_fatal);
    tcase_add_test(tc, test_recorded_qemu72_log_replays);
    suite_add_tcase(s, tc);
    return check_run(s);
}
