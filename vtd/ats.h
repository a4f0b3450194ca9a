/* SPDX-License-Identifier: MIT */
/*
 * vtd/ats.h: ATS translation requests (VT-d 4.2.3) and device-TLB
 * invalidation (4.3, 6.5.2.5-6.5.2.6), owned by ats.c.
 */
#ifndef VTD_ATS_INT_H
#define VTD_ATS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <vtd/vtd.h>

struct vtd_iommu;

/* What the translation pipeline (translate.c) learnt about one
 * translation request, for ats.c to form the completion from. */
struct vtd_ats_raw_ {
    uint64_t addr;       /* output address of the request's page */
    uint64_t page_size;
    uint32_t perm;       /* enum vtd_perm: effective R/W */
    uint16_t did;
    unsigned fault;      /* UR/CA condition, 0 for a successful one */
    unsigned cond;       /* the condition a success came from (Table 30) */
    bool recorded;
    bool cached;
    bool snp;            /* SNP of the second-stage leaf */
    bool pgsnp;          /* PASID-table entry PGSNP */
    bool scalable;       /* RTADDR.TTM = 01b */
    bool pt;             /* PGTT = 100b */
    bool intr_special;   /* Table 30 S.1/S.2 */
};

/* translate.c: one translation request (req->at == VTD_AT_TRANSLATION)
 * through the slow path: faults recorded, events emitted, caches used.
 * nw: the NW flag as the unit honours it (ECAP.NWFS). */
void vtd_translate_ats_(struct vtd_iommu *u, const struct vtd_dma_req *req,
                        bool nw, struct vtd_ats_raw_ *raw);

/* ---- device-TLB invalidation (4.3, 6.5.2.5-6.5.2.6, 6.5.2.11) ---- */

struct vtd_ats_itag_ {
    bool busy;
    uint64_t seq;                /* issue order (oldest first) */
    struct vtd_devtlb_inv inv;
};

/* Per unit, under u->lock. */
struct vtd_ats_state {
    struct vtd_ats_itag_ itag[VTD_ATS_ITAGS];
    unsigned busy;               /* ITags allocated */
    uint64_t seq;
    uint64_t now;                /* unit clock, ns (vtd_clock_advance) */
    uint64_t timeout;            /* ns; 0 until the first reset */
};

/* Reset: every ITag free (clock and time-out kept). */
void vtd_ats_reset_(struct vtd_iommu *u);

/* qi.c: a device-TLB (type 3h) or PASID-based device-TLB (8h) descriptor
 * whose reserved fields passed: issue the Invalidate Request to the
 * endpoint through the host (ops.devtlb_inval).  Returns false when no
 * ITag is free (4.3: the request is deferred; the queue stops at the
 * descriptor until a completion frees one), and when the host could not
 * deliver the request (an error other than -ENODEV): then FSTS.ITE is set
 * (6.5.2.11, a time-out detected at once) and the queue stops at the
 * descriptor until software clears ITE.  Without the host op, or with
 * -ENODEV, the descriptor completes at once (true). */
bool vtd_ats_inval_issue_locked_(struct vtd_iommu *u, const uint64_t *q,
                                 bool pasid_based);

/* qi.c: device-TLB invalidations are outstanding (a wait descriptor must
 * not complete, 6.5.2.12). */
static inline bool vtd_ats_inval_busy_locked_(const struct vtd_ats_state *s)
{
    return s->busy != 0;
}

#endif /* VTD_ATS_INT_H */
