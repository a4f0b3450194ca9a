/* SPDX-License-Identifier: MIT */
/*
 * vtd/pmr.h: protected memory regions (VT-d 11.4.8), private to the core.
 */
#ifndef VTD_PMR_H
#define VTD_PMR_H

#include "internal.h"

/* 11.4.8.1 PMEN: latch EPM and the regions (pmr.c); declared in regs.h
 * too, for the register side effects. */
void vtd_pmr_latch_locked_(struct vtd_iommu *u);

/* Whether [a, a + len - 1] touches an enabled protected region.  With
 * EPM=1 "Hardware implementations with Major Version 2 or higher
 * (VER_REG) block all DMA requests accessing protected memory regions
 * whether or not DMA remapping is enabled"; for major version 1 the
 * spec lets older hardware skip remapped requests, and vtdemu blocks
 * them too (docs/spec-notes.md).  The check is on the output address;
 * the unit's own structure reads are not checked. */
static inline bool vtd_pmr_blocks_(const struct vtd_iommu *u, uint64_t a, uint32_t len)
{
    if (G_LIKELY(!atomic_load_explicit(&u->pmr_on, memory_order_acquire)))
        return false;
    uint64_t last = a + (len ? len : 1) - 1;
    uint64_t lb = atomic_load_explicit(&u->pmr_lo_base, memory_order_relaxed);
    uint64_t le = atomic_load_explicit(&u->pmr_lo_end, memory_order_relaxed);
    uint64_t hb = atomic_load_explicit(&u->pmr_hi_base, memory_order_relaxed);
    uint64_t he = atomic_load_explicit(&u->pmr_hi_end, memory_order_relaxed);
    return (le >= lb && last >= lb && a <= le) ||
           (he >= hb && last >= hb && a <= he);
}

#endif
