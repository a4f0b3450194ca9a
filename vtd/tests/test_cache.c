/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_cache.c: context cache, PASID cache and IOTLB (VT-d 6.2,
 * 6.5): entries stay until an invalidation of the right granularity,
 * each granularity drops what it names and keeps the rest, cached
 * permissions are checked on every hit, cache=none, lint, bounded size,
 * concurrent hits and invalidations.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vtd/internal.h" /* white-box: the core's private state */
#include "xlate_util.h"
#include "check_main.h"

#define DEV1 0x08            /* 00:01.0 */
#define DEV1F1 0x09          /* 00:01.1 */
#define DEV2 0x10            /* 00:02.0 */

/* Two legacy devices with their own 4-level tables, DIDs 1 and 2. */
struct two {
    struct env e;
    uint64_t r1, r2;
};

static struct two two_devs(void)
{
    struct two t;
    t.e = env_full();
    t.r1 = pt_alloc(&t.e);
    t.r2 = pt_alloc(&t.e);
    legacy_root(&t.e, 0, CTP);
    legacy_ctx(&t.e, CTP, DEV1, t.r1, 0, 2, 1, false);
    legacy_ctx(&t.e, CTP, DEV2, t.r2, 0, 2, 2, false);
    env_enable(&t.e, VTD_TTM_LEGACY);
    return t;
}

/* VT-d 6.2: a changed leaf without invalidation keeps translating to the
 * old page; a page-selective IOTLB invalidation removes it. */
START_TEST(test_stale_translation_until_page_invalidation)
{
    struct two t = two_devs();
    uint64_t leaf = pt_map(&t.e, t.r1, 4, 0x1000, 0x50000, 1, SS_RW, SS_RW);
    struct vtd_xlate o = xl(&t.e, DEV1, 0x1010, RD);
    ck_assert_uint_eq(o.addr, 0x50010);
    ck_assert(!o.cached);
    fake_wq(t.e.h, leaf, 0x60000 | SS_RW);
    o = xl(&t.e, DEV1, 0x1010, RD);
    ck_assert_uint_eq(o.addr, 0x50010);
    ck_assert(o.cached);
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x1000, 0, false);
    o = xl(&t.e, DEV1, 0x1010, RD);
    ck_assert_uint_eq(o.addr, 0x60010);
    ck_assert(!o.cached);
    struct vtd_stats st;
    vtd_get_stats(t.e.u, &st);
    ck_assert_uint_eq(st.iotlb_hits, 1);
    ck_assert_uint_eq(st.iotlb_misses, 2);
    env_free(&t.e);
}
END_TEST

/* VT-d 6.5.1.2: page-selective invalidation drops the 2^AM pages at the
 * aligned address (and large pages overlapping them) in that domain;
 * other pages and other domains stay. */
START_TEST(test_iotlb_page_invalidation_scope)
{
    struct two t = two_devs();
    uint64_t a = pt_map(&t.e, t.r1, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    uint64_t b = pt_map(&t.e, t.r1, 4, 0x2000, 0x52000, 1, SS_RW, SS_RW);
    uint64_t c = pt_map(&t.e, t.r1, 4, 0x3000, 0x53000, 1, SS_RW, SS_RW);
    uint64_t big = pt_map(&t.e, t.r1, 4, 0x400000, 0x800000, 2, SS_RW, SS_RW);
    uint64_t d2 = pt_map(&t.e, t.r2, 4, 0x2000, 0x72000, 1, SS_RW, SS_RW);
    uint64_t iovas[] = { 0x1000, 0x2000, 0x3000, 0x400000 };
    for (unsigned i = 0; i < 4; i++)
        xl(&t.e, DEV1, iovas[i], RD);
    xl(&t.e, DEV2, 0x2000, RD);
    fake_wq(t.e.h, a, 0x61000 | SS_RW);
    fake_wq(t.e.h, b, 0x62000 | SS_RW);
    fake_wq(t.e.h, c, 0x63000 | SS_RW);
    fake_wq(t.e.h, big, 0xa00000 | PG_PS | SS_RW);
    fake_wq(t.e.h, d2, 0x82000 | SS_RW);

    /* AM=1 at 0x3000: pages 0x2000-0x3fff of DID 1. */
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x3000, 1, false);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).addr, 0x51000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x2000, RD).addr, 0x62000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x3000, RD).addr, 0x63000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x400000, RD).addr, 0x800000);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x2000, RD).addr, 0x72000);
    /* AM=0 inside the 2 MiB page drops the 2 MiB entry. */
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x5ff000, 0, false);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x400000, RD).addr, 0xa00000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).addr, 0x51000);
    env_free(&t.e);
}
END_TEST

/* VT-d 6.5.1.2: domain-selective drops one DID; global drops all. */
START_TEST(test_iotlb_domain_and_global_invalidation)
{
    struct two t = two_devs();
    uint64_t a = pt_map(&t.e, t.r1, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    uint64_t b = pt_map(&t.e, t.r2, 4, 0x1000, 0x71000, 1, SS_RW, SS_RW);
    xl(&t.e, DEV1, 0x1000, RD);
    xl(&t.e, DEV2, 0x1000, RD);
    fake_wq(t.e.h, a, 0x61000 | SS_RW);
    fake_wq(t.e.h, b, 0x81000 | SS_RW);
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_DOMAIN, 2, 0, 0, false);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).addr, 0x51000);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).addr, 0x81000);
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_GLOBAL, 0, 0, 0, false);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).addr, 0x61000);
    env_free(&t.e);
}
END_TEST

/* VT-d 6.5.1.1: context-cache invalidation by device (with function
 * mask), by domain and globally; the entries it does not name stay. */
START_TEST(test_context_invalidation_granularities)
{
    struct two t = two_devs();
    legacy_ctx(&t.e, CTP, DEV1F1, t.r1, 0, 2, 1, false);
    pt_map(&t.e, t.r1, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    pt_map(&t.e, t.r2, 4, 0x1000, 0x71000, 1, SS_RW, SS_RW);
    uint16_t devs[] = { DEV1, DEV1F1, DEV2 };
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(xl(&t.e, devs[i], 0x1000, RD).fault, 0);
    /* Every context entry made not present, without invalidation. */
    for (unsigned i = 0; i < 3; i++)
        fake_wq(t.e.h, CTP + 16 * devs[i], 0);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(xl(&t.e, devs[i], 0x1000, RD).fault, 0);

    /* Device 00:01.0, FM=0: only that function. */
    vtd_cache_inv_context_(t.e.u, VTD_INV_DEVICE, 1, DEV1, 0);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).fault,
                      VTD_FR_CTX_NOT_PRESENT);
    ck_assert_uint_eq(xl(&t.e, DEV1F1, 0x1000, RD).fault, 0);
    /* FM=3 (all function bits masked) from 00:01.0 covers 00:01.1. */
    vtd_cache_inv_context_(t.e.u, VTD_INV_DEVICE, 1, DEV1, 3);
    ck_assert_uint_eq(xl(&t.e, DEV1F1, 0x1000, RD).fault,
                      VTD_FR_CTX_NOT_PRESENT);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).fault, 0);
    /* Domain 1 does not name DEV2 (DID 2); domain 2 does. */
    vtd_cache_inv_context_(t.e.u, VTD_INV_DOMAIN, 1, 0, 0);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).fault, 0);
    vtd_cache_inv_context_(t.e.u, VTD_INV_DOMAIN, 2, 0, 0);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).fault,
                      VTD_FR_CTX_NOT_PRESENT);

    /* Global. */
    legacy_ctx(&t.e, CTP, DEV2, t.r2, 0, 2, 2, false);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).fault, 0);
    fake_wq(t.e.h, CTP + 16 * DEV2, 0);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).fault, 0);
    vtd_cache_inv_context_(t.e.u, VTD_INV_GLOBAL, 0, 0, 0);
    ck_assert_uint_eq(xl(&t.e, DEV2, 0x1000, RD).fault,
                      VTD_FR_CTX_NOT_PRESENT);
    env_free(&t.e);
}
END_TEST

/* Issue 3 / oracle: a write hitting an entry cached from a read of a
 * read-only page faults 5h even after the table grants write, until
 * the IOTLB is invalidated. */
START_TEST(test_cached_permission_checked_on_hit)
{
    struct two t = two_devs();
    uint64_t leaf = pt_map(&t.e, t.r1, 4, 0x1000, 0x51000, 1, SS_R, SS_RW);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).fault, 0);
    fake_wq(t.e.h, leaf, 0x51000 | SS_RW);
    struct vtd_xlate o = xl(&t.e, DEV1, 0x1000, WR);
    ck_assert_uint_eq(o.fault, VTD_FR_WRITE);
    ck_assert(o.recorded);
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x1000, 0, false);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, WR).fault, 0);
    env_free(&t.e);
}
END_TEST

/* VT-d 6.1 caching mode: with CAP.CM=1 a not-present translation may
 * be cached, so mapping the page without an IOTLB invalidation keeps
 * faulting; with CM=0 the new mapping is seen at once. */
START_TEST(test_caching_mode_caches_not_present)
{
    for (unsigned cm = 0; cm <= 1; cm++) {
        uint64_t c, x;
        vtd_profile_lookup("full", &c, &x);
        struct env e = env_caps(field_set(c, CAP, CM, cm), x);
        uint64_t root = legacy_dev(&e, DEV1, 4, 1);
        pt_map(&e, root, 4, 0x2000, 0x52000, 1, SS_RW, SS_RW);
        env_enable(&e, VTD_TTM_LEGACY);
        ck_assert_uint_eq(xl(&e, DEV1, 0x1000, RD).fault, VTD_FR_READ);
        pt_map(&e, root, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
        struct vtd_xlate o = xl(&e, DEV1, 0x1000, WR);
        ck_assert_uint_eq(o.fault, cm ? VTD_FR_WRITE : 0);
        vtd_cache_inv_iotlb_(e.u, VTD_INV_PAGE, 1, 0x1000, 0, false);
        o = xl(&e, DEV1, 0x1000, WR);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert_uint_eq(o.addr, 0x51000);
        env_free(&e);
    }
}
END_TEST

/* Scalable mode: PASID-cache and PASID-based IOTLB invalidations. */
START_TEST(test_pasid_cache_and_piotlb_invalidation)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    sm_root(&e);
    sm_ctx(&e, DEV1, sm_ctx_q0(true, true, 0), 0);
    sm_pdir(&e, 0, PTBL);
    sm_pte(&e, PTBL, 0, pte_q0(2, 2, root), 5, 0);
    sm_pte(&e, PTBL, 1, pte_q0(2, 2, root), 6, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_dma_req r0 = dreq(DEV1, 0x1000, RD), r1 = r0;
    r1.pasid = 1;
    ck_assert_uint_eq(xlr(&e, &r0).addr, 0x51000);
    ck_assert_uint_eq(xlr(&e, &r1).addr, 0x51000);

    /* PIOTLB page-selective for DID 5 / PASID 0 only. */
    fake_wq(e.h, leaf, 0x61000 | SS_RW);
    vtd_cache_inv_piotlb_(e.u, VTD_INV_PAGE, 5, 0, 0x1000, 0, false);
    ck_assert_uint_eq(xlr(&e, &r0).addr, 0x61000);
    ck_assert_uint_eq(xlr(&e, &r1).addr, 0x51000);
    vtd_cache_inv_piotlb_(e.u, VTD_INV_PASID, 6, 1, 0, 0, false);
    ck_assert_uint_eq(xlr(&e, &r1).addr, 0x61000);

    /* PASID entries made not present: cached until a PASID-cache
     * invalidation names them (PASID-selective, then domain). */
    sm_pte(&e, PTBL, 0, 0, 0, 0);
    sm_pte(&e, PTBL, 1, 0, 0, 0);
    ck_assert_uint_eq(xlr(&e, &r0).fault, 0);
    vtd_cache_inv_pasid_(e.u, VTD_INV_PASID, 5, 0);
    ck_assert_uint_eq(xlr(&e, &r0).fault, VTD_FR_SPT_NOT_PRESENT);
    ck_assert_uint_eq(xlr(&e, &r1).fault, 0);
    vtd_cache_inv_pasid_(e.u, VTD_INV_DOMAIN, 5, 0);
    ck_assert_uint_eq(xlr(&e, &r1).fault, 0);
    vtd_cache_inv_pasid_(e.u, VTD_INV_DOMAIN, 6, 0);
    ck_assert_uint_eq(xlr(&e, &r1).fault, VTD_FR_SPT_NOT_PRESENT);
    env_free(&e);
}
END_TEST

/* A unit with a given cache policy / lint and a trace hook that keeps
 * the last CACHE_STALE message. */
struct traced {
    struct fake_host *h;
    unsigned stale;
    char msg[256];
};

static int t_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    return fake_host_ops()->read(((struct traced *)op)->h, gpa, buf, len);
}

static int t_write(void *op, uint64_t gpa, const void *buf, size_t len)
{
    return fake_host_ops()->write(((struct traced *)op)->h, gpa, buf, len);
}

static void t_trace(void *op, const struct vtd_event *ev)
{
    struct traced *t = op;
    if (ev->kind == VTD_EV_CACHE_STALE) {
        t->stale++;
        g_strlcpy(t->msg, ev->msg ? ev->msg : "", sizeof(t->msg));
    }
}

static struct env env_policy(struct traced *t, enum vtd_cache_policy pol,
                             bool lint)
{
    static const struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = t_read, .write = t_write,
        .trace = t_trace,
    };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .cache = pol,
                              .lint = lint };
    struct vtd_iommu *u = NULL;
    t->h = fake_host_new(RAM_SIZE);
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, t, &u, NULL, 0), 0);
    struct env e;
    env_init(&e, u, t->h);
    return e;
}

/* cache=none: every request walks, so a changed leaf is seen at once. */
START_TEST(test_cache_none_always_walks)
{
    struct traced t = { 0 };
    struct env e = env_policy(&t, VTD_CACHE_NONE, false);
    uint64_t root = legacy_dev(&e, DEV1, 4, 1);
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    ck_assert_uint_eq(xl(&e, DEV1, 0x1000, RD).addr, 0x51000);
    fake_wq(e.h, leaf, 0x61000 | SS_RW);
    struct vtd_xlate o = xl(&e, DEV1, 0x1000, RD);
    ck_assert_uint_eq(o.addr, 0x61000);
    ck_assert(!o.cached);
    fake_wq(e.h, CTP + 16 * DEV1, 0);
    ck_assert_uint_eq(xl(&e, DEV1, 0x1000, RD).fault,
                      VTD_FR_CTX_NOT_PRESENT);
    env_free(&e);
}
END_TEST

/* Lint: a hit that disagrees with the tables emits VTD_EV_CACHE_STALE
 * naming the DID and IOVA; the cached answer is still returned. */
START_TEST(test_lint_reports_missing_invalidation)
{
    struct traced t = { 0 };
    struct env e = env_policy(&t, VTD_CACHE_HARDWARE, true);
    uint64_t root = legacy_dev(&e, DEV1, 4, 4);
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    xl(&e, DEV1, 0x1000, RD);
    ck_assert_uint_eq(xl(&e, DEV1, 0x1000, RD).addr, 0x51000);
    ck_assert_uint_eq(t.stale, 0);
    fake_wq(e.h, leaf, 0x61000 | SS_RW);
    ck_assert_uint_eq(xl(&e, DEV1, 0x1000, RD).addr, 0x51000);
    ck_assert_uint_eq(t.stale, 1);
    ck_assert_ptr_nonnull(strstr(t.msg,
                                 "missing IOTLB invalidation for DID 4, "
                                 "IOVA 0x1000"));
    /* A context entry made not present without a context-cache
     * invalidation: the cached answer stands, lint names the SID. */
    vtd_cache_inv_iotlb_(e.u, VTD_INV_GLOBAL, 0, 0, 0, false);
    fake_wq(e.h, CTP + 16 * DEV1, 0);
    ck_assert_uint_eq(xl(&e, DEV1, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(t.stale, 2);
    ck_assert_ptr_nonnull(strstr(t.msg, "context/PASID-cache invalidation "
                                        "for SID 00:01.0"));
    env_free(&e);
}
END_TEST

/* Bounded size, no flush when full: after filling twice the IOTLB's
 * 4096 entries, most recent translations are still cached (a cache that
 * flushed everything when full would keep at most one fill's worth). */
START_TEST(test_full_cache_replaces_per_set)
{
    struct two t = two_devs();
    const unsigned n = 8192, recent = 1024;
    for (unsigned i = 0; i < n; i++)
        pt_map(&t.e, t.r1, 4, (uint64_t)i << 12, 0x400000 + ((uint64_t)i << 12),
               1, SS_RW, SS_RW);
    for (unsigned i = 0; i < n; i++)
        xl(&t.e, DEV1, (uint64_t)i << 12, RD);
    unsigned hits = 0;
    for (unsigned i = n - recent; i < n; i++)
        hits += xl(&t.e, DEV1, (uint64_t)i << 12, RD).cached;
    /* 1024 recent pages over 1024 sets of 4 ways: nearly all remain. */
    ck_assert_uint_ge(hits, recent * 3 / 4);
    env_free(&t.e);
}
END_TEST

/* Hits from several threads while another thread invalidates: every
 * answer is the (unchanged) mapping, never a torn or foreign entry. */
struct race {
    struct env *e;
    _Atomic bool stop;
    _Atomic unsigned bad;
};

static gpointer hitter(gpointer p)
{
    struct race *r = p;
    unsigned n = 0;
    while (!atomic_load(&r->stop) || n < 1000) {
        uint64_t page = (n % 64) << 12;
        struct vtd_dma_req q = dreq(DEV1, page + 8, RD);
        struct vtd_xlate o;
        if (vtd_translate(r->e->u, &q, &o) != 0 || o.fault ||
            o.addr != 0x400000 + page + 8)
            atomic_fetch_add(&r->bad, 1);
        n++;
    }
    return NULL;
}

/* Host read without the fake host's (unsynchronised) access counters. */
static int race_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    struct fake_host *h = op;
    if (gpa >= h->size || len > h->size - gpa)
        return -EFAULT;
    memcpy(buf, h->ram + gpa, len);
    return 0;
}

static int race_write(void *op, uint64_t gpa, const void *buf, size_t len)
{
    (void)op; (void)gpa; (void)buf; (void)len;
    return -EFAULT;
}

/* The start of the concurrent tests: a unit (profile full) on a fake
 * host read through read (which keeps off the fake host's unsynchronised
 * access counters; writes fail), DEV1 in legacy mode on the second-stage
 * table t->r1, translation on. */
static void race_start(struct two *t,
                       int (*read)(void *, uint64_t, void *, size_t))
{
    const struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = read, .write = race_write,
    };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct fake_host *h = fake_host_new(RAM_SIZE);
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    env_init(&t->e, u, h);
    t->r1 = pt_alloc(&t->e);
    legacy_root(&t->e, 0, CTP);
    legacy_ctx(&t->e, CTP, DEV1, t->r1, 0, 2, 1, false);
    env_enable(&t->e, VTD_TTM_LEGACY);
}

START_TEST(test_concurrent_hits_and_invalidations)
{
    struct two t;
    race_start(&t, race_read);
    for (unsigned i = 0; i < 64; i++)
        pt_map(&t.e, t.r1, 4, (uint64_t)i << 12, 0x400000 + ((uint64_t)i << 12),
               1, SS_RW, SS_RW);
    struct race r = { .e = &t.e };
    GThread *th[4];
    for (unsigned i = 0; i < 4; i++)
        th[i] = g_thread_new("hit", hitter, &r);
    for (unsigned i = 0; i < 2000; i++) {
        vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, (uint64_t)(i % 64) << 12,
                             0, false);
        if (i % 100 == 0) {
            vtd_cache_inv_iotlb_(t.e.u, VTD_INV_GLOBAL, 0, 0, 0, false);
            vtd_cache_inv_context_(t.e.u, VTD_INV_GLOBAL, 0, 0, 0);
        }
    }
    atomic_store(&r.stop, true);
    for (unsigned i = 0; i < 4; i++)
        g_thread_join(th[i]);
    ck_assert_uint_eq(atomic_load(&r.bad), 0);
    env_free(&t.e);
}
END_TEST

/* Front-cache slots holding a valid entry (white-box: the snapshot
 * accessor), and whether the slot of (sid, iova) holds that page. */
static unsigned front_count(struct vtd_iommu *u)
{
    unsigned n = 0;
    uint64_t f[4];
    for (unsigned i = 0; i < VTD_FAST_ENTRIES; i++)
        n += vtd_cache_fast_get_(u, i, f);
    return n;
}

static bool front_holds(struct vtd_iommu *u, uint16_t sid, uint64_t iova)
{
    uint64_t key = vtd_fast_key_(sid, VTD_NO_PASID), f[4];
    struct vtd_fast_slot *s = vtd_fast_slot_(&u->cache, key, iova >> 12);
    unsigned i = (unsigned)(s - u->cache.fast);
    return vtd_cache_fast_get_(u, i, f) && f[0] == key && f[1] == iova >> 12;
}

/* VT-d 6.5.2.3 Table 23 (legacy mode: DID and address): a page-selective
 * IOTLB invalidation drops the translations of that domain and range and
 * nothing else, so the front cache in front of the IOTLB keeps the
 * others: after a PSI of one page of DID 1, the other pages of DID 1 and
 * the pages of DID 2 are still served by the front cache; the
 * invalidated page is gone from it and translates through the new leaf.
 * (Before, every invalidation emptied the front cache.) */
START_TEST(test_unrelated_psi_keeps_front_cache)
{
    struct two t = two_devs();
    uint64_t leaf[8];
    for (unsigned i = 0; i < 8; i++) {
        leaf[i] = pt_map(&t.e, t.r1, 4, 0x10000 + i * 0x1000ULL,
                         0x500000 + i * 0x1000ULL, 1, SS_RW, SS_RW);
        pt_map(&t.e, t.r2, 4, 0x10000 + i * 0x1000ULL,
               0x700000 + i * 0x1000ULL, 1, SS_RW, SS_RW);
    }
    for (unsigned i = 0; i < 8; i++) {
        xl(&t.e, DEV1, 0x10000 + i * 0x1000ULL, RD);
        xl(&t.e, DEV2, 0x10000 + i * 0x1000ULL, RD);
    }
    ck_assert_uint_eq(front_count(t.e.u), 16);
    /* Page 3 of DID 1 remapped, then invalidated (AM=0). */
    fake_wq(t.e.h, leaf[3], 0x600000 | SS_RW);
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x13000, 0, false);
    ck_assert_uint_eq(front_count(t.e.u), 15);
    ck_assert(!front_holds(t.e.u, DEV1, 0x13000));
    ck_assert(front_holds(t.e.u, DEV1, 0x12000));
    ck_assert(front_holds(t.e.u, DEV2, 0x13000));
    /* A PSI of another domain's page: DID 1's entries stay. */
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 2, 0x17000, 0, false);
    ck_assert_uint_eq(front_count(t.e.u), 14);
    ck_assert(front_holds(t.e.u, DEV1, 0x17000));
    ck_assert(!front_holds(t.e.u, DEV2, 0x17000));
    /* AM=1 at 0x15000: pages 0x14000-0x15fff of DID 1. */
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x15000, 1, false);
    ck_assert_uint_eq(front_count(t.e.u), 12);
    ck_assert(!front_holds(t.e.u, DEV1, 0x14000));
    ck_assert(front_holds(t.e.u, DEV1, 0x16000));
    /* What the kept slots answer: hits, without a table read. */
    unsigned reads = atomic_load(&t.e.h->reads);
    for (unsigned i = 0; i < 8; i++) {
        if (i == 3 || i == 4 || i == 5)
            continue;
        struct vtd_xlate o = xl(&t.e, DEV1, 0x10000 + i * 0x1000ULL, RD);
        ck_assert(o.cached);
        ck_assert_uint_eq(o.addr, 0x500000 + i * 0x1000ULL);
    }
    ck_assert_uint_eq(atomic_load(&t.e.h->reads), reads);
    struct vtd_xlate o = xl(&t.e, DEV1, 0x13000, RD);
    ck_assert(!o.cached);
    ck_assert_uint_eq(o.addr, 0x600000);
    /* Domain-selective and global empty it (O(1)). */
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_DOMAIN, 2, 0, 0, false);
    ck_assert_uint_eq(front_count(t.e.u), 0);
    env_free(&t.e);
}
END_TEST

/* The front cache holds 4 KiB pages of large mappings: a PSI of one 4 KiB
 * page inside a 2 MiB mapping drops the 2 MiB IOTLB entry (6.5.1.2:
 * entries overlapping the range), so every page of that mapping must
 * leave the front cache too, not only the one invalidated. */
START_TEST(test_psi_inside_large_page_drops_its_front_entries)
{
    struct two t = two_devs();
    uint64_t big = pt_map(&t.e, t.r1, 4, 0x400000, 0x800000, 2, SS_RW, SS_RW);
    pt_map(&t.e, t.r1, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x401000, RD).addr, 0x801000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x5fe000, RD).addr, 0x9fe000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).addr, 0x51000);
    fake_wq(t.e.h, big, 0xa00000 | PG_PS | SS_RW);
    vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, 0x400000, 0, false);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x401000, RD).addr, 0xa01000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x5fe000, RD).addr, 0xbfe000);
    ck_assert_uint_eq(xl(&t.e, DEV1, 0x1000, RD).addr, 0x51000);
    env_free(&t.e);
}
END_TEST

/* Page-selective invalidations while other threads translate: a
 * translation that starts after the invalidation returned never uses the
 * mapping it replaced.  The writer maps page p to a new frame each round
 * (frame number = round), invalidates that page, then publishes the
 * round; a reader that saw round r for page p must get a frame of round
 * r or later.  Leaves are read and written atomically (the host below). */
#define STALE_PAGES 8
#define STALE_BASE 0x1000000ULL     /* frame of round n: BASE + n * 4K */
struct stale_race {
    struct env *e;
    uint64_t leaf[STALE_PAGES];
    _Atomic uint64_t round[STALE_PAGES];
    _Atomic bool stop;
    _Atomic unsigned bad, checked;
};

static gpointer stale_reader(gpointer p)
{
    struct stale_race *r = p;
    unsigned n = 0;
    while (!atomic_load(&r->stop)) {
        unsigned pg = n++ % STALE_PAGES;
        uint64_t seen = atomic_load(&r->round[pg]);
        struct vtd_dma_req q = dreq(DEV1, (uint64_t)pg << 12, RD);
        struct vtd_xlate o;
        if (vtd_translate(r->e->u, &q, &o) != 0 || o.fault ||
            o.addr < STALE_BASE ||
            (o.addr - STALE_BASE) / 0x1000 < seen ||
            (o.addr - STALE_BASE) / 0x1000 % STALE_PAGES != pg)
            atomic_fetch_add(&r->bad, 1);
        atomic_fetch_add_explicit(&r->checked, 1, memory_order_relaxed);
    }
    return NULL;
}

static int atomic_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    struct fake_host *h = op;
    if (gpa >= h->size || len > h->size - gpa)
        return -EFAULT;
    if (len == 8 && !(gpa & 7)) {
        uint64_t v = __atomic_load_n((uint64_t *)(void *)(h->ram + gpa),
                                     __ATOMIC_ACQUIRE);
        memcpy(buf, &v, 8);
        return 0;
    }
    memcpy(buf, h->ram + gpa, len);
    return 0;
}

START_TEST(test_concurrent_psi_never_serves_replaced_mapping)
{
    struct two t;
    race_start(&t, atomic_read);
    struct fake_host *h = t.e.h;
    struct vtd_iommu *u = t.e.u;
    struct stale_race r = { .e = &t.e };
    for (unsigned p = 0; p < STALE_PAGES; p++) {
        r.leaf[p] = pt_map(&t.e, t.r1, 4, (uint64_t)p << 12,
                           STALE_BASE + ((uint64_t)p << 12), 1, SS_RW, SS_RW);
        atomic_init(&r.round[p], p);
    }
    GThread *th[3];
    for (unsigned i = 0; i < 3; i++)
        th[i] = g_thread_new("stale", stale_reader, &r);
    while (atomic_load(&r.checked) == 0)
        g_thread_yield();
    /* Each round the writer translates the page itself after publishing
     * it, so the front cache holds it when the page is next remapped
     * (readers' fills are often refused: every invalidation refuses the
     * fills that raced with it). */
    for (uint64_t n = STALE_PAGES; n < 20000; n++) {
        unsigned p = (unsigned)(n % STALE_PAGES);
        __atomic_store_n((uint64_t *)(void *)(h->ram + r.leaf[p]),
                         (STALE_BASE + (n << 12)) | SS_RW, __ATOMIC_RELEASE);
        vtd_cache_inv_iotlb_(t.e.u, VTD_INV_PAGE, 1, (uint64_t)p << 12, 0,
                             false);
        atomic_store(&r.round[p], n);
        struct vtd_dma_req q = dreq(DEV1, (uint64_t)p << 12, RD);
        struct vtd_xlate o;
        if (vtd_translate(u, &q, &o) != 0 || o.fault ||
            o.addr != STALE_BASE + (n << 12))
            atomic_fetch_add(&r.bad, 1);
    }
    atomic_store(&r.stop, true);
    for (unsigned i = 0; i < 3; i++)
        g_thread_join(th[i]);
    ck_assert_uint_gt(atomic_load(&r.checked), 0);
    ck_assert_uint_eq(atomic_load(&r.bad), 0);
    env_free(&t.e);
}
END_TEST

/* cache.h "Domain fill generations": a page-selective invalidation
 * refuses the fills of its own domain that started before it (the walk
 * may have read the replaced entry) and no others: it leaves the unit's
 * fill generation alone, so translating threads of other domains keep
 * filling.  Every other granularity still refuses every fill. */
START_TEST(test_psi_refuses_only_its_domains_fills)
{
    struct two t = two_devs();
    struct vtd_iommu *u = t.e.u;
    const struct vtd_iotlb_hit e = { .page = 0x500000, .page_size = 4096,
                                     .perm = VTD_PERM_R | VTD_PERM_W };
    struct vtd_iotlb_hit h;
    /* Fills that read the generations before a PSI of DID 1 (register
     * PSI, then PASID-based page-selective, both within DID 1). */
    for (unsigned kind = 0; kind < 2; kind++) {
        uint64_t iova = 0x40000 + kind * 0x10000;
        uint64_t g = vtd_cache_gen_(u);
        uint64_t d1 = vtd_cache_dgen_(u, 1), d2 = vtd_cache_dgen_(u, 2);
        if (kind == 0)
            vtd_cache_inv_iotlb_(u, VTD_INV_PAGE, 1, 0x1000, 0, false);
        else
            vtd_cache_inv_piotlb_(u, VTD_INV_PAGE, 1, 5, 0x1000, 0, false);
        ck_assert_uint_eq(vtd_cache_gen_(u), g);
        ck_assert_uint_ne(vtd_cache_dgen_(u, 1), d1);
        ck_assert_uint_eq(vtd_cache_dgen_(u, 2), d2);
        vtd_cache_iotlb_fill_(u, 2, 0, false, iova, &e, g, d2);
        ck_assert(vtd_cache_iotlb_lookup_(u, 2, 0, false, iova, &h));
        ck_assert_uint_eq(h.page, 0x500000);
        vtd_cache_iotlb_fill_(u, 1, 0, false, iova, &e, g, d1);
        ck_assert(!vtd_cache_iotlb_lookup_(u, 1, 0, false, iova, &h));
        /* Read after the PSI: filled. */
        vtd_cache_iotlb_fill_(u, 1, 0, false, iova, &e, g,
                              vtd_cache_dgen_(u, 1));
        ck_assert(vtd_cache_iotlb_lookup_(u, 1, 0, false, iova, &h));
    }
    /* A domain-selective invalidation of DID 2 refuses DID 1's fill. */
    uint64_t g = vtd_cache_gen_(u), d1 = vtd_cache_dgen_(u, 1);
    vtd_cache_inv_iotlb_(u, VTD_INV_DOMAIN, 2, 0, 0, false);
    vtd_cache_iotlb_fill_(u, 1, 0, false, 0x80000, &e, g, d1);
    ck_assert(!vtd_cache_iotlb_lookup_(u, 1, 0, false, 0x80000, &h));
    env_free(&t.e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cache");
    TCase *t = tcase_create("cache");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_stale_translation_until_page_invalidation);
    tcase_add_test(t, test_iotlb_page_invalidation_scope);
    tcase_add_test(t, test_iotlb_domain_and_global_invalidation);
    tcase_add_test(t, test_context_invalidation_granularities);
    tcase_add_test(t, test_cached_permission_checked_on_hit);
    tcase_add_test(t, test_pasid_cache_and_piotlb_invalidation);
    tcase_add_test(t, test_caching_mode_caches_not_present);
    tcase_add_test(t, test_cache_none_always_walks);
    tcase_add_test(t, test_lint_reports_missing_invalidation);
    tcase_add_test(t, test_full_cache_replaces_per_set);
    tcase_add_test(t, test_concurrent_hits_and_invalidations);
    tcase_add_test(t, test_unrelated_psi_keeps_front_cache);
    tcase_add_test(t, test_psi_inside_large_page_drops_its_front_entries);
    tcase_add_test(t, test_concurrent_psi_never_serves_replaced_mapping);
    tcase_add_test(t, test_psi_refuses_only_its_domains_fills);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite());
}
