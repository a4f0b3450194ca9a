/* SPDX-License-Identifier: MIT */
/*
 * vtd/rootctx.h: root and context entries, legacy (VT-d 9.1, 9.3) and
 * scalable mode (VT-d 9.2, 9.4).  Entries are raw little-endian qwords;
 * fields are named once in <vtd/layout.h> and read with field_get().
 */
#ifndef VTD_ROOTCTX_H
#define VTD_ROOTCTX_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* Root, context and scalable-context entry fields (VT-d 9.1-9.4) and the
 * VTD_TT_* translation types: <vtd/layout.h>. */

/* A context entry as fetched: raw qwords (legacy uses q[0..1]). */
struct vtd_ctx {
    uint64_t q[4];
    bool scalable;
};

/* Number of second-stage levels for an AW/AGAW encoding (VT-d 9.3:
 * 1 -> 39-bit 3-level, 2 -> 48-bit 4-level, 3 -> 57-bit 5-level). */
static inline unsigned vtd_aw_levels_(unsigned aw)
{
    return aw + 2;
}

static inline unsigned vtd_aw_bits_(unsigned aw)
{
    return 30 + 9 * aw;
}

/* Domain-id width from CAP.ND (VT-d 11.4.2: 4 + 2 * ND bits). */
static inline unsigned vtd_did_bits_(const struct vtd_iommu *u)
{
    unsigned nd = (unsigned)field_get(u->cap, CAP, ND);
    return nd >= 6 ? 16 : 4 + 2 * nd;
}

/* Highest PASID the context entry's PDTS allows (VT-d 9.4: the
 * directory has 2^(PDTS+7) entries of 64 PASIDs each). */
static inline uint32_t vtd_ctx_max_pasid_(const struct vtd_ctx *c)
{
    unsigned x = (unsigned)field_get(c->q[0], SCE0, PDTS);
    return (uint32_t)((1ULL << (x + 13)) - 1);
}

/*
 * Fetch the root entry and context entry for sid from the root table at
 * rta (4 KiB aligned), legacy when !scalable.  On success *fault is 0 and
 * ctx holds a present, valid entry (reserved bits and programming checked:
 * LRT/LCT or SRT/SCT rows of Table 30).  On a fault *fault holds the
 * reason and *fpd the FPD bit of the context entry when one was read
 * (FPD is evaluated even when P is clear).  Emits VTD_EV_WALK events
 * when tracing and trace is true: "root" and "context" in legacy mode,
 * "sm-root" (both halves) and "sm-context" (4 qwords) in scalable mode.  Never fails otherwise; returns nothing.
 */
void vtd_ctx_fetch_(struct vtd_iommu *u, uint64_t rta, bool scalable,
                    uint16_t sid, bool trace, struct vtd_ctx *ctx,
                    unsigned *fault, bool *fpd);

#endif
