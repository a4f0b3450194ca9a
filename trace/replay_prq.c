/* SPDX-License-Identifier: MIT */
/*
 * trace/replay_prq.c: replay of the page request lines (v2; VT-d 7.4-7.6).
 * `page-request` asks the unit whose scope holds the SID to take a page
 * request (vtd_page_request()) and checks the outcome; every page group
 * response a unit sends (software's descriptor or the unit's own, Table
 * 31) is kept in order until a `page-response` line for that device
 * checks it.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <vtd/layout.h>

#include "mem/guestmem.h"
#include "pci/prdev.h"
#include "trace/record.h"
#include "trace/replay_int.h"

struct presp {
    unsigned unit;
    struct vtd_page_resp r;
};

void obs_page_resp_(void *ctx, unsigned unit, const struct vtd_page_resp *r)
{
    struct replay *rp = ctx;
    if (!rp->presp)
        rp->presp = g_array_new(FALSE, FALSE, sizeof(struct presp));
    struct presp e = { unit, *r };
    g_array_append_val(rp->presp, e);
}

static const char *outcome_name(int o)
{
    switch (o) {
    case VTD_PRQ_QUEUED:
        return "queued";
    case VTD_PRQ_OVERFLOW:
        return "overflow";
    case VTD_PRQ_REFUSED:
        return "refused";
    default:
        return "?";
    }
}

static const char *rc_name(int rc)
{
    switch (rc) {
    case -1:
        return "none";
    case VTD_PRG_RC_SUCCESS:
        return "success";
    case VTD_PRG_RC_INVALID_REQUEST:
        return "invalid";
    case VTD_PRG_RC_RESPONSE_FAILURE:
        return "failure";
    default:
        return NULL;
    }
}

static void rc_append(GString *s, const char *key, int rc)
{
    const char *n = rc_name(rc);
    if (n)
        g_string_append_printf(s, " %s=%s", key, n);
    else
        g_string_append_printf(s, " %s=0x%x", key, (unsigned)rc);
}

static char *access_text(uint32_t a)
{
    GString *s = g_string_new(NULL);
    if (a & VTD_ACC_READ)
        g_string_append_c(s, 'r');
    if (a & VTD_ACC_WRITE)
        g_string_append_c(s, 'w');
    if (a & VTD_ACC_EXEC)
        g_string_append_c(s, 'x');
    if (a & VTD_ACC_PRIV)
        g_string_append_c(s, 'p');
    if (!s->len)
        g_string_append_c(s, '-');
    return g_string_free(s, FALSE);
}

static char *sid_text(uint16_t sid)
{
    return g_strdup_printf(VTD_SID_FMT, VTD_SID_BDF(sid));
}

int do_page_req_(struct replay *rp, const struct trace_cmd *c)
{
    int ui = c->unit >= 0 ? c->unit
                          : board_unit_by_sid(rp->board, true, c->sid);
    if (ui < 0 || (size_t)ui >= rp->nunits)
        return rt_error_(rp, c, "no unit's device scope holds this "
                         "source-id");
    struct unit_rt *ur = &rp->units[ui];
    struct vtd_page_req req = {
        .sid = c->sid, .pasid = c->pasid, .addr = c->addr,
        .access = c->access, .prgi = c->prgi, .lpig = c->lpig,
    };
    struct vtd_page_req_result out;
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    int rc = vtd_page_request(ur->u, &req, &out);
    rp->explaining = false;
    if (rc == -EOPNOTSUPP)
        return rt_error_(rp, c, "unit '%s' does not report page request "
                         "support (ECAP.PRS)", ur->decl->name);
    if (rc < 0)
        return rt_error_(rp, c, "vtd_page_request failed (%d)", rc);

    GString *act = g_string_new(outcome_name(out.outcome));
    if (out.outcome == VTD_PRQ_REFUSED)
        g_string_append_printf(act, " reason=0x%x recorded=%s", out.fault,
                               out.recorded ? "yes" : "no");
    rc_append(act, "response", out.responded ? out.rc : -1);

    if (rp->rec) {
        char *sid = sid_text(c->sid), *acc = access_text(c->access);
        GString *l = g_string_new(NULL);
        g_string_append_printf(l, "page-request %s 0x%" PRIx64 " %s prgi=%u",
                               sid, c->addr, acc, c->prgi);
        if (c->pasid != VTD_NO_PASID)
            g_string_append_printf(l, " pasid=0x%x", c->pasid);
        g_string_append_printf(l, " lpig=%s", c->lpig ? "yes" : "no");
        if (c->unit >= 0)
            g_string_append_printf(l, " unit=%s", ur->decl->name);
        g_string_append_printf(l, " expect=%s", act->str);
        trace_recorder_line(rp->rec, "%s", l->str);
        g_string_free(l, TRUE);
        g_free(sid);
        g_free(acc);
    }

    if (c->prq_expect) {
        GString *exp = g_string_new(outcome_name(c->prq_expect));
        if (c->has_reason)
            g_string_append_printf(exp, " reason=0x%x", c->reason);
        if (c->recorded != TRACE_UNSET)
            g_string_append_printf(exp, " recorded=%s",
                                   c->recorded == TRACE_YES ? "yes" : "no");
        if (c->resp_rc != -2)
            rc_append(exp, "response", c->resp_rc);
        bool pass = (int)out.outcome == c->prq_expect &&
                    (!c->has_reason || out.fault == c->reason) &&
                    (c->recorded == TRACE_UNSET ||
                     (c->recorded == TRACE_YES) == out.recorded) &&
                    (c->resp_rc == -2 ||
                     (c->resp_rc == -1 ? !out.responded
                                       : out.responded &&
                                         out.rc == c->resp_rc));
        report_(rp, c, "page-request", pass, exp->str, act->str);
        g_string_free(exp, TRUE);
    }
    g_string_free(act, TRUE);
    return 0;
}

int do_page_resp_(struct replay *rp, const struct trace_cmd *c)
{
    /* The oldest response to this device not yet checked. */
    guint n = rp->presp ? rp->presp->len : 0, i = 0;
    while (i < n && g_array_index(rp->presp, struct presp, i).r.rid != c->sid)
        i++;
    const struct vtd_page_resp *r =
        i < n ? &g_array_index(rp->presp, struct presp, i).r : NULL;

    char *sid = sid_text(c->sid);
    GString *act = g_string_new(NULL);
    if (!r) {
        g_string_append(act, "rc=none");
    } else {
        rc_append(act, "rc", r->rc);
        g_string_erase(act, 0, 1);
        g_string_append_printf(act, " prgi=%u pasid=", r->prgi);
        if (r->pasid == VTD_NO_PASID)
            g_string_append(act, "none");
        else
            g_string_append_printf(act, "0x%x", r->pasid);
        g_string_append_printf(act, " auto=%s", r->automatic ? "yes" : "no");
    }
    GString *exp = g_string_new(NULL);
    rc_append(exp, "rc", c->resp_rc);
    g_string_erase(exp, 0, 1);
    if (c->has_prgi)
        g_string_append_printf(exp, " prgi=%u", c->prgi);
    if (c->pasid_checked) {
        if (c->pasid == VTD_NO_PASID)
            g_string_append(exp, " pasid=none");
        else
            g_string_append_printf(exp, " pasid=0x%x", c->pasid);
    }
    if (c->automatic != TRACE_UNSET)
        g_string_append_printf(exp, " auto=%s",
                               c->automatic == TRACE_YES ? "yes" : "no");
    bool pass = c->resp_rc == -1
                    ? !r
                    : r && r->rc == c->resp_rc &&
                      (!c->has_prgi || r->prgi == c->prgi) &&
                      (!c->pasid_checked || r->pasid == c->pasid) &&
                      (c->automatic == TRACE_UNSET ||
                       (c->automatic == TRACE_YES) == r->automatic);
    if (rp->rec)
        trace_recorder_line(rp->rec, "page-response %s %s", sid, act->str);
    if (rp->opts && rp->opts->explain && rp->hooks && rp->hooks->explain) {
        rp->hooks->explain(rp->hooks->ctx, rp->t->path, c->line, c->text);
        char *m = g_strdup_printf(
            r ? "the device received a page group response: %s (%s; VT-d "
                "7.6.1 Table 32: 0h success, 1h invalid request, Fh "
                "response failure)"
              : "the device has received no page group response (%s%s)",
            act->str, r ? (r->automatic ? "sent by the unit itself, 7.4.1 "
                                          "Table 31"
                                        : "from a page group response "
                                          "descriptor")
                        : "");
        rp->hooks->explain(rp->hooks->ctx, rp->t->path, c->line, m);
        g_free(m);
    }
    report_(rp, c, "page-response", pass, exp->str, act->str);
    if (r)
        g_array_remove_index(rp->presp, i);
    g_string_free(exp, TRUE);
    g_string_free(act, TRUE);
    g_free(sid);
    return 0;
}

/* ------------------------------------------------------------------ */
/* prdev: the ATS/PRI device of pci/prdev.h on the board               */
/* ------------------------------------------------------------------ */

static const char *dev_outcome(int e)
{
    switch (e) {
    case TRACE_DEV_DONE:
        return "done";
    case TRACE_DEV_WAIT:
        return "wait";
    case TRACE_DEV_FAULT:
        return "fault";
    case TRACE_DEV_PRI_OFF:
        return "pri-off";
    default:
        return "?";
    }
}

int do_prdev_(struct replay *rp, const struct trace_cmd *c)
{
    if (board_unit_by_sid(rp->board, true, c->sid) < 0)
        return rt_error_(rp, c, "no unit's device scope holds this "
                         "source-id");
    /* The board's PRI device of this SID (its device list). */
    struct pci_prdev *d = board_prdev(rp->board, c->sid);
    if (!d)
        return rt_error_(rp, c, "no room for another device (at most %d)",
                         BOARD_MAX_ATSDEVS);
    uint8_t *buf = g_malloc0(c->len);
    if (c->is_write)
        memcpy(buf, c->bytes, c->len);
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    unsigned before = pci_prdev_requests(d);
    int rc = pci_prdev_dma(d, c->pasid, c->addr, buf, c->len,
                           c->is_write);
    int got = rc == 0 ? TRACE_DEV_DONE : rc == -EAGAIN ? TRACE_DEV_WAIT
            : rc == -EIO ? TRACE_DEV_PRI_OFF : TRACE_DEV_FAULT;
    if (rp->explaining) {
        char *m = g_strdup_printf(
            "device " VTD_SID_FMT ": %s", VTD_SID_BDF(c->sid),
            got == TRACE_DEV_DONE ? "translation granted, DMA completed with "
                                    "translated requests"
            : got == TRACE_DEV_WAIT
                ? (pci_prdev_requests(d) != before
                       ? "translation completion without the access "
                         "(recoverable fault): page request issued, waiting "
                         "for the page group response"
                       : "still waiting for the page group response")
            : got == TRACE_DEV_PRI_OFF
                ? "PRI disabled after a Response Failure"
                : "the page request was not serviced (Invalid Request, or "
                  "the page still not granted after Success)");
        rp->hooks->explain(rp->hooks->ctx, rp->t->path, c->line, m);
        g_free(m);
    }
    rp->explaining = false;

    if (rp->rec) {
        char *sid = g_strdup_printf(VTD_SID_FMT, VTD_SID_BDF(c->sid));
        GString *l = g_string_new(NULL);
        g_string_append_printf(l, "prdev %s %s 0x%" PRIx64, sid,
                               c->is_write ? "write" : "read", c->addr);
        if (c->pasid != VTD_NO_PASID)
            g_string_append_printf(l, " pasid=0x%x", c->pasid);
        if (c->is_write || got == TRACE_DEV_DONE) {
            g_string_append(l, " data=");
            for (uint32_t i = 0; i < c->len; i++)
                g_string_append_printf(l, "%02x", buf[i]);
        } else {
            g_string_append_printf(l, " len=%u", c->len);
        }
        g_string_append_printf(l, " expect=%s", dev_outcome(got));
        trace_recorder_line(rp->rec, "%s", l->str);
        g_string_free(l, TRUE);
        g_free(sid);
    }
    bool data_checked = !c->is_write && c->bytes;
    if (c->dev_expect || data_checked) {
        GString *exp = g_string_new(c->dev_expect ? dev_outcome(c->dev_expect)
                                                  : "done");
        GString *act = g_string_new(dev_outcome(got));
        bool pass = got == (c->dev_expect ? c->dev_expect : TRACE_DEV_DONE);
        if (data_checked) {
            g_string_append(exp, " data=");
            for (uint32_t i = 0; i < c->len; i++)
                g_string_append_printf(exp, "%02x", c->bytes[i]);
            if (got == TRACE_DEV_DONE) {
                g_string_append(act, " data=");
                for (uint32_t i = 0; i < c->len; i++)
                    g_string_append_printf(act, "%02x", buf[i]);
                pass = pass && memcmp(buf, c->bytes, c->len) == 0;
            }
        }
        report_(rp, c, "prdev", pass, exp->str, act->str);
        g_string_free(exp, TRUE);
        g_string_free(act, TRUE);
    }
    g_free(buf);
    return 0;
}
