/* SPDX-License-Identifier: MIT */
/*
 * vtd/prq.c: page requests (VT-d 7.4 recoverable fault reporting, 7.5 the
 * page request event, 7.6 page group responses; registers 11.4.11).
 *
 * A device's page request (vtd_page_request()) is checked against the
 * scalable-mode structures (Table 30, page-request columns), then written
 * as a 256-bit page request descriptor at PQT in the page request queue
 * PQA describes; PQT advances, PRS.PPR is set and the page request event
 * follows 7.5.  A request that cannot be queued is dropped or answered by
 * the unit itself (Table 31).  Software answers queued requests with page
 * group response descriptors in the invalidation queue (qi.c), which come
 * back here to reach the device through ops.page_response.
 */
#include <inttypes.h>

#include "internal.h"
#include "pasid.h"
#include "prq.h"
#include "reentry.h"
#include "rulehits.h"
#include "rootctx.h"

/* ------------------------------------------------------------------ */
/* Page request event (7.5, 11.4.11.5)                                 */
/* ------------------------------------------------------------------ */

static void send_prq_event(struct vtd_iommu *u)
{
    uint64_t addr = vtd_reg_get32_(u, VTD_REG_PEADDR) |
                    (uint64_t)vtd_reg_get32_(u, VTD_REG_PEUADDR) << 32;
    vtd_msi_send_(u, addr, vtd_reg_get32_(u, VTD_REG_PEDATA));
}

/* 7.5: PPR or PRO newly set.  prs_before is PRS before the change: when
 * PPR or PRO was already set it is no new interrupt condition. */
static void prq_event(struct vtd_iommu *u, uint32_t prs_before)
{
    if (field_get(prs_before, PRS, PPR) || field_get(prs_before, PRS, PRO))
        return;
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_PECTL);
    if (field_get(ctl, ECTL, IM)) {
        vtd_rule_(u, P_EVENT_HELD);
        vtd_reg_set32_(u, VTD_REG_PECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 1));
        return;
    }
    /* IM clear: the event is generated along with clearing IP. */
    vtd_rule_(u, P_EVENT_SENT);
    vtd_reg_set32_(u, VTD_REG_PECTL, (uint32_t)field_set(ctl, ECTL, IP, 0));
    send_prq_event(u);
}

void vtd_prq_prs_written_locked_(struct vtd_iommu *u)
{
    /* 7.5: IP set when software services every condition (PPR and PRO
     * clear) is cleared. */
    uint32_t prs = vtd_reg_get32_(u, VTD_REG_PRS);
    if (!field_get(prs, PRS, PPR) && !field_get(prs, PRS, PRO)) {
        uint32_t ctl = vtd_reg_get32_(u, VTD_REG_PECTL);
        if (field_get(ctl, ECTL, IP))
            vtd_rule_(u, P_EVENT_CLEARED);
        vtd_reg_set32_(u, VTD_REG_PECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 0));
    }
}

void vtd_prq_pectl_written_locked_(struct vtd_iommu *u)
{
    /* 7.5: IP set when software clears IM: the event is generated and IP
     * cleared. */
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_PECTL);
    if (field_get(ctl, ECTL, IP) && !field_get(ctl, ECTL, IM)) {
        vtd_rule_(u, P_EVENT_UNMASKED);
        vtd_reg_set32_(u, VTD_REG_PECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 0));
        send_prq_event(u);
    }
}

/* ------------------------------------------------------------------ */
/* Page group responses (7.6.1, Table 31)                              */
/* ------------------------------------------------------------------ */

void vtd_prq_respond_locked_(struct vtd_iommu *u, uint16_t rid,
                             uint32_t pasid, uint16_t prgi, uint8_t rc,
                             bool automatic)
{
    struct vtd_page_resp r = { .rid = rid, .pasid = pasid, .prgi = prgi,
                               .rc = rc, .automatic = automatic };
    if (vtd_tracing_(u)) {
        struct vtd_event ev = {
            .kind = VTD_EV_PAGE_RESP, .sid = rid, .pasid = pasid,
            .val = { prgi, rc }, .nval = 2,
            .what = automatic ? "auto" : "software",
        };
        vtd_emit_(u, &ev);
    }
    if (u->ops.page_response) {
        struct vtd_cb_frame_ f;
        vtd_cb_enter_(&f, u);
        u->ops.page_response(u->opaque, &r);
        vtd_cb_exit_(&f);
    }
}

/* ------------------------------------------------------------------ */
/* Page requests (7.4.1)                                               */
/* ------------------------------------------------------------------ */

struct prq_req {
    const struct vtd_page_req *req;
    bool has_pasid;
    uint64_t q[4];       /* the descriptor */
};

static void emit_req(struct vtd_iommu *u, const struct prq_req *p,
                     const char *what, unsigned fault, uint64_t off)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = {
        .kind = VTD_EV_PAGE_REQ, .sid = p->req->sid,
        .pasid = p->has_pasid ? p->req->pasid : VTD_NO_PASID,
        .addr = p->req->addr & VTD_PAGE_MASK,
        .val = { p->q[0], p->q[1], off }, .nval = 3,
        .fault = fault, .what = what,
    };
    vtd_emit_(u, &ev);
}

/* Table 31: a request that is not queued gets a response only when it is
 * the last of its group. */
static void auto_respond(struct vtd_iommu *u, const struct prq_req *p,
                         uint8_t rc, struct vtd_page_req_result *out)
{
    if (!p->req->lpig) {
        vtd_rule_(u, P_DROPPED);
        return;
    }
    if (rc == VTD_PRG_RC_SUCCESS)
        vtd_rule_(u, P_AUTO_SUCCESS);
    else
        vtd_rule_(u, P_AUTO_INVALID);
    out->responded = true;
    out->rc = rc;
    vtd_prq_respond_locked_(u, p->req->sid,
                            p->has_pasid ? p->req->pasid : VTD_NO_PASID,
                            p->req->prgi, rc, true);
}

/* 7.4.1 "Remapping Table Error": the fault is reported as a
 * non-recoverable fault (Table 30 reason; qualified reasons obey FPD),
 * the request dropped, and a last-in-group request answered Invalid
 * Request (Table 31; 7.1.3 note: never Response Failure).  reason 0: a
 * refusal with no Table 30 condition (nothing recorded). */
static void refuse(struct vtd_iommu *u, const struct prq_req *p,
                   unsigned reason, bool fpd,
                   struct vtd_page_req_result *out)
{
    vtd_rule_(u, P_REFUSED);
    out->outcome = VTD_PRQ_REFUSED;
    out->fault = reason;
    if (reason) {
        struct vtd_fault_info fi = {
            .sid = p->req->sid,
            .reason = reason,
            .addr = p->req->addr & VTD_PAGE_MASK,
            .pasid = p->has_pasid ? p->req->pasid : VTD_NO_PASID,
            .priv = p->has_pasid && (p->req->access & VTD_ACC_PRIV),
            .page_req = true,
        };
        out->recorded = vtd_fault_report_locked_(u, &fi, fpd);
    }
    emit_req(u, p, "refused", reason, 0);
    auto_respond(u, p, VTD_PRG_RC_INVALID_REQUEST, out);
}

/* Table 30, page-request columns, in the order of the table.  Returns the
 * fault reason (0: accepted) with *fpd, and the DID and PASID that tag the
 * request's translations (for the implicit invalidation). */
static unsigned check_tables(struct vtd_iommu *u, const struct prq_req *p,
                             bool *fpd, uint16_t *did, uint32_t *tag_pasid)
{
    uint64_t root = atomic_load(&u->root_latched);
    unsigned ttm = (unsigned)field_get(root, RTADDR, TTM);
    uint64_t rta = VTD_GET_ADDR_(root, RTADDR, RTA);
    const struct vtd_page_req *req = p->req;
    bool trace = vtd_tracing_(u);

    *fpd = false;
    switch (ttm) {
    case VTD_TTM_LEGACY:
        return VTD_FR_RTA_LEGACY_PRQ;                     /* RTA.3 */
    case VTD_TTM_SCALABLE:
        if (!field_get(u->ecap, ECAP, SMTS))
            return VTD_FR_RTA_INVALID;                    /* RTA.1.3 */
        break;
    case VTD_TTM_ABORT:
        return field_get(u->ecap, ECAP, ADMS) ? VTD_FR_RTA_ABORT /* RTA.4 */
                                              : VTD_FR_RTA_INVALID;
    default:
        return VTD_FR_RTA_INVALID;                        /* RTA.1.2 */
    }

    struct vtd_ctx ctx;
    unsigned f;
    vtd_ctx_fetch_(u, rta, true, req->sid, trace, &ctx, &f, fpd);
    if (f)
        return f;                       /* SRT.1-3, SCT.1-4 */
    *fpd = field_get(ctx.q[0], SCE0, FPD);
    if (p->has_pasid) {
        if (!field_get(ctx.q[0], SCE0, PASIDE))
            return VTD_FR_SCT_PASIDE;                     /* SCT.6 */
        if (req->pasid > vtd_ctx_max_pasid_(&ctx))
            return VTD_FR_SCT_PASID_RANGE;                /* SCT.7 */
    }
    if (!field_get(ctx.q[0], SCE0, PRE))
        return VTD_FR_SCT_PRE;                            /* SCT.8 */
    uint32_t rid_pasid = (uint32_t)field_get(ctx.q[1], SCE1, RID_PASID);
    if (p->has_pasid && req->pasid == rid_pasid)
        return VTD_FR_SCT_RID_PASID;                      /* SCT.9 */

    /* 7.4.1: the error must not prevent "successfully processing the
     * scalable-mode PASID-table entry": SPD.1-3, SPT.1-4.  A request
     * without PASID uses RID_PASID (9.4). */
    *tag_pasid = p->has_pasid ? req->pasid : rid_pasid;
    struct vtd_pasid_ent pe;
    bool pfpd = false;
    vtd_pasid_fetch_(u, &ctx, req->sid, *tag_pasid, trace, &pe, &f, &pfpd);
    *fpd = *fpd || pfpd;
    if (f)
        return f;
    *fpd = *fpd || pe.fpd;
    *did = (uint16_t)field_get(pe.q[1], PTE1, DID);
    return 0;
}

static void handle_locked(struct vtd_iommu *u, struct prq_req *p,
                          struct vtd_page_req_result *out)
{
    const struct vtd_page_req *req = p->req;

    /* The model's choice where the spec is silent (docs/prq.md): with
     * translation disabled (GSTS.TES=0) no context is in use and no page
     * request can be serviced: refused, no fault recorded. */
    if (!atomic_load(&u->te)) {
        vtd_log_(u, VTD_LOG_WARN,
                 "page request from " VTD_SID_FMT " with translation "
                 "disabled: not queued", VTD_SID_BDF(req->sid));
        vtd_rule_(u, P_TE_OFF);
        refuse(u, p, 0, false, out);
        return;
    }
    bool fpd = false;
    uint16_t did = 0;
    uint32_t tag_pasid = 0;
    unsigned f = check_tables(u, p, &fpd, &did, &tag_pasid);
    if (f) {
        refuse(u, p, f, fpd, out);
        return;
    }

    uint32_t prs = vtd_reg_get32_(u, VTD_REG_PRS);
    /* 7.4.1 PRQ overflow: PRO already set.  "No action is taken by
     * hardware to report a fault or generate an event"; Table 31: a
     * last-in-group request is answered Success. */
    if (field_get(prs, PRS, PRO)) {
        vtd_rule_(u, P_OVERFLOW);
        out->outcome = VTD_PRQ_OVERFLOW;
        emit_req(u, p, "overflow", 0, 0);
        auto_respond(u, p, VTD_PRG_RC_SUCCESS, out);
        return;
    }
    uint64_t pqa = vtd_reg_get64_(u, VTD_REG_PQA);
    uint64_t qsize = 4096ULL << field_get(pqa, PQA, PQS);
    uint64_t base = pqa & VTD_PQA_PQA_MASK & vtd_haw_mask_(u);
    uint64_t rh = vtd_reg_get64_(u, VTD_REG_PQH) & VTD_PQ_PTR_MASK;
    uint64_t rt = vtd_reg_get64_(u, VTD_REG_PQT) & VTD_PQ_PTR_MASK;
    /* 11.4.11.1-3: offsets lie inside the queue PQS sizes; the model
     * reads offsets beyond it modulo the size (docs/prq.md). */
    uint64_t head = rh % qsize, tail = rt % qsize;
    if (head != rh || tail != rt)
        vtd_log_(u, VTD_LOG_WARN,
                 "PQH 0x%" PRIx64 "/PQT 0x%" PRIx64 " beyond the page "
                 "request queue (0x%" PRIx64 " bytes, PQA.PQS): taken "
                 "modulo its size", rh, rt, qsize);
    /* 7.4.1 PRQ full: the tail one behind the head; PRO is set (7.5 event)
     * and a last-in-group request is answered Success (Table 31). */
    if ((tail + VTD_PRQ_DESC_SIZE) % qsize == head) {
        vtd_rule_(u, P_FULL);
        vtd_reg_set32_(u, VTD_REG_PRS,
                       (uint32_t)field_set(prs, PRS, PRO, 1));
        prq_event(u, prs);
        out->outcome = VTD_PRQ_OVERFLOW;
        emit_req(u, p, "overflow", 0, tail);
        auto_respond(u, p, VTD_PRG_RC_SUCCESS, out);
        return;
    }

    uint8_t buf[VTD_PRQ_DESC_SIZE];
    for (unsigned i = 0; i < 4; i++)
        stq_le(buf + 8 * i, p->q[i]);
    if (vtd_mem_write_(u, base + tail, buf, sizeof(buf)) < 0) {
        /* Not memory: the request faulted "prior to successfully updating
         * the Page Request Queue" (7.1.3 note): Invalid Request; Table 30
         * has no condition code for it, so nothing is recorded. */
        vtd_log_(u, VTD_LOG_ERROR,
                 "page request descriptor write to 0x%" PRIx64 " failed "
                 "(PQA 0x%" PRIx64 " is not memory): request refused",
                 base + tail, pqa);
        vtd_rule_(u, P_WRITE_FAILED);
        refuse(u, p, 0, false, out);
        return;
    }
    /* 7.4.1: an implicit invalidation (6.5.3.1) of the translations
     * cached for the page in the request. */
    vtd_cache_inv_piotlb_(u, VTD_INV_PAGE, did, tag_pasid,
                          req->addr & VTD_PAGE_MASK & vtd_haw_mask_(u), 0,
                          false);
    vtd_reg_set64_(u, VTD_REG_PQT, (tail + VTD_PRQ_DESC_SIZE) % qsize);
    vtd_reg_set32_(u, VTD_REG_PRS, (uint32_t)field_set(prs, PRS, PPR, 1));
    vtd_rule_(u, P_QUEUED);
    out->outcome = VTD_PRQ_QUEUED;
    out->desc_gpa = base + tail;
    emit_req(u, p, "queued", 0, tail);
    prq_event(u, prs);
}

int vtd_page_request(struct vtd_iommu *u, const struct vtd_page_req *req,
                     struct vtd_page_req_result *out)
{
    if (!out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    if (!u || !req || req->prgi > 511 ||
        (req->pasid != VTD_NO_PASID && req->pasid > VTD_PASID_MAX))
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract; not logged */
    if (!field_get(u->ecap, ECAP, PRS))
        return -EOPNOTSUPP;

    struct prq_req p = { .req = req,
                         .has_pasid = req->pasid != VTD_NO_PASID };
    struct vtd_prq_desc d = {
        .type = VTD_PRQ_TYPE_PAGE_REQ,
        .pasid_present = p.has_pasid,
        .rid = req->sid,
        .pasid = p.has_pasid ? req->pasid : 0,
        /* 7.4.1.1: EXR and PMR describe requests with PASID only. */
        .exr = p.has_pasid && (req->access & VTD_ACC_EXEC),
        .pmr = p.has_pasid && (req->access & VTD_ACC_PRIV),
        .rdr = (req->access & VTD_ACC_READ) != 0,
        .wrr = (req->access & VTD_ACC_WRITE) != 0,
        .lpig = req->lpig,
        .prgi = req->prgi,
        .addr = req->addr & VTD_PAGE_MASK,
    };
    vtd_prq_desc_encode(p.q, &d);

    pthread_mutex_lock(&u->lock);
    handle_locked(u, &p, out);
    pthread_mutex_unlock(&u->lock);
    return 0;
}
