/* SPDX-License-Identifier: MIT */
/* vtd/fault.h: primary fault logging (VT-d 7.2, 11.4.7, 11.4.14). */
#ifndef VTD_FAULT_H
#define VTD_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

struct vtd_fault_state {
    unsigned next;   /* internal index of the next fault record (7.2.1) */
};

/* A detected fault, as the fault recording register will hold it. */
struct vtd_fault_info {
    uint16_t sid;
    unsigned reason;   /* enum vtd_fault_reason */
    uint64_t addr;     /* DMA: faulting address (page bits kept);
                          interrupt faults: interrupt index in 63:48 */
    bool is_read;      /* T: 1 read, 0 write (DMA faults) */
    bool is_irq;       /* an interrupt-remapping fault */
    unsigned at;       /* enum vtd_at */
    uint32_t pasid;    /* VTD_NO_PASID when none */
    bool priv, exec;
    bool page_req;     /* a page request (T1=0, T2=1; 11.4.7.6) */
};

/* Report a detected fault.  fpd: an entry with FPD=1 was used on the way
 * (suppresses only qualified reasons, VT-d 7.1.1).  Returns true when the
 * fault was written to a fault recording register.  Takes u->lock. */
bool vtd_fault_report_(struct vtd_iommu *u, const struct vtd_fault_info *fi,
                       bool fpd);
/* Same, caller holds u->lock (queued invalidation paths). */
bool vtd_fault_report_locked_(struct vtd_iommu *u,
                              const struct vtd_fault_info *fi, bool fpd);

void vtd_fault_reset_(struct vtd_iommu *u);

/* Register side effects, called by regs.c with u->lock held. */
void vtd_fault_fsts_written_locked_(struct vtd_iommu *u);
void vtd_fault_frcd_written_locked_(struct vtd_iommu *u, unsigned index);
void vtd_fault_fectl_written_locked_(struct vtd_iommu *u);
/* Recompute FSTS.PPF etc. and (re)send the fault event if due. */
void vtd_fault_update_locked_(struct vtd_iommu *u);
/* Set FSTS.IQE/ICE/ITE (bit mask in FSTS) and raise the fault event
 * per 7.3 when it was clear. */
void vtd_fault_set_fsts_locked_(struct vtd_iommu *u, uint32_t bits);
/* GSTS changed: 7.2.1 resets the internal record index when TES and IRES
 * are both clear. */
void vtd_fault_gsts_changed_locked_(struct vtd_iommu *u);

#endif
