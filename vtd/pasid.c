/* SPDX-License-Identifier: MIT */
/*
 * vtd/pasid.c: scalable-mode PASID directory (VT-d 9.5) and PASID table
 * (VT-d 9.6) fetch and validation; SPD/SPT rows of VT-d 7.1.3 Table 30.
 */
#include "pasid.h"

/* VT-d 9.6: reserved fields of a present PASID-table entry.  Fields of
 * features the unit does not present are reserved (HPT fields: always,
 * this model presents no HPTS). */
static bool pte_rsvd(const struct vtd_iommu *u, const uint64_t *q)
{
    uint64_t e = u->ecap;
    bool ssts = field_get(e, ECAP, SSTS), fsts = field_get(e, ECAP, FSTS);
    bool mts = field_get(e, ECAP, MTS);

    if (field_get(q[0], PTE0, RSVD5) || field_get(q[0], PTE0, RSVD10) ||
        vtd_above_haw_(u, q[0]))
        return true;
    if (!ssts && (field_get(q[0], PTE0, AW) || field_get(q[0], PTE0, SSADE) ||
                  field_get(q[0], PTE0, SSPTPTR)))
        return true;
    if (field_get(q[0], PTE0, SSADE) && !field_get(e, ECAP, SSADS))
        return true;

    if (field_get(q[1], PTE1, RSVD16) || field_get(q[1], PTE1, RSVD27))
        return true;
    if (field_get(q[1], PTE1, PWSNP) && !field_get(e, ECAP, SMPWCS))
        return true;
    if (field_get(q[1], PTE1, PGSNP) && !field_get(e, ECAP, SC))
        return true;
    if (!mts && (field_get(q[1], PTE1, CD) || field_get(q[1], PTE1, EMTE) ||
                 field_get(q[1], PTE1, PAT)))
        return true;
    unsigned did_bits = vtd_did_bits_(u);
    if (did_bits < 16 && (field_get(q[1], PTE1, DID) >> did_bits))
        return true;

    if (field_get(q[2], PTE2, RSVD1) || field_get(q[2], PTE2, RSVD8) ||
        vtd_above_haw_(u, q[2]))
        return true;
    if (field_get(q[2], PTE2, SRE) && !field_get(e, ECAP, SRS))
        return true;
    if (!fsts && (field_get(q[2], PTE2, FSPM) || field_get(q[2], PTE2, WPE) ||
                  field_get(q[2], PTE2, FSPTPTR)))
        return true;
    if (field_get(q[2], PTE2, EAFE) && !field_get(e, ECAP, EAFS))
        return true;
    return false;
}

/* Table 30 SPT.4.1-SPT.4.4: invalid programming. */
static bool pte_invalid(const struct vtd_iommu *u, const uint64_t *q)
{
    unsigned pgtt = (unsigned)field_get(q[0], PTE0, PGTT);
    unsigned aw = (unsigned)field_get(q[0], PTE0, AW);
    bool uses_ss = false, uses_fs = false;

    switch (pgtt) {                                    /* SPT.4.2 */
    case VTD_PGTT_FS:
        if (!field_get(u->ecap, ECAP, FSTS))
            return true;
        uses_fs = true;
        break;
    case VTD_PGTT_SS:
        if (!field_get(u->ecap, ECAP, SSTS))
            return true;
        uses_ss = true;
        break;
    case VTD_PGTT_NESTED:
        if (!field_get(u->ecap, ECAP, NEST))
            return true;
        uses_ss = uses_fs = true;
        break;
    case VTD_PGTT_PT:
        return !field_get(u->ecap, ECAP, PT);
    default:
        return true;
    }
    if (uses_ss && (aw > 3 || !(u->sagaw & (1u << aw))))
        return true;                                   /* SPT.4.1 */
    if (uses_fs) {
        unsigned fspm = (unsigned)field_get(q[2], PTE2, FSPM);
        if (fspm > 1 || (fspm == 1 && !field_get(u->cap, CAP, FS5LP)))
            return true;                               /* SPT.4.3 */
    }
    if (pgtt == VTD_PGTT_NESTED) {                     /* SPT.4.4 */
        unsigned x = MIN(u->mgaw, vtd_aw_bits_(aw));
        uint64_t fsptptr = VTD_GET_ADDR_(q[2], PTE2, FSPTPTR);
        if (x < 64 && (fsptptr >> x))
            return true;
    }
    return false;
}

void vtd_pasid_fetch_(struct vtd_iommu *u, const struct vtd_ctx *ctx,
                      uint16_t sid, uint32_t pasid, bool trace,
                      struct vtd_pasid_ent *pe, unsigned *fault, bool *fpd)
{
    uint64_t dir = VTD_GET_ADDR_(ctx->q[0], SCE0, PDIR);
    uint64_t pde_addr = dir + (uint64_t)VTD_PDE_SIZE *
                                  (pasid >> VTD_PASID_DIR_SHIFT);
    uint64_t pde;
    uint8_t buf[64];

    *fault = 0;
    *fpd = false;
    memset(pe, 0, sizeof(*pe));

    /* VT-d 9.5: PASID[19:6] index the directory. */
    if (vtd_mem_ldq_(u, pde_addr, &pde) < 0) {
        *fault = VTD_FR_SPD_ACCESS;                    /* SPD.1 */
        return;
    }
    if (trace)
        vtd_walk_event_(u, "pasid-dir", 0, sid, pasid, pde_addr, &pde, 1);
    *fpd = field_get(pde, PDE, FPD);
    if (!field_get(pde, PDE, P)) {
        *fault = VTD_FR_SPD_NOT_PRESENT;               /* SPD.2 */
        return;
    }
    if (field_get(pde, PDE, RSVD) || vtd_above_haw_(u, pde)) {
        *fault = VTD_FR_SPD_RSVD;                      /* SPD.3 */
        return;
    }

    /* VT-d 9.6: PASID[5:0] index a 4 KiB table of 64-byte entries. */
    uint64_t pte_addr = VTD_GET_ADDR_(pde, PDE, PTBL) +
                        (uint64_t)VTD_PASID_ENTRY_SIZE *
                            field_get(pasid, PASID, TBL);
    if (vtd_mem_read_(u, pte_addr, buf, VTD_PASID_ENTRY_SIZE) < 0) {
        *fault = VTD_FR_SPT_ACCESS;                    /* SPT.1 */
        return;
    }
    uint64_t q[8];
    for (unsigned i = 0; i < 8; i++)
        q[i] = ldq_le(buf + 8 * i);
    if (trace)
        vtd_walk_event_(u, "pasid", 0, sid, pasid, pte_addr, q, 8);
    for (unsigned i = 0; i < 3; i++)
        pe->q[i] = q[i];
    *fpd = *fpd || field_get(q[0], PTE0, FPD);
    pe->fpd = *fpd;
    if (!field_get(q[0], PTE0, P)) {
        *fault = VTD_FR_SPT_NOT_PRESENT;               /* SPT.2 */
        return;
    }
    if (pte_rsvd(u, q) || q[3] || q[4] || q[5] || q[6] || q[7]) {
        *fault = VTD_FR_SPT_RSVD;                      /* SPT.3 */
        return;
    }
    if (pte_invalid(u, q))
        *fault = VTD_FR_SPT_INVALID;                   /* SPT.4.x */
}
