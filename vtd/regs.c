/* SPDX-License-Identifier: MIT */
/* vtd/regs.c: STUB, to be replaced by the register file. */
#include "internal.h"

int vtd_regs_init_(struct vtd_iommu *u)
{
    u->regs.val = g_malloc0(u->mmio_size);
    return 0;
}
void vtd_regs_free_(struct vtd_iommu *u) { g_free(u->regs.val); }
void vtd_regs_reset_(struct vtd_iommu *u) { memset(u->regs.val, 0, u->mmio_size); }
uint32_t vtd_reg_get32_(const struct vtd_iommu *u, unsigned off)
{
    return (uint32_t)ldq_le(u->regs.val + off);
}
uint64_t vtd_reg_get64_(const struct vtd_iommu *u, unsigned off)
{
    return ldq_le(u->regs.val + off);
}
void vtd_reg_set32_(struct vtd_iommu *u, unsigned off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        u->regs.val[off + i] = (uint8_t)(v >> (8 * i));
}
void vtd_reg_set64_(struct vtd_iommu *u, unsigned off, uint64_t v)
{
    stq_le(u->regs.val + off, v);
}
int vtd_mmio_read(struct vtd_iommu *u, uint64_t off, unsigned size, uint64_t *val)
{
    (void)u; (void)off; (void)size;
    *val = 0;
    return -EINVAL;
}
int vtd_mmio_write(struct vtd_iommu *u, uint64_t off, unsigned size, uint64_t val)
{
    (void)u; (void)off; (void)size; (void)val;
    return -EINVAL;
}
