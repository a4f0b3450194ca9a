/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_notify.c: caching-mode map/unmap subscribers (vtd/notify.c).
 *
 * A fake embedder applies the events to its own shadow; after every step
 * the shadow is compared with the mapping set the test built by hand in
 * the second-stage tables (VT-d 9.8 entry format, 9.3 context entry).
 */
#include <check.h>
#include <stdlib.h>

#include "check_main.h"
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
    pthread_mutex_lock(&u->lock);
    vtd_notify_inv_(u, &i);
    pthread_mutex_unlock(&u->lock);
}

#define CCMD_GLOBAL ((1ULL << 63) | (1ULL << 61))  /* 11.4.6.1 ICC, CIRG=01b */
#define IOTLB_GLOBAL ((1ULL << 63) | (1ULL << 60)) /* 11.4.6.3 IVT, IIRG=01b */
#define IOTLB_REG 0xf8                              /* ECAP.IRO 0xf0 + 8 */

/* What vtd_translate says about a 4-byte read of iova by SID. */
static unsigned xlate_fault(uint64_t iova)
{
    struct vtd_dma_req rq = { .sid = SID, .pasid = VTD_NO_PASID,
                              .iova = iova, .size = 4,
                              .access = VTD_ACC_READ };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(u, &rq, &x), 0);
    return x.fault;
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
    /* TT=10b pass-through (ECAP.PT): the identity up to HAW = 39 bits,
     * except output addresses 0xFEE00000-0xFEEFFFFF, which the unit
     * faults (LGN.4, Table 30): naturally aligned pieces around them. */
    ctx_write(SID, L3 | 1 | (2 << 2), 1 | (DID << 8));
    inv(VTD_NOTIFY_DEVICE, 0, 0, 0);
    const uint32_t rw = VTD_PERM_R | VTD_PERM_W;
    const struct want pt[] = {
        { 0, 1ULL << 31, 0, rw },
        { 0x80000000, 1ULL << 30, 0x80000000, rw },
        { 0xc0000000, 1ULL << 29, 0xc0000000, rw },
        { 0xe0000000, 1ULL << 28, 0xe0000000, rw },
        { 0xf0000000, 1ULL << 27, 0xf0000000, rw },
        { 0xf8000000, 1ULL << 26, 0xf8000000, rw },
        { 0xfc000000, 1ULL << 25, 0xfc000000, rw },
        { 0xfe000000, 1ULL << 23, 0xfe000000, rw },
        { 0xfe800000, 1ULL << 22, 0xfe800000, rw },
        { 0xfec00000, 1ULL << 21, 0xfec00000, rw },
        { 0xfef00000, 1ULL << 20, 0xfef00000, rw },
        { 0xff000000, 1ULL << 24, 0xff000000, rw },
        { 1ULL << 32, 1ULL << 32, 1ULL << 32, rw },
        { 1ULL << 33, 1ULL << 33, 1ULL << 33, rw },
        { 1ULL << 34, 1ULL << 34, 1ULL << 34, rw },
        { 1ULL << 35, 1ULL << 35, 1ULL << 35, rw },
        { 1ULL << 36, 1ULL << 36, 1ULL << 36, rw },
        { 1ULL << 37, 1ULL << 37, 1ULL << 37, rw },
        { 1ULL << 38, 1ULL << 38, 1ULL << 38, rw },
    };
    ck_assert_uint_eq(xlate_fault(0xfee00000), VTD_FR_INTR_ADDR);
    expect_shadow(&emb, pt, G_N_ELEMENTS(pt));
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
    pthread_mutex_lock(&u->lock);
    vtd_notify_inv_(u, &i);
    pthread_mutex_unlock(&u->lock);
    ck_assert_uint_eq(emb.unmaps, 0);
    /* ... with FM=01b (SID bit 2 masked) it does (VT-d 11.4.6.1). */
    i.fm = 1;
    pthread_mutex_lock(&u->lock);
    vtd_notify_inv_(u, &i);
    pthread_mutex_unlock(&u->lock);
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

/* ------------------------------------------------------------------ */
/* The subscriber contract across TE, SRTP and reset (notify.h)        */
/* ------------------------------------------------------------------ */

/* VT-d 11.4.4.1/11.4.4.2: with TES clear DMA is not remapped, so the
 * subscriber's view is the identity of the host address width (39 bits
 * with this CAP).  Setting TE makes the unit translate through the root
 * table latched by SRTP at once, with no invalidation in between: the
 * identity must go and the tables' mappings come (issue 13 item 4). */
static const struct want identity[] = {
    { 0, 1ULL << 39, 0, VTD_PERM_R | VTD_PERM_W },
};

START_TEST(test_translation_enable_replaces_identity)
{
    vtd_iommu_reset(u);                 /* TES=0 */
    vtd_notifier_replay(u, nt);
    expect_shadow(&emb, identity, 1);
    wr64(u, VTD_REG_RTADDR, RT);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr64(u, VTD_REG_CCMD, CCMD_GLOBAL);
    wr64(u, IOTLB_REG, IOTLB_GLOBAL);
    expect_shadow(&emb, identity, 1);   /* still off */
    ck_assert_uint_eq(xlate_fault(0x5000), 0);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    /* The unit now faults 0x5000 (LGN.3 read, not present): so must the
     * shadow, which holds only the three mappings of the tables. */
    ck_assert_uint_eq(xlate_fault(0x5000), VTD_FR_READ);
    expect_shadow(&emb, initial, 3);
    /* Clearing TE: untranslated again, the identity comes back. */
    wr32(u, VTD_REG_GCMD, 0);
    ck_assert_uint_eq(xlate_fault(0x5000), 0);
    expect_shadow(&emb, identity, 1);
}
END_TEST

/* 11.4.4.1 SRTP latches a new root table (and TTM): with TE set the unit
 * translates through it from then on. */
START_TEST(test_srtp_switches_tables)
{
    wr64(u, VTD_REG_RTADDR, RT);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    vtd_notifier_replay(u, nt);
    expect_shadow(&emb, initial, 3);
    /* A second set of tables: 0x5000 -> 0x500000 read-only, DID 6. */
    const uint64_t rt2 = 0x30000, ct2 = 0x31000, l3 = 0x32000,
                   l2 = 0x33000, l1 = 0x34000;
    fake_wq(h, rt2, ct2 | 1);
    fake_wq(h, ct2 + 16ULL * (SID & 0xff), l3 | 1);
    fake_wq(h, ct2 + 16ULL * (SID & 0xff) + 8, 1 | (6 << 8));
    fake_wq(h, l3, l2 | 3);
    fake_wq(h, l2, l1 | 3);
    fake_wq(h, l1 + 8 * 5, 0x500000 | 1);
    wr64(u, VTD_REG_RTADDR, rt2);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_SRTP);
    ck_assert_uint_eq(xlate_fault(0x5000), 0);
    const struct want w[] = { { 0x5000, 0x1000, 0x500000, VTD_PERM_R } };
    expect_shadow(&emb, w, 1);
    /* TTM=10b is reserved (11.4.5): every request faults (RTA.1), so
     * nothing is mapped. */
    wr64(u, VTD_REG_RTADDR, rt2 | (2ULL << 10));
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_SRTP);
    ck_assert_uint_eq(xlate_fault(0x5000), VTD_FR_RTA_INVALID);
    expect_shadow(&emb, NULL, 0);
}
END_TEST

/* Reset returns every register to its default: TES=0, untranslated. */
START_TEST(test_reset_returns_to_identity)
{
    wr64(u, VTD_REG_RTADDR, RT);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    vtd_notifier_replay(u, nt);
    expect_shadow(&emb, initial, 3);
    vtd_iommu_reset(u);
    expect_shadow(&emb, identity, 1);
}
END_TEST

/* Issue 18: a host read that fails while the notifier walks again says
 * nothing about the guest's tables; the page keeps its shadow (and the
 * failure is logged) while the rest is brought up to date. */
START_TEST(test_unreadable_entry_keeps_shadow)
{
    vtd_notifier_replay(u, nt);
    emb.maps = emb.unmaps = 0;
    fake_wq(h, L1 + 8 * 2, 0x301000 | 3);     /* 0x2000 becomes rw */
    h->fail_lo = L1 + 8 * 1;                  /* the entry of 0x1000 */
    h->fail_hi = L1 + 8 * 2;
    unsigned logs = h->nlog;
    inv(VTD_NOTIFY_DOMAIN, DID, 0, 0);
    ck_assert_uint_gt(h->failed_reads, 0);
    ck_assert_uint_gt(h->nlog, logs);
    const struct want w[] = {
        { 0x1000, 0x1000, 0x300000, VTD_PERM_R | VTD_PERM_W }, /* kept */
        { 0x2000, 0x1000, 0x301000, VTD_PERM_R | VTD_PERM_W },
        { 0x200000, 0x200000, 0x400000, VTD_PERM_R | VTD_PERM_W },
    };
    expect_shadow(&emb, w, 3);
    ck_assert_uint_eq(emb.unmaps, 1);
    /* The context entry unreadable: nothing changes at all. */
    fake_wq(h, L1 + 8 * 2, 0);
    h->fail_lo = CT + 16ULL * (SID & 0xff);
    h->fail_hi = h->fail_lo + 16;
    inv(VTD_NOTIFY_ALL, 0, 0, 0);
    expect_shadow(&emb, w, 3);
    ck_assert_int_eq(vtd_notifier_replay(u, nt), -EIO);
    expect_shadow(&emb, w, 3);
    /* Readable again: the next invalidation brings the shadow up to
     * date. */
    h->fail_lo = h->fail_hi = 0;
    inv(VTD_NOTIFY_ALL, 0, 0, 0);
    const struct want w2[] = {
        { 0x1000, 0x1000, 0x300000, VTD_PERM_R | VTD_PERM_W },
        { 0x200000, 0x200000, 0x400000, VTD_PERM_R | VTD_PERM_W },
    };
    expect_shadow(&emb, w2, 2);
}
END_TEST

/* A 2 MiB leaf whose output starts at 0xFEE00000: the unit faults its
 * first half (LGN.4) and translates the second, and so does the shadow. */
START_TEST(test_leaf_over_interrupt_range_is_split)
{
    fake_wq(h, L2 + 8 * 1, 0xfee00000ULL | 0x80 | 3);
    vtd_notifier_replay(u, nt);
    ck_assert_uint_eq(xlate_fault(0x200000), VTD_FR_INTR_ADDR);
    ck_assert_uint_eq(xlate_fault(0x300000), 0);
    const struct want w[] = {
        initial[0], initial[1],
        { 0x300000, 0x100000, 0xfef00000, VTD_PERM_R | VTD_PERM_W },
    };
    expect_shadow(&emb, w, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_replay_sends_current_mappings);
    tcase_add_test(tc, test_page_invalidation_sends_only_changes);
    tcase_add_test(tc, test_other_domain_invalidation_is_ignored);
    tcase_add_test(tc, test_cumulative_permissions_and_2m_leaf_change);
    tcase_add_test(tc, test_context_change_to_passthrough_and_away);
    tcase_add_test(tc, test_device_invalidation_respects_function_mask);
    tcase_add_test(tc, test_self_referencing_tables_are_bounded);
    tcase_add_test(tc, test_remove_stops_events);
    tcase_add_test(tc, test_register_invalidations_reach_subscribers);
    tcase_add_test(tc, test_translation_enable_replaces_identity);
    tcase_add_test(tc, test_srtp_switches_tables);
    tcase_add_test(tc, test_reset_returns_to_identity);
    tcase_add_test(tc, test_unreadable_entry_keeps_shadow);
    tcase_add_test(tc, test_leaf_over_interrupt_range_is_split);
    suite_add_tcase(s, tc);
    return check_run(s);
}
