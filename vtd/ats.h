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

#endif /* VTD_ATS_INT_H */
