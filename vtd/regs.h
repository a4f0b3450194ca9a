/* SPDX-License-Identifier: MIT */
/*
 * vtd/regs.h: register file state (owned by regs.c) and the register-based
 * invalidation entry points (inval.c).
 */
#ifndef VTD_REGS_H
#define VTD_REGS_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

/* One register as the table in regs.c describes it, with the masks
 * resolved against the unit's CAP/ECAP at creation. */
struct vtd_reg {
    unsigned off;        /* byte offset in the register window */
    unsigned size;       /* 4 or 8 (a 128-bit FRCD is two 8-byte halves) */
    const char *name;
    unsigned kind;       /* side-effect selector, enum in regs.c */
    unsigned index;      /* FRCD number for fault recording registers */
    uint64_t reset;
    uint64_t rw;         /* bits software may write */
    uint64_t w1c;        /* bits software clears by writing 1 */
};

/* Register storage: little-endian bytes plus the resolved register list
 * and a map from each dword of the window to its register. */
struct vtd_regs_state {
    uint8_t *val;        /* current contents, mmio_size bytes */
    struct vtd_reg *regs;
    unsigned nregs;
    int32_t *dword_map;  /* mmio_size / 4 entries: index in regs or -1 */
};

/* Register fields (VT-d 11.4) and the IQEI codes: <vtd/layout.h>. */

int vtd_regs_init_(struct vtd_iommu *u);
void vtd_regs_free_(struct vtd_iommu *u);
void vtd_regs_reset_(struct vtd_iommu *u);

/* The register covering byte offset off, or NULL (reserved space). */
const struct vtd_reg *vtd_reg_find_(const struct vtd_iommu *u, uint64_t off);

/* Raw accessors for hardware-side updates (no masks, no side effects).
 * Caller holds u->lock or is the only user (init).  off must lie inside
 * the register window (callers use the offsets of internal.h). */
uint32_t vtd_reg_get32_(const struct vtd_iommu *u, unsigned off);
uint64_t vtd_reg_get64_(const struct vtd_iommu *u, unsigned off);
void vtd_reg_set32_(struct vtd_iommu *u, unsigned off, uint32_t v);
void vtd_reg_set64_(struct vtd_iommu *u, unsigned off, uint64_t v);

/* Register-based invalidation (inval.c, VT-d 6.5.1, 11.4.6).  Called by
 * regs.c with u->lock held after software wrote the command byte. */
void vtd_inval_ccmd_written_locked_(struct vtd_iommu *u);
void vtd_inval_iotlb_written_locked_(struct vtd_iommu *u);

/* Protected memory regions (translate.c, VT-d 11.4.8): latch PMEN and the
 * base/limit registers for the DMA path.  u->lock held (or init). */
void vtd_pmr_latch_locked_(struct vtd_iommu *u);

/* Domain-id width from CAP.ND (VT-d 11.4.2): 4 + 2 * ND bits. */
static inline uint16_t vtd_did_mask_(uint64_t cap)
{
    unsigned nd = (unsigned)(cap & 7);
    unsigned bits = nd > 6 ? 16 : 4 + 2 * nd;
    return (uint16_t)(bits >= 16 ? 0xffff : (1u << bits) - 1);
}

#endif
