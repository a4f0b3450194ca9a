/* SPDX-License-Identifier: MIT */
/* vtd/intremap.c: STUB, to be replaced by interrupt remapping. */
#include "internal.h"

int vtd_ir_init_(struct vtd_iommu *u) { (void)u; return 0; }
void vtd_ir_free_(struct vtd_iommu *u) { (void)u; }
void vtd_ir_reset_(struct vtd_iommu *u) { atomic_store(&u->ir.irta, 0); atomic_store(&u->ir.enabled, false); atomic_store(&u->ir.cfi, false); }
void vtd_ir_latch_irta_locked_(struct vtd_iommu *u) { (void)u; }
void vtd_ir_inv_iec_(struct vtd_iommu *u, bool g, uint16_t i, unsigned im) { (void)u; (void)g; (void)i; (void)im; }
int vtd_interrupt(struct vtd_iommu *u, const struct vtd_msi_req *req, struct vtd_irq *out)
{
    if (!u || !req || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->outcome = VTD_IRQ_PASSTHROUGH;
    return 0;
}
