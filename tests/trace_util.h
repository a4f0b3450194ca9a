/* SPDX-License-Identifier: MIT */
/*
 * tests/trace_util.h: what the trace tests share: parse helpers, a result
 * collector for the replay hooks, and hand-built tables.
 */
#ifndef TESTS_TRACE_UTIL_H
#define TESTS_TRACE_UTIL_H

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/replay.h"
#include "trace/trace.h"

/* Parse text that must parse. */
static inline struct trace *parse_ok(const char *text)
{
    char err[512] = "";
    struct trace *t = NULL;
    int rc = trace_parse("t.vtdt", text, strlen(text), &t, err, sizeof(err));
    ck_assert_msg(rc == 0, "parse failed: %s", err);
    return t;
}

/* Parse text that must fail; return the message. */
static inline const char *parse_err(const char *text)
{
    static char err[512];
    struct trace *t = NULL;
    err[0] = 0;
    int rc = trace_parse("t.vtdt", text, strlen(text), &t, err, sizeof(err));
    ck_assert_msg(rc == -EINVAL, "accepted: %s", text);
    ck_assert_ptr_null(t);
    return err;
}

#define HDR "vtdtrace 1\nram 0x10000000\n" \
    "iommu base=0xfed90000 cap=0xd2008c22260206 ecap=0xf00f4a\n"

/* Verdicts as the replay hooks report them. */
struct seen {
    unsigned n, failed;
    unsigned fail_line[8];
    char actual[8][128];
};

static inline void on_result(void *ctx, const struct replay_result *r)
{
    struct seen *s = ctx;
    if (!r->pass && s->failed < 8) {
        s->fail_line[s->failed] = r->line;
        g_strlcpy(s->actual[s->failed], r->actual, 128);
    }
    s->n++;
    s->failed += !r->pass;
}

/* Replay t with options o (or NULL); the failed verdicts go to *s unless
 * s is NULL (cleared first).  The replay itself must succeed. */
static inline struct replay_summary replay_ok(const struct trace *t,
                                              const struct replay_opts *o,
                                              struct seen *s)
{
    struct replay_summary sum = { 0, 0 };
    struct replay_hooks h = { .ctx = s, .result = on_result };
    char err[256] = "";
    if (s)
        memset(s, 0, sizeof(*s));
    int rc = replay_trace(t, o, s ? &h : NULL, &sum, err, sizeof(err));
    ck_assert_msg(rc == 0, "replay failed: %s", err);
    return sum;
}

/* Replay t (replay_ok) recording what happened (replay_opts.record) into
 * a string the caller frees; *len its length. */
static inline char *replay_record(const struct trace *t, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    ck_assert_ptr_nonnull(f);
    struct replay_opts o = { .record = f };
    replay_ok(t, &o, NULL);
    fclose(f);
    *len = n;
    return buf;
}

/* Tables from VT-d 9.1, 9.3 and 9.8: 00:04.0 maps IOVA 0x1000 read-only
 * to 0x201000 in a 3-level domain. */
#define TABLES \
    "mem write 0x100000 0110100000000000\n" \
    "mem write 0x101200 01201000000000000108000000000000\n" \
    "mem write 0x102000 0330100000000000\n" \
    "mem write 0x103000 0340100000000000\n" \
    "mem write 0x104008 0110200000000000\n" \
    "mmio write 0xfed90020 8 0x100000\n" \
    "mmio write 0xfed90018 4 0x40000000\n" \
    "mmio write 0xfed90018 4 0x80000000\n"

#endif /* TESTS_TRACE_UTIL_H */
