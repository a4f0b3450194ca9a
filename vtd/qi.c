/* SPDX-License-Identifier: MIT */
/*
 * vtd/qi.c: queued invalidation (VT-d 6.5.2; registers 11.4.9).
 *
 * Descriptors are fetched from IQH to IQT when software writes IQT, all
 * within that write: every descriptor completes before the write returns,
 * so fences (FN) and drains (DR/DW/PD) hold trivially.  Processing is
 * bounded by the number of queue entries, whatever IQT says.  An invalid
 * descriptor stops the queue with IQH pointing at it, FSTS.IQE set and the
 * reason in IQERCD.IQEI (6.5.2.11, 11.4.9.9).
 */
#include "internal.h"
#include "prq.h"

/* Descriptor types (enum vtd_inv_type), fields (QD_*, Figures 6-1 to
 * 6-9) and reserved masks (VTD_QD_*_RSVD*): <vtd/layout.h>. */

/* do_desc(): the descriptor cannot complete yet (a free ITag, or the
 * device-TLB invalidations a wait descriptor waits for, vtd/ats.c); the
 * queue stops at it with IQH pointing at it and goes on later.  Not an
 * IQEI value (those are 4 bits). */
#define QI_STALL ((enum vtd_iqei)16)

void vtd_qi_reset_(struct vtd_iommu *u)
{
    u->qi.enabled = false;
    vtd_ats_reset_(u);
}

static void set_iqh(struct vtd_iommu *u, uint64_t head)
{
    vtd_reg_set64_(u, VTD_REG_IQH, head & IQ_PTR_MASK);
}

/* 6.5.2.11: record the error and stop the queue (IQH is left at the
 * faulting descriptor by the caller). */
static void queue_error(struct vtd_iommu *u, enum vtd_iqei code,
                        uint64_t head, const char *why)
{
    uint64_t r = vtd_reg_get64_(u, VTD_REG_IQERCD);
    vtd_reg_set64_(u, VTD_REG_IQERCD, field_set(r, IQERCD, IQEI, code));
    vtd_rule_iqe_(u, code);
    vtd_log_(u, VTD_LOG_ERROR,
             "invalidation queue error at IQH 0x%llx: %s (IQEI %u, "
             "VT-d 11.4.9.9)", (unsigned long long)head, why, code);
    vtd_fault_set_fsts_locked_(u, FSTS_IQE_MASK);
}

bool vtd_qi_enable_locked_(struct vtd_iommu *u, bool enable)
{
    if (!field_get(u->ecap, ECAP, QI))
        return false;
    if (enable) {
        /* 11.4.9.1: IQH is 0 whenever QI was disabled; fetching starts
         * at once if software left IQT ahead of it. */
        set_iqh(u, 0);
        u->qi.enabled = true;
        vtd_qi_tail_written_locked_(u);
        return true;
    }
    uint64_t head = vtd_reg_get64_(u, VTD_REG_IQH) & IQ_PTR_MASK;
    uint64_t tail = vtd_reg_get64_(u, VTD_REG_IQT) & IQ_PTR_MASK;
    uint32_t fsts = vtd_reg_get32_(u, VTD_REG_FSTS);
    /* 6.5.2: software must quiesce the queue (IQH = IQT) before
     * disabling; a stopped queue (IQE/ITE) may be disabled to recover. */
    if (head != tail && !(fsts & (FSTS_IQE_MASK | FSTS_ITE_MASK))) {
        vtd_log_(u, VTD_LOG_ERROR,
                 "GCMD.QIE cleared with the invalidation queue not empty "
                 "(IQH 0x%llx, IQT 0x%llx): refused, VT-d 6.5.2",
                 (unsigned long long)head, (unsigned long long)tail);
        return false;
    }
    u->qi.enabled = false;
    set_iqh(u, 0);
    return true;
}

/* ------------------------------------------------------------------ */
/* Invalidation completion event (6.5.2.10)                            */
/* ------------------------------------------------------------------ */

static void send_inv_event(struct vtd_iommu *u)
{
    uint64_t addr = vtd_reg_get32_(u, VTD_REG_IEADDR) |
                    (uint64_t)vtd_reg_get32_(u, VTD_REG_IEUADDR) << 32;
    vtd_msi_send_(u, addr, vtd_reg_get32_(u, VTD_REG_IEDATA));
}

static void wait_interrupt(struct vtd_iommu *u)
{
    uint32_t ics = vtd_reg_get32_(u, VTD_REG_ICS);
    if (field_get(ics, ICS, IWC)) {
        vtd_rule_(u, Q_IE_IWC_PENDING);
        return; /* condition not yet serviced: no new event */
    }
    vtd_reg_set32_(u, VTD_REG_ICS, (uint32_t)field_set(ics, ICS, IWC, 1));
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_IECTL);
    if (field_get(ctl, ECTL, IM)) {
        vtd_reg_set32_(u, VTD_REG_IECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 1));
        vtd_rule_(u, Q_IE_HELD);
        return;
    }
    vtd_reg_set32_(u, VTD_REG_IECTL, (uint32_t)field_set(ctl, ECTL, IP, 0));
    vtd_rule_(u, Q_IE_SENT);
    send_inv_event(u);
}

void vtd_qi_ics_written_locked_(struct vtd_iommu *u)
{
    /* Software serviced IWC: a held interrupt is dropped. */
    if (!field_get(vtd_reg_get32_(u, VTD_REG_ICS), ICS, IWC)) {
        uint32_t ctl = vtd_reg_get32_(u, VTD_REG_IECTL);
        vtd_reg_set32_(u, VTD_REG_IECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 0));
    }
}

void vtd_qi_iectl_written_locked_(struct vtd_iommu *u)
{
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_IECTL);
    if (field_get(ctl, ECTL, IP) && !field_get(ctl, ECTL, IM)) {
        vtd_reg_set32_(u, VTD_REG_IECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 0));
        vtd_rule_(u, Q_IE_UNMASKED);
        send_inv_event(u);
    }
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                         */
/* ------------------------------------------------------------------ */

struct qi_ctx {
    unsigned ttm;    /* latched RTADDR.TTM */
    bool wide;       /* 256-bit descriptors */
};

static void emit_desc(struct vtd_iommu *u, const char *what,
                      const uint64_t *q, unsigned nq)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = { .kind = VTD_EV_INVALIDATION, .what = what,
                            .nval = nq, .pasid = VTD_NO_PASID };
    for (unsigned i = 0; i < nq; i++)
        ev.val[i] = q[i];
    vtd_emit_(u, &ev);
}

static uint64_t page_addr(const struct vtd_iommu *u, uint64_t hi,
                          unsigned am)
{
    uint64_t mask = u->mgaw >= 64 ? ~0ULL : ((1ULL << u->mgaw) - 1);
    return hi & QD_HI_ADDR_MASK & mask & ~bits_mask(0, 12 + am);
}

/* A descriptor's reserved bits (low and high qword) are all zero. */
static bool rsvd_clear(const uint64_t *q, uint64_t rsvd0, uint64_t rsvd1)
{
    return !(q[0] & rsvd0) && !(q[1] & rsvd1);
}

static uint16_t desc_did(const struct vtd_iommu *u, const uint64_t *q)
{
    return (uint16_t)(field_get(q[0], QD, DID) & vtd_did_mask_(u->cap));
}

/* Reserved fault: set *why, return the IQEI code that stops the queue. */
static enum vtd_iqei rsvd(const char **why, const char *what)
{
    *why = what;
    return VTD_IQEI_RSVD;
}

/* A completed descriptor: count it (waits and page responses are not
 * invalidations) and trace it. */
static enum vtd_iqei done(struct vtd_iommu *u, const struct qi_ctx *c,
                          const uint64_t *q, const char *what, bool counted)
{
    if (counted)
        vtd_count_(u, invalidations);
    emit_desc(u, what, q, c->wide ? 4 : 2);
    return VTD_IQEI_NONE;
}

/*
 * One function per descriptor type: validate, then perform.  Each returns
 * VTD_IQEI_NONE when the descriptor completed, or the IQEI code that stops
 * the queue with *why set.
 */

/* 6.5.2.1 Context-cache invalidate. */
static enum vtd_iqei desc_cc(struct vtd_iommu *u, const struct qi_ctx *c,
                             const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_CC_RSVD0, VTD_QD_CC_RSVD1))
        return rsvd(why, "context-cache descriptor reserved bits set");
    unsigned g = (unsigned)field_get(q[0], QD, G);
    if (g == 0)
        return rsvd(why,
                    "context-cache descriptor with reserved granularity 00b");
    /* 6.5.2.1: the context cache is not tagged by DID in scalable
     * mode: domain-selective is done as global. */
    if (c->ttm == VTD_TTM_SCALABLE && g == VTD_INV_DOMAIN)
        g = VTD_INV_GLOBAL;
    vtd_cache_inv_context_(u, g, desc_did(u, q),
                           (uint16_t)field_get(q[0], QD_CC, SID),
                           (unsigned)field_get(q[0], QD_CC, FM));
    return done(u, c, q, "context", true);
}

/* 6.5.2.3 IOTLB invalidate. */
static enum vtd_iqei desc_iotlb(struct vtd_iommu *u, const struct qi_ctx *c,
                                const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_IOTLB_RSVD0, VTD_QD_IOTLB_RSVD1))
        return rsvd(why, "IOTLB descriptor reserved bits set");
    unsigned g = (unsigned)field_get(q[0], QD, G);
    unsigned am = (unsigned)field_get(q[1], QD_HI, AM);
    if (g == 0)
        return rsvd(why, "IOTLB descriptor with reserved granularity 00b");
    if (g == VTD_INV_PAGE && !field_get(u->cap, CAP, PSI))
        return rsvd(why, "page-selective IOTLB descriptor without CAP.PSI");
    if (g == VTD_INV_PAGE && am > field_get(u->cap, CAP, MAMV))
        return rsvd(why, "IOTLB descriptor AM above CAP.MAMV");
    /* DR/DW: nothing is in flight, draining is immediate. */
    vtd_cache_inv_iotlb_(u, g, desc_did(u, q),
                         g == VTD_INV_PAGE ? page_addr(u, q[1], am) : 0,
                         g == VTD_INV_PAGE ? am : 0,
                         field_get(q[1], QD_HI, IH));
    return done(u, c, q, "iotlb", true);
}

/* PFSID is reserved in device-TLB descriptors without ECAP.DIT. */
static uint64_t pfsid_rsvd(const struct vtd_iommu *u)
{
    return field_get(u->ecap, ECAP, DIT) ? 0 : VTD_QD_DEV_PFSID_RSVD;
}

/* 6.5.2.5 Device-TLB invalidate.  Device-TLBs live in the endpoints: the
 * Invalidate Request goes to the host (vtd/ats.c), which answers with
 * vtd_ats_inval_complete(); without the host op it completes at once. */
static enum vtd_iqei desc_devtlb(struct vtd_iommu *u, const struct qi_ctx *c,
                                 const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_DEVTLB_RSVD0 | pfsid_rsvd(u),
                    VTD_QD_DEVTLB_RSVD1))
        return rsvd(why, "device-TLB descriptor reserved bits set");
    if (!vtd_ats_inval_issue_locked_(u, q, false))   /* ats.c, 4.3 */
        return QI_STALL;
    return done(u, c, q, "devtlb", true);
}

/* 6.5.2.8 Interrupt entry cache invalidate. */
static enum vtd_iqei desc_iec(struct vtd_iommu *u, const struct qi_ctx *c,
                              const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_IEC_RSVD0, VTD_QD_IEC_RSVD1))
        return rsvd(why, "interrupt entry cache descriptor reserved bits set");
    vtd_ir_inv_iec_(u, !field_get(q[0], QD_IEC, G),
                    (uint16_t)field_get(q[0], QD_IEC, IIDX),
                    (unsigned)field_get(q[0], QD_IEC, IM));
    return done(u, c, q, "iec", true);
}

/* 6.5.2.9 Invalidation wait. */
static enum vtd_iqei desc_wait(struct vtd_iommu *u, const struct qi_ctx *c,
                               const uint64_t *q, const char **why)
{
    uint64_t rsvd0 = VTD_QD_WAIT_RSVD0;
    if (!field_get(u->ecap, ECAP, PDS))
        rsvd0 |= QD_WAIT_PD_MASK;
    if (!rsvd_clear(q, rsvd0, VTD_QD_WAIT_RSVD1))
        return rsvd(why, "wait descriptor reserved bits set");
    /* 6.5.2.12: a wait completes only after the descriptors ahead of it,
     * device-TLB invalidations included (their completions, ats.c). */
    if (vtd_ats_inval_busy_locked_(&u->ats))
        return QI_STALL;
    /* 6.5.2.9: SW and IF may both be set; status write first. */
    if (field_get(q[0], QD_WAIT, SW)) {
        uint64_t addr = (q[1] & QD_WAIT_HI_ADDR_MASK) & vtd_haw_mask_(u);
        uint32_t data = (uint32_t)field_get(q[0], QD_WAIT, DATA);
        uint8_t b[4] = { (uint8_t)data, (uint8_t)(data >> 8),
                         (uint8_t)(data >> 16), (uint8_t)(data >> 24) };
        if (vtd_mem_write_(u, addr, b, 4) < 0)
            vtd_log_(u, VTD_LOG_ERROR,
                     "wait descriptor status write to 0x%llx failed "
                     "(not memory; VT-d 6.5.2.9: undefined)",
                     (unsigned long long)addr);
    }
    if (field_get(q[0], QD_WAIT, IF))
        wait_interrupt(u);
    return done(u, c, q, "wait", false);
}

/* 6.5.2.4 PASID-based IOTLB invalidate. */
static enum vtd_iqei desc_piotlb(struct vtd_iommu *u, const struct qi_ctx *c,
                                 const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_PIOTLB_RSVD0, VTD_QD_PIOTLB_RSVD1))
        return rsvd(why, "PASID-based IOTLB descriptor reserved bits set");
    unsigned g = (unsigned)field_get(q[0], QD, G);
    unsigned am = (unsigned)field_get(q[1], QD_HI, AM);
    /* 6.5.2.4: 10b PASID-selective, 11b page-selective within PASID;
     * 00b and 01b reserved. */
    if (g != VTD_QD_PIOTLB_PASID && g != VTD_QD_PIOTLB_PAGE)
        return rsvd(why,
                    "PASID-based IOTLB descriptor with reserved granularity");
    bool page = g == VTD_QD_PIOTLB_PAGE;
    if (page && am > field_get(u->cap, CAP, MAMV))
        return rsvd(why, "PASID-based IOTLB descriptor AM above CAP.MAMV");
    vtd_cache_inv_piotlb_(u, page ? VTD_INV_PAGE : VTD_INV_PASID,
                          desc_did(u, q),
                          (uint32_t)field_get(q[0], QD, PASID),
                          page ? page_addr(u, q[1], am) : 0,
                          page ? am : 0, field_get(q[1], QD_HI, IH));
    return done(u, c, q, "piotlb", true);
}

/* 6.5.2.2 PASID-cache invalidate. */
static enum vtd_iqei desc_pc(struct vtd_iommu *u, const struct qi_ctx *c,
                             const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_PC_RSVD0, VTD_QD_PC_RSVD1))
        return rsvd(why, "PASID-cache descriptor reserved bits set");
    /* 6.5.2.2: 00b domain, 01b PASID within domain, 11b global, 10b
     * reserved. */
    static const unsigned gran[4] = {
        [VTD_QD_PC_DOMAIN] = VTD_INV_DOMAIN,
        [VTD_QD_PC_PASID] = VTD_INV_PASID,
        [VTD_QD_PC_GLOBAL] = VTD_INV_GLOBAL,
    };
    unsigned g = gran[field_get(q[0], QD, G)];
    if (g == 0)
        return rsvd(why, "PASID-cache descriptor with reserved granularity 10b");
    vtd_cache_inv_pasid_(u, g, desc_did(u, q),
                         (uint32_t)field_get(q[0], QD, PASID));
    return done(u, c, q, "pasid", true);
}

/* 6.5.2.6 PASID-based device-TLB invalidate (nothing to invalidate, as
 * for 6.5.2.5). */
static enum vtd_iqei desc_pdevtlb(struct vtd_iommu *u, const struct qi_ctx *c,
                                  const uint64_t *q, const char **why)
{
    if (!rsvd_clear(q, VTD_QD_PDEVTLB_RSVD0 | pfsid_rsvd(u),
                    VTD_QD_PDEVTLB_RSVD1))
        return rsvd(why,
                    "PASID-based device-TLB descriptor reserved bits set");
    if (!vtd_ats_inval_issue_locked_(u, q, true))    /* ats.c, 4.3 */
        return QI_STALL;
    return done(u, c, q, "devtlb", true);
}

/* 7.6.1 Page group response: to the device through ops.page_response
 * (prq.c). */
static enum vtd_iqei desc_pgrp_resp(struct vtd_iommu *u,
                                    const struct qi_ctx *c,
                                    const uint64_t *q, const char **why)
{
    /* Figure 7-2: RsvdZ bits; bit 66 (IGN) is ignored. */
    if ((q[0] & VTD_QD_PGRP_RSVD0) || (q[1] & VTD_QD_PGRP_RSVD1))
        return rsvd(why, "page group response descriptor reserved bits set");
    /* Table 32: response codes 2h-Eh are reserved (the model's reading:
     * a reserved field value, IQEI 4; docs/prq.md). */
    unsigned rc = (unsigned)field_get(q[0], QD_PGRP, RC);
    if (rc != VTD_PRG_RC_SUCCESS && rc != VTD_PRG_RC_INVALID_REQUEST &&
        rc != VTD_PRG_RC_RESPONSE_FAILURE) {
        vtd_rule_(u, Q_PGRP_RC_RSVD);
        return rsvd(why, "page group response with a reserved response code");
    }
    enum vtd_iqei e = done(u, c, q, "page-response", false);
    /* 7.6.1: PASID is ignored when PP is 0. */
    bool pp = field_get(q[0], QD_PGRP, PP);
    vtd_prq_respond_locked_(u, (uint16_t)field_get(q[0], QD_PGRP, RID),
                            pp ? (uint32_t)field_get(q[0], QD_PGRP, PASID)
                               : VTD_NO_PASID,
                            (uint16_t)field_get(q[1], QD_PGRP_HI, PRGI),
                            (uint8_t)rc, false);
    return e;
}

/* Table 26: legacy mode accepts 1h-5h in either width; scalable and
 * abort-DMA modes 1h-Ah (256-bit only, checked by the caller); each type
 * also needs its capability.  HPT caching (Ah) is not modelled. */
static bool type_valid(const struct vtd_iommu *u, unsigned type, bool legacy)
{
    switch (type) {
    case VTD_INV_CC:
    case VTD_INV_IOTLB:
    case VTD_INV_IEC:
    case VTD_INV_WAIT:
        return true;
    case VTD_INV_DEVTLB:
        return field_get(u->ecap, ECAP, DT);
    case VTD_INV_PIOTLB:
    case VTD_INV_PC:
        return !legacy;
    case VTD_INV_PDEVTLB:
        return !legacy && field_get(u->ecap, ECAP, DT);
    case VTD_INV_PGRP_RESP:
        return !legacy && field_get(u->ecap, ECAP, PRS);
    default:
        return false;
    }
}

/*
 * Validate and perform one descriptor.  Returns VTD_IQEI_NONE when it
 * completed, or the IQEI code that stops the queue.
 */
static enum vtd_iqei do_desc(struct vtd_iommu *u, const struct qi_ctx *c,
                             const uint64_t *q, const char **why)
{
    unsigned type = vtd_qd_type(q);
    if (!type_valid(u, type, c->ttm == VTD_TTM_LEGACY)) {
        *why = "invalid descriptor type for this mode (Table 26)";
        return VTD_IQEI_TYPE;
    }
    /* The upper half of a 256-bit slot is reserved for every type this
     * model accepts (128-bit types are zero-padded, 6.5.2.1 ff). */
    if (c->wide && (q[2] || q[3]))
        return rsvd(why, "bits 255:128 not zero");

    switch (type) {
    case VTD_INV_CC:
        return desc_cc(u, c, q, why);
    case VTD_INV_IOTLB:
        return desc_iotlb(u, c, q, why);
    case VTD_INV_DEVTLB:
        return desc_devtlb(u, c, q, why);
    case VTD_INV_IEC:
        return desc_iec(u, c, q, why);
    case VTD_INV_WAIT:
        return desc_wait(u, c, q, why);
    case VTD_INV_PIOTLB:
        return desc_piotlb(u, c, q, why);
    case VTD_INV_PC:
        return desc_pc(u, c, q, why);
    case VTD_INV_PDEVTLB:
        return desc_pdevtlb(u, c, q, why);
    case VTD_INV_PGRP_RESP:
        return desc_pgrp_resp(u, c, q, why);
    default:
        *why = "invalid descriptor type";
        return VTD_IQEI_TYPE;
    }
}

/* ------------------------------------------------------------------ */
/* Queue processing                                                    */
/* ------------------------------------------------------------------ */

void vtd_qi_tail_written_locked_(struct vtd_iommu *u)
{
    if (!u->qi.enabled)
        return;
    /* 6.5.2: no fetching while IQE or ITE is pending. */
    if (vtd_reg_get32_(u, VTD_REG_FSTS) & (FSTS_IQE_MASK | FSTS_ITE_MASK))
        return;

    uint64_t iqa = vtd_reg_get64_(u, VTD_REG_IQA);
    uint64_t base = iqa & IQA_IQA_MASK & vtd_haw_mask_(u);
    struct qi_ctx c = {
        .ttm = (unsigned)field_get(atomic_load(&u->root_latched), RTADDR,
                                   TTM),
        .wide = field_get(iqa, IQA, DW),
    };
    unsigned dsize = c.wide ? 32 : 16;
    uint64_t qsize = 4096ULL << field_get(iqa, IQA, QS);
    uint64_t head = (vtd_reg_get64_(u, VTD_REG_IQH) & IQ_PTR_MASK) % qsize;
    uint64_t tail = vtd_reg_get64_(u, VTD_REG_IQT) & IQ_PTR_MASK;

    if (head == tail)
        return;
    bool smts = field_get(u->ecap, ECAP, SMTS);
    bool adms = field_get(u->ecap, ECAP, ADMS);
    /* 11.4.9.9 IQEI 7: the latched TTM is reserved or unsupported. */
    if (c.ttm == VTD_TTM_RSVD || (c.ttm == VTD_TTM_SCALABLE && !smts) ||
        (c.ttm == VTD_TTM_ABORT && !adms)) {
        queue_error(u, VTD_IQEI_TTM, head, "invalid RTADDR.TTM");
        return;
    }
    /* IQEI 5: 256-bit descriptors without SMTS/ADMS, or 128-bit ones in
     * scalable or abort-DMA mode. */
    if ((c.wide && !smts && !adms) ||
        (!c.wide && c.ttm != VTD_TTM_LEGACY)) {
        queue_error(u, VTD_IQEI_WIDTH, head,
                    "descriptor width not valid in this mode");
        return;
    }
    /* IQEI 6: with DW=1, IQT bit 4 must be 0 (11.4.9.2). */
    if (c.wide && (tail & VTD_IQ_PTR_ODD_MASK)) {
        queue_error(u, VTD_IQEI_TAIL_ALIGN, head,
                    "IQT not aligned to 256-bit descriptors");
        return;
    }
    /* IQEI 1: the tail lies beyond the queue IQA.QS sizes. */
    if (tail >= qsize) {
        queue_error(u, VTD_IQEI_TAIL, head, "IQT beyond the queue size");
        return;
    }

    uint64_t n = qsize / dsize; /* at most one pass over the queue */
    for (uint64_t i = 0; i < n && head != tail; i++) {
        uint8_t buf[32];
        uint64_t q[4] = { 0, 0, 0, 0 };
        if (vtd_mem_read_(u, base + head, buf, dsize) < 0) {
            set_iqh(u, head);
            queue_error(u, VTD_IQEI_FETCH, head,
                        "descriptor fetch from guest memory failed");
            return;
        }
        for (unsigned k = 0; k < dsize / 8; k++)
            q[k] = ldq_le(buf + 8 * k);
        const char *why = NULL;
        enum vtd_iqei e = do_desc(u, &c, q, &why);
        if (e == QI_STALL) {
            set_iqh(u, head);
            return;
        }
        if (e != VTD_IQEI_NONE) {
            set_iqh(u, head);
            queue_error(u, e, head, why ? why : "invalid descriptor");
            return;
        }
        vtd_rule_qi_desc_(u, c.ttm, q);
        head = (head + dsize) % qsize;
        set_iqh(u, head);
    }
}
