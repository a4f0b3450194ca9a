/* SPDX-License-Identifier: MIT */
/*
 * tests/test_notify.c: caching-mode map/unmap subscribers (vtd/notify.c).
 *
 * A fake embedder applies the events to its own shadow; after every step
 * the shadow is compared with the mapping set the test built by hand in
 * the second-stage tables (VT-d 9.8 entry format, 9.3 context entry).
 */
#include <check.h>
#include <stdlib.h>

#include "fakemem.h"
#include "vtd/internal.h"

#define RT 0x10000ULL    /* root table */
#define CT 0x11000ULL    /* context table for bus 0 */
#define L3 0x20000ULL
#define L2 0x21000ULL
#define L1 0x22000ULL
#define SID 0x0018       /* 00:03.0 */
#define DID 5

/* QEMU 7.2's CAP with CM (bit 7) set; ECAP 0xf00f4a has PT. */
#define CAP_CM (0x00d2008c22260206ULL | 0x80)
#define ECAP 0xf00f4aULL

struct embedder {
    GHashTable *shadow;  /* iova -> "size gpa perm" string */
    unsigned maps, unmaps;
    bool bad_unmap;      /* an UNMAP for something not mapped */
};

static void on_event(void *opaque, const struct vtd_map_event *ev)
{
    struct embedder *e = opaque;
    ck_assert_uint_eq(ev->sid, SID);
    if (ev->kind == VTD_MAP_EVENT) {
        e->maps++;
        g_hash_table_insert(e->shadow, g_memdup2(&ev->iova, 8),
                            g_strdup_printf("%llx %llx %x",
                                            (unsigned long long)ev->size,
                                            (unsigned long long)ev->gpa,
                                            ev->perm));
    } else {
        e->unmaps++;
        if (!g_hash_table_remove(e->shadow, &ev->iova))
            e->bad_unmap = true;
    }
}

static guint h64(gconstpointer p)
{
    return g_int64_hash(p);
}

static gboolean e64(gconstpointer a, gconstpointer b)
{
    return g_int64_equal(a, b);
}

/* Expected mapping: iova, size, gpa, perm. */
struct want {
    uint64_t iova, size, gpa;
    uint32_t perm;
};

static void expect_shadow(struct embedder *e, const struct want *w,
                          unsigned n)
{
    ck_assert(!e->bad_unmap);
    ck_assert_uint_eq(g_hash_table_size(e->shadow), n);
    for (unsigned i = 0; i < n; i++) {
        const char *got = g_hash_table_lookup(e->shadow, &w[i].iova);
        ck_assert_msg(got != NULL, "iova 0x%llx not mapped",
                      (unsigned long long)w[i].iova);
        g_autofree char *want = g_strdup_printf(
            "%llx %llx %x", (unsigned long long)w[i].size,
            (unsigned long long)w[i].gpa, w[i].perm);
        ck_assert_str_eq(got, want);
    }
}

static struct fake_host *h;
static struct vtd_iommu *u;
static struct embedder emb;
static struct vtd_notifier *nt;

static void ctx_write(uint16_t sid, uint64_t lo, uint64_t hi)
{
    fake_wq(h, CT + 16ULL * (sid & 0xff), lo);
    fake_wq(h, CT + 16ULL * (sid & 0xff) + 8, hi);
}

static void setup(void)
{
    h = fake_host_new(16 << 20);
    u = fake_unit(h, CAP_CM, ECAP);
    /* VT-d 9.1 root entry: P | CTP; 9.3 context entry: P, TT=00b,
     * SSPTPTR; AW=1 (39-bit, 3-level), DID. */
    fake_wq(h, RT, CT | 1);
    ctx_write(SID, L3 | 1, 1 | (DID << 8));
    /* 9.8: R=bit0 W=bit1 PS=bit7 */
    fake_wq(h, L3 + 0, L2 | 3);
    fake_wq(h, L2 + 0, L1 | 3);
    fake_wq(h, L1 + 8 * 1, 0x300000 | 3);        /* 0x1000 -> rw */
    fake_wq(h, L1 + 8 * 2, 0x301000 | 1);        /* 0x2000 -> r */
    fake_wq(h, L2 + 8 * 1, 0x400000 | 0x80 | 3); /* 0x200000 2M rw */
    atomic_store(&u->root_latched, RT);
    atomic_store(&u->te, true);
    emb.shadow = g_hash_table_new_full(h64, e64, g_free, g_free);
    emb.maps = emb.unmaps = 0;
    emb.bad_unmap = false;
    ck_assert_int_eq(vtd_notifier_add(u, SID, VTD_NO_PASID, on_event, &emb,
                                      &nt), 0);
}

static void teardown(void)
{
    vtd_iommu_free(u);
    fake_host_free(h);
    g_hash_table_destroy(emb.shadow);
}

static void inv(enum vtd_notify_scope scope, uint16_t did, uint64_t addr,
                unsigned am)
{
    struct vtd_notify_inv i = { .scope = scope, .did = did, .addr = addr,
                                .am = am, .sid = SID };
    g_mutex_lock(&u->lock);
    vtd_notify_inv_(u, &i);
    g_mutex_unlock(&u->lock);
}

static const struct want initial[] = {
    { 0x1000, 0x1000, 0x300000, VTD_PERM_R | VTD_PERM_W },
    { 0x2000, 0x1000, 0x301000, VTD_PERM_R },
    { 0x200000, 0x200000, 0x400000, VTD_PERM_R | VTD_PERM_W },
};

START_TEST(test_replay_sends_current_mappings)
{
    ck_assert_uint_eq(emb.maps, 0); /* nothing before replay */
    ck_assert_int_eq(vtd_notifier_replay(u, nt), 3);
    expect_shadow(&emb, initial, 3);
    /* A second replay forgets and resends everything. */
    g_hash_table_remove_all(emb.shadow);
    ck_assert_int_eq(vtd_notifier_replay(u, nt), 3);
    expect_shadow(&emb, initial, 3);
}
END_TEST

START_TEST(test_page_invalidation_sends_only_changes)
{
    vtd_notifier_replay(u, nt);
    emb.maps = emb.unmaps = 0;
    /* 0x2000 becomes writable, 0x3000 appears; 0x1000 changes too but
     * lies outside the invalidated range (am=1: 0x2000-0x3fff). */
    fake_wq(h, L1 + 8 * 2, 0x301000 | 3);
    fake_wq(h, L1 + 8 * 3, 0x302000 | 2);
    fake_wq(h, L1 + 8 * 1, 0x310000 | 3);
    inv(VTD_NOTIFY_PAGES, DID, 0x2000, 1);
    ck_assert_uint_eq(emb.unmaps, 1);
    ck_assert_uint_eq(emb.maps, 2);
    const struct want w[] = {
        { 0x1000, 0x1000, 0x300000, VTD_PERM_R | VTD_PERM_W }, /* stale */
        { 0x2000, 0x1000, 0x301000, VTD_PERM_R | VTD_PERM_W },
        { 0x3000, 0x1000, 0x302000, VTD_PERM_W },
        { 0x200000, 0x200000, 0x400000, VTD_PERM_R | VTD_PERM_W },
    };
    expect_shadow(&emb, w, 4);
}
END_TEST

START_TEST(test_other_domain_invalidation_is_ignored)
{
    vtd_notifier_replay(u, nt);
    emb.maps = emb.unmaps = 0;
    fake_wq(h, L1 + 8 * 1, 0);
    inv(VTD_NOTIFY_PAGES, 7, 0x1000, 0);
    inv(VTD_NOTIFY_DOMAIN, 7, 0, 0);
    ck_assert_uint_eq(emb.unmaps + emb.maps, 0);
    inv(VTD_NOTIFY_PAGES, DID, 0x1000, 0);
    ck_assert_uint_eq(emb.unmaps, 1);
    expect_shadow(&emb, initial + 1, 2);
    /* Unchanged tables: a domain invalidation sends nothing. */
    emb.maps = emb.unmaps = 0;
    inv(VTD_NOTIFY_DOMAIN, DID, 0, 0);
    ck_assert_uint_eq(emb.unmaps + emb.maps, 0);
}
END_TEST

START_TEST(test_cumulative_permissions_and_2m_leaf_change)
{
    vtd_notifier_replay(u, nt);
    /* L2[0] loses W: the 4K leaves below keep only R (VT-d 3.7.1). */
    fake_wq(h, L2 + 0, L1 | 1);
    /* The 2M leaf moves. */
    fake_wq(h, L2 + 8 * 1, 0x600000 | 0x80 | 1);
    inv(VTD_NOTIFY_DOMAIN, DID, 0, 0);
    const struct want w[] = {
        { 0x1000, 0x1000, 0x300000, VTD_PERM_R },
        { 0x2000, 0x1000, 0x301000, VTD_PERM_R },
        { 0x200000, 0x200000, 0x600000, VTD_PERM_R },
    };
    expect_shadow(&emb, w, 3);
}
END_TEST

START_TEST(test_context_change_to_passthrough_and_away)
{
    vtd_notifier_replay(u, nt);
    /* TT=10b pass-through (ECAP.PT): one identity map of HAW = 39 bits. */
    ctx_write(SID, L3 | 1 | (2 << 2), 1 | (DID << 8));
    inv(VTD_NOTIFY_DEVICE, 0, 0, 0);
    const struct want pt[] = {
        { 0, 1ULL << 39, 0, VTD_PERM_R | VTD_PERM_W },
    };
    expect_shadow(&emb, pt, 1);
    /* Context entry cleared: everything unmapped. */
    ctx_write(SID, 0, 0);
    inv(VTD_NOTIFY_ALL, 0, 0, 0);
    expect_shadow(&emb, NULL, 0);
}
END_TEST

START_TEST(test_device_invalidation_respects_function_mask)
{
    vtd_notifier_replay(u, nt);
    emb.maps = emb.unmaps = 0;
    ctx_write(SID, 0, 0);
    /* 00:03.4 with FM=0 does not cover 00:03.0 ... */
    struct vtd_notify_inv i = { .scope = VTD_NOTIFY_DEVICE, .sid = 0x1c,
                                .fm = 0 };
    g_mutex_lock(&u->lock);
    vtd_notify_inv_(u, &i);
    g_mutex_unlock(&u->lock);
    ck_assert_uint_eq(emb.unmaps, 0);
    /* ... with FM=01b (SID bit 2 masked) it does (VT-d 11.4.6.1). */
    i.fm = 1;
    g_mutex_lock(&u->lock);
    vtd_notify_inv_(u, &i);
    g_mutex_unlock(&u->lock);
    ck_assert_uint_eq(emb.unmaps, 3);
    expect_shadow(&emb, NULL, 0);
}
END_TEST

START_TEST(test_self_referencing_tables_are_bounded)
{
    /* Every L3 and L2 entry points back to its own table: 512^3 leaves
     * reachable.  The walk stops at its bound and logs. */
    for (unsigned i = 0; i < 512; i++) {
        fake_wq(h, L3 + 8 * i, L3 | 3);
        fake_wq(h, L2 + 8 * i, L2 | 3);
    }
    fake_wq(h, L3, L2 | 3);
    unsigned logs = h->nlog;
    int n = vtd_notifier_replay(u, nt);
    ck_assert_int_ge(n, 0);
    ck_assert_uint_gt(h->nlog, logs);
}
END_TEST

START_TEST(test_remove_stops_events)
{
    vtd_notifier_remove(u, nt);
    fake_wq(h, L1 + 8 * 5, 0x305000 | 3);
    inv(VTD_NOTIFY_ALL, 0, 0, 0);
    ck_assert_uint_eq(emb.maps, 0);
    /* re-add for teardown symmetry */
    ck_assert_int_eq(vtd_notifier_add(u, SID, VTD_NO_PASID, on_event, &emb,
                                      &nt), 0);
}
END_TEST


/* End to end: a guest programming the unit through its registers.  An
 * IOTLB page-selective invalidation (VT-d 11.4.6.3/4; IRO 0xf0: IVA at
 * 0xf0, IOTLB_REG at 0xf8) reaches the subscriber; CCMD global (11.4.6.1)
 * resyncs the whole space. */
START_TEST(test_register_invalidations_reach_subscribers)
{
    wr64(u, VTD_REG_RTADDR, RT);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    vtd_notifier_replay(u, nt);
    emb.maps = emb.unmaps = 0;
    fake_wq(h, L1 + 8 * 4, 0x304000 | 3);            /* map 0x4000 */
    wr64(u, 0xf0, 0x4000);                            /* IVA, AM=0 */
    wr64(u, 0xf8, (1ULL << 63) | (3ULL << 60) | ((uint64_t)DID << 32));
    ck_assert_uint_eq(emb.maps, 1);
    ck_assert_uint_eq(emb.unmaps, 0);
    ck_assert_ptr_nonnull(g_hash_table_lookup(emb.shadow, &(uint64_t){ 0x4000 }));
    ctx_write(SID, 0, 0);
    wr64(u, VTD_REG_CCMD, (1ULL << 63) | (1ULL << 61)); /* ICC, global */
    expect_shadow(&emb, NULL, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_replay_sends_current_mappings);
    tcase_add_test(tc, test_page_invalidation_sends_only_changes);
    tcase_add_test(tc, test_other_domain_invalidation_is_ignored);
    tcase_add_test(tc, test_cumulative_permissions_and_2m_leaf_change);
    tcase_add_test(tc, test_context_change_to_passthrough_and_away);
    tcase_add_test(tc, test_device_invalidation_respects_function_mask);
    tcase_add_test(tc, test_self_referencing_tables_are_bounded);
    tcase_add_test(tc, test_remove_stops_events);
    tcase_add_test(tc, test_register_invalidations_reach_subscribers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
