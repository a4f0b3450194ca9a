/* SPDX-License-Identifier: MIT */
/*
 * tests/test_parse_atsprq.c: the parsers of the ATS and page request
 * lines (trace/parse_ats.c, trace/parse_prq.c; traces/FORMAT.md): what
 * each key sets, and every error with its FILE:LINE.  The messages are
 * those the parsers gave before their keys became tables (issue 17 item
 * 5: behaviour unchanged).
 */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "trace/trace.h"
#include "check_main.h"

#define HDR "vtdtrace 2\nunit u base=0xfed90000 profile=full\n"

static struct trace *ok(const char *line)
{
    char *text = g_strconcat(HDR, line, "\n", NULL);
    struct trace *t = NULL;
    char err[256] = "";
    int rc = trace_parse("t.vtdt", text, strlen(text), &t, err, sizeof(err));
    g_free(text);
    ck_assert_msg(rc == 0, "%s: %s", line, err);
    ck_assert_uint_eq(t->ncmds, 1);
    return t;
}

static void bad(const char *line, const char *msg)
{
    char *text = g_strconcat(HDR, line, "\n", NULL);
    struct trace *t = NULL;
    char err[256] = "";
    ck_assert_int_eq(trace_parse("t.vtdt", text, strlen(text), &t, err,
                                 sizeof(err)), -EINVAL);
    g_free(text);
    char *want = g_strconcat("t.vtdt:3: ", msg, NULL);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
                  "%s: got '%s', want '%s'", line, err, want);
    g_free(want);
}

START_TEST(test_page_request_keys)
{
    struct trace *t = ok("page-request 00:01.0 0x5000 rw prgi=7 pasid=5 "
                         "lpig=yes expect=refused reason=0x47 recorded=no "
                         "response=invalid");
    const struct trace_cmd *c = &t->cmds[0];
    ck_assert_uint_eq(c->sid, 0x0008);
    ck_assert_uint_eq(c->addr, 0x5000);
    ck_assert_uint_eq(c->prgi, 7);
    ck_assert(c->has_prgi);
    ck_assert_uint_eq(c->pasid, 5);
    ck_assert(c->lpig);
    ck_assert_int_eq(c->prq_expect, VTD_PRQ_REFUSED);
    ck_assert(c->has_reason);
    ck_assert_uint_eq(c->reason, 0x47);
    ck_assert_int_eq(c->recorded, TRACE_NO);
    ck_assert_int_eq(c->resp_rc, 1);        /* Invalid Request, Table 32 */
    trace_free(t);
    t = ok("page-request 00:01.0 0x5000 - prgi=0 expect=queued response=none");
    c = &t->cmds[0];
    ck_assert_uint_eq(c->pasid, VTD_NO_PASID);
    ck_assert(!c->lpig);
    ck_assert(!c->has_reason);
    ck_assert_int_eq(c->recorded, TRACE_UNSET);
    ck_assert_int_eq(c->resp_rc, -1);
    trace_free(t);
    bad("page-request 00:01.0 0x5000 r",
        "page-request needs prgi= (the page request group index, 0-511)");
    bad("page-request 00:01.0 0x5000 r prgi=512", "prgi");
    bad("page-request 00:01.0 0x5000 r prgi=1 pasid=0x100000", "pasid");
    bad("page-request 00:01.0 0x5000 r prgi=1 lpig=maybe", "lpig");
    bad("page-request 00:01.0 0x5000 r prgi=1 expect=lost",
        "page-request expect= must be queued, overflow or refused, not "
        "'lost'");
    bad("page-request 00:01.0 0x5000 r prgi=1 expect=queued reason=0x47",
        "reason= goes with expect=refused");
    bad("page-request 00:01.0 0x5000 r prgi=1 recorded=yes",
        "recorded= goes with expect=refused");
    bad("page-request 00:01.0 0x5000 r prgi=1 response=success",
        "response= goes with expect=");
    bad("page-request 00:01.0 0x5000 r prgi=1 expect=refused reason=0x100",
        "reason");
    bad("page-request 00:01.0 0x5000 r prgi=1 expect=queued response=maybe",
        "response= must be success, invalid, failure, none or 0-15, not "
        "'maybe'");
    bad("page-request 00:01.0 0x5000 rr prgi=1",
        "page request access 'rr': letters r, w, x, p at most once each, "
        "or '-'");
}
END_TEST

START_TEST(test_page_response_keys)
{
    struct trace *t = ok("page-response 00:01.0 rc=success prgi=3 pasid=none "
                         "auto=yes");
    const struct trace_cmd *c = &t->cmds[0];
    ck_assert_int_eq(c->resp_rc, 0);
    ck_assert(c->has_prgi);
    ck_assert_uint_eq(c->prgi, 3);
    ck_assert(c->pasid_checked);
    ck_assert_uint_eq(c->pasid, VTD_NO_PASID);
    ck_assert_int_eq(c->automatic, TRACE_YES);
    trace_free(t);
    t = ok("page-response 00:01.0 rc=15 pasid=0x20");
    c = &t->cmds[0];
    ck_assert_int_eq(c->resp_rc, 15);
    ck_assert_uint_eq(c->pasid, 0x20);
    ck_assert(!c->has_prgi);
    ck_assert_int_eq(c->automatic, TRACE_UNSET);
    trace_free(t);
    bad("page-response 00:01.0",
        "page-response needs rc= (success, invalid, failure or none)");
    bad("page-response 00:01.0 rc=none prgi=1",
        "prgi= does not go with rc=none");
    bad("page-response 00:01.0 rc=none pasid=1",
        "pasid= does not go with rc=none");
    bad("page-response 00:01.0 rc=none auto=no",
        "auto= does not go with rc=none");
    bad("page-response 00:01.0 rc=16",
        "rc= must be success, invalid, failure, none or 0-15, not '16'");
    bad("page-response 00:01.0 rc=success prgi=600", "prgi");
    bad("page-response 00:01.0 rc=success pasid=x", "pasid");
    bad("page-response 00:01.0 rc=success auto=2", "auto");
}
END_TEST

/* Each ats sub-command goes to its parser (its usage in the error). */
START_TEST(test_ats_subcommands)
{
    static const struct { const char *line; int sub; } ok_lines[] = {
        { "ats 00:01.0 0x1000 expect=success", TRACE_ATS_TRANSLATE },
        { "ats device 00:01.0", TRACE_ATS_DEVICE },
        { "ats complete 00:01.0 0x1", TRACE_ATS_COMPLETE },
        { "ats pending count=0", TRACE_ATS_PENDING },
        { "ats dma 00:01.0 read 0x1000", TRACE_ATS_DMA },
        { "ats devtlb 00:01.0 count=0", TRACE_ATS_DEVTLB },
        { "clock advance 1000", TRACE_ATS_CLOCK },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ok_lines); i++) {
        struct trace *t = ok(ok_lines[i].line);
        ck_assert_int_eq(t->cmds[0].op, TRACE_ATS);
        ck_assert_int_eq(t->cmds[0].ats_sub, ok_lines[i].sub);
        trace_free(t);
    }
    struct trace *t = ok("clock advance 1000");
    ck_assert_uint_eq(t->cmds[0].value, 1000);
    trace_free(t);
    bad("clock device 5", "usage: clock advance NS");
    bad("ats device", "usage: ats device SID");
    bad("ats complete 00:01.0", "usage: ats complete SID ITAGS");
    bad("ats pending", "ats pending needs count= or a field to match");
    bad("ats dma 00:01.0 poke 0x1000",
        "ats dma access must be read or write");
    bad("ats devtlb 00:01.0", "ats devtlb needs count= or IOVA present=");
    bad("ats 00:01.0 0x1000 expect=maybe",
        "ats expect= must be success, ur or ca, not 'maybe'");
    bad("ats clock 5", "'clock' is not a source-id BB:DD.F");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_atsprq");
    TCase *tc = tcase_create("parse_atsprq");
    tcase_add_test(tc, test_page_request_keys);
    tcase_add_test(tc, test_page_response_keys);
    tcase_add_test(tc, test_ats_subcommands);
    suite_add_tcase(s, tc);
    return check_run(s);
}
