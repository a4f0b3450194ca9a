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

/* VT-d 9.5: PASID-directory entry. */
FIELD(PDE, P, 0, 1);
FIELD(PDE, FPD, 1, 1);
FIELD(PDE, RSVD, 2, 10);
FIELD(PDE, PTBL, 12, 52);

/* VT-d 9.6: PASID-table entry, 512 bits, q[0..7]. */
FIELD(PTE0, P, 0, 1);
FIELD(PTE0, FPD, 1, 1);
FIELD(PTE0, AW, 2, 3);
FIELD(PTE0, RSVD5, 5, 1);
FIELD(PTE0, PGTT, 6, 3);
FIELD(PTE0, SSADE, 9, 1);
FIELD(PTE0, RSVD10, 10, 2);
FIELD(PTE0, SSPTPTR, 12, 52);
FIELD(PTE1, DID, 0, 16);
FIELD(PTE1, RSVD16, 16, 7);
FIELD(PTE1, PWSNP, 23, 1);
FIELD(PTE1, PGSNP, 24, 1);
FIELD(PTE1, CD, 25, 1);
FIELD(PTE1, EMTE, 26, 1);
FIELD(PTE1, RSVD27, 27, 5);
FIELD(PTE1, PAT, 32, 32);
FIELD(PTE2, SRE, 0, 1);
FIELD(PTE2, RSVD1, 1, 1);
FIELD(PTE2, FSPM, 2, 2);
FIELD(PTE2, WPE, 4, 1);
FIELD(PTE2, IGN, 5, 2);
FIELD(PTE2, EAFE, 7, 1);
FIELD(PTE2, RSVD8, 8, 4);
FIELD(PTE2, FSPTPTR, 12, 52);

enum {
    VTD_PGTT_FS = 1,     /* first stage only */
    VTD_PGTT_SS = 2,     /* second stage only */
    VTD_PGTT_NESTED = 3,
    VTD_PGTT_PT = 4,     /* pass-through */
};

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
