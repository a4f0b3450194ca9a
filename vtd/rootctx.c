/* SPDX-License-Identifier: MIT */
/*
 * vtd/rootctx.c: root-entry and context-entry fetch and validation, legacy
 * (VT-d 9.1, 9.3) and scalable mode (VT-d 9.2, 9.4).  Fault reasons are
 * the LRT/LCT and SRT/SCT rows of VT-d 7.1.3 Table 30.
 */
#include "rootctx.h"

static bool did_rsvd(const struct vtd_iommu *u, uint64_t did)
{
    unsigned bits = vtd_did_bits_(u);
    return bits < 16 && (did >> bits) != 0;
}

/* VT-d 9.3: reserved fields of a present legacy context entry. */
static bool legacy_ctx_rsvd(const struct vtd_iommu *u, const uint64_t *q)
{
    /* SSPTPTR (and so its bits above HAW) is ignored with TT=10b. */
    bool pt = field_get(q[0], CE_LO, TT) == VTD_TT_PT;
    if (field_get(q[0], CE_LO, RSVD) || (!pt && vtd_above_haw_(u, q[0])))
        return true;
    if (field_get(q[1], CE_HI, RSVD7) || field_get(q[1], CE_HI, RSVD))
        return true;
    return did_rsvd(u, field_get(q[1], CE_HI, DID));
}

/* VT-d 9.3 (AW, TT) and Table 30 LCT.4.1 / LCT.4.2. */
static bool legacy_ctx_invalid(const struct vtd_iommu *u, const uint64_t *q)
{
    unsigned tt = (unsigned)field_get(q[0], CE_LO, TT);
    unsigned aw = (unsigned)field_get(q[1], CE_HI, AW);
    switch (tt) {
    case VTD_TT_SS:
        break;
    case VTD_TT_DEVTLB:
        if (!field_get(u->ecap, ECAP, DT))
            return true;
        break;
    case VTD_TT_PT:
        /* 9.3 AW: with TT=10b it "must be programmed to indicate the
         * largest AGAW value supported by hardware"; requests above
         * 2^AGAW-1 are blocked (translate.c).  LCT.4.1 (an AW "not
         * supported by hardware") names no TT, so an AW that SAGAW does
         * not offer is invalid here too.  A supported AW below the
         * largest is accepted and limits the requests.  A unit with
         * SAGAW=0 (no second stage, 11.4.2) has no AGAW to name: AW is
         * not checked there and only HAW limits the requests. */
        if (!field_get(u->ecap, ECAP, PT))
            return true;
        if (u->sagaw == 0)
            return false;
        break;
    default:
        return true;
    }
    return aw > 3 || !(u->sagaw & (1u << aw));
}

/* VT-d 9.4: reserved fields of a present scalable-mode context entry.
 * Fields for features the unit does not present are reserved.  Note:
 * RID_PASID is honoured even with ECAP.RPS=0 (the oracle files assume
 * it; ../shared/oracle/qemu-7.2/README.md). */
static bool sm_ctx_rsvd(const struct vtd_iommu *u, const uint64_t *q)
{
    uint64_t e = u->ecap;
    if (field_get(q[0], SCE0, RSVD) || vtd_above_haw_(u, q[0]))
        return true;
    if (field_get(q[0], SCE0, DTE) && !field_get(e, ECAP, DT))
        return true;
    if (field_get(q[0], SCE0, PASIDE) && !field_get(e, ECAP, PASID))
        return true;
    if (field_get(q[0], SCE0, PRE) && !field_get(e, ECAP, PRS))
        return true;
    /* HPTS and PTRS are not presented by this model. */
    if (field_get(q[0], SCE0, HPTE) || field_get(q[0], SCE0, EPTR))
        return true;
    if (field_get(q[1], SCE1, RSVD))
        return true;
    if (field_get(q[1], SCE1, RID_PRIV) && !field_get(e, ECAP, RPRIVS))
        return true;
    return q[2] != 0 || q[3] != 0;
}

void vtd_ctx_fetch_(struct vtd_iommu *u, uint64_t rta, bool scalable,
                    uint16_t sid, bool trace, struct vtd_ctx *ctx,
                    unsigned *fault, bool *fpd)
{
    unsigned bus = (unsigned)field_get(sid, SID, BUS);
    unsigned devfn = (unsigned)field_get(sid, SID, DEVFN);
    uint64_t re_addr = rta + (uint64_t)VTD_RE_SIZE * bus;
    uint64_t re[2];
    uint8_t buf[32];

    *fault = 0;
    *fpd = false;
    memset(ctx, 0, sizeof(*ctx));
    ctx->scalable = scalable;

    /* VT-d 9.1 / 9.2: one 128-bit root entry per bus. */
    if (vtd_mem_read_(u, re_addr, buf, VTD_RE_SIZE) < 0) {
        *fault = scalable ? VTD_FR_SRT_ACCESS : VTD_FR_ROOT_ACCESS;
        return;
    }
    re[0] = ldq_le(buf);
    re[1] = ldq_le(buf + 8);
    if (trace)
        vtd_walk_event_(u, scalable ? "sm-root" : "root", 0, sid,
                        VTD_NO_PASID, re_addr, re, 2);

    uint64_t ctp, ce_addr;
    unsigned ce_len;
    if (!scalable) {
        if (!field_get(re[0], RE, P)) {
            *fault = VTD_FR_ROOT_NOT_PRESENT;        /* LRT.2 */
            return;
        }
        if (field_get(re[0], RE, RSVD) || vtd_above_haw_(u, re[0]) || re[1]) {
            *fault = VTD_FR_ROOT_RSVD;               /* LRT.3 */
            return;
        }
        ctp = VTD_GET_ADDR_(re[0], RE, CTP);
        ce_addr = ctp + (uint64_t)VTD_CE_SIZE * devfn;
        ce_len = VTD_CE_SIZE;
    } else {
        /* VT-d 9.2: lower half for devfn 0-127, upper for 128-255. */
        uint64_t half = re[field_get(devfn, SM_DEVFN, UPPER)];
        if (!field_get(half, SRE, P)) {
            *fault = VTD_FR_SRT_NOT_PRESENT;         /* SRT.2 */
            return;
        }
        if (field_get(half, SRE, RSVD) || vtd_above_haw_(u, half)) {
            *fault = VTD_FR_SRT_RSVD;                /* SRT.3 */
            return;
        }
        ctp = VTD_GET_ADDR_(half, SRE, CTP);
        ce_addr = ctp + (uint64_t)VTD_SCE_SIZE *
                            field_get(devfn, SM_DEVFN, IDX);
        ce_len = VTD_SCE_SIZE;
    }

    if (vtd_mem_read_(u, ce_addr, buf, ce_len) < 0) {
        *fault = scalable ? VTD_FR_SCT_ACCESS : VTD_FR_CTX_ACCESS;
        return;
    }
    for (unsigned i = 0; i < ce_len / 8; i++)
        ctx->q[i] = ldq_le(buf + 8 * i);
    if (trace)
        vtd_walk_event_(u, scalable ? "sm-context" : "context", 0, sid,
                        VTD_NO_PASID, ce_addr, ctx->q, ce_len / 8);

    if (!scalable) {
        /* VT-d 9.3: FPD is evaluated whatever P says. */
        *fpd = field_get(ctx->q[0], CE_LO, FPD);
        if (!field_get(ctx->q[0], CE_LO, P))
            *fault = VTD_FR_CTX_NOT_PRESENT;         /* LCT.2 */
        else if (legacy_ctx_rsvd(u, ctx->q))
            *fault = VTD_FR_CTX_RSVD;                /* LCT.3 */
        else if (legacy_ctx_invalid(u, ctx->q))
            *fault = VTD_FR_CTX_INVALID;             /* LCT.4.1, LCT.4.2 */
        return;
    }

    *fpd = field_get(ctx->q[0], SCE0, FPD);
    if (!field_get(ctx->q[0], SCE0, P))
        *fault = VTD_FR_SCT_NOT_PRESENT;             /* SCT.2 */
    else if (sm_ctx_rsvd(u, ctx->q))
        *fault = VTD_FR_SCT_RSVD;                    /* SCT.3 */
    else if (!field_get(ctx->q[0], SCE0, DTE) &&
             field_get(ctx->q[0], SCE0, PRE))
        *fault = VTD_FR_SCT_INVALID;                 /* SCT.4.1 */
    else if (field_get(ctx->q[1], SCE1, RID_PASID) >
             vtd_ctx_max_pasid_(ctx))
        *fault = VTD_FR_SCT_INVALID;                 /* SCT.4.2 */
}
