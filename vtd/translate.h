/* SPDX-License-Identifier: MIT */
/*
 * vtd/translate.h: one DMA translation in progress, shared by the
 * pipeline (translate.c) and lint mode (lint.c).  Private to vtd/.
 */
#ifndef VTD_TRANSLATE_H
#define VTD_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* One translation in progress: the request, how to treat the caches,
 * and what the structures and walks gave. */
struct translation {
    const struct vtd_dma_req *req;
    bool trace;          /* emit walk events */
    bool use_cache;
    bool update_ad;      /* write A/D bits */
    uint64_t gen;        /* cache generation before any structure read */
    /* The domain's fill generation, read before the IOTLB lookup (cache.h
     * "Domain fill generations"); VTD_DGEN_NONE before translate_paged(). */
    uint64_t dgen;
    /* results */
    uint64_t addr, page_size;
    uint32_t perm;       /* vtd_perm bits (plus internal walk bits) */
    uint16_t did;
    unsigned fault;
    bool fpd;
    bool iotlb_hit;      /* IOTLB entry used */
    bool struct_hit;     /* context or PASID cache entry used */
    bool psc_hit;        /* paging-structure-cache entry used (walk.h) */
    bool first_stage;    /* the translation is first-stage or nested */
    bool psc_ih;         /* ... one that IH=1 kept (lint) */
    /* A walked translation waiting to enter the IOTLB: filled only once
     * the request has passed every check (see commit_iotlb()). */
    bool tlb_pending;
    bool tlb_fs;         /* first-stage or nested (the IOTLB's stage tag) */
    uint16_t tlb_did;
    uint32_t tlb_key;
    struct vtd_iotlb_hit tlb;
    /* Coverage (rulehits.h), counted by translate_slow() only: the mode
     * and pasid rules taken (VTD_RULE_COUNT_: none), the walk done, a
     * not-present translation cached, the fault a translation request
     * turned into success. */
    unsigned rule_mode, rule_pasid;
    bool walked, walk_fs, np_cached;
    unsigned walk_levels;
    unsigned tr_fault;
    /* ATS translation requests (at == VTD_AT_TRANSLATION, ats.c). */
    bool nw;             /* NW flag as the unit honours it (ECAP.NWFS) */
    bool snp;            /* SNP of the second-stage leaf used */
    bool pgsnp;          /* PASID-table entry PGSNP (scalable) */
    bool pt;             /* pass-through translation (PGTT=100b) */
    bool intr_special;   /* Table 30 S.1/S.2: interrupt-range input */
    unsigned cond;       /* the fault a translation request turned into a
                            successful completion (Table 30) */
};

/* The translation of x->req through the root-table pointer root (the
 * latched RTADDR_REG), without the front cache (translate.c). */
void vtd_translate_root_(struct vtd_iommu *u, uint64_t root,
                         struct translation *x);

/* Lint mode: walk x->req again without caches and report a stale cache
 * entry when the answer differs from x (lint.c). */
void vtd_lint_(struct vtd_iommu *u, uint64_t root,
               const struct translation *x);

#endif
