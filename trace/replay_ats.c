/* SPDX-License-Identifier: MIT */
/*
 * trace/replay_ats.c: replay of the ATS commands (parse_ats.c): a
 * translation request through vtd_ats_translate() and the comparison of
 * its completion with the expected one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>

#include "pci/devtlb.h"
#include "trace/record.h"
#include "trace/replay_int.h"

/* The trace's ATS endpoints live on the board (its device list,
 * board_add_devtlb()); the replay remembers which it declared itself and
 * which came from the machine description (an `ats device` line may
 * configure those). */
struct ats_rt {
    GHashTable *declared;    /* SID + 1: an `ats device` line made it */
    GHashTable *machine;     /* SID + 1: made from the machine */
};

void ats_free_(struct replay *rp)
{
    if (!rp->ats)
        return;
    g_hash_table_destroy(rp->ats->declared);
    g_hash_table_destroy(rp->ats->machine);
    g_free(rp->ats);
    rp->ats = NULL;
}

static struct ats_rt *ats_rt(struct replay *rp)
{
    if (!rp->ats) {
        rp->ats = g_new0(struct ats_rt, 1);
        rp->ats->declared = g_hash_table_new(g_direct_hash, g_direct_equal);
        rp->ats->machine = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    return rp->ats;
}

static struct devtlb *dev_tlb(const struct replay *rp, uint16_t sid)
{
    return rp->ats ? board_devtlb(rp->board, sid) : NULL;
}

/* "the root port 00:1d.0" or "no root port" for messages. */
static void port_text(char *buf, size_t len, int32_t port)
{
    if (port < 0)
        snprintf(buf, len, "it is below no root port of the machine");
    else
        snprintf(buf, len, "its root port " VTD_SID_FMT " is not in an ATSR",
                 VTD_SID_BDF((unsigned)port));
}

/* The machine's ATS-capable endpoints (vtdemu,ats) are ATS devices of the
 * trace without an `ats device` line: they answer invalidations at once
 * and have 32 entries; their ATS Control.E is set only where the ATSR
 * allows it (VT-d 8.5: "Software must enable ATS on endpoint devices
 * behind a Root Port only if the Root Port is reported as supporting ATS
 * transactions").  A recording declares them. */
int ats_machine_devices_(struct replay *rp)
{
    const struct trace *t = rp->t;
    if (!t->has_ats_policy)
        return 0;
    if (board_set_ats_policy(rp->board, t->ats_ranges, t->nats_ranges) < 0)
        return rt_error_(rp, NULL, "bad ATS policy");
    for (size_t i = 0; i < t->nats_endpoints; i++) {
        uint16_t sid = t->ats_endpoints[i];
        bool on = board_ats_allowed(rp->board, sid, NULL) == 1;
        struct devtlb_cap cap = { .enabled = on };
        if (board_add_devtlb(rp->board, sid, &cap, 32, true) < 0)
            return rt_error_(rp, NULL, "cannot make the machine's ATS "
                             "devices (at most %d)", BOARD_MAX_ATSDEVS);
        g_hash_table_add(ats_rt(rp)->machine, GUINT_TO_POINTER(sid + 1u));
        if (rp->rec)
            trace_recorder_line(rp->rec, "ats device " VTD_SID_FMT " "
                                "respond=auto ats=%s", VTD_SID_BDF(sid),
                                on ? "on" : "off");
    }
    return 0;
}

/* Endpoints with respond=auto answer every request they hold
 * (board_ats_pump()). */
int ats_pump_(struct replay *rp)
{
    if (!rp->ats)
        return 0;
    /* --explain: the answers show under the command that caused them. */
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    int rc = board_ats_pump(rp->board);
    rp->explaining = false;
    if (rc == -ELOOP)
        return rt_error_(rp, rp->cur, "ATS endpoints answered a million "
                         "invalidations after one command");
    if (rc < 0)
        return rt_error_(rp, rp->cur, "vtd_ats_inval_complete failed");
    return 0;
}

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
    /* VT-d 8.5: behind a root port the ATSR does not name, ATS
     * transactions are not supported.  The port does not pass the
     * translation request on (like a port blocking AT != 00b, 4.2.2: "not
     * presented to remapping hardware"); the requester gets UR, the unit
     * records nothing.  vtdemu's reading: docs/ats.md. */
    int32_t port = -1;
    bool refused = board_ats_allowed(rp->board, c->sid, &port) == 0;
    char why[96] = "";
    int rc = 0;
    if (refused) {
        port_text(why, sizeof(why), port);
        out.status = VTD_ATS_UR;
        if (rp->explaining) {
            char *m = g_strdup_printf("  refused at the root complex: %s "
                                      "(VT-d 8.5): UR, not presented to "
                                      "the unit", why);
            rp->hooks->explain(rp->hooks->ctx, rp->t->path, c->line, m);
            g_free(m);
        }
    } else {
        rc = vtd_ats_translate(ur->u, &req, &out);
    }
    rp->explaining = false;
    if (rp->rec && rc == 0) {
        GString *s = g_string_new(NULL);
        char sid[16];
        snprintf(sid, sizeof(sid), VTD_SID_FMT, VTD_SID_BDF(c->sid));
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
        if (refused)
            g_string_append_printf(act, " (%s, VT-d 8.5: not presented "
                                   "to the unit)", why);
        pass = matches(c, &out);
    }
    report_(rp, c, "ats", pass, exp->str, act->str);
    g_string_free(exp, TRUE);
    g_string_free(act, TRUE);
    return 0;
}

static int route(struct replay *rp, const struct trace_cmd *c,
                 struct vtd_iommu **u)
{
    int ui = c->unit >= 0 ? c->unit
                          : board_unit_by_sid(rp->board, true, c->sid);
    if (ui < 0 || (size_t)ui >= rp->nunits)
        return rt_error_(rp, c, "no unit's device scope holds this "
                         "source-id");
    *u = rp->units[ui].u;
    return 0;
}

static void verdict(struct replay *rp, const struct trace_cmd *c,
                    const char *what, bool pass, GString *exp, GString *act)
{
    report_(rp, c, what, pass, exp->str, act->str);
    g_string_free(exp, TRUE);
    g_string_free(act, TRUE);
}

static int do_device(struct replay *rp, const struct trace_cmd *c)
{
    void *key = GUINT_TO_POINTER(c->sid + 1u);
    if (rp->ats && g_hash_table_contains(rp->ats->declared, key))
        return rt_error_(rp, c, "this source-id already has an ATS device");
    /* VT-d 8.5: ATS only behind a root port an ATSR names (always
     * without a machine description).  Without ats= the ATSR decides. */
    int32_t port = -1;
    bool allowed = board_ats_allowed(rp->board, c->sid, &port) == 1;
    bool enable = c->ats_enable_set ? c->ats_enable : allowed;
    if (enable && !allowed) {
        char why[96];
        port_text(why, sizeof(why), port);
        return rt_error_(rp, c, "ats=on: ATS cannot be enabled on this "
                         "device: %s (VT-d 8.5)", why);
    }
    /* A line for one of the machine's devices configures it: a new
     * device-TLB; the Invalidate Requests it holds stay. */
    struct devtlb_cap cap = { .stu = c->ats_stu, .qdepth = c->ats_qdepth,
                              .enabled = enable };
    int rc = board_add_devtlb(rp->board, c->sid, &cap, c->ats_entries,
                              c->ats_auto);
    if (rc == -ENOSPC)
        return rt_error_(rp, c, "at most %d ATS devices per trace",
                         BOARD_MAX_ATSDEVS);
    if (rc < 0)
        return rt_error_(rp, c, "bad ATS device parameters");
    g_hash_table_add(ats_rt(rp)->declared, key);
    if (rp->rec)
        trace_recorder_line(rp->rec, "%s", c->text);
    return 0;
}

static int do_complete(struct replay *rp, const struct trace_cmd *c)
{
    struct vtd_iommu *u;
    if (route(rp, c, &u) < 0)
        return -EINVAL;
    /* The device invalidates what the requests it answers cover. */
    (void)board_devtlb_take(rp->board, c->sid, c->ats_itags);
    bool acc = false;
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    int rc = vtd_ats_inval_complete(u, c->sid, c->ats_itags, c->ats_cc, &acc);
    rp->explaining = false;
    if (rp->rec)
        trace_recorder_line(rp->rec, "%s", c->text);
    if (rc < 0)
        return rt_error_(rp, c, "vtd_ats_inval_complete: error %d", rc);
    if (c->ats_accepted != TRACE_UNSET) {
        GString *e = g_string_new(NULL), *a = g_string_new(NULL);
        g_string_printf(e, "accepted=%s",
                        c->ats_accepted == TRACE_YES ? "yes" : "no");
        g_string_printf(a, "accepted=%s", acc ? "yes" : "no");
        verdict(rp, c, "ats complete", (c->ats_accepted == TRACE_YES) == acc,
                e, a);
    }
    return 0;
}

static bool inv_matches(const struct trace_cmd *c,
                        const struct vtd_devtlb_inv *v)
{
    return (!c->sid_valid || v->sid == c->sid) &&
           (c->ats_itag < 0 || v->itag == (unsigned)c->ats_itag) &&
           (!c->ats_has_pasid || v->pasid == c->pasid) &&
           (c->ats_gi == TRACE_UNSET || v->global == (c->ats_gi == TRACE_YES)) &&
           (!c->ats_has_base || v->base == c->ats_base) &&
           (!c->ats_has_size || v->size == c->ats_size);
}

static int do_pending(struct replay *rp, const struct trace_cmd *c)
{
    struct vtd_iommu *u;
    if (c->unit >= 0 || c->sid_valid) {
        if (route(rp, c, &u) < 0)
            return -EINVAL;
    } else if (rp->nunits == 1) {
        u = rp->units[0].u;
    } else {
        return rt_error_(rp, c, "ats pending without SID needs unit=");
    }
    struct vtd_devtlb_inv v[VTD_ATS_ITAGS];
    uint64_t now = 0;
    int n = vtd_ats_pending(u, v, VTD_ATS_ITAGS, &now);
    if (n < 0)
        return rt_error_(rp, c, "vtd_ats_pending: error %d", n);
    int count = 0;
    bool field = c->ats_itag >= 0 || c->ats_has_pasid || c->ats_has_base ||
                 c->ats_has_size || c->ats_gi != TRACE_UNSET;
    bool found = false;
    GString *a = g_string_new(NULL), *e = g_string_new(NULL);
    for (int i = 0; i < n && i < VTD_ATS_ITAGS; i++) {
        if (c->sid_valid && v[i].sid != c->sid)
            continue;
        count++;
        found = found || inv_matches(c, &v[i]);
        g_string_append_printf(a, "%s[itag %u " VTD_SID_FMT " pasid %s%x "
                               "gi %u base 0x%" PRIx64 " size 0x%" PRIx64 "]",
                               a->len ? " " : "", v[i].itag,
                               VTD_SID_BDF(v[i].sid),
                               v[i].pasid == VTD_NO_PASID ? "none/" : "",
                               v[i].pasid == VTD_NO_PASID ? 0 : v[i].pasid,
                               v[i].global, v[i].base, v[i].size);
    }
    g_string_prepend(a, "");
    g_string_printf(e, "%s", c->text);
    bool pass = (c->ats_count < 0 || count == c->ats_count) &&
                (!field || found);
    g_string_prepend(a, count ? "" : "none");
    verdict(rp, c, "ats pending", pass, e, a);
    return 0;
}

static int do_adma(struct replay *rp, const struct trace_cmd *c)
{
    struct devtlb *dt = dev_tlb(rp, c->sid);
    if (!dt)
        return rt_error_(rp, c, "no ATS device with this source-id "
                         "(ats device)");
    struct vtd_iommu *u;
    if (route(rp, c, &u) < 0)
        return -EINVAL;
    struct devtlb_dma o;
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    int rc = devtlb_dma(dt, u, c->pasid, (c->access & VTD_ACC_PRIV) != 0,
                        c->addr, c->len, c->is_write, &o);
    rp->explaining = false;
    if (rp->rec)
        trace_recorder_line(rp->rec, "%s", c->text);
    if (rc < 0)
        return rt_error_(rp, c, "devtlb_dma: error %d", rc);
    if (c->ats_dma_exp < 0)
        return 0;
    GString *e = g_string_new(NULL), *a = g_string_new(NULL);
    static const char *const names[] = { "ok", "fault", "denied" };
    g_string_append(e, names[c->ats_dma_exp]);
    if (c->has_gpa)
        g_string_append_printf(e, " gpa=0x%" PRIx64, c->gpa);
    if (c->has_reason)
        g_string_append_printf(e, " reason=0x%x", c->reason);
    if (c->ats_hit != TRACE_UNSET)
        g_string_append_printf(e, " hit=%s",
                               c->ats_hit == TRACE_YES ? "yes" : "no");
    int got = o.denied ? TRACE_ATSD_DENIED
              : o.x.fault ? TRACE_ATSD_FAULT : TRACE_ATSD_OK;
    g_string_append(a, names[got]);
    if (got == TRACE_ATSD_OK)
        g_string_append_printf(a, " gpa=0x%" PRIx64, o.x.addr);
    if (got == TRACE_ATSD_FAULT)
        g_string_append_printf(a, " reason=0x%x", o.x.fault);
    g_string_append_printf(a, " hit=%s%s", o.hit ? "yes" : "no",
                           o.untranslated ? " (untranslated request)" : "");
    bool pass = got == c->ats_dma_exp &&
                (!c->has_gpa || o.x.addr == c->gpa) &&
                (!c->has_reason || o.x.fault == c->reason) &&
                (c->ats_hit == TRACE_UNSET ||
                 (c->ats_hit == TRACE_YES) == o.hit);
    verdict(rp, c, "ats dma", pass, e, a);
    return 0;
}

static void count_entry(void *ctx, const struct devtlb_entry *e)
{
    (void)e;
    (*(int *)ctx)++;
}

static int do_devtlb(struct replay *rp, const struct trace_cmd *c)
{
    struct devtlb *dt = dev_tlb(rp, c->sid);
    if (!dt)
        return rt_error_(rp, c, "no ATS device with this source-id "
                         "(ats device)");
    if (rp->rec)
        trace_recorder_line(rp->rec, "%s", c->text);
    int n = 0;
    devtlb_foreach(dt, count_entry, &n);
    GString *e = g_string_new(c->text), *a = g_string_new(NULL);
    g_string_printf(a, "count=%d", n);
    bool pass = c->ats_count < 0 || n == c->ats_count;
    if (c->ats_present != TRACE_UNSET) {
        const struct devtlb_entry *x =
            devtlb_lookup(dt, c->pasid, (c->access & VTD_ACC_PRIV) != 0,
                          c->addr);
        g_string_append_printf(a, " present=%s", x ? "yes" : "no");
        if (x)
            g_string_append_printf(a, " [0x%" PRIx64 " +0x%" PRIx64
                                   " -> 0x%" PRIx64 " r=%u w=%u]", x->base,
                                   x->size, x->out, x->r, x->w);
        pass = pass && (c->ats_present == TRACE_YES) == (x != NULL);
    }
    verdict(rp, c, "ats devtlb", pass, e, a);
    return 0;
}

static int do_clock(struct replay *rp, const struct trace_cmd *c)
{
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    for (size_t i = 0; i < rp->nunits; i++)
        if (vtd_clock_advance(rp->units[i].u, c->value) < 0)
            return rt_error_(rp, c, "vtd_clock_advance failed");
    rp->explaining = false;
    if (rp->rec)
        trace_recorder_line(rp->rec, "%s", c->text);
    return 0;
}

int do_ats_(struct replay *rp, const struct trace_cmd *c)
{
    switch (c->ats_sub) {
    case TRACE_ATS_DEVICE: return do_device(rp, c);
    case TRACE_ATS_COMPLETE: return do_complete(rp, c);
    case TRACE_ATS_PENDING: return do_pending(rp, c);
    case TRACE_ATS_DMA: return do_adma(rp, c);
    case TRACE_ATS_DEVTLB: return do_devtlb(rp, c);
    case TRACE_ATS_CLOCK: return do_clock(rp, c);
    default: return do_translate(rp, c);
    }
}
