/* SPDX-License-Identifier: MIT */
/* vtd/qi.c: STUB, to be replaced by queued invalidation. */
#include "internal.h"

void vtd_qi_reset_(struct vtd_iommu *u) { u->qi.enabled = false; }
bool vtd_qi_enable_locked_(struct vtd_iommu *u, bool e) { u->qi.enabled = e; return true; }
void vtd_qi_tail_written_locked_(struct vtd_iommu *u) { (void)u; }
void vtd_qi_ics_written_locked_(struct vtd_iommu *u) { (void)u; }
void vtd_qi_iectl_written_locked_(struct vtd_iommu *u) { (void)u; }
