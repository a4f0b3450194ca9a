/* SPDX-License-Identifier: MIT */
/*
 * vtd/fault.c: primary fault logging (VT-d 7.2.1), the fault event
 * interrupt (7.3), FSTS/FECTL/FRCD register side effects (11.4.7) and the
 * fault reason catalogue (7.1.3 Table 30, 5.1.4.1 Table 15).
 *
 * Every detected fault is counted once in faults_detected and once in
 * exactly one of faults_recorded, faults_suppressed (qualified and FPD),
 * faults_collapsed (same SID already pending) or faults_overflow (PFO).
 */
#include "internal.h"

/* ------------------------------------------------------------------ */
/* Fault reasons                                                       */
/* ------------------------------------------------------------------ */

struct reason_line {
    unsigned reason;
    bool qualified;   /* Table 30 / Table 15 "Qualified" column */
    const char *str;
};

static const struct reason_line reasons[] = {
    /* VT-d 7.1.3 Table 30: legacy mode */
    { VTD_FR_ROOT_NOT_PRESENT, false, "LRT.2: root entry not present" },
    { VTD_FR_CTX_NOT_PRESENT, true, "LCT.2: context entry not present" },
    { VTD_FR_CTX_INVALID, true,
      "LCT.4: invalid context entry programming (AW, TT or "
      "second-stage table pointer)" },
    { VTD_FR_ADDR_BEYOND_AW, true,
      "LGN.1: address beyond the address width" },
    { VTD_FR_WRITE, true, "LGN.2: write request without write permission" },
    { VTD_FR_READ, true, "LGN.3: read request without read permission" },
    { VTD_FR_SL_ACCESS, true,
      "LSS.1: error accessing a second-stage paging entry" },
    { VTD_FR_ROOT_ACCESS, false, "LRT.1: error accessing the root entry" },
    { VTD_FR_CTX_ACCESS, false, "LCT.1: error accessing the context entry" },
    { VTD_FR_ROOT_RSVD, false,
      "LRT.3: reserved field set in a present root entry" },
    { VTD_FR_CTX_RSVD, true,
      "LCT.3: reserved field set in a present context entry" },
    { VTD_FR_SL_RSVD, true,
      "LSS.2: reserved field set in a second-stage paging entry" },
    { VTD_FR_CTX_TT_BLOCKED, true,
      "LCT.5: context entry TT blocks translation/translated requests" },
    { VTD_FR_INTR_ADDR, true,
      "LGN.4: output address in the interrupt range (FEEx_xxxxh)" },
    /* VT-d 5.1.4.1 Table 15: interrupt remapping */
    { VTD_FR_IR_REQ_RSVD, false,
      "IR 20h: reserved field set in a remappable interrupt request" },
    { VTD_FR_IR_INDEX, false,
      "IR 21h: interrupt index beyond the remapping table size" },
    { VTD_FR_IR_NOT_PRESENT, true, "IR 22h: IRTE not present" },
    { VTD_FR_IR_TABLE_ACCESS, false,
      "IR 23h: error accessing the interrupt remapping table" },
    { VTD_FR_IR_RSVD, true,
      "IR 24h: reserved field set or invalid programming in a present "
      "IRTE" },
    { VTD_FR_IR_COMPAT, false,
      "IR 25h: compatibility-format interrupt blocked (EIME set or CFIS "
      "clear)" },
    { VTD_FR_IR_SID, true,
      "IR 26h: interrupt requester source-id verification failed" },
    { VTD_FR_IR_PID_ACCESS, true,
      "IR 27h: error accessing the posted-interrupt descriptor" },
    { VTD_FR_IR_PID_RSVD, true,
      "IR 28h: reserved field set in the posted-interrupt descriptor" },
    { VTD_FR_IR_INVALID_MSI, false,
      "IR 29h: request to the interrupt address range that is not a "
      "valid interrupt" },
    { VTD_FR_IR_EIMER, false,
      "IR 2Ah: interrupt request with EIME clear on a unit reporting "
      "EIMER" },
    { VTD_FR_IR_IRREQ, false,
      "IR 2Bh: MSI with interrupt remapping disabled on a unit reporting "
      "IRREQ" },
    /* Table 30: root-table address register */
    { VTD_FR_RTA_INVALID, false,
      "RTA.1: invalid RTADDR programming (TTM or SSIRWE)" },
    { VTD_FR_RTA_LEGACY_PASID, false,
      "RTA.2: request with PASID in legacy mode" },
    { VTD_FR_RTA_LEGACY_PRQ, false, "RTA.3: page request in legacy mode" },
    { VTD_FR_RTA_ABORT, false, "RTA.4: request in abort-DMA mode" },
    { VTD_FR_RTA_EXEC, false,
      "RTA.5: request with PASID and execute-requested" },
    /* Scalable-mode root table */
    { VTD_FR_SRT_ACCESS, false,
      "SRT.1: error accessing the scalable-mode root entry" },
    { VTD_FR_SRT_NOT_PRESENT, false,
      "SRT.2: scalable-mode root entry (UP/LP) not present" },
    { VTD_FR_SRT_RSVD, false,
      "SRT.3: reserved field set in a scalable-mode root entry" },
    /* Scalable-mode context table */
    { VTD_FR_SCT_ACCESS, false,
      "SCT.1: error accessing the scalable-mode context entry" },
    { VTD_FR_SCT_NOT_PRESENT, true,
      "SCT.2: scalable-mode context entry not present" },
    { VTD_FR_SCT_RSVD, true,
      "SCT.3: reserved field set in a scalable-mode context entry" },
    { VTD_FR_SCT_INVALID, true,
      "SCT.4: invalid scalable-mode context entry programming" },
    { VTD_FR_SCT_DTE, true,
      "SCT.5: device-TLB disabled for a translation/translated request" },
    { VTD_FR_SCT_PASIDE, true,
      "SCT.6: PASID disabled for a request with PASID" },
    { VTD_FR_SCT_PASID_RANGE, true,
      "SCT.7: PASID beyond the PASID directory size" },
    { VTD_FR_SCT_PRE, true, "SCT.8: page requests disabled" },
    { VTD_FR_SCT_RID_PASID, true,
      "SCT.9: request PASID equals the context entry's RID_PASID" },
    { VTD_FR_SCT_EPTR, true,
      "SCT.10: translated request with PASID while EPTR is clear" },
    /* Scalable-mode PASID directory */
    { VTD_FR_SPD_ACCESS, false,
      "SPD.1: error accessing the PASID directory entry" },
    { VTD_FR_SPD_NOT_PRESENT, true, "SPD.2: PASID directory entry not present" },
    { VTD_FR_SPD_RSVD, true,
      "SPD.3: reserved field set in a PASID directory entry" },
    /* Scalable-mode PASID table */
    { VTD_FR_SPT_ACCESS, false,
      "SPT.1: error accessing the PASID table entry" },
    { VTD_FR_SPT_NOT_PRESENT, true, "SPT.2: PASID table entry not present" },
    { VTD_FR_SPT_RSVD, true,
      "SPT.3: reserved field set in a PASID table entry" },
    { VTD_FR_SPT_INVALID, true,
      "SPT.4: invalid PASID table entry programming (AW, PGTT, FSPM, "
      "FSPTPTR)" },
    { VTD_FR_SPT_EXEC, true,
      "SPT.5: execute requested without ECAP.ERS" },
    { VTD_FR_SPT_SRE, true,
      "SPT.6: supervisor request while the PASID entry's SRE is clear" },
    { VTD_FR_SPT_HPT_SIZE, true,
      "SPT.9: translated request beyond the HPT size" },
    /* Scalable-mode first stage */
    { VTD_FR_SFS_ACCESS, true,
      "SFS.1: error accessing a first-stage paging entry" },
    { VTD_FR_SFS_NOT_PRESENT, true, "SFS.2: first-stage paging entry not present" },
    { VTD_FR_SFS_RSVD, true,
      "SFS.3: reserved field set in a first-stage paging entry" },
    { VTD_FR_SFS_ROOT_ACCESS, true,
      "SFS.4: error accessing the first-stage root (FSPTPTR)" },
    { VTD_FR_SFS_NESTED_AW, true,
      "SFS.5: nested first-stage address beyond the address width" },
    { VTD_FR_SFS_NESTED_ROOT_READ, true,
      "SFS.6: nested read of the first-stage root blocked" },
    { VTD_FR_SFS_NESTED_READ, true,
      "SFS.7: nested read of a first-stage entry blocked" },
    { VTD_FR_SFS_NESTED_AD, true,
      "SFS.8: nested A/D update of a first-stage entry blocked" },
    { VTD_FR_SFS_AD_NOSNOOP, true,
      "SFS.9: first-stage A/D update needed without snooping" },
    { VTD_FR_SFS_AD_FAILED, true, "SFS.10: first-stage A/D update failed" },
    /* Not Table 30: never recorded (11.4.8.1). */
    { VTD_FR_PMR_BLOCKED, false,
      "PMR: DMA to a protected memory region (not recorded)" },
    /* Not Table 30: UR without a fault (4.2.1). */
    { VTD_FR_ATS_UR, false,
      "ATS: unsupported request (4.2.1; not a remapping fault)" },
    /* Scalable-mode second stage */
    { VTD_FR_SSS_ACCESS, true,
      "SSS.1: error accessing a second-stage paging entry" },
    { VTD_FR_SSS_NO_PERM, true,
      "SSS.2: second-stage entry with R=W=0 or permission not granted" },
    { VTD_FR_SSS_RSVD, true,
      "SSS.3: reserved field set in a second-stage paging entry" },
    { VTD_FR_SSS_ROOT_ACCESS, true,
      "SSS.4: error accessing the second-stage root (SSPTPTR)" },
    { VTD_FR_SSS_AD_NOSNOOP, true,
      "SSS.5: second-stage A/D update needed without snooping" },
    { VTD_FR_SSS_AD_FAILED, true, "SSS.6: second-stage A/D update failed" },
    /* Scalable-mode general */
    { VTD_FR_SGN_CANONICAL, true,
      "SGN.1: first-stage input address not canonical" },
    { VTD_FR_SGN_USER, true,
      "SGN.2: user request to a supervisor first-stage page" },
    { VTD_FR_SGN_HAW, true, "SGN.4: address beyond the host address width" },
    { VTD_FR_SGN_AW, true, "SGN.5: address beyond the address width" },
    { VTD_FR_SGN_WRITE, true,
      "SGN.6: write request without write permission" },
    { VTD_FR_SGN_READ, true, "SGN.7: read request without read permission" },
    { VTD_FR_SGN_INTR_ADDR, true,
      "SGN.8: output address in the interrupt range (FEEx_xxxxh)" },
    { VTD_FR_SGN_PASID_SIZE, true,
      "SGN.10: PASID beyond the supported PASID size" },
    /* Host permission table */
    { VTD_FR_HPT_ACCESS, true, "HPT.1: error accessing an HPT entry" },
    { VTD_FR_HPT_RSVD, true, "HPT.2: reserved field set in an HPT entry" },
    { VTD_FR_HPT_ROOT_ACCESS, true,
      "HPT.3: error accessing the HPT root (PASID table entry)" },
    { VTD_FR_HPT_ZLR, true,
      "HPT.4: zero-length read ended the HPT walk before a non-zero PPi" },
    { VTD_FR_HPT_WRITE, true,
      "HPT.5: write request without write permission in the HPT" },
    { VTD_FR_HPT_READ, true,
      "HPT.6: read request without read permission in the HPT" },
};

static const struct reason_line *reason_find(unsigned reason)
{
    for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
        if (reasons[i].reason == reason)
            return &reasons[i];
    return NULL;
}

const char *vtd_fault_reason_str(unsigned reason)
{
    const struct reason_line *l = reason_find(reason);
    return l ? l->str : "unknown fault reason";
}

bool vtd_fault_reason_qualified(unsigned reason)
{
    const struct reason_line *l = reason_find(reason);
    return l && l->qualified;
}

/* ------------------------------------------------------------------ */
/* FSTS / FECTL and the fault event (7.3)                              */
/* ------------------------------------------------------------------ */

/* Status fields whose being set means an interrupt condition is still
 * waiting for software (7.3, first bullet). */
#define FSTS_PENDING_MASK                                                  \
    (FSTS_PPF_MASK | FSTS_PFO_MASK | FSTS_IQE_MASK | FSTS_ICE_MASK |        \
     FSTS_ITE_MASK)

static uint64_t frcd_hi(const struct vtd_iommu *u, unsigned i)
{
    return vtd_reg_get64_(u, u->fro + 16 * i + 8);
}

static void send_fault_event(struct vtd_iommu *u)
{
    uint64_t addr = vtd_reg_get32_(u, VTD_REG_FEADDR) |
                    (uint64_t)vtd_reg_get32_(u, VTD_REG_FEUADDR) << 32;
    uint32_t data = vtd_reg_get32_(u, VTD_REG_FEDATA);
    vtd_msi_send_(u, addr, data);
}

/* 7.3: a new interrupt condition (PPF, IQE, ICE or ITE just set).
 * pending_before: the FSTS pending fields before it was set. */
static void fault_event(struct vtd_iommu *u, uint32_t pending_before)
{
    if (pending_before)
        return;
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_FECTL);
    if (field_get(ctl, ECTL, IM)) {
        ctl = (uint32_t)field_set(ctl, ECTL, IP, 1);
        vtd_reg_set32_(u, VTD_REG_FECTL, ctl);
        vtd_rule_(u, FR_EVENT_HELD);
        return;
    }
    vtd_reg_set32_(u, VTD_REG_FECTL, (uint32_t)field_set(ctl, ECTL, IP, 0));
    vtd_rule_(u, FR_EVENT_SENT);
    send_fault_event(u);
}

/* Recompute PPF as the OR of every record's F (7.2.1) and clear a held
 * interrupt when no status field is left (7.3). */
void vtd_fault_update_locked_(struct vtd_iommu *u)
{
    bool any = false;
    for (unsigned i = 0; i < u->nfr && !any; i++)
        any = field_get(frcd_hi(u, i), FRCD_HI, F);
    uint32_t fsts = vtd_reg_get32_(u, VTD_REG_FSTS);
    fsts = (uint32_t)field_set(fsts, FSTS, PPF, any);
    vtd_reg_set32_(u, VTD_REG_FSTS, fsts);
    if (!(fsts & FSTS_PENDING_MASK)) {
        uint32_t ctl = vtd_reg_get32_(u, VTD_REG_FECTL);
        vtd_reg_set32_(u, VTD_REG_FECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 0));
    }
}

void vtd_fault_fsts_written_locked_(struct vtd_iommu *u)
{
    vtd_fault_update_locked_(u);
}

void vtd_fault_frcd_written_locked_(struct vtd_iommu *u, unsigned index)
{
    (void)index;
    vtd_fault_update_locked_(u);
}

/* 7.3: clearing IM with IP set sends the held interrupt. */
void vtd_fault_fectl_written_locked_(struct vtd_iommu *u)
{
    uint32_t ctl = vtd_reg_get32_(u, VTD_REG_FECTL);
    if (field_get(ctl, ECTL, IP) && !field_get(ctl, ECTL, IM)) {
        vtd_reg_set32_(u, VTD_REG_FECTL,
                       (uint32_t)field_set(ctl, ECTL, IP, 0));
        vtd_rule_(u, FR_EVENT_UNMASKED);
        send_fault_event(u);
    }
}

void vtd_fault_set_fsts_locked_(struct vtd_iommu *u, uint32_t bits)
{
    bits &= FSTS_IQE_MASK | FSTS_ICE_MASK | FSTS_ITE_MASK;
    uint32_t fsts = vtd_reg_get32_(u, VTD_REG_FSTS);
    if ((fsts & bits) == bits)
        return;
    vtd_reg_set32_(u, VTD_REG_FSTS, fsts | bits);
    fault_event(u, fsts & FSTS_PENDING_MASK);
}

void vtd_fault_gsts_changed_locked_(struct vtd_iommu *u)
{
    uint32_t g = vtd_reg_get32_(u, VTD_REG_GSTS);
    if (!(g & (VTD_GSTS_TES | VTD_GSTS_IRES)))
        u->fault.next = 0;
}

void vtd_fault_reset_(struct vtd_iommu *u)
{
    u->fault.next = 0;
}

/* ------------------------------------------------------------------ */
/* Recording (7.2.1)                                                   */
/* ------------------------------------------------------------------ */

static void emit_fault(struct vtd_iommu *u, const struct vtd_fault_info *fi,
                       bool recorded, const char *what)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = {
        .kind = VTD_EV_FAULT, .sid = fi->sid, .pasid = fi->pasid,
        .addr = fi->addr, .fault = fi->reason, .recorded = recorded,
        .what = what, .msg = vtd_fault_reason_str(fi->reason),
    };
    vtd_emit_(u, &ev);
}

/* 11.4.7.6: FI bits 63:N are reserved (0), N the largest AGAW the unit
 * supports (CAP.SAGAW, 11.4.2).  A unit without
 * second stage reports SAGAW=0 (11.4.2); its widest input is first-stage
 * (57 bits with CAP.FS5LP, else 48), which vtdemu takes as N. */
static uint64_t fi_mask(const struct vtd_iommu *u)
{
    unsigned n = (u->sagaw & VTD_SAGAW_57) ? 57
               : (u->sagaw & VTD_SAGAW_48) ? 48
               : (u->sagaw & VTD_SAGAW_39) ? 39
               : field_get(u->cap, CAP, FS5LP) ? 57 : 48;
    return ((1ULL << n) - 1) & VTD_FRCD_LO_FI_MASK;
}

/* 11.4.7.6: for interrupt faults FI holds the interrupt index in 63:48,
 * except reasons 20h, 25h, 29h-2Bh where it is undefined (written 0). */
static uint64_t frcd_lo_value(const struct vtd_iommu *u,
                              const struct vtd_fault_info *fi)
{
    if (fi->is_irq) {
        switch (fi->reason) {
        case VTD_FR_IR_REQ_RSVD:
        case VTD_FR_IR_COMPAT:
        case VTD_FR_IR_INVALID_MSI:
        case VTD_FR_IR_EIMER:
        case VTD_FR_IR_IRREQ:
            return 0;
        default:
            return fi->addr & VTD_FRCD_LO_IIDX_MASK;
        }
    }
    return fi->addr & fi_mask(u);
}

static uint64_t frcd_hi_value(const struct vtd_iommu *u,
                              const struct vtd_fault_info *fi)
{
    uint64_t hi = 0;
    hi = field_set(hi, FRCD_HI, SID, fi->sid);
    hi = field_set(hi, FRCD_HI, FR, fi->reason);
    if (!fi->is_irq) {
        /* T1/T2: 00 write, 10 read, 01 page request (atomics are not
         * modelled). */
        if (fi->page_req)
            hi = field_set(hi, FRCD_HI, T2, 1);
        else
            hi = field_set(hi, FRCD_HI, T1, fi->is_read);
        /* AT is RsvdZ without device-TLB support (ECAP.DT), and valid
         * only for read/write/AtomicOp requests. */
        if (field_get(u->ecap, ECAP, DT) && !fi->page_req)
            hi = field_set(hi, FRCD_HI, AT, fi->at & 3);
        /* PP/PV/EXE/PRIV are RsvdZ without ECAP.PASID. */
        if (fi->pasid != VTD_NO_PASID && field_get(u->ecap, ECAP, PASID)) {
            hi = field_set(hi, FRCD_HI, PP, 1);
            hi = field_set(hi, FRCD_HI, PV, fi->pasid & VTD_PASID_MAX);
            hi = field_set(hi, FRCD_HI, PRIV, fi->priv);
            hi = field_set(hi, FRCD_HI, EXE,
                           fi->exec && fi->is_read && !fi->page_req);
        }
    }
    return hi;
}

bool vtd_fault_report_locked_(struct vtd_iommu *u,
                              const struct vtd_fault_info *fi, bool fpd)
{
    if (!u || !fi)
        return false;
    vtd_count_(u, faults_detected);
    vtd_rule_fault_(u, fi->reason);

    /* 7.1.1 / 5.1.4.1: FPD suppresses only qualified conditions. */
    if (fpd && vtd_fault_reason_qualified(fi->reason)) {
        vtd_count_(u, faults_suppressed);
        vtd_rule_(u, FR_FPD);
        emit_fault(u, fi, false, "suppressed");
        return false;
    }
    uint32_t fsts = vtd_reg_get32_(u, VTD_REG_FSTS);
    /* 7.2.1: PFO already set -> not recorded. */
    if (field_get(fsts, FSTS, PFO)) {
        vtd_count_(u, faults_overflow);
        vtd_rule_(u, FR_PFO_HELD);
        emit_fault(u, fi, false, "overflow");
        return false;
    }
    /* 7.2.1: collapse a fault from a SID already held in a record with F
     * set (PFO is not set: the oracle's stated choice). */
    if (!u->cfg.no_fault_collapse) {
        for (unsigned i = 0; i < u->nfr; i++) {
            uint64_t hi = frcd_hi(u, i);
            if (field_get(hi, FRCD_HI, F) &&
                field_get(hi, FRCD_HI, SID) == fi->sid) {
                vtd_count_(u, faults_collapsed);
                vtd_rule_(u, FR_COLLAPSED);
                emit_fault(u, fi, false, "collapsed");
                return false;
            }
        }
    }
    unsigned idx = u->fault.next < u->nfr ? u->fault.next : 0;
    /* 7.2.1: the record at the internal index still holds a fault ->
     * set PFO, not recorded. */
    if (field_get(frcd_hi(u, idx), FRCD_HI, F)) {
        vtd_reg_set32_(u, VTD_REG_FSTS,
                       (uint32_t)field_set(fsts, FSTS, PFO, 1));
        vtd_count_(u, faults_overflow);
        vtd_rule_(u, FR_PFO_SET);
        emit_fault(u, fi, false, "overflow");
        return false;
    }
    /* Record: details first, F last (11.4.7.6). */
    unsigned off = u->fro + 16 * idx;
    vtd_reg_set64_(u, off, frcd_lo_value(u, fi));
    uint64_t hi = frcd_hi_value(u, fi);
    vtd_reg_set64_(u, off + 8, hi);
    bool ppf_was = field_get(fsts, FSTS, PPF);
    if (!ppf_was)
        fsts = (uint32_t)field_set(fsts, FSTS, FRI, idx);
    vtd_reg_set64_(u, off + 8, field_set(hi, FRCD_HI, F, 1));
    fsts = (uint32_t)field_set(fsts, FSTS, PPF, 1);
    vtd_reg_set32_(u, VTD_REG_FSTS, fsts);
    u->fault.next = (idx + 1) % u->nfr;
    vtd_count_(u, faults_recorded);
    if (ppf_was)
        vtd_rule_(u, FR_RECORDED_PPF);
    else
        vtd_rule_(u, FR_RECORDED);
    emit_fault(u, fi, true, "recorded");
    /* 7.3: PPF newly set is an interrupt condition. */
    if (!ppf_was) {
        uint32_t before = vtd_reg_get32_(u, VTD_REG_FSTS) &
                          FSTS_PENDING_MASK & ~FSTS_PPF_MASK;
        fault_event(u, before);
    }
    return true;
}

bool vtd_fault_report_(struct vtd_iommu *u, const struct vtd_fault_info *fi,
                       bool fpd)
{
    if (!u || !fi)
        return false;
    pthread_mutex_lock(&u->lock);
    bool r = vtd_fault_report_locked_(u, fi, fpd);
    pthread_mutex_unlock(&u->lock);
    return r;
}
