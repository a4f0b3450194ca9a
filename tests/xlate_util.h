/* SPDX-License-Identifier: MIT */
/*
 * tests/xlate_util.h: hand-built translation structures in fake guest
 * memory for the translation and cache tests.  Every entry is composed
 * here from the bit positions of VT-d chapter 9, independently of the
 * FIELD() definitions the library uses.
 */
#ifndef TESTS_XLATE_UTIL_H
#define TESTS_XLATE_UTIL_H

#include <check.h>

#include "fakemem.h"
#include <vtd/layout.h>
#include <vtd/vtd.h>

#define RAM_SIZE (32ULL << 20)
#define OUTSIDE_RAM (1ULL << 40)   /* below HAW, not backed */

/* Fixed layout of the structures in fake memory. */
#define RTA 0x10000ULL        /* root table */
#define CTP 0x11000ULL        /* context table (bus 0, or lower half) */
#define CTP_UP 0x12000ULL     /* scalable upper context table */
#define PDIR 0x13000ULL       /* PASID directory */
#define PTBL 0x14000ULL       /* PASID table for PASIDs 0-63 */
#define PT_POOL 0x100000ULL   /* page tables are allocated from here */

/* VT-d 9.8 second-stage bits / 9.7 first-stage bits. */
#define SS_R 0x1ULL
#define SS_W 0x2ULL
#define SS_RW 0x3ULL
#define PG_PS 0x80ULL
#define SS_A (1ULL << 8)
#define SS_D (1ULL << 9)
#define FS_P 0x1ULL
#define FS_RW 0x2ULL
#define FS_US 0x4ULL
#define FS_A 0x20ULL
#define FS_D 0x40ULL

struct env {
    struct fake_host *h;
    struct vtd_iommu *u;
    uint64_t next;            /* page-table bump allocator */
};

static inline void env_init(struct env *e, struct vtd_iommu *u,
                            struct fake_host *h)
{
    e->h = h;
    e->u = u;
    e->next = PT_POOL;
}

static inline struct env env_full(void)
{
    struct env e;
    struct fake_host *h = fake_host_new(RAM_SIZE);
    env_init(&e, fake_unit_profile(h, "full"), h);
    return e;
}

static inline struct env env_caps(uint64_t cap, uint64_t ecap)
{
    struct env e;
    struct fake_host *h = fake_host_new(RAM_SIZE);
    env_init(&e, fake_unit(h, cap, ecap), h);
    return e;
}

static inline void env_free(struct env *e)
{
    vtd_iommu_free(e->u);
    fake_host_free(e->h);
}

/* Point the unit at the root table RTA in mode ttm and enable DMA
 * remapping, as a driver would (VT-d 11.4.4-11.4.6): RTADDR = RTA | TTM
 * << 10, GCMD.SRTP, then GCMD.TE, each GCMD write keeping the enables
 * GSTS reports. */
static inline void env_gcmd(struct env *e, uint32_t cmd)
{
    uint64_t gsts = 0;
    ck_assert_int_eq(vtd_mmio_read(e->u, VTD_REG_GSTS, 4, &gsts), 0);
    gsts &= VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_IRES | VTD_GSTS_CFIS;
    ck_assert_int_eq(vtd_mmio_write(e->u, VTD_REG_GCMD, 4, gsts | cmd), 0);
}

static inline void env_enable(struct env *e, unsigned ttm)
{
    ck_assert_int_eq(vtd_mmio_write(e->u, VTD_REG_RTADDR, 8,
                                    RTA | (uint64_t)ttm << 10), 0);
    env_gcmd(e, VTD_GCMD_SRTP);
    env_gcmd(e, VTD_GCMD_TE);
}

static inline uint64_t pt_alloc(struct env *e)
{
    uint64_t a = e->next;
    e->next += 4096;
    ck_assert(e->next <= RAM_SIZE);
    return a;
}

/*
 * Map iova -> pa in the paging structure at root with `levels` levels;
 * the leaf is at leaf_level (1: 4 KiB, 2: 2 MiB with PS, 3: 1 GiB with
 * PS) and gets leaf_flags; missing intermediate tables are allocated and
 * pointed to with nl_flags.  Returns the guest address of the leaf.
 */
static inline uint64_t pt_map(struct env *e, uint64_t root, unsigned levels,
                              uint64_t iova, uint64_t pa,
                              unsigned leaf_level, uint64_t leaf_flags,
                              uint64_t nl_flags)
{
    uint64_t table = root;
    for (unsigned lvl = levels; lvl > leaf_level; lvl--) {
        uint64_t ea = table + 8 * ((iova >> (12 + 9 * (lvl - 1))) & 0x1ff);
        uint64_t ent = fake_rq(e->h, ea);
        if (ent == 0) {
            uint64_t n = pt_alloc(e);
            fake_wq(e->h, ea, n | nl_flags);
            table = n;
        } else {
            table = ent & 0x000ffffffffff000ULL;
        }
    }
    uint64_t ea = table +
                  8 * ((iova >> (12 + 9 * (leaf_level - 1))) & 0x1ff);
    fake_wq(e->h, ea, pa | leaf_flags | (leaf_level > 1 ? PG_PS : 0));
    return ea;
}

/* Address of the entry for iova at `level` in a table rooted at root,
 * following existing entries (for tests that alter one entry). */
static inline uint64_t pt_entry(struct env *e, uint64_t root,
                                unsigned levels, uint64_t iova,
                                unsigned level)
{
    uint64_t table = root;
    for (unsigned lvl = levels; lvl > level; lvl--) {
        uint64_t ea = table + 8 * ((iova >> (12 + 9 * (lvl - 1))) & 0x1ff);
        table = fake_rq(e->h, ea) & 0x000ffffffffff000ULL;
    }
    return table + 8 * ((iova >> (12 + 9 * (level - 1))) & 0x1ff);
}

/* ---- legacy mode (VT-d 9.1, 9.3) ---- */

/* Root entry for bus: P (bit 0) | CTP. */
static inline void legacy_root(struct env *e, unsigned bus, uint64_t ctp)
{
    fake_wq(e->h, RTA + 16 * bus, ctp | 1);
    fake_wq(e->h, RTA + 16 * bus + 8, 0);
}

/* Context entry: lo = P | FPD << 1 | TT << 2 | SSPTPTR; hi = AW | DID << 8. */
static inline void legacy_ctx(struct env *e, uint64_t ctp, unsigned devfn,
                              uint64_t slptptr, unsigned tt, unsigned aw,
                              unsigned did, bool fpd)
{
    fake_wq(e->h, ctp + 16 * devfn,
            1 | (fpd ? 2 : 0) | (uint64_t)tt << 2 | slptptr);
    fake_wq(e->h, ctp + 16 * devfn + 8, aw | (uint64_t)did << 8);
}

/* A legacy device 00:devfn with a fresh `levels`-level table, DID did.
 * Returns the second-stage root. */
static inline uint64_t legacy_dev(struct env *e, unsigned devfn,
                                  unsigned levels, unsigned did)
{
    uint64_t root = pt_alloc(e);
    legacy_root(e, 0, CTP);
    legacy_ctx(e, CTP, devfn, root, 0, levels - 2, did, false);
    return root;
}

static inline struct vtd_dma_req dreq(uint16_t sid, uint64_t iova,
                                      uint32_t access)
{
    struct vtd_dma_req r = { .sid = sid, .pasid = VTD_NO_PASID,
                             .iova = iova, .size = 4, .access = access,
                             .at = VTD_AT_UNTRANSLATED };
    return r;
}

static inline struct vtd_xlate xl(struct env *e, uint16_t sid, uint64_t iova,
                                  uint32_t access)
{
    struct vtd_dma_req r = dreq(sid, iova, access);
    struct vtd_xlate o;
    ck_assert_int_eq(vtd_translate(e->u, &r, &o), 0);
    return o;
}

static inline struct vtd_xlate xlr(struct env *e, const struct vtd_dma_req *r)
{
    struct vtd_xlate o;
    ck_assert_int_eq(vtd_translate(e->u, r, &o), 0);
    return o;
}

/* Faults suppressed by FPD so far (VT-d 7.1.1; counted by fault.c). */
static inline uint64_t suppressed(struct env *e)
{
    struct vtd_stats st;
    vtd_get_stats(e->u, &st);
    return st.faults_suppressed;
}

#define RD VTD_ACC_READ
#define WR VTD_ACC_WRITE

/* ---- scalable mode (VT-d 9.2, 9.4-9.6) ---- */

/* Scalable root entry for bus 0: LP | LCTP, UP | UCTP. */
static inline void sm_root(struct env *e)
{
    fake_wq(e->h, RTA, CTP | 1);
    fake_wq(e->h, RTA + 8, CTP_UP | 1);
}

/* Scalable context entry for devfn: q0 = P | FPD<<1 | DTE<<2 | PASIDE<<3 |
 * PDTS<<9 | PASIDDIRPTR; q1 = RID_PASID. */
static inline void sm_ctx(struct env *e, unsigned devfn, uint64_t q0,
                          uint64_t q1)
{
    uint64_t base = (devfn < 128 ? CTP : CTP_UP) + 32 * (devfn & 0x7f);
    fake_wq(e->h, base, q0);
    fake_wq(e->h, base + 8, q1);
    fake_wq(e->h, base + 16, 0);
    fake_wq(e->h, base + 24, 0);
}

static inline uint64_t sm_ctx_q0(bool paside, bool dte, unsigned pdts)
{
    return 1 | (dte ? 4 : 0) | (paside ? 8 : 0) | (uint64_t)pdts << 9 | PDIR;
}

/* PASID directory entry for PASIDs 64*i .. 64*i+63: P | table. */
static inline void sm_pdir(struct env *e, unsigned i, uint64_t tbl)
{
    fake_wq(e->h, PDIR + 8 * i, tbl | 1);
}

/* PASID-table entry: q0 = P | FPD<<1 | AW<<2 | PGTT<<6 | SSADE<<9 |
 * SSPTPTR; q1 = DID | PWSNP<<23; q2 = SRE | FSPM<<2 | WPE<<4 | FSPTPTR. */
static inline void sm_pte(struct env *e, uint64_t tbl, unsigned idx,
                          uint64_t q0, uint64_t q1, uint64_t q2)
{
    uint64_t a = tbl + 64 * idx;
    fake_wq(e->h, a, q0);
    fake_wq(e->h, a + 8, q1);
    fake_wq(e->h, a + 16, q2);
    for (unsigned i = 3; i < 8; i++)
        fake_wq(e->h, a + 8 * i, 0);
}

static inline uint64_t pte_q0(unsigned pgtt, unsigned aw, uint64_t ssptptr)
{
    return 1 | (uint64_t)aw << 2 | (uint64_t)pgtt << 6 | ssptptr;
}

#define PTE_PWSNP (1ULL << 23)

#endif
