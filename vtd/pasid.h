/* SPDX-License-Identifier: MIT */
/*
 * vtd/pasid.h: scalable-mode PASID-directory entries (VT-d 9.5) and
 * PASID-table entries (VT-d 9.6).
 */
#ifndef VTD_PASID_H
#define VTD_PASID_H

#include <stdbool.h>
#include <stdint.h>

#include "rootctx.h"

/* PASID-directory (VT-d 9.5) and PASID-table (VT-d 9.6) entry fields and
 * the VTD_PGTT_* types: <vtd/layout.h>. */

/* A PASID-table entry as fetched; only q[0..2] carry fields (the rest
 * must be zero, checked on fetch). fpd: FPD of the directory entry or the
 * table entry (VT-d 9.5, 9.6). */
struct vtd_pasid_ent {
    uint64_t q[3];
    bool fpd;
};

/*
 * Fetch the PASID-directory and PASID-table entries for pasid through the
 * scalable-mode context entry ctx (already validated; pasid already
 * checked against PDTS).  On success *fault is 0 and pe holds a present,
 * valid entry (SPD/SPT rows of Table 30, including SPT.4.x programming
 * checks).  On a fault *fault is the reason and *fpd tells whether an
 * FPD bit was seen in the directory or table entry.
 */
void vtd_pasid_fetch_(struct vtd_iommu *u, const struct vtd_ctx *ctx,
                      uint16_t sid, uint32_t pasid, bool trace,
                      struct vtd_pasid_ent *pe, unsigned *fault, bool *fpd);

#endif
