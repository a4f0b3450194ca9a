/* SPDX-License-Identifier: MIT */
/*
 * vtd/prq.h: page requests (VT-d 7.4-7.6; registers 11.4.11).  All state
 * lives in the registers (PQH, PQT, PQA, PRS, PECTL, PEDATA, PEADDR,
 * PEUADDR): nothing else to reset or save.
 */
#ifndef VTD_PRQ_H
#define VTD_PRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

/* Register side effects, called by regs.c with u->lock held. */
void vtd_prq_prs_written_locked_(struct vtd_iommu *u);
void vtd_prq_pectl_written_locked_(struct vtd_iommu *u);

/* Deliver a page group response for rid (pasid VTD_NO_PASID: none) to
 * the host (ops.page_response) and the trace hook.  u->lock held. */
void vtd_prq_respond_locked_(struct vtd_iommu *u, uint16_t rid,
                             uint32_t pasid, uint16_t prgi, uint8_t rc,
                             bool automatic);

#endif
