/* SPDX-License-Identifier: MIT */
/*
 * vtd/rules.c: the rule registry (rules.def) and the decoders that turn a
 * fault reason, a descriptor or a GCMD write into the rules it took
 * (rulehits.h).  docs/coverage.md.
 */
#include <vtd/rules.h>

#include "internal.h"

static const struct vtd_rule_info rules[] = {
#define IMPL VTD_RULE_IMPLEMENTED
#define NOTIMPL VTD_RULE_NOT_IMPLEMENTED
#define UNREACH VTD_RULE_UNREACHABLE
#define HOSTONLY VTD_RULE_HOST_ONLY
#define RULE(ID, NAME, SECTION, STATUS, TEXT)                              \
    [VTD_RULE_##ID] = { NAME, SECTION, TEXT, STATUS },
#define FAULT(ID, NAME, REASON, SECTION, STATUS, TEXT)                     \
    RULE(ID, NAME, SECTION, STATUS, TEXT)
#include "rules.def"
#undef RULE
#undef FAULT
};

G_STATIC_ASSERT(G_N_ELEMENTS(rules) == VTD_RULE_COUNT_);

unsigned vtd_rule_count(void)
{
    return VTD_RULE_COUNT_;
}

int vtd_rule_describe(unsigned rule, struct vtd_rule_info *out)
{
    if (!out || rule >= VTD_RULE_COUNT_)
        return -EINVAL;
    *out = rules[rule];
    return 0;
}

int vtd_rule_lookup(const char *name)
{
    if (!name)
        return -EINVAL;
    for (unsigned i = 0; i < VTD_RULE_COUNT_; i++)
        if (strcmp(rules[i].name, name) == 0)
            return (int)i;
    return -ENOENT;
}

int vtd_rule_hits(struct vtd_iommu *u, uint64_t *hits, size_t n)
{
    if (!u || (!hits && n))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        hits[i] = i < VTD_RULE_COUNT_
                      ? atomic_load_explicit(&u->rule_hits[i],
                                             memory_order_relaxed)
                      : 0;
    /* The per-thread counts (rulehits.h). */
    for (unsigned s = 0; s < VTD_SHARDS; s++)
        for (size_t i = 0; i < n && i < VTD_RULE_COUNT_; i++)
            hits[i] += atomic_load_explicit(&u->rule_shard[s].n[i],
                                            memory_order_relaxed);
    return VTD_RULE_COUNT_;
}

/* ------------------------------------------------------------------ */
/* Decoders                                                            */
/* ------------------------------------------------------------------ */

void vtd_rule_fault_(struct vtd_iommu *u, unsigned reason)
{
    enum vtd_rule_id id = VTD_RULE_COUNT_;
    switch (reason) {
#define RULE(ID, ...)
#define FAULT(ID, NAME, REASON, ...)                                       \
    case REASON:                                                           \
        id = VTD_RULE_##ID;                                                \
        break;
#include "rules.def"
#undef RULE
#undef FAULT
    default:
        break;
    }
    if (id != VTD_RULE_COUNT_)
        vtd_rule_id_(u, id);
}

void vtd_rule_iqe_(struct vtd_iommu *u, unsigned iqei)
{
    switch (iqei) {
    case VTD_IQEI_TAIL: vtd_rule_(u, Q_IQE_TAIL); break;
    case VTD_IQEI_FETCH: vtd_rule_(u, Q_IQE_FETCH); break;
    case VTD_IQEI_TYPE: vtd_rule_(u, Q_IQE_TYPE); break;
    case VTD_IQEI_RSVD: vtd_rule_(u, Q_IQE_RSVD); break;
    case VTD_IQEI_WIDTH: vtd_rule_(u, Q_IQE_WIDTH); break;
    case VTD_IQEI_TAIL_ALIGN: vtd_rule_(u, Q_IQE_ALIGN); break;
    case VTD_IQEI_TTM: vtd_rule_(u, Q_IQE_TTM); break;
    default: break;
    }
}

/* 6.5.2: type = bits 11:9 and 3:0; G in bits 5:4 (IEC: bit 4). */
void vtd_rule_qi_desc_(struct vtd_iommu *u, unsigned ttm, const uint64_t *q)
{
    unsigned type = vtd_qd_type(q);
    unsigned g = (unsigned)field_get(q[0], QD, G);
    switch (type) {
    case VTD_INV_CC:
        /* 6.5.2.1: domain-selective is done as global in scalable mode,
         * the rule taken is still the one requested. */
        if (g == VTD_INV_GLOBAL)
            vtd_rule_(u, Q_CC_GLOBAL);
        else if (g == VTD_INV_DOMAIN)
            vtd_rule_(u, Q_CC_DOMAIN);
        else if (g == VTD_INV_DEVICE)
            vtd_rule_(u, Q_CC_DEVICE);
        break;
    case VTD_INV_IOTLB:
        if (g == VTD_INV_GLOBAL)
            vtd_rule_(u, Q_IOTLB_GLOBAL);
        else if (g == VTD_INV_DOMAIN)
            vtd_rule_(u, Q_IOTLB_DOMAIN);
        else if (g == VTD_INV_PAGE)
            vtd_rule_(u, Q_IOTLB_PAGE);
        if (g == VTD_INV_PAGE && field_get(q[1], QD_HI, IH))
            vtd_rule_(u, Q_IOTLB_PAGE_IH);
        break;
    case VTD_INV_DEVTLB:
        vtd_rule_(u, Q_DEVTLB);
        break;
    case VTD_INV_IEC:
        if (field_get(q[0], QD_IEC, G))
            vtd_rule_(u, Q_IEC_INDEX);
        else
            vtd_rule_(u, Q_IEC_GLOBAL);
        break;
    case VTD_INV_WAIT: {
        bool sw = field_get(q[0], QD_WAIT, SW), irq = field_get(q[0],
                                                                QD_WAIT, IF);
        if (sw)
            vtd_rule_(u, Q_WAIT_SW);
        if (irq)
            vtd_rule_(u, Q_WAIT_IF);
        if (!sw && !irq)
            vtd_rule_(u, Q_WAIT_NONE);
        break;
    }
    case VTD_INV_PIOTLB:
        if (g == 2)
            vtd_rule_(u, Q_PIOTLB_PASID);
        else if (g == 3)
            vtd_rule_(u, Q_PIOTLB_PAGE);
        if (g == 3 && field_get(q[1], QD_HI, IH))
            vtd_rule_(u, Q_PIOTLB_PAGE_IH);
        break;
    case VTD_INV_PC:
        /* 6.5.2.2: 00b domain, 01b PASID, 11b global. */
        if (g == 0)
            vtd_rule_(u, Q_PC_DOMAIN);
        else if (g == 1)
            vtd_rule_(u, Q_PC_PASID);
        else if (g == 3)
            vtd_rule_(u, Q_PC_GLOBAL);
        break;
    case VTD_INV_PDEVTLB:
        vtd_rule_(u, Q_PDEVTLB);
        break;
    case VTD_INV_PGRP_RESP:
        vtd_rule_(u, Q_PGRP_RESP);
        break;
    default:
        break;
    }
    (void)ttm;
}

void vtd_rule_gcmd_(struct vtd_iommu *u, uint32_t cmd, uint32_t before,
                    uint32_t after)
{
    uint32_t changed = before ^ after;
    unsigned n = 0;
    if ((cmd & VTD_GCMD_SRTP) && (after & VTD_GSTS_RTPS)) {
        vtd_rule_(u, R_GCMD_SRTP);
        n++;
    }
    if ((cmd & VTD_GCMD_SIRTP) && (after & VTD_GSTS_IRTPS)) {
        vtd_rule_(u, R_GCMD_SIRTP);
        n++;
    }
    if ((cmd & VTD_GCMD_WBF) && field_get(u->cap, CAP, RWBF)) {
        vtd_rule_(u, R_GCMD_WBF);
        n++;
    }
    if (field_get(u->cap, CAP, AFL)) {
        if (cmd & VTD_GCMD_SFL) {
            vtd_rule_(u, R_GCMD_SFL);
            n++;
        }
        if (changed & VTD_GSTS_AFLS) {
            vtd_rule_(u, R_GCMD_EAFL);
            n++;
        }
    }
    if (changed & VTD_GSTS_QIES) {
        if (after & VTD_GSTS_QIES)
            vtd_rule_(u, R_GCMD_QIE_ON);
        else
            vtd_rule_(u, R_GCMD_QIE_OFF);
        n++;
    } else if (field_get(u->ecap, ECAP, QI) &&
               !!(cmd & VTD_GCMD_QIE) != !!(before & VTD_GSTS_QIES)) {
        vtd_rule_(u, R_GCMD_QIE_REFUSED);
        n++;
    }
    if (changed & VTD_GSTS_IRES) {
        if (after & VTD_GSTS_IRES)
            vtd_rule_(u, R_GCMD_IRE_ON);
        else
            vtd_rule_(u, R_GCMD_IRE_OFF);
        n++;
    }
    if (changed & VTD_GSTS_CFIS) {
        if (after & VTD_GSTS_CFIS)
            vtd_rule_(u, R_GCMD_CFI_ON);
        else
            vtd_rule_(u, R_GCMD_CFI_OFF);
        n++;
    }
    if (changed & VTD_GSTS_TES) {
        if (after & VTD_GSTS_TES)
            vtd_rule_(u, R_GCMD_TE_ON);
        else
            vtd_rule_(u, R_GCMD_TE_OFF);
        n++;
    }
    if (n > 1)
        vtd_rule_(u, R_GCMD_MULTI);
}

void vtd_rule_walk_(struct vtd_iommu *u, bool fs, unsigned levels,
                    uint64_t page_size)
{
    enum vtd_rule_id size = VTD_RULE_COUNT_, lv = VTD_RULE_COUNT_;
    if (fs) {
        if (page_size == VTD_PAGE_4K)
            size = VTD_RULE_M_FS_4K;
        else if (page_size == VTD_PAGE_2M)
            size = VTD_RULE_M_FS_2M;
        else if (page_size == VTD_PAGE_1G)
            size = VTD_RULE_M_FS_1G;
        if (levels == 4)
            lv = VTD_RULE_M_FS_L4;
        else if (levels == 5)
            lv = VTD_RULE_M_FS_L5;
    } else {
        if (page_size == VTD_PAGE_4K)
            size = VTD_RULE_M_SS_4K;
        else if (page_size == VTD_PAGE_2M)
            size = VTD_RULE_M_SS_2M;
        else if (page_size == VTD_PAGE_1G)
            size = VTD_RULE_M_SS_1G;
        if (levels == 3)
            lv = VTD_RULE_M_SS_L3;
        else if (levels == 4)
            lv = VTD_RULE_M_SS_L4;
        else if (levels == 5)
            lv = VTD_RULE_M_SS_L5;
    }
    /* Two rules per walk, one shard (rulehits.h).  VTD_RULE_COUNT_, for
     * no rule, is a spare word (VTD_RULE_SHARD_WORDS > VTD_RULE_COUNT_)
     * never summed. */
    unsigned s = vtd_tls_shard_;
    if (G_LIKELY(s)) {
        _Atomic uint64_t *n = u->rule_shard[(s - 1) & (VTD_SHARDS - 1)].n;
        vtd_rule_inc_(&n[size]);
        vtd_rule_inc_(&n[lv]);
        return;
    }
    if (size != VTD_RULE_COUNT_)
        vtd_rule_id_(u, size);
    if (lv != VTD_RULE_COUNT_)
        vtd_rule_id_(u, lv);
}
