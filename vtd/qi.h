/* SPDX-License-Identifier: MIT */
/* vtd/qi.h: queued invalidation (VT-d 6.5.2, 11.4.9). */
#ifndef VTD_QI_H
#define VTD_QI_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

struct vtd_qi_state {
    bool enabled;      /* GSTS.QIES */
};

void vtd_qi_reset_(struct vtd_iommu *u);
/* GCMD.QIE toggled (caller holds lock); returns false if refused. */
bool vtd_qi_enable_locked_(struct vtd_iommu *u, bool enable);
/* IQT written: process descriptors from IQH to IQT (bounded). */
void vtd_qi_tail_written_locked_(struct vtd_iommu *u);
/* ICS / IECTL written (RW1C of IWC, interrupt re-send rules). */
void vtd_qi_ics_written_locked_(struct vtd_iommu *u);
void vtd_qi_iectl_written_locked_(struct vtd_iommu *u);

#endif
