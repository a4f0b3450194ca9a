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

/* Descriptor types (6.5.2, type = bits 11:9 and 3:0). */
enum qi_type {
    QI_CC = 0x1,        /* context-cache invalidate        6.5.2.1 */
    QI_IOTLB = 0x2,     /* IOTLB invalidate                6.5.2.3 */
    QI_DEVTLB = 0x3,    /* device-TLB invalidate           6.5.2.5 */
    QI_IEC = 0x4,       /* interrupt entry cache           6.5.2.8 */
    QI_WAIT = 0x5,      /* invalidation wait               6.5.2.9 */
    QI_PIOTLB = 0x6,    /* PASID-based IOTLB               6.5.2.4 */
    QI_PC = 0x7,        /* PASID-cache invalidate          6.5.2.2 */
    QI_PDEVTLB = 0x8,   /* PASID-based device-TLB          6.5.2.6 */
    QI_PGRP_RESP = 0x9, /* page group response (7.6)               */
    QI_HPT = 0xa,       /* HPT cache invalidate            6.5.2.7 */
};

/* Descriptor fields (QD_*, Figures 6-1 to 6-9): <vtd/layout.h>. */

/* PFSID[3:0] 15:12 and PFSID[15:4] 63:52 of device-TLB descriptors,
 * reserved without ECAP.DIT. */
#define QD_PFSID_MASK 0xfff000000000f000ULL

void vtd_qi_reset_(struct vtd_iommu *u)
{
    u->qi.enabled = false;
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
    if (field_get(ics, ICS, IWC))
        return; /* condition not yet serviced: no new event */
    vtd_reg_set32_(u, VTD_REG_ICS, (uint32_t)field_set(ics, ICS, IWC, 1));
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_IECTL);
    if (field_get(ctl, ECTL, IM)) {
        vtd_reg_set32_(u, VTD_REG_IECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 1));
        return;
    }
    vtd_reg_set32_(u, VTD_REG_IECTL, (uint32_t)field_set(ctl, ECTL, IP, 0));
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

/*
 * Validate and perform one descriptor.  Returns VTD_IQEI_NONE when it
 * completed, or the IQEI code that stops the queue.
 */
static enum vtd_iqei do_desc(struct vtd_iommu *u, const struct qi_ctx *c,
                             const uint64_t *q, const char **why)
{
    unsigned nq = c->wide ? 4 : 2;
    unsigned type = (unsigned)(field_get(q[0], QD, TYPE_LO) |
                               field_get(q[0], QD, TYPE_HI) << 4);
    bool legacy = c->ttm == VTD_TTM_LEGACY;
    bool dit = field_get(u->ecap, ECAP, DIT);
    uint64_t rsvd0, rsvd1;
    uint16_t didm = vtd_did_mask_(u->cap);

    /* Table 26: legacy mode accepts 1h-5h in either width; scalable and
     * abort-DMA modes 1h-Ah (256-bit only, checked by the caller);
     * each type also needs its capability. */
    bool known = type >= QI_CC && type <= QI_HPT;
    if (!known || (legacy && type > QI_WAIT) ||
        ((type == QI_DEVTLB || type == QI_PDEVTLB) &&
         !field_get(u->ecap, ECAP, DT)) ||
        (type == QI_PGRP_RESP && !field_get(u->ecap, ECAP, PRS)) ||
        type == QI_HPT) {
        *why = "invalid descriptor type for this mode (Table 26)";
        return VTD_IQEI_TYPE;
    }
    /* The upper half of a 256-bit slot is reserved for every type this
     * model accepts (128-bit types are zero-padded, 6.5.2.1 ff). */
    if (c->wide && (q[2] || q[3])) {
        *why = "bits 255:128 not zero";
        return VTD_IQEI_RSVD;
    }

    switch (type) {
    case QI_CC: {
        rsvd0 = 0x1c0 | 0xf000 | 0xfffc000000000000ULL;
        if ((q[0] & rsvd0) || q[1]) {
            *why = "context-cache descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        unsigned g = (unsigned)field_get(q[0], QD, G);
        if (g == 0) {
            *why = "context-cache descriptor with reserved granularity 00b";
            return VTD_IQEI_RSVD;
        }
        /* 6.5.2.1: the context cache is not tagged by DID in scalable
         * mode: domain-selective is done as global. */
        if (c->ttm == VTD_TTM_SCALABLE && g == VTD_INV_DOMAIN)
            g = VTD_INV_GLOBAL;
        vtd_cache_inv_context_(u, g,
                               (uint16_t)(field_get(q[0], QD, DID) & didm),
                               (uint16_t)field_get(q[0], QD_CC, SID),
                               (unsigned)field_get(q[0], QD_CC, FM));
        vtd_count_(u, invalidations);
        emit_desc(u, "context", q, nq);
        return VTD_IQEI_NONE;
    }
    case QI_IOTLB: {
        rsvd0 = 0x100 | 0xf000 | 0xffffffff00000000ULL;
        rsvd1 = 0xf80;
        if ((q[0] & rsvd0) || (q[1] & rsvd1)) {
            *why = "IOTLB descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        unsigned g = (unsigned)field_get(q[0], QD, G);
        unsigned am = (unsigned)field_get(q[1], QD_HI, AM);
        if (g == 0) {
            *why = "IOTLB descriptor with reserved granularity 00b";
            return VTD_IQEI_RSVD;
        }
        if (g == VTD_INV_PAGE && !field_get(u->cap, CAP, PSI)) {
            *why = "page-selective IOTLB descriptor without CAP.PSI";
            return VTD_IQEI_RSVD;
        }
        if (g == VTD_INV_PAGE && am > field_get(u->cap, CAP, MAMV)) {
            *why = "IOTLB descriptor AM above CAP.MAMV";
            return VTD_IQEI_RSVD;
        }
        /* DR/DW: nothing is in flight, draining is immediate. */
        vtd_cache_inv_iotlb_(u, g,
                             (uint16_t)(field_get(q[0], QD, DID) & didm),
                             g == VTD_INV_PAGE ? page_addr(u, q[1], am) : 0,
                             g == VTD_INV_PAGE ? am : 0,
                             field_get(q[1], QD_HI, IH));
        vtd_count_(u, invalidations);
        emit_desc(u, "iotlb", q, nq);
        return VTD_IQEI_NONE;
    }
    case QI_DEVTLB:
        rsvd0 = 0x1f0 | 0xffe00000 | 0x000f000000000000ULL;
        if (!dit)
            rsvd0 |= QD_PFSID_MASK;
        rsvd1 = 0xffe;
        if ((q[0] & rsvd0) || (q[1] & rsvd1)) {
            *why = "device-TLB descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        /* Device-TLBs live in the endpoints; the model has none to
         * invalidate and no response can time out. */
        vtd_count_(u, invalidations);
        emit_desc(u, "devtlb", q, nq);
        return VTD_IQEI_NONE;
    case QI_IEC:
        rsvd0 = 0x1e0 | 0x07fff000 | 0xffff000000000000ULL;
        if ((q[0] & rsvd0) || q[1]) {
            *why = "interrupt entry cache descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        vtd_ir_inv_iec_(u, !field_get(q[0], QD_IEC, G),
                        (uint16_t)field_get(q[0], QD_IEC, IIDX),
                        (unsigned)field_get(q[0], QD_IEC, IM));
        vtd_count_(u, invalidations);
        emit_desc(u, "iec", q, nq);
        return VTD_IQEI_NONE;
    case QI_WAIT: {
        rsvd0 = 0x100 | 0xfffff000;
        if (!field_get(u->ecap, ECAP, PDS))
            rsvd0 |= QD_WAIT_PD_MASK;
        rsvd1 = 0x3;
        if ((q[0] & rsvd0) || (q[1] & rsvd1)) {
            *why = "wait descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        /* 6.5.2.9: SW and IF may both be set; status write first. */
        if (field_get(q[0], QD_WAIT, SW)) {
            uint64_t addr = (q[1] & QD_WAIT_HI_ADDR_MASK) &
                            vtd_haw_mask_(u);
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
        emit_desc(u, "wait", q, nq);
        return VTD_IQEI_NONE;
    }
    case QI_PIOTLB: {
        rsvd0 = 0x1c0 | 0xf000 | 0xfff0000000000000ULL;
        rsvd1 = 0xf80;
        if ((q[0] & rsvd0) || (q[1] & rsvd1)) {
            *why = "PASID-based IOTLB descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        unsigned g = (unsigned)field_get(q[0], QD, G);
        unsigned am = (unsigned)field_get(q[1], QD_HI, AM);
        /* 6.5.2.4: 10b PASID-selective, 11b page-selective within
         * PASID; 00b and 01b reserved. */
        if (g < 2) {
            *why = "PASID-based IOTLB descriptor with reserved granularity";
            return VTD_IQEI_RSVD;
        }
        if (g == 3 && am > field_get(u->cap, CAP, MAMV)) {
            *why = "PASID-based IOTLB descriptor AM above CAP.MAMV";
            return VTD_IQEI_RSVD;
        }
        vtd_cache_inv_piotlb_(u, g == 3 ? VTD_INV_PAGE : VTD_INV_PASID,
                              (uint16_t)(field_get(q[0], QD, DID) & didm),
                              (uint32_t)field_get(q[0], QD, PASID),
                              g == 3 ? page_addr(u, q[1], am) : 0,
                              g == 3 ? am : 0, field_get(q[1], QD_HI, IH));
        vtd_count_(u, invalidations);
        emit_desc(u, "piotlb", q, nq);
        return VTD_IQEI_NONE;
    }
    case QI_PC: {
        rsvd0 = 0x1c0 | 0xf000 | 0xfff0000000000000ULL;
        if ((q[0] & rsvd0) || q[1]) {
            *why = "PASID-cache descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        /* 6.5.2.2: 00b domain, 01b PASID within domain, 11b global,
         * 10b reserved. */
        unsigned g = (unsigned)field_get(q[0], QD, G);
        static const unsigned gran[4] = { VTD_INV_DOMAIN, VTD_INV_PASID, 0,
                                          VTD_INV_GLOBAL };
        if (gran[g] == 0) {
            *why = "PASID-cache descriptor with reserved granularity 10b";
            return VTD_IQEI_RSVD;
        }
        vtd_cache_inv_pasid_(u, gran[g],
                             (uint16_t)(field_get(q[0], QD, DID) & didm),
                             (uint32_t)field_get(q[0], QD, PASID));
        vtd_count_(u, invalidations);
        emit_desc(u, "pasid", q, nq);
        return VTD_IQEI_NONE;
    }
    case QI_PDEVTLB:
        rsvd0 = dit ? 0 : QD_PFSID_MASK;
        rsvd1 = 0x7fe;
        if ((q[0] & rsvd0) || (q[1] & rsvd1)) {
            *why = "PASID-based device-TLB descriptor reserved bits set";
            return VTD_IQEI_RSVD;
        }
        vtd_count_(u, invalidations);
        emit_desc(u, "devtlb", q, nq);
        return VTD_IQEI_NONE;
    case QI_PGRP_RESP:
        /* Page requests are not modelled: nothing to respond to. */
        emit_desc(u, "page-response", q, nq);
        return VTD_IQEI_NONE;
    default:
        break;
    }
    *why = "invalid descriptor type";
    return VTD_IQEI_TYPE;
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
    if (c.ttm == 2 || (c.ttm == VTD_TTM_SCALABLE && !smts) ||
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
    if (c.wide && (tail & 0x10)) {
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
        if (e != VTD_IQEI_NONE) {
            set_iqh(u, head);
            queue_error(u, e, head, why ? why : "invalid descriptor");
            return;
        }
        head = (head + dsize) % qsize;
        set_iqh(u, head);
    }
}
