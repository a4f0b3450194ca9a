/* SPDX-License-Identifier: MIT */
/* vtd/cache.h: context cache, PASID cache, IOTLB (VT-d chapter 6). */
#ifndef VTD_CACHE_H
#define VTD_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

struct vtd_cache_state {
    void *impl;        /* owned by cache.c */
};

enum vtd_inv_gran {
    VTD_INV_GLOBAL = 1,
    VTD_INV_DOMAIN = 2,
    VTD_INV_DEVICE = 3,   /* context cache */
    VTD_INV_PAGE = 3,     /* IOTLB */
    VTD_INV_PASID = 4,    /* PASID-selective (PASID cache / P_IOTLB) */
};

int vtd_cache_init_(struct vtd_iommu *u);
void vtd_cache_free_(struct vtd_iommu *u);
void vtd_cache_flush_all_(struct vtd_iommu *u);

/* Invalidations; each returns nothing and never fails.  All may be called
 * with u->lock held.  Caching-mode subscribers are told what changed. */
void vtd_cache_inv_context_(struct vtd_iommu *u, unsigned gran,
                            uint16_t did, uint16_t sid, unsigned fm);
void vtd_cache_inv_iotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                          uint64_t addr, unsigned am, bool ih);
void vtd_cache_inv_pasid_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                          uint32_t pasid);
void vtd_cache_inv_piotlb_(struct vtd_iommu *u, unsigned gran,
                           uint16_t did, uint32_t pasid, uint64_t addr,
                           unsigned am, bool ih);

#endif
