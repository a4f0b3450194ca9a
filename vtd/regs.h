/* SPDX-License-Identifier: MIT */
/* vtd/regs.h: register file state (owned by regs.c). */
#ifndef VTD_REGS_H
#define VTD_REGS_H

#include <stdint.h>

struct vtd_iommu;

/* Register storage: little-endian bytes plus per-byte write semantics
 * filled from the register table in regs.c. */
struct vtd_regs_state {
    uint8_t *val;    /* current contents, mmio_size bytes */
    uint8_t *rw;     /* bits software may write */
    uint8_t *w1c;    /* bits software clears by writing 1 */
    uint8_t *valid;  /* 1 where a register byte exists */
};

int vtd_regs_init_(struct vtd_iommu *u);
void vtd_regs_free_(struct vtd_iommu *u);
void vtd_regs_reset_(struct vtd_iommu *u);

/* Raw accessors for hardware-side updates (no masks, no side effects).
 * Caller holds u->lock or is the only user (init). */
uint32_t vtd_reg_get32_(const struct vtd_iommu *u, unsigned off);
uint64_t vtd_reg_get64_(const struct vtd_iommu *u, unsigned off);
void vtd_reg_set32_(struct vtd_iommu *u, unsigned off, uint32_t v);
void vtd_reg_set64_(struct vtd_iommu *u, unsigned off, uint64_t v);

#endif
