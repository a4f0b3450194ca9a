/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_translate.c: the DMA pipeline in legacy mode (VT-d chapter
 * 3, 9.1-9.3, 9.8; fault reasons of Table 30 LRT/LCT/LSS/LGN rows).
 * Tables are built by hand in fake memory (xlate_util.h); expected
 * addresses are the hand-chosen mapping plus the page offset.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vtd/internal.h" /* white-box: the core's private state */
#include "xlate_util.h"
#include "check_main.h"

#define DEV 0x08            /* 00:01.0 */

static uint64_t profile_cap(void)
{
    uint64_t c, e;
    ck_assert_int_eq(vtd_profile_lookup("full", &c, &e), 0);
    return c;
}

static uint64_t profile_ecap(void)
{
    uint64_t c, e;
    ck_assert_int_eq(vtd_profile_lookup("full", &c, &e), 0);
    return e;
}

/* VT-d 11.4.5: with GSTS.TES clear, DMA is not remapped. */
START_TEST(test_te_off_passes_through)
{
    struct env e = env_full();
    struct vtd_xlate o = xl(&e, DEV, 0x123456789ULL, WR);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x123456789ULL);
    env_free(&e);
}
END_TEST

/* VT-d 3.7: a 4 KiB mapping in a 3-, 4- and 5-level table (AW 1, 2, 3). */
START_TEST(test_levels_3_4_5_translate_4k)
{
    for (unsigned levels = 3; levels <= 5; levels++) {
        struct env e = env_full();
        uint64_t root = legacy_dev(&e, DEV, levels, 7);
        uint64_t iova = 0x7654321000ULL;   /* below 2^39 */
        pt_map(&e, root, levels, iova, 0xabc000, 1, SS_RW, SS_RW);
        env_enable(&e, VTD_TTM_LEGACY);
        struct vtd_xlate o = xl(&e, DEV, iova + 0x123, RD);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert_uint_eq(o.addr, 0xabc123);
        ck_assert_uint_eq(o.page_size, 4096);
        ck_assert_uint_eq(o.did, 7);
        ck_assert_uint_eq(o.perm, VTD_PERM_R | VTD_PERM_W);
        env_free(&e);
    }
}
END_TEST

/* VT-d 9.8 Tables 43/45: 2 MiB (PDE) and 1 GiB (PDPE) leaves. */
START_TEST(test_large_pages_2m_1g)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x40000000ULL, 0x80000000ULL, 3, SS_RW, SS_RW);
    pt_map(&e, root, 4, 0x200000ULL, 0x1400000ULL, 2, SS_R, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_xlate o = xl(&e, DEV, 0x40000000ULL + 0x2345678, WR);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x80000000ULL + 0x2345678);
    ck_assert_uint_eq(o.page_size, 1ULL << 30);
    o = xl(&e, DEV, 0x200000ULL + 0x1abcd, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x1400000ULL + 0x1abcd);
    ck_assert_uint_eq(o.page_size, 2ULL << 20);
    ck_assert_uint_eq(o.perm, VTD_PERM_R);
    env_free(&e);
}
END_TEST

/* The IOTLB-hit path (front cache) repeats what the walk gave: the 2 MiB
 * and 1 GiB page sizes of VT-d 9.8 Tables 43/45, the output address, the
 * permissions and the DID, and still applies the write check of
 * VT-d 3.7.1 to a cached read-only page (Table 30 LGN.3: 5h). */
START_TEST(test_cached_hit_keeps_large_page_size_perm_and_write_check)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 9);
    pt_map(&e, root, 4, 0x40000000ULL, 0x80000000ULL, 3, SS_RW, SS_RW);
    pt_map(&e, root, 4, 0x200000ULL, 0x1400000ULL, 2, SS_R, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    for (int pass = 0; pass < 2; pass++) {
        struct vtd_xlate o = xl(&e, DEV, 0x40000000ULL + 0x2345678, WR);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert_uint_eq(o.addr, 0x80000000ULL + 0x2345678);
        ck_assert_uint_eq(o.page_size, 1ULL << 30);
        ck_assert_uint_eq(o.perm, VTD_PERM_R | VTD_PERM_W);
        ck_assert_uint_eq(o.did, 9);
        ck_assert(o.cached == (pass == 1));
        o = xl(&e, DEV, 0x200000ULL + 0x1abcd, RD);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert_uint_eq(o.addr, 0x1400000ULL + 0x1abcd);
        ck_assert_uint_eq(o.page_size, 2ULL << 20);
        ck_assert_uint_eq(o.perm, VTD_PERM_R);
        ck_assert_uint_eq(o.did, 9);
        ck_assert(o.cached == (pass == 1));
    }
    /* Cached read-only 2 MiB page, write request: LGN.3 -> 5h, no
     * output. */
    struct vtd_xlate o = xl(&e, DEV, 0x200000ULL + 0x10, WR);
    ck_assert_uint_eq(o.fault, VTD_FR_WRITE);
    ck_assert_uint_eq(o.addr, 0);
    ck_assert(o.recorded);
    env_free(&e);
}
END_TEST

struct hit_thread_arg {
    struct vtd_iommu *u;
    struct vtd_xlate out;
    int rc;
};

static gpointer hit_thread(gpointer p)
{
    struct hit_thread_arg *a = p;
    struct vtd_dma_req r = dreq(DEV, 0x5010, RD);
    a->rc = vtd_translate(a->u, &r, &a->out);
    return NULL;
}

/* A thread's first request of a page another thread cached: the same
 * result (VT-d 6.2: the IOTLB is per unit, not per requester thread),
 * reported as cached, and counted once as an IOTLB hit. */
START_TEST(test_first_request_of_new_thread_hits_and_counts)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 3);
    pt_map(&e, root, 4, 0x5000, 0x77000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x5000, RD).fault, 0);
    struct vtd_stats before, after;
    vtd_get_stats(e.u, &before);
    struct hit_thread_arg a = { .u = e.u };
    GThread *t = g_thread_new("hit", hit_thread, &a);
    g_thread_join(t);
    ck_assert_int_eq(a.rc, 0);
    ck_assert_uint_eq(a.out.fault, 0);
    ck_assert_uint_eq(a.out.addr, 0x77010);
    ck_assert(a.out.cached);
    vtd_get_stats(e.u, &after);
    ck_assert_uint_eq(after.iotlb_hits, before.iotlb_hits + 1);
    ck_assert_uint_eq(after.iotlb_misses, before.iotlb_misses);
    env_free(&e);
}
END_TEST

/* Table 30 LRT.2: root entry P=0 -> 1h, recorded (not qualified). */
START_TEST(test_root_not_present_fault_1)
{
    struct env e = env_full();
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_xlate o = xl(&e, DEV, 0x1000, RD);
    ck_assert_uint_eq(o.fault, VTD_FR_ROOT_NOT_PRESENT);
    ck_assert(o.recorded);
    env_free(&e);
}
END_TEST

/* Table 30 LCT.2: context entry P=0 -> 2h. */
START_TEST(test_ctx_not_present_fault_2)
{
    struct env e = env_full();
    legacy_root(&e, 0, CTP);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault,
                      VTD_FR_CTX_NOT_PRESENT);
    env_free(&e);
}
END_TEST

/* Table 30 LCT.4.1 / LCT.4.2: AW not in SAGAW, TT=11b, TT=01b without
 * ECAP.DT, TT=10b without ECAP.PT -> 3h. */
START_TEST(test_ctx_invalid_programming_fault_3)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    legacy_root(&e, 0, CTP);
    env_enable(&e, VTD_TTM_LEGACY);
    /* full profile: SAGAW = 1110b, so AW 0 and AW 4 are unsupported. */
    legacy_ctx(&e, CTP, DEV, root, 0, 0, 1, false);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_INVALID);
    legacy_ctx(&e, CTP, DEV, root, 0, 4, 1, false);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_INVALID);
    legacy_ctx(&e, CTP, DEV, root, 3, 2, 1, false);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_INVALID);
    env_free(&e);

    /* SAGAW = 0100b (4-level only): AW=1 (3-level) is unsupported. */
    uint64_t cap = field_set(profile_cap(), CAP, SAGAW, 0x4);
    uint64_t ecap = profile_ecap();
    ecap = field_set(ecap, ECAP, DT, 0);
    ecap = field_set(ecap, ECAP, PT, 0);
    e = env_caps(cap, ecap);
    root = pt_alloc(&e);
    legacy_root(&e, 0, CTP);
    env_enable(&e, VTD_TTM_LEGACY);
    legacy_ctx(&e, CTP, DEV, root, 0, 1, 1, false);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_INVALID);
    legacy_ctx(&e, CTP, DEV, root, 1, 2, 1, false);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_INVALID);
    legacy_ctx(&e, CTP, DEV, root, 2, 2, 1, false);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_INVALID);
    env_free(&e);
}
END_TEST

/* Table 30 LCT.4.3 (rev 5.10): the table SSPTPTR points to cannot be
 * read -> 3h; LSS.1: a lower table cannot be read -> 7h. */
START_TEST(test_sl_access_faults_3_and_7)
{
    struct env e = env_full();
    legacy_root(&e, 0, CTP);
    legacy_ctx(&e, CTP, DEV, OUTSIDE_RAM, 0, 2, 1, false);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_CTX_INVALID);

    uint64_t root = pt_alloc(&e);
    legacy_ctx(&e, CTP, DEV, root, 0, 2, 1, false);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    fake_wq(e.h, root, OUTSIDE_RAM | SS_RW);  /* PML4E -> unbacked */
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_ACCESS);
    env_free(&e);
}
END_TEST

/* Table 30 LGN.1.1: input above 2^min(MGAW, AGAW) - 1 -> 4h. */
START_TEST(test_addr_beyond_aw_fault_4)
{
    struct env e = env_full();
    legacy_dev(&e, DEV, 3, 1);                 /* AGAW 39 */
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 1ULL << 39, RD).fault,
                      VTD_FR_ADDR_BEYOND_AW);
    env_free(&e);

    /* MGAW 39 with a 4-level context: the MGAW bound applies. */
    uint64_t cap = field_set(profile_cap(), CAP, MGAW, 38);
    e = env_caps(cap, profile_ecap());
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 1ULL << 39, 0x5000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 1ULL << 39, RD).fault,
                      VTD_FR_ADDR_BEYOND_AW);
    env_free(&e);
}
END_TEST

/* Table 30 LGN.2 / LGN.3: write to a read-only page -> 5h, read of a
 * write-only page -> 6h; a R=W=0 entry faults by the access kind. */
START_TEST(test_permission_faults_5_6)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_R, SS_RW);
    pt_map(&e, root, 4, 0x2000, 0x6000, 1, SS_W, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, WR).fault, VTD_FR_WRITE);
    ck_assert_uint_eq(xl(&e, DEV, 0x2000, WR).fault, 0);
    ck_assert_uint_eq(xl(&e, DEV, 0x2000, RD).fault, VTD_FR_READ);
    ck_assert_uint_eq(xl(&e, DEV, 0x3000, RD).fault, VTD_FR_READ);
    ck_assert_uint_eq(xl(&e, DEV, 0x3000, WR).fault, VTD_FR_WRITE);
    env_free(&e);
}
END_TEST

/* VT-d 3.7.1: permissions are the AND over all levels: a read-only PDE
 * above a read-write PTE denies writes. */
START_TEST(test_permissions_cumulative)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    uint64_t pde = pt_entry(&e, root, 4, 0x1000, 2);
    fake_wq(e.h, pde, fake_rq(e.h, pde) & ~SS_W);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_xlate o = xl(&e, DEV, 0x1000, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.perm, VTD_PERM_R);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, WR).fault, VTD_FR_WRITE);
    env_free(&e);
}
END_TEST

/* Table 30 LRT.1 / LCT.1: root table or context table not readable. */
START_TEST(test_root_ctx_access_faults_8_9)
{
    struct env e = env_full();
    atomic_store(&e.u->root_latched, OUTSIDE_RAM);
    atomic_store(&e.u->te, true);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_ROOT_ACCESS);
    legacy_root(&e, 0, OUTSIDE_RAM);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_ACCESS);
    env_free(&e);
}
END_TEST

/* Table 30 LRT.3 / VT-d 9.1: bits 11:1, 127:64 and CTP bits above HAW
 * are reserved -> Ah. */
START_TEST(test_root_reserved_fault_a)
{
    struct env e = env_full();
    legacy_dev(&e, DEV, 4, 1);
    env_enable(&e, VTD_TTM_LEGACY);
    fake_wq(e.h, RTA, CTP | 1 | 0x2);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_ROOT_RSVD);
    fake_wq(e.h, RTA, CTP | 1);
    fake_wq(e.h, RTA + 8, 1);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_ROOT_RSVD);
    fake_wq(e.h, RTA + 8, 0);
    fake_wq(e.h, RTA, CTP | 1 | (1ULL << 57));      /* HAW = 57 */
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_ROOT_RSVD);
    env_free(&e);
}
END_TEST

/* Table 30 LCT.3 / VT-d 9.3: bits 11:4, 71, 127:88, and DID bits above
 * the CAP.ND width are reserved -> Bh. */
START_TEST(test_ctx_reserved_fault_b)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    env_enable(&e, VTD_TTM_LEGACY);
    uint64_t lo = 1 | root, hi = 2 | 1 << 8;
    uint64_t bad_lo[] = { lo | 0x10, lo | 0x800, lo | (1ULL << 60) };
    uint64_t bad_hi[] = { hi | 0x80, hi | (1ULL << 24), hi | (1ULL << 63) };
    for (unsigned i = 0; i < 3; i++) {
        fake_wq(e.h, CTP + 16 * DEV, bad_lo[i]);
        fake_wq(e.h, CTP + 16 * DEV + 8, hi);
        ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_RSVD);
        fake_wq(e.h, CTP + 16 * DEV, lo);
        fake_wq(e.h, CTP + 16 * DEV + 8, bad_hi[i]);
        ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_RSVD);
    }
    /* Ignored bits 70:67 do not fault. */
    pt_map(&e, root, 4, 0, 0x7000, 1, SS_RW, SS_RW);
    fake_wq(e.h, CTP + 16 * DEV + 8, hi | 0x78);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, 0);
    env_free(&e);

    /* CAP.ND = 2: 8-bit domain ids, DID 0x100 uses a reserved bit. */
    e = env_caps(field_set(profile_cap(), CAP, ND, 2), profile_ecap());
    root = pt_alloc(&e);
    legacy_root(&e, 0, CTP);
    legacy_ctx(&e, CTP, DEV, root, 0, 2, 0x100, false);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_CTX_RSVD);
    env_free(&e);
}
END_TEST

/* Table 30 LSS.2 / VT-d 9.8: reserved bits of second-stage entries with
 * R or W set -> Ch: bit 62 (IW, no SSIRWE), bits 51:HAW, bit 11 of a
 * non-leaf, bit 7 of an SS-PML4E, address bits 20:12 of a 2 MiB leaf. */
START_TEST(test_sl_reserved_fault_c)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    uint64_t pml4e = pt_entry(&e, root, 4, 0x1000, 4);
    uint64_t pde = pt_entry(&e, root, 4, 0x1000, 2);
    env_enable(&e, VTD_TTM_LEGACY);
    uint64_t good_leaf = fake_rq(e.h, leaf);
    uint64_t good_pde = fake_rq(e.h, pde);
    uint64_t good_pml4e = fake_rq(e.h, pml4e);

    fake_wq(e.h, leaf, good_leaf | (1ULL << 62));
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_RSVD);
    fake_wq(e.h, leaf, good_leaf);
    fake_wq(e.h, pde, good_pde | (1ULL << 11));
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_RSVD);
    fake_wq(e.h, pde, good_pde);
    fake_wq(e.h, pml4e, good_pml4e | PG_PS);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_RSVD);
    fake_wq(e.h, pml4e, good_pml4e);
    fake_wq(e.h, pde, 0x1400000ULL | 0x1000 | PG_PS | SS_RW);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_RSVD);
    /* Not present (R=W=0): reserved bits are not checked. */
    fake_wq(e.h, pde, 0x1000 | (1ULL << 62));
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_READ);
    env_free(&e);

    /* qemu-7.2 profile: HAW = MGAW = 39 (3-level), so bit 40 of an
     * address field is in the reserved range 51:HAW. */
    struct fake_host *h = fake_host_new(RAM_SIZE);
    env_init(&e, fake_unit_profile(h, "qemu-7.2"), h);
    root = legacy_dev(&e, DEV, 3, 1);
    leaf = pt_map(&e, root, 3, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    fake_wq(e.h, leaf, fake_rq(e.h, leaf) | (1ULL << 40));
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_RSVD);
    fake_wq(e.h, leaf, fake_rq(e.h, leaf) & ~(1ULL << 40));
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, 0);
    env_free(&e);
}
END_TEST

/* VT-d 9.8: PS is reserved where CAP.SLLPS lacks the size; SNP is
 * reserved with ECAP.SC=0. */
START_TEST(test_sl_ps_and_snp_reserved_by_caps)
{
    uint64_t cap = field_set(profile_cap(), CAP, SLLPS, 0);
    uint64_t ecap = field_set(profile_ecap(), ECAP, SC, 0);
    struct env e = env_caps(cap, ecap);
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x200000, 0x400000, 2, SS_RW, SS_RW);
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x200000, RD).fault, VTD_FR_SL_RSVD);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, 0);
    fake_wq(e.h, leaf, fake_rq(e.h, leaf) | (1ULL << 11));
    vtd_cache_inv_iotlb_(e.u, VTD_INV_GLOBAL, 0, 0, 0, false);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_SL_RSVD);
    env_free(&e);
}
END_TEST

/* VT-d 9.8: bits 63, 61:52, 10 (leaf) and 6:2 are ignored. */
START_TEST(test_sl_ignored_bits_do_not_fault)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    uint64_t pml4e = pt_entry(&e, root, 4, 0x1000, 4);
    fake_wq(e.h, leaf, fake_rq(e.h, leaf) | (1ULL << 63) | (1ULL << 55) |
                       (1ULL << 52) | (1ULL << 10) | 0x7c);
    fake_wq(e.h, pml4e, fake_rq(e.h, pml4e) | (1ULL << 55) | 0x7c);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_xlate o = xl(&e, DEV, 0x1004, WR);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x5004);
    env_free(&e);
}
END_TEST

/* Table 30 LCT.5: translated / translation requests with TT != 01b ->
 * Dh; with TT=01b a translated request passes untranslated (VT-d 9.3),
 * above HAW -> 4h (LGN.1.2). */
START_TEST(test_translated_requests_need_tt01)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_R, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_dma_req r = dreq(DEV, 0x9000, RD);
    r.at = VTD_AT_TRANSLATED;
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_CTX_TT_BLOCKED);
    r.at = VTD_AT_TRANSLATION;
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_CTX_TT_BLOCKED);

    legacy_ctx(&e, CTP, DEV, root, 1, 2, 1, false);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    r.at = VTD_AT_TRANSLATED;
    struct vtd_xlate o = xlr(&e, &r);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x9000);
    r.iova = 1ULL << 57;
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_ADDR_BEYOND_AW);

    /* A translation request completes with the effective permission
     * (Table 30 LGN.2/LGN.3 column 3): R only on a read-only page. */
    r = dreq(DEV, 0x1000, RD);
    r.at = VTD_AT_TRANSLATION;
    o = xlr(&e, &r);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.perm, VTD_PERM_R);
    ck_assert_uint_eq(o.addr, 0x5000);
    /* VT-d 4.2.1: a memory write with AT=01b is an Unsupported Request
     * (no Table 30 row: not recorded). */
    r = dreq(DEV, 0x1000, WR);
    r.at = VTD_AT_TRANSLATION;
    o = xlr(&e, &r);
    ck_assert_uint_eq(o.fault, VTD_FR_ATS_UR);
    ck_assert(!o.recorded);
    env_free(&e);
}
END_TEST

/* Table 30 LGN.4: output in FEEx_xxxxh -> Eh, also for pass-through. */
START_TEST(test_interrupt_range_output_fault_e)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x1000, 0xfee00000ULL, 1, SS_RW, SS_RW);
    pt_map(&e, root, 4, 0x2000, 0xfef00000ULL, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, WR).fault, VTD_FR_INTR_ADDR);
    ck_assert_uint_eq(xl(&e, DEV, 0x2000, WR).fault, 0);
    legacy_ctx(&e, CTP, DEV, 0, 2, 3, 1, false);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    ck_assert_uint_eq(xl(&e, DEV, 0xfee01000ULL, WR).fault,
                      VTD_FR_INTR_ADDR);
    env_free(&e);
}
END_TEST

/* VT-d 9.3 TT=10b: pass-through; Table 30 LGN.1.3: above HAW -> 4h. */
START_TEST(test_pass_through_tt10)
{
    struct env e = env_full();
    legacy_root(&e, 0, CTP);
    /* VT-d 9.3: SSPTPTR is ignored with TT=10b, even bits above HAW. */
    legacy_ctx(&e, CTP, DEV, 1ULL << 60, 2, 3, 9, false);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_xlate o = xl(&e, DEV, 0x123456789abcULL, WR);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x123456789abcULL);
    ck_assert_uint_eq(o.did, 9);
    ck_assert_uint_eq(xl(&e, DEV, 1ULL << 57, WR).fault,
                      VTD_FR_ADDR_BEYOND_AW);
    env_free(&e);
}
END_TEST

/* VT-d 7.1.1 / 9.3: FPD=1 suppresses qualified faults (LCT.2, LGN.2)
 * even when P=0; unqualified root faults are recorded. */
START_TEST(test_fpd_suppresses_qualified_faults)
{
    struct env e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_R, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_xlate o = xl(&e, DEV, 0x1000, WR);
    ck_assert_uint_eq(o.fault, VTD_FR_WRITE);
    ck_assert(o.recorded);

    legacy_ctx(&e, CTP, DEV, root, 0, 2, 1, true);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    o = xl(&e, 0x10, 0x1000, WR);        /* 00:02.0: P=0, FPD=0 */
    ck_assert_uint_eq(o.fault, VTD_FR_CTX_NOT_PRESENT);
    ck_assert(o.recorded);
    ck_assert_uint_eq(suppressed(&e), 0);
    o = xl(&e, DEV, 0x1000, WR);
    ck_assert_uint_eq(o.fault, VTD_FR_WRITE);
    ck_assert(!o.recorded);
    ck_assert_uint_eq(suppressed(&e), 1);
    fake_wq(e.h, CTP + 16 * DEV, 2);     /* P=0, FPD=1 */
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    o = xl(&e, DEV, 0x1000, WR);
    ck_assert_uint_eq(o.fault, VTD_FR_CTX_NOT_PRESENT);
    ck_assert(!o.recorded);
    ck_assert_uint_eq(suppressed(&e), 2);
    env_free(&e);
}
END_TEST

/* Table 30 RTA.2: a request with PASID in legacy mode -> 31h;
 * RTA.1.x: TTM=10b, or TTM=11b without ECAP.ADMS -> 30h; RTA.4: TTM=11b
 * with ADMS (the full profile) -> 33h (3.4.4 abort-DMA mode). */
START_TEST(test_rta_mode_faults)
{
    struct env e = env_full();
    legacy_dev(&e, DEV, 4, 1);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_dma_req r = dreq(DEV, 0x1000, RD);
    r.pasid = 5;
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_RTA_LEGACY_PASID);
    env_enable(&e, 2);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_RTA_INVALID);
    env_enable(&e, 3);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_RTA_ABORT);
    env_free(&e);

    uint64_t c, x;
    vtd_profile_lookup("full", &c, &x);
    e = env_caps(c, field_set(x, ECAP, ADMS, 0));
    env_enable(&e, 3);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, VTD_FR_RTA_INVALID);
    env_free(&e);
}
END_TEST

/* Bad arguments are -EINVAL: a request crossing a 4 KiB boundary. */
START_TEST(test_bad_request_einval)
{
    struct env e = env_full();
    struct vtd_dma_req r = dreq(DEV, 0xffe, RD);
    struct vtd_xlate o;
    ck_assert_int_eq(vtd_translate(e.u, &r, &o), -EINVAL);
    ck_assert_int_eq(vtd_translate(e.u, NULL, &o), -EINVAL);
    env_free(&e);
}
END_TEST

/* Walk events: root, context and one "sl" entry per level, then DMA. */
struct evlog {
    struct fake_host *h;
    unsigned root, ctx, sl, dma;
    int levels_seen;
};

static int ev_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    struct evlog *l = op;
    return fake_host_ops()->read(l->h, gpa, buf, len);
}

static int ev_write(void *op, uint64_t gpa, const void *buf, size_t len)
{
    struct evlog *l = op;
    return fake_host_ops()->write(l->h, gpa, buf, len);
}

static void ev_trace(void *op, const struct vtd_event *ev)
{
    struct evlog *l = op;
    if (ev->kind == VTD_EV_WALK && !strcmp(ev->what, "root"))
        l->root++;
    if (ev->kind == VTD_EV_WALK && !strcmp(ev->what, "context"))
        l->ctx++;
    if (ev->kind == VTD_EV_WALK && !strcmp(ev->what, "sl")) {
        l->sl++;
        l->levels_seen = l->levels_seen * 10 + ev->level;
    }
    if (ev->kind == VTD_EV_DMA)
        l->dma++;
}

START_TEST(test_walk_events_emitted)
{
    struct evlog log = { .h = fake_host_new(RAM_SIZE) };
    struct vtd_host_ops ops = { .version = VTD_HOST_OPS_VERSION,
                                .read = ev_read, .write = ev_write,
                                .trace = ev_trace };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct env e;
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, &log, &u, NULL, 0), 0);
    env_init(&e, u, log.h);
    uint64_t root = legacy_dev(&e, DEV, 4, 1);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(log.root, 1);
    ck_assert_uint_eq(log.ctx, 1);
    ck_assert_uint_eq(log.sl, 4);
    ck_assert_int_eq(log.levels_seen, 4321);
    ck_assert_uint_eq(log.dma, 1);
    env_free(&e);
}
END_TEST

/* DESIGN.md rule 8: hostile tables never crash or hang the unit.  Guest
 * memory full of random bytes, both root-table modes, random requests:
 * every call returns 0, and every success keeps the page offset and
 * reports a page size of 4 KiB, 2 MiB or 1 GiB. */
START_TEST(test_random_tables_never_crash)
{
    struct fake_host *h = fake_host_new(1 << 20);
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    GRand *rnd = g_rand_new_with_seed(12345);
    for (unsigned round = 0; round < 40; round++) {
        for (uint64_t a = 0; a < h->size; a += 4) {
            uint32_t v = g_rand_int(rnd);
            /* Keep many pointers inside the 1 MiB of RAM. */
            if ((a & 7) == 4 && (v & 1))
                v = 0;
            else if ((a & 7) == 0 && (v & 2))
                v = (v & 0xfffff00fu) | 0x3;
            memcpy(h->ram + a, &v, 4);
        }
        vtd_cache_flush_all_(u);
        atomic_store(&u->root_latched,
                     (g_rand_int(rnd) & 0xff000ULL) |
                     (uint64_t)(round & 1) << 10);
        atomic_store(&u->te, true);
        for (unsigned i = 0; i < 500; i++) {
            struct vtd_dma_req r = {
                .sid = (uint16_t)g_rand_int(rnd),
                .pasid = (g_rand_int(rnd) & 3) ? VTD_NO_PASID
                                               : g_rand_int(rnd) & 0xfffff,
                .iova = ((uint64_t)g_rand_int(rnd) << 32 |
                         g_rand_int(rnd)) & ~7ULL,
                .size = 8,
                .access = 1 + g_rand_int_range(rnd, 0, 15),
                .at = (enum vtd_at)g_rand_int_range(rnd, 0, 3),
            };
            struct vtd_xlate o;
            ck_assert_int_eq(vtd_translate(u, &r, &o), 0);
            if (!o.fault) {
                ck_assert_uint_eq(o.addr & 0xfff, r.iova & 0xfff);
                ck_assert(o.page_size == 1ULL << 12 ||
                          o.page_size == 1ULL << 21 ||
                          o.page_size == 1ULL << 30);
            }
        }
    }
    g_rand_free(rnd);
    vtd_iommu_free(u);
    fake_host_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("translate");
    TCase *t = tcase_create("legacy");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_te_off_passes_through);
    tcase_add_test(t, test_levels_3_4_5_translate_4k);
    tcase_add_test(t, test_large_pages_2m_1g);
    tcase_add_test(t, test_root_not_present_fault_1);
    tcase_add_test(t, test_ctx_not_present_fault_2);
    tcase_add_test(t, test_ctx_invalid_programming_fault_3);
    tcase_add_test(t, test_sl_access_faults_3_and_7);
    tcase_add_test(t, test_addr_beyond_aw_fault_4);
    tcase_add_test(t, test_permission_faults_5_6);
    tcase_add_test(t, test_permissions_cumulative);
    tcase_add_test(t, test_root_ctx_access_faults_8_9);
    tcase_add_test(t, test_root_reserved_fault_a);
    tcase_add_test(t, test_ctx_reserved_fault_b);
    tcase_add_test(t, test_sl_reserved_fault_c);
    tcase_add_test(t, test_sl_ps_and_snp_reserved_by_caps);
    tcase_add_test(t, test_sl_ignored_bits_do_not_fault);
    tcase_add_test(t, test_translated_requests_need_tt01);
    tcase_add_test(t, test_interrupt_range_output_fault_e);
    tcase_add_test(t, test_pass_through_tt10);
    tcase_add_test(t, test_fpd_suppresses_qualified_faults);
    tcase_add_test(t, test_rta_mode_faults);
    tcase_add_test(t, test_bad_request_einval);
    tcase_add_test(t, test_cached_hit_keeps_large_page_size_perm_and_write_check);
    tcase_add_test(t, test_first_request_of_new_thread_hits_and_counts);
    tcase_add_test(t, test_walk_events_emitted);
    tcase_add_test(t, test_random_tables_never_crash);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite());
}
