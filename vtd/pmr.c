/* SPDX-License-Identifier: MIT */
/*
 * vtd/pmr.c: protected memory regions (VT-d 11.4.8): latching PMEN and
 * the region registers for the DMA path.  The check itself is inline in
 * pmr.h, for the translation pipeline (translate.c).
 */
#include "pmr.h"
#include "regs.h"

/* Bits N:0 of a base register decode as 0s and of a limit register as 1s
 * (11.4.8.2-11.4.8.5): the bits software cannot write. */
static uint64_t pmr_low_bits(const struct vtd_iommu *u, unsigned off)
{
    const struct vtd_reg *r = vtd_reg_find_(u, off);
    uint64_t size_mask = r->size == 4 ? 0xffffffffULL : ~0ULL;
    return ~r->rw & size_mask & ~(r->rw ? ~0ULL << __builtin_ctzll(r->rw)
                                         : 0);
}

/* 11.4.8.1 PMEN: latch EPM and the regions for the DMA path.  A region
 * exists only when CAP.PLMR/PHMR reports it; a limit below its base
 * disables it (11.4.8.3, 11.4.8.5).  PRS follows EPM at once (regs.c). */
void vtd_pmr_latch_locked_(struct vtd_iommu *u)
{
    bool epm = field_get(vtd_reg_get32_(u, VTD_REG_PMEN), PMEN, EPM);
    uint64_t lb = 1, le = 0, hb = 1, he = 0;
    if (field_get(u->cap, CAP, PLMR)) {
        lb = vtd_reg_get32_(u, VTD_REG_PLMBASE);
        le = vtd_reg_get32_(u, VTD_REG_PLMLIMIT) |
             pmr_low_bits(u, VTD_REG_PLMLIMIT);
    }
    if (field_get(u->cap, CAP, PHMR)) {
        hb = vtd_reg_get64_(u, VTD_REG_PHMBASE);
        he = vtd_reg_get64_(u, VTD_REG_PHMLIMIT) |
             pmr_low_bits(u, VTD_REG_PHMLIMIT);
    }
    atomic_store_explicit(&u->pmr_on, false, memory_order_relaxed);
    atomic_store_explicit(&u->pmr_lo_base, lb, memory_order_relaxed);
    atomic_store_explicit(&u->pmr_lo_end, le, memory_order_relaxed);
    atomic_store_explicit(&u->pmr_hi_base, hb, memory_order_relaxed);
    atomic_store_explicit(&u->pmr_hi_end, he, memory_order_relaxed);
    atomic_store_explicit(&u->pmr_on, epm && (le >= lb || he >= hb),
                          memory_order_release);
    /* The hit path does not test pmr_on (cache.h). */
    vtd_cache_fast_drop_(u);
}
