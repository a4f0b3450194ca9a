/* SPDX-License-Identifier: MIT */
/*
 * vtd/inval.c: register-based invalidation (VT-d 6.5.1; CCMD 11.4.6.1,
 * IOTLB and IVA 11.4.6.3/4).  regs.c calls in here, with u->lock held,
 * once software has written the command byte of CCMD or IOTLB_REG.
 * Invalidations complete at once: ICC/IVT read back clear and CAIG/IAIG
 * report the granularity performed, 00b for a request the spec calls
 * incorrect.
 */
#include "internal.h"

static void emit_inv(struct vtd_iommu *u, const char *what, uint64_t v0,
                     uint64_t v1, const char *msg)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = { .kind = VTD_EV_INVALIDATION, .what = what,
                            .nval = 2, .pasid = VTD_NO_PASID, .msg = msg };
    ev.val[0] = v0;
    ev.val[1] = v1;
    vtd_emit_(u, &ev);
}

/* 11.4.6.1 / 11.4.6.3: requests are incorrect (CAIG/IAIG = 00b) when the
 * translation table mode is not "setup as legacy mode", and on major
 * version 6 or higher, where register-based invalidation is not
 * supported.  The mode is the one latched by the last SRTP, not the value
 * last written to RTADDR_REG: 11.4.5 TTM "takes effect only after software
 * executes Set Root Table Pointer command" (docs/spec-notes.md; trace
 * ch06-invalidation/register-invalidation-latched-ttm.vtdt). */
static bool register_inval_allowed(const struct vtd_iommu *u)
{
    uint64_t root = atomic_load(&u->root_latched);
    unsigned ver = u->cfg.ver ? u->cfg.ver : 0x10;
    return field_get(root, RTADDR, TTM) == VTD_TTM_LEGACY &&
           field_get(ver, VER, MAX) < 6;
}

void vtd_inval_ccmd_written_locked_(struct vtd_iommu *u)
{
    uint64_t cmd = vtd_reg_get64_(u, VTD_REG_CCMD);
    if (!field_get(cmd, CCMD, ICC))
        return;
    unsigned cirg = (unsigned)field_get(cmd, CCMD, CIRG);
    uint16_t did = (uint16_t)(field_get(cmd, CCMD, DID) &
                              vtd_did_mask_(u->cap));
    uint16_t sid = (uint16_t)field_get(cmd, CCMD, SID);
    unsigned fm = (unsigned)field_get(cmd, CCMD, FM);
    unsigned caig = 0;

    if (!register_inval_allowed(u)) {
        vtd_log_(u, VTD_LOG_ERROR,
                 "CCMD invalidation refused (TTM not legacy or VER >= 6): "
                 "CAIG = 00b (VT-d 11.4.6.1)");
    } else if (cirg == 0) {
        /* 11.4.6.1: CIRG 00b is reserved -> incorrect request. */
        vtd_log_(u, VTD_LOG_ERROR,
                 "CCMD with reserved CIRG 00b: CAIG = 00b");
    } else {
        /* 01b global, 10b domain (DID), 11b device (SID, FM, DID); done
         * at the granularity requested. */
        vtd_cache_inv_context_(u, cirg, did, sid, fm);
        vtd_count_(u, invalidations);
        caig = cirg;
        emit_inv(u, "context", cmd, 0, NULL);
    }
    /* Coverage (rulehits.h): the granularity performed, 00b refused. */
    if (caig == VTD_INV_GLOBAL)
        vtd_rule_(u, I_CCMD_GLOBAL);
    else if (caig == VTD_INV_DOMAIN)
        vtd_rule_(u, I_CCMD_DOMAIN);
    else if (caig == VTD_INV_DEVICE)
        vtd_rule_(u, I_CCMD_DEVICE);
    else
        vtd_rule_(u, I_CCMD_REFUSED);
    cmd = field_set(cmd, CCMD, ICC, 0);
    cmd = field_set(cmd, CCMD, CAIG, caig);
    vtd_reg_set64_(u, VTD_REG_CCMD, cmd);
}

void vtd_inval_iotlb_written_locked_(struct vtd_iommu *u)
{
    uint64_t cmd = vtd_reg_get64_(u, u->iro + 8);
    if (!field_get(cmd, IOTLB, IVT))
        return;
    uint64_t iva = vtd_reg_get64_(u, u->iro);
    unsigned iirg = (unsigned)field_get(cmd, IOTLB, IIRG);
    uint16_t did = (uint16_t)(field_get(cmd, IOTLB, DID) &
                              vtd_did_mask_(u->cap));
    unsigned am = (unsigned)field_get(iva, IVA, AM);
    bool ih = field_get(iva, IVA, IH);
    unsigned iaig = 0;

    if (!register_inval_allowed(u)) {
        vtd_log_(u, VTD_LOG_ERROR,
                 "IOTLB invalidation refused (TTM not legacy or VER >= 6):"
                 " IAIG = 00b (VT-d 11.4.6.3)");
    } else if (iirg == 0) {
        vtd_log_(u, VTD_LOG_ERROR,
                 "IOTLB_REG with reserved IIRG 00b: IAIG = 00b");
    } else if (iirg == VTD_INV_PAGE &&
               am > field_get(u->cap, CAP, MAMV)) {
        /* 11.4.6.3 IAIG 00b: unsupported address mask value. */
        vtd_log_(u, VTD_LOG_ERROR,
                 "IVA.AM %u above CAP.MAMV %u: IAIG = 00b", am,
                 (unsigned)field_get(u->cap, CAP, MAMV));
    } else if (iirg == VTD_INV_PAGE && !field_get(u->cap, CAP, PSI)) {
        /* Without page-selective support the hardware may invalidate
         * at a coarser granularity: domain-selective. */
        vtd_cache_inv_iotlb_(u, VTD_INV_DOMAIN, did, 0, 0, false);
        vtd_count_(u, invalidations);
        iaig = VTD_INV_DOMAIN;
        emit_inv(u, "iotlb", cmd, iva, "page-selective done as domain");
    } else {
        uint64_t addr = 0;
        if (iirg == VTD_INV_PAGE) {
            /* 11.4.6.4: bits 63:MGAW ignored; AM low address bits are
             * masked. */
            uint64_t mask = u->mgaw >= 64 ? ~0ULL
                                          : ((1ULL << u->mgaw) - 1);
            addr = iva & IVA_ADDR_MASK & mask & ~bits_mask(0, 12 + am);
        }
        vtd_cache_inv_iotlb_(u, iirg, did, addr, am, ih);
        vtd_count_(u, invalidations);
        iaig = iirg;
        emit_inv(u, "iotlb", cmd, iva, NULL);
    }
    /* Coverage (rulehits.h): the granularity performed, 00b refused. */
    if (iaig == VTD_INV_GLOBAL)
        vtd_rule_(u, I_IOTLB_GLOBAL);
    else if (iaig == VTD_INV_DOMAIN && iirg == VTD_INV_PAGE)
        vtd_rule_(u, I_IOTLB_PAGE_AS_DOMAIN);
    else if (iaig == VTD_INV_DOMAIN)
        vtd_rule_(u, I_IOTLB_DOMAIN);
    else if (iaig == VTD_INV_PAGE)
        vtd_rule_(u, I_IOTLB_PAGE);
    if (iaig == VTD_INV_PAGE && ih)
        vtd_rule_(u, I_IOTLB_PAGE_IH);
    if (iaig == 0)
        vtd_rule_(u, I_IOTLB_REFUSED);
    /* DR/DW: draining is immediate here (nothing is in flight). */
    cmd = field_set(cmd, IOTLB, IVT, 0);
    cmd = field_set(cmd, IOTLB, IAIG, iaig);
    vtd_reg_set64_(u, u->iro + 8, cmd);
}
