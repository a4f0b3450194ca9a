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
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <vtd/vtd.h>

/* ------------------------------------------------------------------ */
/* Bit fields: named once, read with field_get()                       */
/* ------------------------------------------------------------------ */

static inline uint64_t bits_mask(unsigned shift, unsigned len)
{
    return (len >= 64 ? ~0ULL : ((1ULL << len) - 1)) << shift;
}

static inline uint64_t bits_get(uint64_t v, unsigned shift, unsigned len)
{
    return (v >> shift) & (len >= 64 ? ~0ULL : ((1ULL << len) - 1));
}

static inline uint64_t bits_set(uint64_t v, unsigned shift, unsigned len,
                                uint64_t f)
{
    uint64_t m = bits_mask(shift, len);
    return (v & ~m) | ((f << shift) & m);
}

/* FIELD(CTX_HI, DID, 8, 16) declares CTX_HI_DID_SHIFT / _LEN / _MASK.
 * field_get(v, CTX_HI, DID) reads it; field_set(v, CTX_HI, DID, x) sets. */
#define FIELD(reg, name, shift, len)                                       \
    enum { reg##_##name##_SHIFT = (shift), reg##_##name##_LEN = (len) };   \
    static const uint64_t reg##_##name##_MASK G_GNUC_UNUSED =             \
        ((len) >= 64 ? ~0ULL : ((1ULL << (len)) - 1)) << (shift)
#define field_get(v, reg, name)                                            \
    bits_get((v), reg##_##name##_SHIFT, reg##_##name##_LEN)
#define field_set(v, reg, name, x)                                         \
    bits_set((v), reg##_##name##_SHIFT, reg##_##name##_LEN, (x))

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
/* Register offsets (VT-d 11.4)                                        */
/* ------------------------------------------------------------------ */

enum vtd_reg_off {
    VTD_REG_VER = 0x00,
    VTD_REG_CAP = 0x08,
    VTD_REG_ECAP = 0x10,
    VTD_REG_GCMD = 0x18,
    VTD_REG_GSTS = 0x1c,
    VTD_REG_RTADDR = 0x20,
    VTD_REG_CCMD = 0x28,
    VTD_REG_FSTS = 0x34,
    VTD_REG_FECTL = 0x38,
    VTD_REG_FEDATA = 0x3c,
    VTD_REG_FEADDR = 0x40,
    VTD_REG_FEUADDR = 0x44,
    VTD_REG_AFLOG = 0x58,
    VTD_REG_PMEN = 0x64,
    VTD_REG_PLMBASE = 0x68,
    VTD_REG_PLMLIMIT = 0x6c,
    VTD_REG_PHMBASE = 0x70,
    VTD_REG_PHMLIMIT = 0x78,
    VTD_REG_IQH = 0x80,
    VTD_REG_IQT = 0x88,
    VTD_REG_IQA = 0x90,
    VTD_REG_ICS = 0x9c,
    VTD_REG_IECTL = 0xa0,
    VTD_REG_IEDATA = 0xa4,
    VTD_REG_IEADDR = 0xa8,
    VTD_REG_IEUADDR = 0xac,
    VTD_REG_IQERCD = 0xb0,
    VTD_REG_IRTA = 0xb8,
    VTD_REG_PQH = 0xc0,
    VTD_REG_PQT = 0xc8,
    VTD_REG_PQA = 0xd0,
    VTD_REG_PRS = 0xdc,
    VTD_REG_PECTL = 0xe0,
    VTD_REG_PEDATA = 0xe4,
    VTD_REG_PEADDR = 0xe8,
    VTD_REG_PEUADDR = 0xec,
};

/* Capability register fields (VT-d 11.4.2) */
FIELD(CAP, ND, 0, 3);
FIELD(CAP, AFL, 3, 1);
FIELD(CAP, RWBF, 4, 1);
FIELD(CAP, PLMR, 5, 1);
FIELD(CAP, PHMR, 6, 1);
FIELD(CAP, CM, 7, 1);
FIELD(CAP, SAGAW, 8, 5);
FIELD(CAP, MGAW, 16, 6);
FIELD(CAP, ZLR, 22, 1);
FIELD(CAP, FRO, 24, 10);
FIELD(CAP, SLLPS, 34, 4);
FIELD(CAP, PSI, 39, 1);
FIELD(CAP, NFR, 40, 8);
FIELD(CAP, MAMV, 48, 6);
FIELD(CAP, DWD, 54, 1);
FIELD(CAP, DRD, 55, 1);
FIELD(CAP, FS1GP, 56, 1);
FIELD(CAP, PI, 59, 1);
FIELD(CAP, FS5LP, 60, 1);
FIELD(CAP, ESIRTPS, 62, 1);
FIELD(CAP, ESRTPS, 63, 1);

/* Extended capability register fields (VT-d 11.4.3) */
FIELD(ECAP, C, 0, 1);
FIELD(ECAP, QI, 1, 1);
FIELD(ECAP, DT, 2, 1);
FIELD(ECAP, IR, 3, 1);
FIELD(ECAP, EIM, 4, 1);
FIELD(ECAP, PT, 6, 1);
FIELD(ECAP, SC, 7, 1);
FIELD(ECAP, IRO, 8, 10);
FIELD(ECAP, MHMV, 20, 4);
FIELD(ECAP, MTS, 25, 1);
FIELD(ECAP, NEST, 26, 1);
FIELD(ECAP, PRS, 29, 1);
FIELD(ECAP, ERS, 30, 1);
FIELD(ECAP, SRS, 31, 1);
FIELD(ECAP, NWFS, 33, 1);
FIELD(ECAP, EAFS, 34, 1);
FIELD(ECAP, PSS, 35, 5);
FIELD(ECAP, PASID, 40, 1);
FIELD(ECAP, DIT, 41, 1);
FIELD(ECAP, PDS, 42, 1);
FIELD(ECAP, SMTS, 43, 1);
FIELD(ECAP, VCS, 44, 1);
FIELD(ECAP, SSADS, 45, 1);
FIELD(ECAP, SSTS, 46, 1);
FIELD(ECAP, FSTS, 47, 1);
FIELD(ECAP, SMPWCS, 48, 1);
FIELD(ECAP, RPS, 49, 1);
FIELD(ECAP, ADMS, 51, 1);
FIELD(ECAP, RPRIVS, 53, 1);

/* Global command / status bits (VT-d 11.4.4, 11.4.5) */
enum {
    VTD_GCMD_CFI = 1u << 23,
    VTD_GCMD_SIRTP = 1u << 24,
    VTD_GCMD_IRE = 1u << 25,
    VTD_GCMD_QIE = 1u << 26,
    VTD_GCMD_WBF = 1u << 27,
    VTD_GCMD_EAFL = 1u << 28,
    VTD_GCMD_SFL = 1u << 29,
    VTD_GCMD_SRTP = 1u << 30,
    VTD_GCMD_TE = 1u << 31,
    VTD_GSTS_CFIS = 1u << 23,
    VTD_GSTS_IRTPS = 1u << 24,
    VTD_GSTS_IRES = 1u << 25,
    VTD_GSTS_QIES = 1u << 26,
    VTD_GSTS_WBFS = 1u << 27,
    VTD_GSTS_AFLS = 1u << 28,
    VTD_GSTS_FLS = 1u << 29,
    VTD_GSTS_RTPS = 1u << 30,
    VTD_GSTS_TES = 1u << 31,
};

/* Root table address (VT-d 11.4.6) */
FIELD(RTADDR, TTM, 10, 2);
FIELD(RTADDR, RTA, 12, 52);
enum { VTD_TTM_LEGACY = 0, VTD_TTM_SCALABLE = 1, VTD_TTM_ABORT = 3 };

/* ------------------------------------------------------------------ */
/* Per-area state                                                      */
/* ------------------------------------------------------------------ */

struct vtd_iommu;

#include "cache.h"
#include "fault.h"
#include "intremap.h"
#include "notify.h"
#include "qi.h"
#include "regs.h"

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
    _Atomic uint64_t iotlb_hits;
    _Atomic uint64_t iotlb_misses;
    char pad[48];
};
extern _Thread_local unsigned vtd_tls_shard_;
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
     * interrupt by the translation or interrupt paths. */
    GMutex lock;

    /* Translation state latched by commands, readable without the lock.
     * root: RTADDR as latched by GCMD.SRTP (RTA and TTM); te: GSTS.TES. */
    _Atomic uint64_t root_latched;
    _Atomic bool te;

    struct vtd_regs_state regs;
    struct vtd_fault_state fault;
    struct vtd_qi_state qi;
    struct vtd_cache_state cache;
    struct vtd_ir_state ir;
    struct vtd_notify_state notify;
    struct vtd_counters count;
    struct vtd_shard shard[VTD_SHARDS];
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
void vtd_log_(struct vtd_iommu *u, enum vtd_log_level lvl, const char *fmt,
              ...) G_GNUC_PRINTF(3, 4);
/* Send a compatibility-format MSI through ops.msi_send (if any). */
void vtd_msi_send_(struct vtd_iommu *u, uint64_t addr, uint32_t data);

/* Highest address bit + 1 a page-table or structure pointer may use. */
static inline uint64_t vtd_haw_mask_(const struct vtd_iommu *u)
{
    return u->haw >= 64 ? ~0ULL : ((1ULL << u->haw) - 1);
}

#endif /* VTD_INTERNAL_H */
