/* SPDX-License-Identifier: MIT */
/*
 * trace/replay_ats.c: replay of the ATS commands (parse_ats.c): a
 * translation request through vtd_ats_translate() and the comparison of
 * its completion with the expected one.
 */
#include <inttypes.h>
#include <string.h>

#include "trace/record.h"
#include "trace/replay_int.h"

static const char *status_name(int st)
{
    switch (st) {
    case VTD_ATS_SUCCESS: return "success";
    case VTD_ATS_UR: return "ur";
    case VTD_ATS_CA: return "ca";
    default: return "?";
    }
}

/* The completion as an `ats` line's expect= keys. */
static void cpl_text(GString *s, const struct vtd_ats_cpl *o, bool key)
{
    g_string_append_printf(s, "%s%s", key ? "expect=" : "",
                           status_name((int)o->status));
    if (o->status == VTD_ATS_SUCCESS)
        g_string_append_printf(s, " addr=0x%" PRIx64 " size=0x%" PRIx64
                               " r=%u w=%u x=%u u=%u n=%u s=%u cpriv=%u",
                               o->addr, o->size, o->r, o->w, o->x, o->u,
                               o->n, o->s, o->priv);
    if (o->reason && o->reason <= 0x1ff)
        g_string_append_printf(s, " reason=0x%x", o->reason);
    g_string_append_printf(s, " recorded=%s", o->recorded ? "yes" : "no");
}

static void expected_text(GString *s, const struct trace_cmd *c)
{
    const struct vtd_ats_cpl *e = &c->ats_exp;
    unsigned k = c->ats_checks;
    g_string_append_printf(s, "%s", status_name(c->ats_status));
    if (k & TRACE_ATSC_ADDR)
        g_string_append_printf(s, " addr=0x%" PRIx64, e->addr);
    if (k & TRACE_ATSC_SIZE)
        g_string_append_printf(s, " size=0x%" PRIx64, e->size);
    static const struct { unsigned bit; const char *name; } bits[] = {
        { TRACE_ATSC_R, "r" }, { TRACE_ATSC_W, "w" }, { TRACE_ATSC_X, "x" },
        { TRACE_ATSC_U, "u" }, { TRACE_ATSC_N, "n" }, { TRACE_ATSC_S, "s" },
        { TRACE_ATSC_PRIV, "cpriv" },
    };
    const bool v[] = { e->r, e->w, e->x, e->u, e->n, e->s, e->priv };
    for (size_t i = 0; i < G_N_ELEMENTS(bits); i++)
        if (k & bits[i].bit)
            g_string_append_printf(s, " %s=%u", bits[i].name, v[i]);
    if (c->has_reason)
        g_string_append_printf(s, " reason=0x%x", c->reason);
    if (c->recorded != TRACE_UNSET)
        g_string_append_printf(s, " recorded=%s",
                               c->recorded == TRACE_YES ? "yes" : "no");
}

static bool matches(const struct trace_cmd *c, const struct vtd_ats_cpl *o)
{
    const struct vtd_ats_cpl *e = &c->ats_exp;
    unsigned k = c->ats_checks;
    if ((int)o->status != c->ats_status)
        return false;
    if (((k & TRACE_ATSC_ADDR) && o->addr != e->addr) ||
        ((k & TRACE_ATSC_SIZE) && o->size != e->size) ||
        ((k & TRACE_ATSC_R) && o->r != e->r) ||
        ((k & TRACE_ATSC_W) && o->w != e->w) ||
        ((k & TRACE_ATSC_X) && o->x != e->x) ||
        ((k & TRACE_ATSC_U) && o->u != e->u) ||
        ((k & TRACE_ATSC_N) && o->n != e->n) ||
        ((k & TRACE_ATSC_S) && o->s != e->s) ||
        ((k & TRACE_ATSC_PRIV) && o->priv != e->priv))
        return false;
    if (c->has_reason && o->reason != c->reason)
        return false;
    return c->recorded == TRACE_UNSET ||
           (c->recorded == TRACE_YES) == o->recorded;
}

static int do_translate(struct replay *rp, const struct trace_cmd *c)
{
    int ui = c->unit >= 0 ? c->unit
                          : board_unit_by_sid(rp->board, true, c->sid);
    if (ui < 0 || (size_t)ui >= rp->nunits)
        return rt_error_(rp, c, "no unit's device scope holds this "
                         "source-id");
    struct unit_rt *ur = &rp->units[ui];
    struct vtd_ats_req req = {
        .version = VTD_ATS_REQ_VERSION, .sid = c->sid, .pasid = c->pasid,
        .iova = c->addr, .nw = c->nw,
        .priv = (c->access & VTD_ACC_PRIV) != 0,
        .exec = (c->access & VTD_ACC_EXEC) != 0,
    };
    struct vtd_ats_cpl out;
    memset(&out, 0, sizeof(out));
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    int rc = vtd_ats_translate(ur->u, &req, &out);
    rp->explaining = false;
    if (rp->rec && rc == 0) {
        GString *s = g_string_new(NULL);
        char sid[16];
        snprintf(sid, sizeof(sid), "%02x:%02x.%x", c->sid >> 8,
                 (c->sid >> 3) & 0x1f, c->sid & 7);
        g_string_append_printf(s, "ats %s 0x%" PRIx64, sid, c->addr);
        if (c->pasid != VTD_NO_PASID)
            g_string_append_printf(s, " pasid=0x%x", c->pasid);
        if (c->nw)
            g_string_append(s, " nw");
        if (req.priv)
            g_string_append(s, " priv");
        if (req.exec)
            g_string_append(s, " exec");
        if (c->unit >= 0)
            g_string_append_printf(s, " unit=%s", ur->decl->name);
        g_string_append_c(s, ' ');
        cpl_text(s, &out, true);
        trace_recorder_line(rp->rec, "%s", s->str);
        g_string_free(s, TRUE);
    }
    if (c->ats_status < 0)
        return 0;
    GString *exp = g_string_new(NULL), *act = g_string_new(NULL);
    expected_text(exp, c);
    bool pass;
    if (rc < 0) {
        g_string_append_printf(act, "error %d from vtd_ats_translate", rc);
        pass = false;
    } else {
        cpl_text(act, &out, false);
        pass = matches(c, &out);
    }
    report_(rp, c, "ats", pass, exp->str, act->str);
    g_string_free(exp, TRUE);
    g_string_free(act, TRUE);
    return 0;
}

int do_ats_(struct replay *rp, const struct trace_cmd *c)
{
    return do_translate(rp, c);
}
