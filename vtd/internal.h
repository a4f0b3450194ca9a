/* SPDX-License-Identifier: MIT */
/*
 * vtd/internal.h: what the files of the VT-d core share.
 *
 * One hardware concept per file; each owns a state struct declared in its
 * own header and embedded in struct vtd_iommu below:
 *   regs.c      register file as data, MMIO dispatch, GCMD/GSTS
 *   fault.c     primary fault logging (chapter 7), fault event interrupt
 *   inval.c     register-based invalidation (CCMD, IOTLB/IVA)
 *   qi.c        queued invalidation (6.5.2)
 *   rootctx.c   root, context (legacy and scalable) entries
 *   pasid.c     PASID directory and table entries
 *   walk.c      second- and first-stage page walks
 *   translate.c the DMA pipeline: cache, structures, walk, checks, faults
 *   cache.c     context/PASID caches and IOTLB
 *   pscache.c   paging-structure caches (6.2.5)
 *   notify.c    caching-mode map/unmap subscribers
 *   intremap.c  interrupt remapping, interrupt entry cache
 *   posted.c    posted-interrupt descriptors
 *   core.c      lifetime, profiles, config checks, events, stats
 *
 * Naming: helpers shared across files end in an underscore; functions that
 * expect u->lock held end in _locked.
 */
#ifndef VTD_INTERNAL_H
#define VTD_INTERNAL_H

#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

/* ------------------------------------------------------------------ */
/* Bit fields: named once in <vtd/layout.h>, read with field_get()     */
/* ------------------------------------------------------------------ */

static inline uint64_t bits_mask(unsigned shift, unsigned len)
{
    return vtd_field_mask(shift, len);
}

static inline uint64_t bits_get(uint64_t v, unsigned shift, unsigned len)
{
    return (v >> shift) & (len >= 64 ? ~0ULL : ((1ULL << len) - 1));
}

/* Internal setter: masks x to the field (hardware-side updates whose
 * values are known to fit).  Public code uses VTD_FIELD_SET, which
 * refuses a value wider than the field. */
static inline uint64_t bits_set(uint64_t v, unsigned shift, unsigned len,
                                uint64_t f)
{
    uint64_t m = bits_mask(shift, len);
    return (v & ~m) | ((f << shift) & m);
}

/* Every architectural field is declared in <vtd/layout.h> as
 * VTD_FIELD(CE_HI, DID, 8, 16) (constants VTD_CE_HI_DID_SHIFT / _LEN /
 * _MASK).  field_get(v, CE_HI, DID) reads it; field_set(v, CE_HI, DID, x)
 * sets it.  FIELD() declares a field private to the core the same way. */
#define FIELD(reg, name, shift, len) VTD_FIELD(reg, name, shift, len)
#define field_get(v, reg, name)                                            \
    bits_get((v), VTD_##reg##_##name##_SHIFT, VTD_##reg##_##name##_LEN)
#define field_set(v, reg, name, x)                                         \
    bits_set((v), VTD_##reg##_##name##_SHIFT, VTD_##reg##_##name##_LEN, (x))

/* The core's short names for the masks of <vtd/layout.h>. */
#define QD_TYPE_LO_MASK VTD_QD_TYPE_LO_MASK
#define QD_G_MASK VTD_QD_G_MASK
#define QD_TYPE_HI_MASK VTD_QD_TYPE_HI_MASK
#define QD_DID_MASK VTD_QD_DID_MASK
#define QD_CC_SID_MASK VTD_QD_CC_SID_MASK
#define QD_CC_FM_MASK VTD_QD_CC_FM_MASK
#define QD_IOTLB_DW_MASK VTD_QD_IOTLB_DW_MASK
#define QD_IOTLB_DR_MASK VTD_QD_IOTLB_DR_MASK
#define QD_HI_AM_MASK VTD_QD_HI_AM_MASK
#define QD_HI_IH_MASK VTD_QD_HI_IH_MASK
#define QD_HI_ADDR_MASK VTD_QD_HI_ADDR_MASK
#define QD_PASID_MASK VTD_QD_PASID_MASK
#define QD_DEV_SID_MASK VTD_QD_DEV_SID_MASK
#define QD_PDEV_SID_MASK VTD_QD_PDEV_SID_MASK
#define QD_IEC_G_MASK VTD_QD_IEC_G_MASK
#define QD_IEC_IM_MASK VTD_QD_IEC_IM_MASK
#define QD_IEC_IIDX_MASK VTD_QD_IEC_IIDX_MASK
#define QD_WAIT_IF_MASK VTD_QD_WAIT_IF_MASK
#define QD_WAIT_SW_MASK VTD_QD_WAIT_SW_MASK
#define QD_WAIT_FN_MASK VTD_QD_WAIT_FN_MASK
#define QD_WAIT_PD_MASK VTD_QD_WAIT_PD_MASK
#define QD_WAIT_DATA_MASK VTD_QD_WAIT_DATA_MASK
#define QD_WAIT_HI_ADDR_MASK VTD_QD_WAIT_HI_ADDR_MASK
#define IRTA_S_MASK VTD_IRTA_S_MASK
#define IRTA_EIME_MASK VTD_IRTA_EIME_MASK
#define IRTA_ADDR_MASK VTD_IRTA_ADDR_MASK
#define IRTE_LO_P_MASK VTD_IRTE_LO_P_MASK
#define IRTE_LO_FPD_MASK VTD_IRTE_LO_FPD_MASK
#define IRTE_LO_DM_MASK VTD_IRTE_LO_DM_MASK
#define IRTE_LO_RH_MASK VTD_IRTE_LO_RH_MASK
#define IRTE_LO_TM_MASK VTD_IRTE_LO_TM_MASK
#define IRTE_LO_DLM_MASK VTD_IRTE_LO_DLM_MASK
#define IRTE_LO_AVAIL_MASK VTD_IRTE_LO_AVAIL_MASK
#define IRTE_LO_URG_MASK VTD_IRTE_LO_URG_MASK
#define IRTE_LO_IM_MASK VTD_IRTE_LO_IM_MASK
#define IRTE_LO_V_MASK VTD_IRTE_LO_V_MASK
#define IRTE_LO_DST_MASK VTD_IRTE_LO_DST_MASK
#define IRTE_LO_DST_X_MASK VTD_IRTE_LO_DST_X_MASK
#define IRTE_LO_PDAL_MASK VTD_IRTE_LO_PDAL_MASK
#define IRTE_HI_SID_MASK VTD_IRTE_HI_SID_MASK
#define IRTE_HI_SQ_MASK VTD_IRTE_HI_SQ_MASK
#define IRTE_HI_SVT_MASK VTD_IRTE_HI_SVT_MASK
#define IRTE_HI_PDAH_MASK VTD_IRTE_HI_PDAH_MASK
#define FSTS_PFO_MASK VTD_FSTS_PFO_MASK
#define FSTS_PPF_MASK VTD_FSTS_PPF_MASK
#define FSTS_IQE_MASK VTD_FSTS_IQE_MASK
#define FSTS_ICE_MASK VTD_FSTS_ICE_MASK
#define FSTS_ITE_MASK VTD_FSTS_ITE_MASK
#define FSTS_FRI_MASK VTD_FSTS_FRI_MASK
#define ECTL_IP_MASK VTD_ECTL_IP_MASK
#define ECTL_IM_MASK VTD_ECTL_IM_MASK
#define CCMD_DID_MASK VTD_CCMD_DID_MASK
#define CCMD_SID_MASK VTD_CCMD_SID_MASK
#define CCMD_FM_MASK VTD_CCMD_FM_MASK
#define CCMD_CAIG_MASK VTD_CCMD_CAIG_MASK
#define CCMD_CIRG_MASK VTD_CCMD_CIRG_MASK
#define CCMD_ICC_MASK VTD_CCMD_ICC_MASK
#define IOTLB_DID_MASK VTD_IOTLB_DID_MASK
#define IOTLB_DW_MASK VTD_IOTLB_DW_MASK
#define IOTLB_DR_MASK VTD_IOTLB_DR_MASK
#define IOTLB_IAIG_MASK VTD_IOTLB_IAIG_MASK
#define IOTLB_IIRG_MASK VTD_IOTLB_IIRG_MASK
#define IOTLB_IVT_MASK VTD_IOTLB_IVT_MASK
#define IVA_AM_MASK VTD_IVA_AM_MASK
#define IVA_IH_MASK VTD_IVA_IH_MASK
#define IVA_ADDR_MASK VTD_IVA_ADDR_MASK
#define IQA_QS_MASK VTD_IQA_QS_MASK
#define IQA_DW_MASK VTD_IQA_DW_MASK
#define IQA_IQA_MASK VTD_IQA_IQA_MASK
#define IQ_PTR_MASK VTD_IQ_PTR_MASK
#define IQERCD_IQEI_MASK VTD_IQERCD_IQEI_MASK
#define IQERCD_ITESID_MASK VTD_IQERCD_ITESID_MASK
#define IQERCD_ICESID_MASK VTD_IQERCD_ICESID_MASK
#define ICS_IWC_MASK VTD_ICS_IWC_MASK
#define PMEN_PRS_MASK VTD_PMEN_PRS_MASK
#define PMEN_EPM_MASK VTD_PMEN_EPM_MASK
#define FRCD_HI_SID_MASK VTD_FRCD_HI_SID_MASK
#define FRCD_HI_T2_MASK VTD_FRCD_HI_T2_MASK
#define FRCD_HI_PRIV_MASK VTD_FRCD_HI_PRIV_MASK
#define FRCD_HI_EXE_MASK VTD_FRCD_HI_EXE_MASK
#define FRCD_HI_PP_MASK VTD_FRCD_HI_PP_MASK
#define FRCD_HI_FR_MASK VTD_FRCD_HI_FR_MASK
#define FRCD_HI_PV_MASK VTD_FRCD_HI_PV_MASK
#define FRCD_HI_AT_MASK VTD_FRCD_HI_AT_MASK
#define FRCD_HI_T1_MASK VTD_FRCD_HI_T1_MASK
#define FRCD_HI_F_MASK VTD_FRCD_HI_F_MASK
#define RE_P_MASK VTD_RE_P_MASK
#define RE_CTP_MASK VTD_RE_CTP_MASK
#define CE_LO_P_MASK VTD_CE_LO_P_MASK
#define CE_LO_FPD_MASK VTD_CE_LO_FPD_MASK
#define CE_LO_TT_MASK VTD_CE_LO_TT_MASK
#define CE_LO_RSVD_MASK VTD_CE_LO_RSVD_MASK
#define CE_LO_SSPTPTR_MASK VTD_CE_LO_SSPTPTR_MASK
#define CE_HI_AW_MASK VTD_CE_HI_AW_MASK
#define CE_HI_IGN_MASK VTD_CE_HI_IGN_MASK
#define CE_HI_RSVD7_MASK VTD_CE_HI_RSVD7_MASK
#define CE_HI_DID_MASK VTD_CE_HI_DID_MASK
#define CE_HI_RSVD_MASK VTD_CE_HI_RSVD_MASK
#define SRE_P_MASK VTD_SRE_P_MASK
#define SRE_RSVD_MASK VTD_SRE_RSVD_MASK
#define SRE_CTP_MASK VTD_SRE_CTP_MASK
#define SCE0_P_MASK VTD_SCE0_P_MASK
#define SCE0_FPD_MASK VTD_SCE0_FPD_MASK
#define SCE0_DTE_MASK VTD_SCE0_DTE_MASK
#define SCE0_PASIDE_MASK VTD_SCE0_PASIDE_MASK
#define SCE0_PRE_MASK VTD_SCE0_PRE_MASK
#define SCE0_HPTE_MASK VTD_SCE0_HPTE_MASK
#define SCE0_EPTR_MASK VTD_SCE0_EPTR_MASK
#define SCE0_RSVD_MASK VTD_SCE0_RSVD_MASK
#define SCE0_PDTS_MASK VTD_SCE0_PDTS_MASK
#define SCE0_PDIR_MASK VTD_SCE0_PDIR_MASK
#define SCE1_RID_PASID_MASK VTD_SCE1_RID_PASID_MASK
#define SCE1_RID_PRIV_MASK VTD_SCE1_RID_PRIV_MASK
#define SCE1_RSVD_MASK VTD_SCE1_RSVD_MASK
#define PID_CTL_ON_MASK VTD_PID_CTL_ON_MASK
#define PID_CTL_SN_MASK VTD_PID_CTL_SN_MASK
#define PID_CTL_NV_MASK VTD_PID_CTL_NV_MASK
#define PID_CTL_NDST_MASK VTD_PID_CTL_NDST_MASK
#define PID_CTL_NDST_X_MASK VTD_PID_CTL_NDST_X_MASK
#define PDE_P_MASK VTD_PDE_P_MASK
#define PDE_FPD_MASK VTD_PDE_FPD_MASK
#define PDE_RSVD_MASK VTD_PDE_RSVD_MASK
#define PDE_PTBL_MASK VTD_PDE_PTBL_MASK
#define PTE0_P_MASK VTD_PTE0_P_MASK
#define PTE0_FPD_MASK VTD_PTE0_FPD_MASK
#define PTE0_AW_MASK VTD_PTE0_AW_MASK
#define PTE0_RSVD5_MASK VTD_PTE0_RSVD5_MASK
#define PTE0_PGTT_MASK VTD_PTE0_PGTT_MASK
#define PTE0_SSADE_MASK VTD_PTE0_SSADE_MASK
#define PTE0_RSVD10_MASK VTD_PTE0_RSVD10_MASK
#define PTE0_SSPTPTR_MASK VTD_PTE0_SSPTPTR_MASK
#define PTE1_DID_MASK VTD_PTE1_DID_MASK
#define PTE1_RSVD16_MASK VTD_PTE1_RSVD16_MASK
#define PTE1_PWSNP_MASK VTD_PTE1_PWSNP_MASK
#define PTE1_PGSNP_MASK VTD_PTE1_PGSNP_MASK
#define PTE1_CD_MASK VTD_PTE1_CD_MASK
#define PTE1_EMTE_MASK VTD_PTE1_EMTE_MASK
#define PTE1_RSVD27_MASK VTD_PTE1_RSVD27_MASK
#define PTE1_PAT_MASK VTD_PTE1_PAT_MASK
#define PTE2_SRE_MASK VTD_PTE2_SRE_MASK
#define PTE2_RSVD1_MASK VTD_PTE2_RSVD1_MASK
#define PTE2_FSPM_MASK VTD_PTE2_FSPM_MASK
#define PTE2_WPE_MASK VTD_PTE2_WPE_MASK
#define PTE2_IGN_MASK VTD_PTE2_IGN_MASK
#define PTE2_EAFE_MASK VTD_PTE2_EAFE_MASK
#define PTE2_RSVD8_MASK VTD_PTE2_RSVD8_MASK
#define PTE2_FSPTPTR_MASK VTD_PTE2_FSPTPTR_MASK
#define SSE_R_MASK VTD_SSE_R_MASK
#define SSE_W_MASK VTD_SSE_W_MASK
#define SSE_PS_MASK VTD_SSE_PS_MASK
#define SSE_A_MASK VTD_SSE_A_MASK
#define SSE_D_MASK VTD_SSE_D_MASK
#define SSE_SNP_MASK VTD_SSE_SNP_MASK
#define SSE_IW_MASK VTD_SSE_IW_MASK
#define FSE_P_MASK VTD_FSE_P_MASK
#define FSE_RW_MASK VTD_FSE_RW_MASK
#define FSE_US_MASK VTD_FSE_US_MASK
#define FSE_A_MASK VTD_FSE_A_MASK
#define FSE_D_MASK VTD_FSE_D_MASK
#define FSE_PS_MASK VTD_FSE_PS_MASK
#define FSE_EA_MASK VTD_FSE_EA_MASK
#define CAP_ND_MASK VTD_CAP_ND_MASK
#define CAP_AFL_MASK VTD_CAP_AFL_MASK
#define CAP_RWBF_MASK VTD_CAP_RWBF_MASK
#define CAP_PLMR_MASK VTD_CAP_PLMR_MASK
#define CAP_PHMR_MASK VTD_CAP_PHMR_MASK
#define CAP_CM_MASK VTD_CAP_CM_MASK
#define CAP_SAGAW_MASK VTD_CAP_SAGAW_MASK
#define CAP_MGAW_MASK VTD_CAP_MGAW_MASK
#define CAP_ZLR_MASK VTD_CAP_ZLR_MASK
#define CAP_FRO_MASK VTD_CAP_FRO_MASK
#define CAP_SLLPS_MASK VTD_CAP_SLLPS_MASK
#define CAP_PSI_MASK VTD_CAP_PSI_MASK
#define CAP_NFR_MASK VTD_CAP_NFR_MASK
#define CAP_MAMV_MASK VTD_CAP_MAMV_MASK
#define CAP_DWD_MASK VTD_CAP_DWD_MASK
#define CAP_DRD_MASK VTD_CAP_DRD_MASK
#define CAP_FS1GP_MASK VTD_CAP_FS1GP_MASK
#define CAP_PI_MASK VTD_CAP_PI_MASK
#define CAP_FS5LP_MASK VTD_CAP_FS5LP_MASK
#define CAP_ESIRTPS_MASK VTD_CAP_ESIRTPS_MASK
#define CAP_ESRTPS_MASK VTD_CAP_ESRTPS_MASK
#define ECAP_C_MASK VTD_ECAP_C_MASK
#define ECAP_QI_MASK VTD_ECAP_QI_MASK
#define ECAP_DT_MASK VTD_ECAP_DT_MASK
#define ECAP_IR_MASK VTD_ECAP_IR_MASK
#define ECAP_EIM_MASK VTD_ECAP_EIM_MASK
#define ECAP_PT_MASK VTD_ECAP_PT_MASK
#define ECAP_SC_MASK VTD_ECAP_SC_MASK
#define ECAP_IRO_MASK VTD_ECAP_IRO_MASK
#define ECAP_MHMV_MASK VTD_ECAP_MHMV_MASK
#define ECAP_MTS_MASK VTD_ECAP_MTS_MASK
#define ECAP_NEST_MASK VTD_ECAP_NEST_MASK
#define ECAP_PRS_MASK VTD_ECAP_PRS_MASK
#define ECAP_ERS_MASK VTD_ECAP_ERS_MASK
#define ECAP_SRS_MASK VTD_ECAP_SRS_MASK
#define ECAP_NWFS_MASK VTD_ECAP_NWFS_MASK
#define ECAP_EAFS_MASK VTD_ECAP_EAFS_MASK
#define ECAP_PSS_MASK VTD_ECAP_PSS_MASK
#define ECAP_PASID_MASK VTD_ECAP_PASID_MASK
#define ECAP_DIT_MASK VTD_ECAP_DIT_MASK
#define ECAP_PDS_MASK VTD_ECAP_PDS_MASK
#define ECAP_SMTS_MASK VTD_ECAP_SMTS_MASK
#define ECAP_VCS_MASK VTD_ECAP_VCS_MASK
#define ECAP_SSADS_MASK VTD_ECAP_SSADS_MASK
#define ECAP_SSTS_MASK VTD_ECAP_SSTS_MASK
#define ECAP_FSTS_MASK VTD_ECAP_FSTS_MASK
#define ECAP_SMPWCS_MASK VTD_ECAP_SMPWCS_MASK
#define ECAP_RPS_MASK VTD_ECAP_RPS_MASK
#define ECAP_ADMS_MASK VTD_ECAP_ADMS_MASK
#define ECAP_RPRIVS_MASK VTD_ECAP_RPRIVS_MASK
#define RTADDR_TTM_MASK VTD_RTADDR_TTM_MASK
#define RTADDR_RTA_MASK VTD_RTADDR_RTA_MASK

/* Little-endian 64-bit load from any alignment: one load on x86. */
static inline uint64_t ldq_le(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

static inline void stq_le(void *p, uint64_t v)
{
    uint8_t *b = p;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* ------------------------------------------------------------------ */
/* Per-area state                                                      */
/* ------------------------------------------------------------------ */

struct vtd_iommu;

#include "ats.h"
#include "cache.h"
#include "fault.h"
#include "intremap.h"
#include "notify.h"
#include "pscache.h"
#include "qi.h"
#include "regs.h"
#include "rulehits.h"

/* Counters, updated with relaxed atomics from any thread. */
struct vtd_counters {
    _Atomic uint64_t faults_detected;
    _Atomic uint64_t faults_recorded;
    _Atomic uint64_t faults_suppressed;
    _Atomic uint64_t faults_collapsed;
    _Atomic uint64_t faults_overflow;
    _Atomic uint64_t invalidations;
};

#define vtd_count_(u, name)                                                \
    atomic_fetch_add_explicit(&(u)->count.name, 1, memory_order_relaxed)

/* Hot-path counters (IOTLB hits and misses) are sharded so that threads
 * translating at once do not bounce one cache line: each thread adds to
 * its own shard (64 bytes apart), vtd_get_stats() sums them. */
#define VTD_SHARDS 16
struct vtd_shard {
    _Alignas(64) _Atomic uint64_t iotlb_hits;
    _Atomic uint64_t iotlb_misses;
    char pad[48];
};
/* initial-exec: one %fs-relative load, not a __tls_get_addr call that
 * would make the IOTLB-hit path save registers (the library is linked at
 * start-up or dlopen()ed with glibc's static TLS reserve; 4 bytes). */
extern _Thread_local unsigned vtd_tls_shard_
    __attribute__((tls_model("initial-exec")));
unsigned vtd_shard_assign_(void);
static inline unsigned vtd_shard_(void)
{
    unsigned s = vtd_tls_shard_;
    if (G_UNLIKELY(s == 0))
        s = vtd_shard_assign_();
    return (s - 1) & (VTD_SHARDS - 1);
}
#define vtd_count_shard_(u, name)                                          \
    atomic_fetch_add_explicit(&(u)->shard[vtd_shard_()].name, 1,           \
                              memory_order_relaxed)

struct vtd_iommu {
    struct vtd_config cfg;
    struct vtd_host_ops ops;
    void *opaque;

    /* Derived from CAP/ECAP at creation; constant afterwards. */
    uint64_t cap, ecap;
    unsigned mgaw;        /* CAP.MGAW + 1, in bits */
    unsigned haw;         /* host address width, in bits */
    unsigned sagaw;       /* CAP.SAGAW bitmap */
    unsigned nfr;         /* number of fault recording registers */
    unsigned fro;         /* byte offset of the first FRCD */
    unsigned iro;         /* byte offset of IVA; IOTLB register at +8 */
    uint64_t mmio_size;

    /* Serialises register state, fault recording and queued
     * invalidation.  Never held across a host msi_send of a remapped
     * interrupt by the translation or interrupt paths.  A pthread
     * mutex, not a GMutex: ThreadSanitizer sees pthread locks (glib's
     * futex-based GMutex is invisible to it, so an embedder running
     * TSan saw false races inside the library).  Cache lines of its own
     * (the struct is 64-byte aligned, core.c): the register path takes
     * it several times per invalidation, and translating threads must
     * not pay for that on the fields around it. */
    _Alignas(64) pthread_mutex_t lock;

    /* Translation state latched by commands, readable without the lock.
     * root: RTADDR as latched by GCMD.SRTP (RTA and TTM); te: GSTS.TES. */
    _Alignas(64) _Atomic uint64_t root_latched;
    _Atomic bool te;
    /* Protected memory regions as enabled by PMEN.EPM (VT-d 11.4.8):
     * pmr_on, and [base, end] of the low and high regions (end < base:
     * region disabled).  Written by vtd_pmr_latch_locked_(). */
    _Atomic bool pmr_on;
    _Atomic uint64_t pmr_lo_base, pmr_lo_end, pmr_hi_base, pmr_hi_end;

    struct vtd_regs_state regs;
    struct vtd_fault_state fault;
    struct vtd_qi_state qi;
    struct vtd_ats_state ats;   /* device-TLB invalidations (ats.c) */
    struct vtd_cache_state cache;
    struct vtd_psc_state psc;
    struct vtd_ir_state ir;
    struct vtd_notify_state notify;
    struct vtd_counters count;
    struct vtd_shard shard[VTD_SHARDS];
    /* Rule hits for the coverage report (rulehits.h), relaxed atomics;
     * never touched on the IOTLB-hit path, kept out of its lines. */
    _Atomic uint64_t rule_hits[VTD_RULE_COUNT_];
    /* Per-thread rule hits (rulehits.h, vtd_rule_()), by shard. */
    _Alignas(64) struct vtd_rule_shard rule_shard[VTD_SHARDS];
};

/* ------------------------------------------------------------------ */
/* core.c: host access, events, logging                                */
/* ------------------------------------------------------------------ */

/* Guest memory through the host callbacks; 0 or negative errno. */
int vtd_mem_read_(struct vtd_iommu *u, uint64_t gpa, void *buf, size_t len);
int vtd_mem_write_(struct vtd_iommu *u, uint64_t gpa, const void *buf,
                   size_t len);
/* Read one little-endian qword. */
int vtd_mem_ldq_(struct vtd_iommu *u, uint64_t gpa, uint64_t *v);
/* Atomic 64-bit compare-exchange (falls back to read/compare/write).
 * Returns 0 on success, -EAGAIN with *expected updated on mismatch. */
int vtd_mem_cmpxchg64_(struct vtd_iommu *u, uint64_t gpa,
                       uint64_t *expected, uint64_t desired);

static inline bool vtd_tracing_(const struct vtd_iommu *u)
{
    return u->ops.trace != NULL;
}
void vtd_emit_(struct vtd_iommu *u, const struct vtd_event *ev);
/* Emit one VTD_EV_WALK event: a structure entry read during a walk, up to
 * 8 qwords (no-op when not tracing). */
void vtd_walk_event_(struct vtd_iommu *u, const char *what, int level,
                     uint16_t sid, uint32_t pasid, uint64_t addr,
                     const uint64_t *q, unsigned nq);
void vtd_log_(struct vtd_iommu *u, enum vtd_log_level lvl, const char *fmt,
              ...) G_GNUC_PRINTF(3, 4);
/* Send a compatibility-format MSI through ops.msi_send (if any). */
void vtd_msi_send_(struct vtd_iommu *u, uint64_t addr, uint32_t data);

/* Highest address bit + 1 a page-table or structure pointer may use. */
static inline uint64_t vtd_haw_mask_(const struct vtd_iommu *u)
{
    return u->haw >= 64 ? ~0ULL : ((1ULL << u->haw) - 1);
}

/* Bits 63:HAW of a structure pointer field are reserved (VT-d 9.1-9.6). */
static inline bool vtd_above_haw_(const struct vtd_iommu *u, uint64_t v)
{
    return (v & ~vtd_haw_mask_(u)) != 0;
}

#endif /* VTD_INTERNAL_H */
