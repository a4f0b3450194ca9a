/* SPDX-License-Identifier: MIT */
/* vtd/fault.c: STUB, to be replaced by primary fault logging. */
#include "internal.h"

bool vtd_fault_report_(struct vtd_iommu *u, const struct vtd_fault_info *fi, bool fpd)
{
    (void)u; (void)fi; (void)fpd;
    return false;
}
bool vtd_fault_report_locked_(struct vtd_iommu *u, const struct vtd_fault_info *fi, bool fpd)
{
    (void)u; (void)fi; (void)fpd;
    return false;
}
void vtd_fault_reset_(struct vtd_iommu *u) { (void)u; }
void vtd_fault_fsts_written_locked_(struct vtd_iommu *u) { (void)u; }
void vtd_fault_frcd_written_locked_(struct vtd_iommu *u, unsigned i) { (void)u; (void)i; }
void vtd_fault_fectl_written_locked_(struct vtd_iommu *u) { (void)u; }
void vtd_fault_update_locked_(struct vtd_iommu *u) { (void)u; }
void vtd_fault_set_fsts_locked_(struct vtd_iommu *u, uint32_t b) { (void)u; (void)b; }
const char *vtd_fault_reason_str(unsigned r) { (void)r; return "unknown fault reason"; }
bool vtd_fault_reason_qualified(unsigned r) { (void)r; return false; }
