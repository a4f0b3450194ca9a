/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_pscache.c: paging-structure caches (VT-d 6.2.5): an
 * IOTLB miss walks from the deepest cached entry, entries that were not
 * valid are never cached, an IOTLB invalidation with IH=1 still drops the
 * leaf, nested first-stage entries go with a PASID-selective P_IOTLB
 * invalidation, QEMU 7.2's profile has none, and translating threads race
 * with invalidations (run under ThreadSanitizer in CI).
 *
 * Table reads are counted through the fake host (fakemem.h: every read
 * callback, one per 8-byte entry here).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vtd/internal.h" /* white-box: vtd_cache_inv_*_() */
#include "xlate_util.h"
#include "check_main.h"

#define DEV1 0x08            /* 00:01.0 */

/* A legacy device with 5-level tables (AW=011b, 57-bit), DID 1, and
 * IOVA 0x1000/0x2000 -> 0x51000/0x52000 in the same page table. */
static uint64_t five_level(struct env *e)
{
    uint64_t root = pt_alloc(e);
    legacy_root(e, 0, CTP);
    legacy_ctx(e, CTP, DEV1, root, 0, 3, 1, false);
    pt_map(e, root, 5, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    pt_map(e, root, 5, 0x2000, 0x52000, 1, SS_RW, SS_RW);
    env_enable(e, VTD_TTM_LEGACY);
    return root;
}

static unsigned reads_of(struct env *e, uint64_t iova, uint64_t want)
{
    unsigned before = e->h->reads;
    struct vtd_xlate o = xl(e, DEV1, iova, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, want);
    return e->h->reads - before;
}

/* 6.2.5.1-6.2.5.4: with the SS-PML5E, SS-PML4E, SS-PDPE and SS-PDE of the
 * first walk cached, a miss on another page of the same page table reads
 * only its SS-PTE (the context entry is in the context cache; the first
 * walk reads the root and context entries and five levels). */
START_TEST(test_miss_walks_from_cached_pde)
{
    struct env e = env_full();
    five_level(&e);
    ck_assert_uint_eq(reads_of(&e, 0x1010, 0x51010), 2 + 5); /* root, ctx, 5 */
    ck_assert_uint_eq(reads_of(&e, 0x2010, 0x52010), 1);
    env_free(&e);
}
END_TEST

/* QEMU 7.2 keeps no paging-structure caches: every miss reads all five
 * levels (profile qemu-7.2 behaves as VTD_CACHE_NO_PSC; the profile has
 * 3-level tables only, so the policy is what is tested here). */
START_TEST(test_no_psc_reads_every_level)
{
    struct fake_host *h = fake_host_new(RAM_SIZE);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .cache = VTD_CACHE_NO_PSC };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, NULL, 0), 0);
    ck_assert(!u->psc.on);
    struct env e;
    env_init(&e, u, h);
    five_level(&e);
    ck_assert_uint_eq(reads_of(&e, 0x1010, 0x51010), 2 + 5);
    ck_assert_uint_eq(reads_of(&e, 0x2010, 0x52010), 5);
    env_free(&e);

    h = fake_host_new(RAM_SIZE);
    u = fake_unit_profile(h, "qemu-7.2");
    ck_assert(!u->psc.on);
    vtd_iommu_free(u);
    fake_host_free(h);
}
END_TEST

/* 6.2.5.4: "For second-stage mappings, hardware does not create a
 * PDE-cache entry unless at least one of R and W flags is 1": a PDE that
 * was not present when it faulted is read again once present, with no
 * invalidation (CAP.CM=0). */
START_TEST(test_not_present_pde_is_not_cached)
{
    struct env e = env_full();
    uint64_t root = five_level(&e);
    /* IOVA 0x200000 uses PDE[1] of the same page directory: R=W=0. */
    struct vtd_xlate o = xl(&e, DEV1, 0x200010, RD);
    ck_assert_uint_eq(o.fault, VTD_FR_READ);
    uint64_t pt = pt_alloc(&e);
    fake_wq(e.h, pt, 0x70000 | SS_RW);
    fake_wq(e.h, pt_entry(&e, root, 5, 0x200000, 2), pt | SS_RW);
    o = xl(&e, DEV1, 0x200010, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x70010);
    env_free(&e);
}
END_TEST

/* 6.5.1.2: IH=1 preserves paging-structure entries, but "IOTLB entries
 * caching second-stage mappings associated with the specified domain-id
 * and the second-stage-input-address range are invalidated": a changed
 * leaf is seen, read through the kept PDE. */
START_TEST(test_ih1_still_drops_the_leaf)
{
    struct env e = env_full();
    uint64_t root = five_level(&e);
    reads_of(&e, 0x1010, 0x51010);
    fake_wq(e.h, pt_entry(&e, root, 5, 0x1000, 1), 0x61000 | SS_RW);
    vtd_cache_inv_iotlb_(e.u, VTD_INV_PAGE, 1, 0x1000, 0, true);
    ck_assert_uint_eq(reads_of(&e, 0x1010, 0x61010), 1);
    /* IH=0 drops the PDE-cache entry: the next miss reads every level. */
    vtd_cache_inv_iotlb_(e.u, VTD_INV_PAGE, 1, 0x1000, 0, false);
    ck_assert_uint_eq(reads_of(&e, 0x1010, 0x61010), 5);
    env_free(&e);
}
END_TEST

/* Nested (PGTT=011b, 3.8): first-stage tables at GPA 0x200000.. in HPA
 * 0x600000.., second stage GPA g -> HPA g + 0x400000.  A second request
 * under the same first-stage PDE reads its first-stage PTE, the
 * second-stage leaf of the PTE's table and the second-stage leaf of the
 * output: 3 reads (pscache.h: nested entries hold GPAs).  A changed
 * first-stage PDE is seen after a PASID-selective P_IOTLB invalidation
 * (6.5.2.4: "Paging-structure-cache entries caching mappings that are
 * associated with the specified PASID and domain-id are invalidated"). */
START_TEST(test_nested_entries_and_pasid_selective)
{
    struct env e = env_full();
    uint64_t sroot = pt_alloc(&e);
    for (unsigned i = 0; i < 8; i++)
        pt_map(&e, sroot, 4, 0x200000 + 0x1000 * i, 0x600000 + 0x1000 * i,
               1, SS_RW, SS_RW);
    uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
    fake_wq(e.h, 0x600000, 0x201000 | f);      /* PML4E[0] */
    fake_wq(e.h, 0x601000, 0x202000 | f);      /* PDPE[0] */
    fake_wq(e.h, 0x602000, 0x203000 | f);      /* PDE[0] -> PT 0x203000 */
    fake_wq(e.h, 0x603008, 0x204000 | f);      /* PT[1] -> GPA 0x204000 */
    fake_wq(e.h, 0x603010, 0x205000 | f);      /* PT[2] -> GPA 0x205000 */
    fake_wq(e.h, 0x606010, 0x207000 | f);      /* PT' [2] -> 0x207000 */
    sm_root(&e);
    sm_ctx(&e, DEV1, sm_ctx_q0(true, true, 0), 0);
    sm_pdir(&e, 0, PTBL);
    sm_pte(&e, PTBL, 0, pte_q0(3, 2, sroot), 9 | PTE_PWSNP, 0x200000);
    env_enable(&e, VTD_TTM_SCALABLE);

    struct vtd_xlate o = xl(&e, DEV1, 0x1010, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x604010);
    ck_assert_uint_eq(reads_of(&e, 0x2010, 0x605010), 3);

    fake_wq(e.h, 0x602000, 0x206000 | f);      /* PDE[0] -> PT' */
    vtd_cache_inv_piotlb_(e.u, VTD_INV_PASID, 9, 0, 0, 0, false);
    o = xl(&e, DEV1, 0x2010, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x607010);
    env_free(&e);
}
END_TEST

/* Threads translate while the main thread invalidates at every
 * granularity and swaps the PDE between two page tables with the same
 * mappings: every answer is that mapping (and TSan sees the protocol). */
struct race {
    struct env *e;
    _Atomic bool stop;
    _Atomic unsigned bad, done;
};

static gpointer translator(gpointer p)
{
    struct race *r = p;
    unsigned n = 0;
    while (!atomic_load(&r->stop) || n < 1000) {
        uint64_t page = n++ % 64;
        struct vtd_dma_req q = dreq(DEV1, page << 12 | 0x10, RD);
        struct vtd_xlate o;
        if (vtd_translate(r->e->u, &q, &o) != 0 || o.fault ||
            o.addr != (0x400000 | page << 12 | 0x10))
            atomic_fetch_add(&r->bad, 1);
    }
    atomic_fetch_add(&r->done, n);
    return NULL;
}

/* Guest memory read 8 bytes at a time with atomic loads, so that the
 * PDE the main thread swaps is never read torn. */
static int atomic_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    struct fake_host *h = op;
    if (gpa + len > h->size || (gpa | len) & 7)
        return -EFAULT;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = __atomic_load_n((uint64_t *)(void *)(h->ram + gpa + i),
                                     __ATOMIC_ACQUIRE);
        memcpy((uint8_t *)buf + i, &v, 8);
    }
    return 0;
}

static int no_write(void *op, uint64_t gpa, const void *buf, size_t len)
{
    (void)op; (void)gpa; (void)buf; (void)len;
    return -EFAULT;
}

START_TEST(test_concurrent_walks_and_invalidations)
{
    static const struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = atomic_read,
        .write = no_write,
    };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct fake_host *h = fake_host_new(RAM_SIZE);
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    struct env e;
    env_init(&e, u, h);
    uint64_t root = pt_alloc(&e);
    legacy_root(&e, 0, CTP);
    legacy_ctx(&e, CTP, DEV1, root, 0, 3, 1, false);
    for (unsigned i = 0; i < 64; i++)
        pt_map(&e, root, 5, (uint64_t)i << 12,
               0x400000 + ((uint64_t)i << 12), 1, SS_RW, SS_RW);
    uint64_t pde = pt_entry(&e, root, 5, 0, 2);
    uint64_t pt_a = fake_rq(e.h, pde) & ~0xfffULL, pt_b = pt_alloc(&e);
    memcpy(e.h->ram + pt_b, e.h->ram + pt_a, 4096);
    env_enable(&e, VTD_TTM_LEGACY);
    struct race r = { .e = &e };
    GThread *th[3];
    for (unsigned i = 0; i < 3; i++)
        th[i] = g_thread_new("xlate", translator, &r);
    for (unsigned i = 0; i < 3000; i++) {
        if (i % 7 == 0)   /* A set: no A/D write is needed (SSADE=0) */
            __atomic_store_n((uint64_t *)(void *)(e.h->ram + pde),
                             ((i / 7) & 1 ? pt_b : pt_a) | SS_RW,
                             __ATOMIC_RELEASE);
        switch (i % 5) {
        case 0:
            vtd_cache_inv_iotlb_(e.u, VTD_INV_GLOBAL, 0, 0, 0, false);
            break;
        case 1:
            vtd_cache_inv_iotlb_(e.u, VTD_INV_DOMAIN, 1, 0, 0, false);
            break;
        default:
            vtd_cache_inv_iotlb_(e.u, VTD_INV_PAGE, 1,
                                 (uint64_t)(i % 64) << 12, i % 3, i & 1);
            break;
        }
    }
    atomic_store(&r.stop, true);
    for (unsigned i = 0; i < 3; i++)
        g_thread_join(th[i]);
    ck_assert_uint_eq(atomic_load(&r.bad), 0);
    ck_assert_uint_ge(atomic_load(&r.done), 3000);
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pscache");
    TCase *t = tcase_create("pscache");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_miss_walks_from_cached_pde);
    tcase_add_test(t, test_no_psc_reads_every_level);
    tcase_add_test(t, test_not_present_pde_is_not_cached);
    tcase_add_test(t, test_ih1_still_drops_the_leaf);
    tcase_add_test(t, test_nested_entries_and_pasid_selective);
    tcase_add_test(t, test_concurrent_walks_and_invalidations);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite());
}
