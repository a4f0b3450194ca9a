/* SPDX-License-Identifier: MIT */
/*
 * vtd/rootctx.h: root and context entries, legacy (VT-d 9.1, 9.3) and
 * scalable mode (VT-d 9.2, 9.4).  Entries are raw little-endian qwords;
 * fields are named once here and read with field_get().
 */
#ifndef VTD_ROOTCTX_H
#define VTD_ROOTCTX_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* VT-d 9.1: legacy root entry (128 bits; the upper qword is reserved). */
FIELD(RE, P, 0, 1);
FIELD(RE, CTP, 12, 52);

/* VT-d 9.3: legacy context entry. */
FIELD(CE_LO, P, 0, 1);
FIELD(CE_LO, FPD, 1, 1);
FIELD(CE_LO, TT, 2, 2);
FIELD(CE_LO, RSVD, 4, 8);
FIELD(CE_LO, SSPTPTR, 12, 52);
FIELD(CE_HI, AW, 0, 3);
FIELD(CE_HI, IGN, 3, 4);
FIELD(CE_HI, RSVD7, 7, 1);
FIELD(CE_HI, DID, 8, 16);
FIELD(CE_HI, RSVD, 24, 40);

enum { VTD_TT_SS = 0, VTD_TT_DEVTLB = 1, VTD_TT_PT = 2, VTD_TT_RSVD = 3 };

/* VT-d 9.2: scalable-mode root entry (lower/upper halves). */
FIELD(SRE, P, 0, 1);
FIELD(SRE, RSVD, 1, 11);
FIELD(SRE, CTP, 12, 52);

/* VT-d 9.4: scalable-mode context entry (256 bits, q[0..3]). */
FIELD(SCE0, P, 0, 1);
FIELD(SCE0, FPD, 1, 1);
FIELD(SCE0, DTE, 2, 1);
FIELD(SCE0, PASIDE, 3, 1);
FIELD(SCE0, PRE, 4, 1);
FIELD(SCE0, HPTE, 5, 1);
FIELD(SCE0, EPTR, 6, 1);
FIELD(SCE0, RSVD, 7, 2);
FIELD(SCE0, PDTS, 9, 3);
FIELD(SCE0, PDIR, 12, 52);
FIELD(SCE1, RID_PASID, 0, 20);
FIELD(SCE1, RID_PRIV, 20, 1);
FIELD(SCE1, RSVD, 21, 43);

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

/* Emit one VTD_EV_WALK event (no-op when not tracing). */
void vtd_walk_event_(struct vtd_iommu *u, const char *what, int level,
                     uint16_t sid, uint32_t pasid, uint64_t addr,
                     const uint64_t *q, unsigned nq);

#endif
