/* SPDX-License-Identifier: MIT */
/* vtd/intremap.h: interrupt remapping (VT-d chapter 5, 9.9, 9.10). */
#ifndef VTD_INTREMAP_H
#define VTD_INTREMAP_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

struct vtd_ir_state {
    _Atomic uint64_t irta;   /* IRTA as latched by GCMD.SIRTP */
    _Atomic bool enabled;    /* GSTS.IRES */
    _Atomic bool cfi;        /* GSTS.CFIS */
    void *iec;               /* interrupt entry cache, owned by intremap.c */
};

int vtd_ir_init_(struct vtd_iommu *u);
void vtd_ir_free_(struct vtd_iommu *u);
void vtd_ir_reset_(struct vtd_iommu *u);
/* GCMD.SIRTP: latch IRTA (caller holds lock). */
void vtd_ir_latch_irta_locked_(struct vtd_iommu *u);
/* Interrupt entry cache invalidation: global, or index-selective with
 * index mask im (2^im entries from index). */
void vtd_ir_inv_iec_(struct vtd_iommu *u, bool global, uint16_t index,
                     unsigned im);

#endif
