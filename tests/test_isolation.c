/* SPDX-License-Identifier: MIT */
/*
 * tests/test_isolation.c: the isolation invariant of issue 8.
 *
 * Four devices in three domains with random legacy-mode second-stage
 * tables (4-level, 4 KiB and 2 MiB leaves, random R/W) are translated
 * through the unit's caches while the tables change underneath and
 * register-based invalidations of every granularity come and go.  Every
 * successful translation must be a mapping that the guest's tables grant
 * now, or granted at some point since the last invalidation that covered
 * it.  The answer is checked by a small reference walker written here,
 * separately from vtd/walk.c, straight from VT-d 9.1, 9.3 and 9.8.
 *
 * The unit has paging-structure caches (profile "full", VT-d 6.2.5), and
 * the test invalidates as a correct driver must: a page-selective
 * invalidation uses IH=1 (keep the paging-structure entries, 6.5.1.2)
 * only when no PDE of its range changed since the last invalidation that
 * dropped the range's paging-structure entries; otherwise IH=0.  A
 * translation through a kept (older) PDE then still gives a mapping the
 * history holds: a PDE change remembers all 512 pages under it.  (With
 * IH=1 always, the test finds the stale PDEs and fails.)
 *
 * The test prints how many requests it checked.  ISOLATION_REQUESTS in
 * the environment overrides the default of 10 million.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "fakemem.h"
#include <vtd/layout.h>
#include "check_main.h"
#include "unit_util.h"

#define MEM (64u << 20)
#define RT 0x10000ULL
#define CT 0x11000ULL
#define NDOM 3
#define NDEV 4
#define NPD 32                  /* IOVA window: 32 x 2 MiB = 64 MiB */
#define NPAGES (NPD * 512)
#define HIST 8                  /* remembered past mappings per page */

/* Device i (00:0i.0) uses domain dev_dom[i]; devices 2 and 3 share. */
static const unsigned dev_dom[NDEV] = { 0, 1, 2, 2 };

struct page_hist {
    unsigned n;                 /* past mappings since last invalidation */
    uint64_t gpa[HIST];         /* 4 KiB page address */
    uint8_t perm[HIST];
    bool overflow;              /* more than HIST: anything seen is ok */
};

struct dom {
    bool pde_changed[NPD];      /* since its paging-structure entries were
                                   last dropped: IH=1 not allowed */
    uint64_t pml4, pdpt, pd;
    uint64_t pt[NPD];           /* current PT page per PD slot, or 0 */
    struct page_hist *hist;     /* NPAGES */
};

static struct fake_host *h;
static struct vtd_iommu *u;
static struct dom doms[NDOM];
static uint64_t bump = 0x100000;
static GRand *rnd;

static uint64_t alloc_page(void)
{
    uint64_t p = bump;
    bump += 0x1000;
    ck_assert(bump < MEM / 2);
    memset(h->ram + p, 0, 0x1000);
    return p;
}

/* ---- the reference walker (VT-d 9.8: R bit 0, W bit 1, PS bit 7,
 * address bits 51:12; cumulative R/W across levels, 3.7.1) ---------- */

struct ref {
    bool ok;
    uint64_t gpa;   /* 4 KiB page of the output */
    unsigned perm;
};

static struct ref ref_walk(unsigned d, uint64_t iova)
{
    struct ref r = { 0 };
    uint64_t table = doms[d].pml4;
    unsigned perm = 3;
    for (int level = 4; level >= 1; level--) {
        unsigned idx = (iova >> (12 + 9 * (level - 1))) & 511;
        uint64_t e = fake_rq(h, table + 8ULL * idx);
        if (!(e & 3))
            return r;
        perm &= (unsigned)(e & 3);
        uint64_t addr = e & 0x000ffffffffff000ULL;
        if (level == 1 || (level == 2 && (e & 0x80))) {
            uint64_t size = level == 1 ? 0x1000 : 0x200000;
            r.ok = perm != 0;
            r.gpa = (addr & ~(size - 1)) + (iova & (size - 1) & ~0xfffULL);
            r.perm = perm;
            return r;
        }
        table = addr;
    }
    return r;
}

static void remember(unsigned d, unsigned page)
{
    struct ref r = ref_walk(d, (uint64_t)page << 12);
    if (!r.ok)
        return;
    struct page_hist *ph = &doms[d].hist[page];
    for (unsigned i = 0; i < ph->n; i++)
        if (ph->gpa[i] == r.gpa && ph->perm[i] == r.perm)
            return;
    if (ph->n == HIST) {
        ph->overflow = true;
        return;
    }
    ph->gpa[ph->n] = r.gpa;
    ph->perm[ph->n] = (uint8_t)r.perm;
    ph->n++;
}

static void forget(unsigned d, unsigned first, unsigned count)
{
    for (unsigned p = first; p < first + count && p < NPAGES; p++)
        memset(&doms[d].hist[p], 0, sizeof(struct page_hist));
}

/* ---- building and changing the tables ------------------------------ */

static uint64_t rand_leaf(uint64_t size)
{
    uint64_t gpa = (uint64_t)g_rand_int_range(rnd, 0, 1 << 14) * size;
    /* Mostly read-write, some read-only, write-only or not present. */
    static const uint8_t perms[10] = { 3, 3, 3, 3, 3, 3, 1, 1, 2, 0 };
    return (gpa & (MEM * 64ULL - 1)) | perms[g_rand_int_range(rnd, 0, 10)];
}

static void set_pd(unsigned d, unsigned i)
{
    struct dom *D = &doms[d];
    D->pde_changed[i] = true;
    if (g_rand_int_range(rnd, 0, 4) == 0) {
        D->pt[i] = 0;
        fake_wq(h, D->pd + 8ULL * i, (rand_leaf(0x200000) & ~0x1ff000ULL) |
                                         0x80);
        return;
    }
    D->pt[i] = alloc_page();
    for (unsigned j = 0; j < 512; j++)
        if (g_rand_int_range(rnd, 0, 8))
            fake_wq(h, D->pt[i] + 8ULL * j, rand_leaf(0x1000));
    fake_wq(h, D->pd + 8ULL * i,
            D->pt[i] | (g_rand_int_range(rnd, 0, 8) ? 3u : 1u));
}

static void build(void)
{
    fake_wq(h, RT, CT | 1);
    for (unsigned d = 0; d < NDOM; d++) {
        struct dom *D = &doms[d];
        D->pml4 = alloc_page();
        D->pdpt = alloc_page();
        D->pd = alloc_page();
        D->hist = g_new0(struct page_hist, NPAGES);
        fake_wq(h, D->pml4, D->pdpt | 3);
        fake_wq(h, D->pdpt, D->pd | 3);
        for (unsigned i = 0; i < NPD; i++)
            set_pd(d, i);
    }
    for (unsigned dev = 0; dev < NDEV; dev++) {
        /* 9.3: P, TT=00b, SLPTPTR; AW=2 (48-bit 4-level), DID = d+1 */
        fake_wq(h, CT + 16ULL * (dev << 3), doms[dev_dom[dev]].pml4 | 1);
        fake_wq(h, CT + 16ULL * (dev << 3) + 8,
                2 | ((uint64_t)(dev_dom[dev] + 1) << 8));
    }
}

static void mutate(void)
{
    unsigned d = (unsigned)g_rand_int_range(rnd, 0, NDOM);
    unsigned i = (unsigned)g_rand_int_range(rnd, 0, NPD);
    struct dom *D = &doms[d];
    if (D->pt[i] && g_rand_int_range(rnd, 0, 8)) {
        unsigned j = (unsigned)g_rand_int_range(rnd, 0, 512);
        remember(d, i * 512 + j);
        fake_wq(h, D->pt[i] + 8ULL * j,
                g_rand_int_range(rnd, 0, 4) ? rand_leaf(0x1000) : 0);
        return;
    }
    for (unsigned j = 0; j < 512; j++)
        remember(d, i * 512 + j);
    set_pd(d, i);
}

/* Register-based invalidation (VT-d 6.5.1, 11.4.6.x). */
static void invalidate(void)
{
    unsigned kind = (unsigned)g_rand_int_range(rnd, 0, 10);
    unsigned d = (unsigned)g_rand_int_range(rnd, 0, NDOM);
    /* 11.4.3: IVA at ECAP.IRO * 16, the IOTLB register at +8. */
    uint64_t iva = VTD_FIELD_GET(vtd_iommu_ecap(u), ECAP, IRO) * 16;
    uint64_t iotlb = iva + 8;
    if (kind == 0) {
        wr64(u, iotlb, (1ULL << 63) | (1ULL << 60));          /* global */
        for (unsigned k = 0; k < NDOM; k++) {
            forget(k, 0, NPAGES);
            memset(doms[k].pde_changed, 0, sizeof(doms[k].pde_changed));
        }
    } else if (kind < 3) {
        wr64(u, iotlb, (1ULL << 63) | (2ULL << 60) |
                           ((uint64_t)(d + 1) << 32));         /* domain */
        forget(d, 0, NPAGES);
        memset(doms[d].pde_changed, 0, sizeof(doms[d].pde_changed));
    } else {
        unsigned am = (unsigned)g_rand_int_range(rnd, 0, 10);
        unsigned page = (unsigned)g_rand_int_range(rnd, 0, NPAGES);
        page &= ~((1u << am) - 1);
        /* 6.5.1.2 / 11.4.6.4 IVA.IH: 1 only when leaf entries alone
         * changed in the range (IVA bits: ADDR 63:12, IH 6, AM 5:0). */
        unsigned first = page / 512, last = (page + (1u << am) - 1) / 512;
        bool pde_changed = false;
        for (unsigned i = first; i <= last && i < NPD; i++)
            pde_changed |= doms[d].pde_changed[i];
        bool ih = !pde_changed && g_rand_boolean(rnd);
        wr64(u, iva, ((uint64_t)page << 12) | (ih ? 1u << 6 : 0) | am);
        wr64(u, iotlb, (1ULL << 63) | (3ULL << 60) |
                           ((uint64_t)(d + 1) << 32));
        forget(d, page, 1u << am);
        if (!ih)
            for (unsigned i = first; i <= last && i < NPD; i++)
                doms[d].pde_changed[i] = false;
    }
    uint64_t v = rd64(u, iotlb);
    ck_assert_msg(!(v >> 63), "IOTLB invalidation did not complete");
    ck_assert_msg(((v >> 57) & 3) != 0, "IOTLB invalidation refused");
}

static bool granted(unsigned d, unsigned page, uint64_t gpa, unsigned need)
{
    struct ref r = ref_walk(d, (uint64_t)page << 12);
    if (r.ok && r.gpa == gpa && (r.perm & need) == need)
        return true;
    const struct page_hist *ph = &doms[d].hist[page];
    for (unsigned i = 0; i < ph->n; i++)
        if (ph->gpa[i] == gpa && (ph->perm[i] & need) == need)
            return true;
    return ph->overflow;
}

START_TEST(test_translations_are_always_granted_mappings)
{
    const char *env = getenv("ISOLATION_REQUESTS");
    unsigned long total = env ? strtoul(env, NULL, 0) : 10000000ul;
    rnd = g_rand_new_with_seed(20261121);
    h = fake_host_new(MEM);
    u = fake_unit_profile(h, "full");
    build();
    unit_enable_translation(u, RT);   /* legacy: TTM 00b */
    ck_assert(rd32(u, VTD_REG_GSTS) & VTD_GSTS_TES);

    unsigned long ok = 0, faults = 0;
    for (unsigned long n = 0; n < total; n++) {
        unsigned r = (unsigned)g_rand_int(rnd);
        if ((r & 1023) == 0)
            mutate();
        else if ((r & 1023) == 1)
            invalidate();
        unsigned dev = (r >> 10) % NDEV;
        unsigned d = dev_dom[dev];
        /* Hot set most of the time so the IOTLB is exercised. */
        unsigned page = (r >> 12) & 1 ? (unsigned)g_rand_int_range(rnd, 0, 64)
                                      : (unsigned)g_rand_int_range(rnd, 0,
                                                                   NPAGES);
        unsigned need = 1 + ((r >> 13) & 1) + ((r >> 14) & 1);
        need = need == 3 ? VTD_PERM_R | VTD_PERM_W
                         : (need == 1 ? VTD_PERM_R : VTD_PERM_W);
        struct vtd_dma_req req = {
            .sid = (uint16_t)(dev << 3),
            .pasid = VTD_NO_PASID,
            .iova = ((uint64_t)page << 12) | ((r >> 16) & 0xff8),
            .size = 8,
            .access = (need & VTD_PERM_R ? VTD_ACC_READ : 0) |
                      (need & VTD_PERM_W ? VTD_ACC_WRITE : 0),
        };
        struct vtd_xlate x;
        ck_assert_int_eq(vtd_translate(u, &req, &x), 0);
        if (x.fault) {
            faults++;
            continue;
        }
        ok++;
        uint64_t gpa = x.addr & ~0xfffULL;
        ck_assert_msg((x.addr & 0xfff) == (req.iova & 0xfff),
                      "offset changed: iova 0x%llx -> 0x%llx",
                      (unsigned long long)req.iova,
                      (unsigned long long)x.addr);
        ck_assert_msg(granted(d, page, gpa, need),
                      "request %lu: dev %u iova 0x%llx -> 0x%llx perm %u: "
                      "never granted since the last invalidation", n, dev,
                      (unsigned long long)req.iova,
                      (unsigned long long)x.addr, need);
    }
    /* Fault accounting (issue 8): every detected fault is recorded,
     * suppressed, collapsed or counted as overflow. */
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    ck_assert_uint_eq(st.faults_detected,
                      st.faults_recorded + st.faults_suppressed +
                          st.faults_collapsed + st.faults_overflow);
    ck_assert_uint_eq(st.faults_detected, faults);
    printf("isolation: %lu requests checked against the reference walker "
           "(%lu translated, %lu faulted; IOTLB %llu hits, %llu misses)\n",
           total, ok, faults, (unsigned long long)st.iotlb_hits,
           (unsigned long long)st.iotlb_misses);
    ck_assert_uint_gt(ok, total / 10);
    ck_assert_uint_gt(st.iotlb_hits, total / 10);
    for (unsigned d = 0; d < NDOM; d++)
        g_free(doms[d].hist);
    vtd_iommu_free(u);
    fake_host_free(h);
    g_rand_free(rnd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("isolation");
    TCase *tc = tcase_create("isolation");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_translations_are_always_granted_mappings);
    suite_add_tcase(s, tc);
    return check_run_nofork(s);
}
