/* SPDX-License-Identifier: MIT */
/* vtd/cache.c: STUB, to be replaced by the caches. */
#include "internal.h"

int vtd_cache_init_(struct vtd_iommu *u) { (void)u; return 0; }
void vtd_cache_free_(struct vtd_iommu *u) { (void)u; }
void vtd_cache_flush_all_(struct vtd_iommu *u) { (void)u; }
void vtd_cache_inv_context_(struct vtd_iommu *u, unsigned g, uint16_t did, uint16_t sid, unsigned fm)
{ (void)u; (void)g; (void)did; (void)sid; (void)fm; }
void vtd_cache_inv_iotlb_(struct vtd_iommu *u, unsigned g, uint16_t did, uint64_t a, unsigned am, bool ih)
{ (void)u; (void)g; (void)did; (void)a; (void)am; (void)ih; }
void vtd_cache_inv_pasid_(struct vtd_iommu *u, unsigned g, uint16_t did, uint32_t p)
{ (void)u; (void)g; (void)did; (void)p; }
void vtd_cache_inv_piotlb_(struct vtd_iommu *u, unsigned g, uint16_t did, uint32_t p, uint64_t a, unsigned am, bool ih)
{ (void)u; (void)g; (void)did; (void)p; (void)a; (void)am; (void)ih; }
