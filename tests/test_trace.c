/* SPDX-License-Identifier: MIT */
/*
 * tests/test_trace.c: the vtdtrace parser, replay engine and recorder
 * (trace/trace.c, replay.c, record.c, report/explain.c).  Format rules are
 * those of traces/FORMAT.md and ../shared/oracle/FORMAT.md.
 */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "report/explain.h"
#include "trace/replay.h"
#include "trace/trace.h"
#include "trace_util.h"

START_TEST(test_oracle_lines_parse_to_their_fields)
{
    struct trace *t = parse_ok(
        "# comment\n\n" HDR
        "mem write 0x10009f8 0330000100000000\n"
        "mmio write 0xfed90020 8 0x1005000  # RTADDR\n"
        "mmio read 0xfed90080 8 expect=0x30 mask=0x7fff0\n"
        "dma 00:04.0 write 0x603f6004ed len=8 expect=ok gpa=0x603f6004ed\n"
        "dma 1a:00.0 read 0x1000 expect=fault reason=0x8 recorded=yes\n"
        "msi - 0xfee000b8 0xd6655c2b expect=blocked reason=0x20\n"
        "msi 00:11.2 0xfee00030 0x21e4 expect=remapped dest=0x6f vector=0xb6 "
        "dm=1 tm=0 dlm=0x0 rh=0\n"
        "mem expect 0xf10000 0d600000\n"
        "dma 00:04.0 read 0x1000\n");
    ck_assert_uint_eq(t->version, 1);
    ck_assert_uint_eq(t->nram, 1);
    ck_assert_uint_eq(t->ram[0].size, 0x10000000);
    ck_assert_uint_eq(t->nunits, 1);
    ck_assert_uint_eq(t->units[0].base, 0xfed90000);
    ck_assert_uint_eq(t->units[0].cap, 0xd2008c22260206ULL);
    ck_assert_uint_eq(t->ncmds, 9);
    /* mem expect, mmio read, 2 dma, 2 msi; the last dma has none. */
    ck_assert_uint_eq(t->nexpect, 6);
    const struct trace_cmd *c = t->cmds;
    ck_assert_int_eq(c[0].op, TRACE_MEM_WRITE);
    ck_assert_uint_eq(c[0].line, 6);
    ck_assert_uint_eq(c[0].nbytes, 8);
    ck_assert_uint_eq(c[0].bytes[0], 0x03);
    ck_assert_uint_eq(c[0].bytes[3], 0x01);
    ck_assert_int_eq(c[1].op, TRACE_MMIO_WRITE);
    ck_assert_uint_eq(c[1].size, 8);
    ck_assert_uint_eq(c[1].value, 0x1005000);
    ck_assert_str_eq(c[1].text, "mmio write 0xfed90020 8 0x1005000");
    ck_assert(c[2].has_expect);
    ck_assert_uint_eq(c[2].mask, 0x7fff0);
    ck_assert_int_eq(c[3].op, TRACE_DMA);
    ck_assert(c[3].is_write);
    ck_assert_uint_eq(c[3].sid, 0x20);      /* 00:04.0 */
    ck_assert_uint_eq(c[3].len, 8);
    ck_assert_int_eq(c[3].exp, TRACE_EXP_OK);
    ck_assert_uint_eq(c[3].gpa, 0x603f6004edULL);
    ck_assert_uint_eq(c[4].sid, 0x1a00);
    ck_assert_uint_eq(c[4].len, 4);         /* FORMAT.md default */
    ck_assert_uint_eq(c[4].reason, 8);
    ck_assert_int_eq(c[4].recorded, TRACE_YES);
    ck_assert(!c[5].sid_valid);
    ck_assert_uint_eq(c[5].value, 0xd6655c2b);
    ck_assert_uint_eq(c[6].sid, 0x8a);      /* 00:11.2 */
    ck_assert_uint_eq(c[6].irq_checks, 0x3f);
    ck_assert_uint_eq(c[6].dest, 0x6f);
    ck_assert_uint_eq(c[6].dm, 1);
    ck_assert_int_eq(c[8].exp, TRACE_EXP_NONE);
    trace_free(t);
}
END_TEST

START_TEST(test_errors_name_file_and_line)
{
    const char *e = parse_err(HDR "mmio write 0xfed90020 8 0x1\n"
                              "dma 00:04.0 read 0x1000 colour=blue\n");
    ck_assert_msg(strncmp(e, "t.vtdt:5: ", 10) == 0, "%s", e);
    ck_assert_ptr_nonnull(strstr(e, "colour"));
    e = parse_err(HDR "frobnicate 1\n");
    ck_assert_msg(strncmp(e, "t.vtdt:4: ", 10) == 0, "%s", e);
    e = parse_err("");
    ck_assert_ptr_nonnull(strstr(e, "vtdtrace"));
}
END_TEST

START_TEST(test_bad_lines_are_rejected)
{
    static const char *const bad[] = {
        "vtdtrace 3\n",                                  /* version */
        "vtdtrace 1 x=1\n",
        "ram 1\n",                                       /* no header */
        "vtdtrace 1\nram 0x1000\n",                      /* no unit */
        HDR "ram 0x1000\n",                              /* 2nd ram, v1 */
        HDR "iommu base=0x1 cap=0x1 ecap=0x1\n",         /* 2nd unit, v1 */
        HDR "mmio write 0xfed90020 8 0x1\nram 0x100\n",  /* set-up late */
        HDR "mmio write 0xfed90020 2 0x1\n",             /* size */
        HDR "mmio write 0xfed90020 4 0x100000000\n",     /* too wide */
        HDR "mmio read 0xfed90020 8 mask=0xff\n",        /* mask alone */
        HDR "mmio read 0xfed90020 8 expect=0x1 expect=0x2\n",
        HDR "mmio frob 0xfed90020 8\n",
        HDR "dma 00:04.0 read 0xffe len=4\n",            /* crosses 4K */
        HDR "dma 00:04.0 read 0x0 len=0\n",
        HDR "dma 00:04.0 read 0x0 len=4097\n",
        HDR "dma 00:20.0 read 0x0\n",                    /* device > 1f */
        HDR "dma 00:04.8 read 0x0\n",                    /* function > 7 */
        HDR "dma - read 0x0\n",                          /* dma needs SID */
        HDR "dma 00:04.0 fetch 0x0\n",
        HDR "dma 00:04.0 read 0x0 expect=ok reason=0x5\n",
        HDR "dma 00:04.0 read 0x0 expect=fault gpa=0x5\n",
        HDR "dma 00:04.0 read 0x0 reason=0x5\n",         /* no expect */
        HDR "dma 00:04.0 read 0x0 expect=maybe\n",
        HDR "dma 00:04.0 read 0x0 expect=fault recorded=perhaps\n",
        HDR "dma 00:04.0 read 0x0 pasid=1\n",            /* v2 key in v1 */
        HDR "dma 00:04.0 read 0x0 exec\n",
        HDR "msi 00:04.0 0xfee00000 0x100000000\n",
        HDR "msi 00:04.0 0xfee00000 0x0 expect=remapped reason=0x20\n",
        HDR "msi 00:04.0 0xfee00000 0x0 expect=remapped dm=2\n",
        HDR "mem write 0x0 123\n",                       /* odd digits */
        HDR "mem write 0x0 zz\n",
        HDR "mem write 0xffffffffffffffff 0000\n",       /* wraps */
        HDR "mem poke 0x0 00\n",
        HDR "mmio write 0x0x10 8 0\n",                   /* numbers */
        HDR "mmio write +16 8 0\n",
        HDR "mmio write 0x 8 0\n",
        HDR "mmio write 18446744073709551616 8 0\n",
        HDR "reg write GCMD 0x0\n",                      /* v2 only */
        "vtdtrace 2\nunit a base=0x0 cap=0x1 ecap=0x1\nreg write NOPE 0\n",
        "vtdtrace 2\nunit a base=0x0 profile=full\n"
        "unit a base=0x10000 profile=full\n",           /* name twice */
        "vtdtrace 2\nunit a base=0x0 profile=full\n"
        "unit b base=0x10000 profile=full\n",           /* two scope=all */
        "vtdtrace 2\nunit a base=0x0 profile=full scope=00:05.0-00:04.0\n",
        HDR "dma 00:04.0 read 0x0\x01\n",                /* control char */
        HDR "=5\n",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct trace *t = NULL;
        char err[256] = "";
        int rc = trace_parse("t.vtdt", bad[i], strlen(bad[i]), &t, err,
                             sizeof(err));
        ck_assert_msg(rc == -EINVAL, "accepted bad trace %zu: %s", i, bad[i]);
        ck_assert_msg(strncmp(err, "t.vtdt:", 7) == 0, "%zu: %s", i, err);
    }
    /* A NUL byte inside a line. */
    const char nul[] = HDR "mem write 0x0 00\0 00\n";
    struct trace *t = NULL;
    ck_assert_int_eq(trace_parse("t.vtdt", nul, sizeof(nul) - 1, &t, NULL,
                                 0), -EINVAL);
}
END_TEST

START_TEST(test_version_2_extensions_parse)
{
    struct trace *t = parse_ok(
        "vtdtrace 2\n"
        "ram 0x1000000\nram 0x1000000 base=0x100000000\n"
        "unit dmar0 base=0xfed90000 profile=qemu-7.2 scope=00:04.0,01:*\n"
        "unit dmar1 base=0xfed91000 cap=0xd2008c22260206 ecap=0xf00f4a "
        "cache=none lint=yes\n"
        "reg write GCMD 0x40000000 unit=dmar0\n"
        "reg read frcd0_hi expect=0x0 unit=dmar1\n"
        "dma 00:04.0 read 0x1000 pasid=5 exec priv at=translated "
        "expect=ok stale=no\n"
        "msi 01:02.3 0xfee00000 0x0 expect=posted notify=yes\n");
    ck_assert_uint_eq(t->nram, 2);
    ck_assert_uint_eq(t->ram[1].base, 0x100000000ULL);
    ck_assert_uint_eq(t->nunits, 2);
    ck_assert(!t->units[0].scope_all);
    ck_assert_uint_eq(t->units[0].nscope, 2);
    ck_assert_uint_eq(t->units[0].scope[1].first, 0x100);
    ck_assert_uint_eq(t->units[0].scope[1].last, 0x1ff);
    ck_assert(t->units[1].scope_all);
    ck_assert_int_eq(t->units[1].cache, VTD_CACHE_NONE);
    ck_assert(t->units[1].lint);
    ck_assert_str_eq(t->cmds[1].reg, "FRCD0_HI");
    ck_assert_int_eq(t->cmds[1].unit, 1);
    const struct trace_cmd *d = &t->cmds[2];
    ck_assert_uint_eq(d->pasid, 5);
    ck_assert_uint_eq(d->access, VTD_ACC_READ | VTD_ACC_EXEC | VTD_ACC_PRIV);
    ck_assert_int_eq(d->at, VTD_AT_TRANSLATED);
    ck_assert_int_eq(d->stale, TRACE_NO);
    ck_assert_uint_eq(trace_cmd_expectations(d), 2);
    ck_assert_int_eq(t->cmds[3].exp, TRACE_EXP_POSTED);
    ck_assert_int_eq(t->cmds[3].notify, TRACE_YES);
    trace_free(t);
}
END_TEST

START_TEST(test_long_lines_have_no_limit)
{
    /* 200,000 bytes in one mem write. */
    GString *s = g_string_new(HDR "mem write 0x1000 ");
    for (int i = 0; i < 200000; i++)
        g_string_append(s, "a5");
    g_string_append(s, "\nmem expect 0x31d3f a5\n");
    struct trace *t = parse_ok(s->str);
    ck_assert_uint_eq(t->cmds[0].nbytes, 200000);
    struct replay_summary sum = replay_ok(t, NULL, NULL);
    ck_assert_uint_eq(sum.passed, 1);
    trace_free(t);
    g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_sid_and_register_names)
{
    uint16_t sid;
    ck_assert(trace_parse_sid("00:1f.7", &sid));
    ck_assert_uint_eq(sid, 0xff);
    ck_assert(trace_parse_sid("ff:1f.7", &sid));
    ck_assert_uint_eq(sid, 0xffff);
    ck_assert(trace_parse_sid("1a:00.0", &sid));
    ck_assert_uint_eq(sid, 0x1a00);
    ck_assert(!trace_parse_sid("100:00.0", &sid));
    ck_assert(!trace_parse_sid("00:00", &sid));
    ck_assert(!trace_parse_sid("00:00.0x", &sid));
    /* VT-d 11.4.2/11.4.3: QEMU 7.2 CAP.FRO=0x22, NFR=0; ECAP.IRO=0xf. */
    uint64_t off;
    unsigned size;
    const uint64_t cap = 0xd2008c22260206ULL, ecap = 0xf00f4a;
    ck_assert(trace_reg_lookup("FRCD0_HI", cap, ecap, &off, &size));
    ck_assert_uint_eq(off, 0x228);
    ck_assert(!trace_reg_lookup("FRCD1_LO", cap, ecap, &off, &size));
    ck_assert(trace_reg_lookup("IOTLB", cap, ecap, &off, &size));
    ck_assert_uint_eq(off, 0xf8);
    ck_assert(trace_reg_lookup("GSTS", cap, ecap, &off, &size));
    ck_assert_uint_eq(off, 0x1c);
    ck_assert_uint_eq(size, 4);
    ck_assert(!trace_reg_lookup("GSTSX", cap, ecap, &off, &size));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Replay                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_replay_reports_pass_and_fail_per_line)
{
    struct trace *t = parse_ok(
        HDR TABLES
        "dma 00:04.0 read 0x1010 expect=ok gpa=0x201010\n"          /* 12 */
        "dma 00:04.0 read 0x1010 expect=ok gpa=0x999\n"             /* 13 */
        "dma 00:04.0 write 0x1010 expect=fault reason=0x5\n"        /* 14 */
        "dma 00:04.0 write 0x1010 expect=ok\n"                      /* 15 */
        "mmio read 0xfed9001c 4 expect=0xc0000000\n"                /* 16 */
        "mem expect 0x104008 0110200000000000\n"                    /* 17 */
        "mem expect 0x104008 01\n"                                  /* 18 */
        "mem expect 0x20000000 00\n");                              /* 19 */
    struct seen s;
    struct replay_summary sum = replay_ok(t, NULL, &s);
    ck_assert_uint_eq(s.n, 8);
    ck_assert_uint_eq(sum.passed, 5);
    ck_assert_uint_eq(sum.failed, 3);
    ck_assert_uint_eq(s.fail_line[0], 13);
    ck_assert_str_eq(s.actual[0], "ok gpa=0x201010");
    ck_assert_uint_eq(s.fail_line[1], 15);
    ck_assert_ptr_nonnull(strstr(s.actual[1], "reason=0x5"));
    /* Outside RAM: cannot be checked, so it fails (FORMAT.md). */
    ck_assert_uint_eq(s.fail_line[2], 19);
    trace_free(t);
}
END_TEST

START_TEST(test_replay_errors_stop_the_trace)
{
    struct trace *t = parse_ok(HDR "mmio write 0xfed80000 4 0x1\n"
                               "dma 00:04.0 read 0x0 expect=ok\n");
    struct replay_summary sum = { 0, 0 };
    char err[256] = "";
    ck_assert_int_eq(replay_trace(t, NULL, NULL, &sum, err, sizeof(err)),
                     -EINVAL);
    ck_assert_msg(strncmp(err, "t.vtdt:4: ", 10) == 0, "%s", err);
    ck_assert_uint_eq(sum.passed + sum.failed, 0);
    trace_free(t);
    /* A unit the core rejects (SAGAW = 0) names the iommu line. */
    t = parse_ok("vtdtrace 1\niommu base=0x0 cap=0xd2008c22260006 "
                 "ecap=0xf00f4a\n");
    ck_assert_int_eq(replay_trace(t, NULL, NULL, &sum, err, sizeof(err)),
                     -EINVAL);
    ck_assert_msg(strncmp(err, "t.vtdt:2: ", 10) == 0, "%s", err);
    trace_free(t);
}
END_TEST

START_TEST(test_mem_write_outside_ram_goes_nowhere)
{
    /* FORMAT.md: addresses outside RAM are not backed; the oracle writes
     * table entries there so that the unit's reads fail. */
    struct trace *t = parse_ok(HDR "mem write 0xffffff8 0102030405060708\n"
                               "mem expect 0xffffff8 01020304050607\n"
                               "mem expect 0xffffffc 05060708\n");
    struct replay_summary sum = replay_ok(t, NULL, NULL);
    ck_assert_uint_eq(sum.passed, 2);
    trace_free(t);
    t = parse_ok(HDR "mem write 0xffffffe 01020304\n"
                 "mem expect 0xffffffe 0102\n");
    sum = replay_ok(t, NULL, NULL);
    ck_assert_uint_eq(sum.passed, 1);
    trace_free(t);
}
END_TEST

START_TEST(test_record_then_replay_round_trips)
{
    struct trace *t = parse_ok(
        HDR TABLES
        "dma 00:04.0 read 0x1010 len=8\n"
        "dma 00:04.0 write 0x1010\n"
        "dma 00:05.0 read 0x0\n"
        "mmio read 0xfed90034 4\n"
        "msi 00:04.0 0xfee01000 0x30\n");
    size_t len = 0;
    char *buf = replay_record(t, &len);
    trace_free(t);
    /* The recording holds the tables the unit read and the outcomes. */
    ck_assert_ptr_nonnull(strstr(buf, "mem write 0x100000 0110100000000000"));
    ck_assert_ptr_nonnull(strstr(buf, "expect=ok gpa=0x201010"));
    ck_assert_ptr_nonnull(strstr(buf, "expect=fault reason=0x5"));
    struct trace *r = NULL;
    char err[256] = "";
    ck_assert_msg(trace_parse("rec.vtdt", buf, len, &r, err, sizeof(err))
                  == 0, "%s\n%s", err, buf);
    /* 3 dma, mmio read, msi and the 3 mmio writes' GSTS? no: 5 checks. */
    ck_assert_uint_eq(r->nexpect, 5);
    struct seen s;
    struct replay_summary sum = replay_ok(r, NULL, &s);
    ck_assert_uint_eq(sum.failed, 0);
    ck_assert_uint_eq(sum.passed, 5);
    trace_free(r);
    free(buf);
}
END_TEST

/* Mutated traces (a small fuzz run): the parser and the engine return an
 * error or run, never crash. */
START_TEST(test_mutated_traces_never_crash)
{
    const char *seed = HDR TABLES
        "dma 00:04.0 read 0x1010 expect=ok gpa=0x201010\n"
        "msi - 0xfee000b8 0xd6655c2b expect=blocked reason=0x20\n"
        "mmio read 0xfed90080 8 expect=0x30 mask=0x7fff0\n";
    static const char alphabet[] = "0123456789abcdefx:.=- \n#\t";
    GRand *rng = g_rand_new_with_seed(4);
    size_t n = strlen(seed);
    char *buf = g_malloc(n + 1);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, seed, n + 1);
        int edits = g_rand_int_range(rng, 1, 6);
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)g_rand_int_range(rng, 0, (gint32)n);
            if (g_rand_boolean(rng))
                buf[at] = alphabet[g_rand_int_range(rng, 0,
                                                    sizeof(alphabet) - 1)];
            else
                buf[at] = (char)g_rand_int_range(rng, 1, 256);
        }
        struct trace *t = NULL;
        char err[256];
        int rc = trace_parse("fuzz", buf, n, &t, err, sizeof(err));
        ck_assert(rc == 0 || rc == -EINVAL);
        if (rc == 0) {
            struct replay_summary sum = { 0, 0 };
            rc = replay_trace(t, NULL, NULL, &sum, err, sizeof(err));
            ck_assert(rc == 0 || rc == -EINVAL);
            trace_free(t);
        }
    }
    g_free(buf);
    g_rand_free(rng);
}
END_TEST

START_TEST(test_explain_names_entry_fields)
{
    /* VT-d 9.3: context entry lo P=1, TT=10b (pass-through), hi AW=001b,
     * DID 0x8. */
    struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "context",
                            .sid = 0x20, .addr = 0x101200, .nval = 2,
                            .val = { 0x102009, 0x801 } };
    char buf[256];
    ck_assert(explain_event(&ev, buf, sizeof(buf)));
    ck_assert_ptr_nonnull(strstr(buf, "context entry for 00:04.0 at 0x101200"));
    ck_assert_ptr_nonnull(strstr(buf, "TT=10b"));
    ck_assert_ptr_nonnull(strstr(buf, "DID=0x8"));
    struct vtd_event f = { .kind = VTD_EV_FAULT, .sid = 0x20, .fault = 5,
                           .recorded = true };
    ck_assert(explain_event(&f, buf, sizeof(buf)));
    ck_assert_ptr_nonnull(strstr(buf, "fault 0x5"));
    ck_assert_ptr_nonnull(strstr(buf, "00:04.0"));
    ck_assert_ptr_nonnull(strstr(buf, "W=0"));
    /* A level-2 second-stage entry at table offset 0x18 is index 3, IOVA
     * bits 29:21 (VT-d 3.7). */
    struct vtd_event sl = { .kind = VTD_EV_WALK, .what = "sl", .level = 2,
                            .addr = 0x103018, .nval = 1,
                            .val = { 0x400083 } };
    ck_assert(explain_event(&sl, buf, sizeof(buf)));
    ck_assert_ptr_nonnull(strstr(buf, "[index 3 = IOVA bits 29:21]"));
    ck_assert_ptr_nonnull(strstr(buf, "2 MiB"));
    /* Truncation is safe. */
    ck_assert(explain_event(&ev, buf, 8));
    ck_assert_uint_eq(strlen(buf), 7);
    struct vtd_event m = { .kind = VTD_EV_MEM_READ };
    ck_assert(!explain_event(&m, buf, sizeof(buf)));
}
END_TEST

struct state_seen {
    unsigned calls, stop_at;
    uint64_t gsts_at_stop;
    size_t nunits;
    uint64_t base;
};

static bool on_state(void *ctx, unsigned line, struct vtd_iommu *const *units,
                     const uint64_t *bases, size_t nunits,
                     struct guestmem *mem)
{
    struct state_seen *s = ctx;
    (void)mem;
    s->calls++;
    s->nunits = nunits;
    s->base = bases[0];
    if (line == s->stop_at) {
        vtd_mmio_read(units[0], 0x1c, 4, &s->gsts_at_stop);
        return false;
    }
    return true;
}

/* The state hook sees the units after each command and can stop the
 * replay; GSTS after GCMD.SRTP has RTPS set (VT-d 11.4.4.2). */
START_TEST(test_state_hook_sees_units_and_stops)
{
    struct trace *t = parse_ok(HDR
        "mmio write 0xfed90020 8 0x100000\n"               /* 4 */
        "mmio write 0xfed90018 4 0x40000000\n"             /* 5 */
        "mmio read 0xfed9001c 4 expect=0x40000000\n"       /* 6 */
        "mmio read 0xfed90000 4 expect=0x10\n");           /* 7 */
    struct state_seen st = { .stop_at = 5 };
    struct replay_hooks h = { .ctx = &st, .state = on_state };
    struct replay_summary sum = { 0, 0 };
    char err[256];
    ck_assert_int_eq(replay_trace(t, NULL, &h, &sum, err, sizeof(err)), 0);
    ck_assert_uint_eq(st.calls, 2);
    ck_assert_uint_eq(st.nunits, 1);
    ck_assert_uint_eq(st.base, 0xfed90000);
    ck_assert_uint_eq(st.gsts_at_stop, 0x40000000);
    ck_assert_uint_eq(sum.passed + sum.failed, 0);
    trace_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_oracle_lines_parse_to_their_fields);
    tcase_add_test(tc, test_errors_name_file_and_line);
    tcase_add_test(tc, test_bad_lines_are_rejected);
    tcase_add_test(tc, test_version_2_extensions_parse);
    tcase_add_test(tc, test_long_lines_have_no_limit);
    tcase_add_test(tc, test_sid_and_register_names);
    tcase_add_test(tc, test_replay_reports_pass_and_fail_per_line);
    tcase_add_test(tc, test_replay_errors_stop_the_trace);
    tcase_add_test(tc, test_mem_write_outside_ram_goes_nowhere);
    tcase_add_test(tc, test_record_then_replay_round_trips);
    tcase_add_test(tc, test_mutated_traces_never_crash);
    tcase_add_test(tc, test_explain_names_entry_fields);
    tcase_add_test(tc, test_state_hook_sees_units_and_stops);
    suite_add_tcase(s, tc);
    return check_run(s);
}
