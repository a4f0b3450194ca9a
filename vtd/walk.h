/* SPDX-License-Identifier: MIT */
/*
 * vtd/walk.h: second-stage (VT-d 3.7, 9.8) and first-stage (VT-d 3.6, 9.7)
 * page walks, and nested translation (VT-d 3.8).  Walks allocate nothing
 * and are bounded by the level count (at most 5 entries per stage).
 */
#ifndef VTD_WALK_H
#define VTD_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* Second-stage (VT-d 9.8, SSE_*) and first-stage (VT-d 9.7, FSE_*) entry
 * fields: <vtd/layout.h>.  Bits 63:52 are ignored in every first-stage
 * entry (VT-d rev. 5.10, 9.7 Tables 34-40): there is no execute-disable
 * bit to check. */

/* Parameters of a second-stage walk. */
struct vtd_ss_params {
    uint64_t root;     /* SSPTPTR (host physical) */
    unsigned levels;   /* 3, 4 or 5 */
    bool scalable;     /* fault reasons: SSS/SGN (scalable) or LSS/LGN */
    bool ssade;        /* scalable: maintain A/D bits (PASID entry SSADE) */
    bool pwsnp;        /* page walks snoop: ECAP.SMPWCS and PWSNP */
};

/* Parameters of a first-stage walk. */
struct vtd_fs_params {
    uint64_t root;     /* FSPTPTR (guest physical when nested) */
    unsigned levels;   /* 4 or 5 (FSPM) */
    bool priv;         /* supervisor request (PR) */
    bool wpe;          /* write protect enable */
    bool eafe;         /* extended accessed flag enable */
    bool pwsnp;        /* page walks snoop: ECAP.SMPWCS and PWSNP */
    /* Nested (PGTT=011b): every table address and the output address go
     * through this second stage, with input width nested_aw bits. */
    const struct vtd_ss_params *nested;
    unsigned nested_aw;
};

/* Internal permission bit in vtd_walk_res.perm of first-stage and nested
 * walks: the second stage (if any) grants write.  A supervisor request
 * with WPE=0 may write a page whose first-stage R/W is 0 when this is set
 * (VT-d 3.6.1, 3.8.1). */
#define VTD_PERM_SSW_ (1u << 16)

/* Internal permission bit: the second-stage leaf that controlled the
 * translation has SNP set (the N bit of an ATS completion, VT-d 4.2.3
 * Table 10).  Bit 17 is translate.c's PERM_NP_. */
#define VTD_PERM_SNP_ (1u << 18)

/* Result of a walk.  fault is a reason (0 = translated). */
struct vtd_walk_res {
    uint64_t addr;       /* output address of the input address */
    uint64_t page_size;  /* bytes mapped by the leaf */
    uint32_t perm;       /* enum vtd_perm granted (cumulative) */
    unsigned fault;
    bool not_present;    /* fault: the walk stopped at a not-present
                            entry (SS R=W=0, FS P=0) of its own tables */
    bool psc_hit;        /* a paging-structure-cache entry was used */
    bool psc_ih;         /* ... one kept by a page-selective invalidation
                            with IH=1 (lint, pscache.h) */
};

/* Identification used for walk events only. */
struct vtd_walk_ctx {
    uint16_t sid;
    uint32_t pasid;
    bool trace;          /* emit VTD_EV_WALK events */
    bool update_ad;      /* write A/D bits (false for lint re-walks) */
    bool nested_ss;      /* second-stage walk of a nested translation:
                            events are "nested-sl" instead of "sl" */
    /* Paging-structure caches (pscache.h): used and filled when psc is
     * set (and u->psc.on); entries tagged with did and, for first-stage
     * and nested walks, psc_pasid (the request's PASID or RID_PASID). */
    bool psc;
    uint16_t did;
    uint32_t psc_pasid;
    bool ad_write;       /* set D in the leaf as a write would when the
                            walk grants write (ATS translation request
                            with NW=0, VT-d 4.2.3.1) */
};

/*
 * Walk events (VTD_EV_WALK, when wc->trace): "sl" per second-stage entry
 * and "fl" per first-stage entry (val[0] the entry, level its level,
 * addr its address).  A nested walk emits, before each second-stage walk,
 * "nested-gpa" (no entry: addr the guest-physical address to translate;
 * level the first-stage level of the entry there, 0 for the final output
 * address), then that walk's entries as "nested-sl", and its first-stage
 * entries as "nested-fl" (addr host-physical, their ADDR fields GPAs).
 * A walk that starts from a paging-structure-cache entry (pscache.h)
 * first emits "psc" (no entry: level the cached entry's level, addr the
 * table it references).
 */

/*
 * Second-stage walk of iova for access (enum vtd_access bits: READ and/or
 * WRITE).  Checks present (R|W), reserved bits per level and CAP.SLLPS,
 * cumulative R/W permissions (VT-d 3.7.1), and sets A/D when p->ssade.
 * The caller checks the input address width.  Faults: legacy 3h (top
 * level unreadable, LCT.4.3), 7h, Ch, 5h, 6h; scalable 7Bh, 78h, 7Ah,
 * 79h, 7Ch, 7Dh, 85h, 86h.
 */
void vtd_ss_walk_(struct vtd_iommu *u, const struct vtd_ss_params *p,
                  const struct vtd_walk_ctx *wc, uint64_t iova,
                  uint32_t access, struct vtd_walk_res *r);

/*
 * First-stage walk (or nested walk when p->nested) of a canonical iova.
 * Checks P, reserved bits, U/S and R/W per VT-d 3.6.1 (with p->priv and
 * p->wpe), sets A/D (and EA when p->eafe).  Faults: SFS.1-SFS.10,
 * SGN.2, SGN.6 and, for nested, the second-stage reasons of the final
 * translation (SGN.5, SSS.x, SGN.6, SGN.7).
 */
void vtd_fs_walk_(struct vtd_iommu *u, const struct vtd_fs_params *p,
                  const struct vtd_walk_ctx *wc, uint64_t iova,
                  uint32_t access, struct vtd_walk_res *r);

#endif
