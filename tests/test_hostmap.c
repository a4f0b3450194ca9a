/* SPDX-License-Identifier: MIT */
/*
 * tests/test_hostmap.c: the optional vtd_host_ops map callback (vtd.h,
 * host ops version 2) as vtd/core.c uses it for table reads: walks read
 * through the host pointer, fall back to read() when map gives NULL,
 * ignore map in a version-1 struct, keep tracing and faults unchanged.
 *
 * Tables (built by hand, legacy mode): root table at 0x100000, bus 0's
 * context table at 0x101000, device 00:04.0 (devfn 0x20) in domain 8 with
 * a 3-level (39-bit, AW=001b) second-stage table 0x102000 -> 0x103000 ->
 * 0x104000 mapping IOVA 0x1000 to 0x1f0000000, read/write.
 */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fakemem.h"
#include <vtd/vtd.h>

#include "check_main.h"
#include "unit_util.h"

#define RAM_SIZE (2u << 20)
#define SID 0x20

struct mapper {
    struct fake_host *h;
    unsigned maps;          /* map calls that returned a pointer */
    unsigned reads;         /* read calls */
    bool give_null;         /* map declines every request */
    unsigned nmem;          /* VTD_EV_MEM_READ events seen */
    uint64_t mem_addr[16], mem_val[16];
};

static int m_read(void *o, uint64_t gpa, void *buf, size_t len)
{
    struct mapper *m = o;
    __atomic_fetch_add(&m->reads, 1, __ATOMIC_RELAXED);
    return fake_host_ops()->read(m->h, gpa, buf, len);
}

static int m_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
    struct mapper *m = o;
    return fake_host_ops()->write(m->h, gpa, buf, len);
}

static const void *m_map(void *o, uint64_t gpa, size_t len)
{
    struct mapper *m = o;
    if (m->give_null || gpa >= m->h->size || len > m->h->size - gpa)
        return NULL;
    /* The contract: never more than 64 bytes, never across 4 KiB. */
    ck_assert_uint_le(len, 64);
    ck_assert_uint_le((gpa & 0xfff) + len, 0x1000);
    __atomic_fetch_add(&m->maps, 1, __ATOMIC_RELAXED);
    return m->h->ram + gpa;
}

static void m_trace(void *o, const struct vtd_event *ev)
{
    struct mapper *m = o;
    if (ev->kind != VTD_EV_MEM_READ || m->nmem >= 16)
        return;
    const uint8_t *d = ev->data;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | d[i];
    m->mem_addr[m->nmem] = ev->addr;
    m->mem_val[m->nmem++] = v;
}

static void build_tables(struct fake_host *h)
{
    fake_wq(h, 0x100000, 0x101001);                 /* root[0]: P, CTP */
    fake_wq(h, 0x101000 + SID * 16, 0x102001);      /* P, TT=00b */
    fake_wq(h, 0x101000 + SID * 16 + 8, 0x801);     /* AW=001b, DID 8 */
    fake_wq(h, 0x102000, 0x103003);
    fake_wq(h, 0x103000, 0x104003);
    fake_wq(h, 0x104008, 0x1f0000003ULL);
}

static struct vtd_iommu *unit_on(struct mapper *m, uint32_t version,
                                 bool trace)
{
    struct vtd_host_ops ops = {
        .version = version, .read = m_read, .write = m_write,
        .map = m_map, .trace = trace ? m_trace : NULL,
    };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2",
                              .cache = VTD_CACHE_NONE };
    struct vtd_iommu *u = unit_new_cfg(&cfg, &ops, m);
    unit_enable_translation(u, 0x100000);
    m->reads = 0;
    m->maps = 0;
    m->nmem = 0;
    return u;
}

static struct vtd_xlate xlate(struct vtd_iommu *u, uint64_t iova)
{
    struct vtd_dma_req req = { .sid = SID, .pasid = VTD_NO_PASID,
                               .iova = iova, .size = 4,
                               .access = VTD_ACC_READ };
    struct vtd_xlate out;
    ck_assert_int_eq(vtd_translate(u, &req, &out), 0);
    return out;
}

/* VT-d 3.4.2 / 3.7: root entry, context entry and three paging entries:
 * five reads, all through map, none through read(). */
START_TEST(test_walk_reads_every_entry_through_map)
{
    struct mapper m = { .h = fake_host_new(RAM_SIZE) };
    build_tables(m.h);
    struct vtd_iommu *u = unit_on(&m, VTD_HOST_OPS_VERSION, false);
    struct vtd_xlate out = xlate(u, 0x1abc);
    ck_assert_uint_eq(out.fault, 0);
    ck_assert_uint_eq(out.addr, 0x1f0000abcULL);
    ck_assert_uint_eq(out.did, 8);
    ck_assert_uint_eq(m.maps, 5);
    ck_assert_uint_eq(m.reads, 0);
    vtd_iommu_free(u);
    fake_host_free(m.h);
}
END_TEST

START_TEST(test_map_null_falls_back_to_read_with_same_result)
{
    struct mapper m = { .h = fake_host_new(RAM_SIZE), .give_null = true };
    build_tables(m.h);
    struct vtd_iommu *u = unit_on(&m, VTD_HOST_OPS_VERSION, false);
    struct vtd_xlate out = xlate(u, 0x1abc);
    ck_assert_uint_eq(out.fault, 0);
    ck_assert_uint_eq(out.addr, 0x1f0000abcULL);
    ck_assert_uint_eq(m.maps, 0);
    ck_assert_uint_eq(m.reads, 5);
    vtd_iommu_free(u);
    fake_host_free(m.h);
}
END_TEST

/* vtd.h: a version-1 struct has no map member; the unit must not use
 * whatever follows its last member. */
START_TEST(test_version_1_ops_never_call_map)
{
    struct mapper m = { .h = fake_host_new(RAM_SIZE) };
    build_tables(m.h);
    struct vtd_iommu *u = unit_on(&m, 1, false);
    struct vtd_xlate out = xlate(u, 0x1abc);
    ck_assert_uint_eq(out.fault, 0);
    ck_assert_uint_eq(out.addr, 0x1f0000abcULL);
    ck_assert_uint_eq(m.maps, 0);
    ck_assert_uint_eq(m.reads, 5);
    vtd_iommu_free(u);
    fake_host_free(m.h);
}
END_TEST

START_TEST(test_unknown_ops_versions_are_rejected)
{
    struct mapper m = { .h = fake_host_new(RAM_SIZE) };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    const uint32_t bad[] = { 0, VTD_HOST_OPS_VERSION + 1, 0xffffffffu };
    for (unsigned i = 0; i < 3; i++) {
        struct vtd_host_ops ops = { .version = bad[i], .read = m_read,
                                    .write = m_write, .map = m_map };
        struct vtd_iommu *u = (struct vtd_iommu *)&m;
        char why[128];
        ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, &m, &u, why,
                                       sizeof(why)), -EINVAL);
        ck_assert_ptr_null(u);
        ck_assert_ptr_nonnull(strstr(why, "version"));
    }
    fake_host_free(m.h);
}
END_TEST

/* The trace stream is the same with map: one VTD_EV_MEM_READ per entry
 * with the entry's address and bytes, in walk order. */
START_TEST(test_trace_sees_entry_bytes_read_through_map)
{
    static const uint64_t addr[5] = { 0x100000, 0x101000 + SID * 16,
                                      0x102000, 0x103000, 0x104008 };
    static const uint64_t val[5] = { 0x101001, 0x102001, 0x103003,
                                     0x104003, 0x1f0000003ULL };
    for (int null = 0; null < 2; null++) {
        struct mapper m = { .h = fake_host_new(RAM_SIZE),
                            .give_null = null };
        build_tables(m.h);
        struct vtd_iommu *u = unit_on(&m, VTD_HOST_OPS_VERSION, true);
        ck_assert_uint_eq(xlate(u, 0x1abc).fault, 0);
        ck_assert_uint_eq(m.nmem, 5);
        for (int i = 0; i < 5; i++) {
            ck_assert_uint_eq(m.mem_addr[i], addr[i]);
            ck_assert_uint_eq(m.mem_val[i], val[i]);
        }
        ck_assert_uint_eq(m.maps, null ? 0 : 5);
        vtd_iommu_free(u);
        fake_host_free(m.h);
    }
}
END_TEST

/* Table 30: a root table outside memory is LRT.1 (8h); a paging table
 * outside memory is LSS.1 (7h).  map declines, read() fails. */
START_TEST(test_unbacked_tables_fault_as_before)
{
    struct mapper m = { .h = fake_host_new(RAM_SIZE) };
    build_tables(m.h);
    struct vtd_iommu *u = unit_on(&m, VTD_HOST_OPS_VERSION, false);
    fake_wq(m.h, 0x103000, 0x7fff0003ULL);          /* beyond the RAM */
    struct vtd_xlate out = xlate(u, 0x1abc);
    ck_assert_uint_eq(out.fault, VTD_FR_SL_ACCESS);
    vtd_iommu_free(u);

    u = unit_on(&m, VTD_HOST_OPS_VERSION, false);
    wr64(u, 0x20, 0x40000000);                      /* beyond the RAM */
    wr32(u, 0x18, (1u << 31) | (1u << 30));
    out = xlate(u, 0x1abc);
    ck_assert_uint_eq(out.fault, VTD_FR_ROOT_ACCESS);
    vtd_iommu_free(u);
    fake_host_free(m.h);
}
END_TEST

/* vtd.h: an aligned 64-bit guest store racing with walks is seen whole:
 * every translation gives the old or the new page, never a mix.  Run
 * under ThreadSanitizer too (the guest side stores atomically, the unit
 * loads atomically through map). */
struct race {
    struct vtd_iommu *u;
    atomic_bool stop;
    int bad;
};

static gpointer race_walker(gpointer p)
{
    struct race *r = p;
    for (int i = 0; i < 20000 && !atomic_load(&r->stop); i++) {
        struct vtd_xlate out = xlate(r->u, 0x1abc);
        if (out.fault || (out.addr != 0x1f0000abcULL &&
                          out.addr != 0x2e0000abcULL))
            __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

START_TEST(test_concurrent_entry_update_is_seen_whole)
{
    struct mapper m = { .h = fake_host_new(RAM_SIZE) };
    build_tables(m.h);
    struct race r = { .u = unit_on(&m, VTD_HOST_OPS_VERSION, false) };
    atomic_init(&r.stop, false);
    GThread *t[2];
    for (int i = 0; i < 2; i++)
        t[i] = g_thread_new("walker", race_walker, &r);
    uint64_t *leaf = (uint64_t *)(void *)(m.h->ram + 0x104008);
    for (int i = 0; i < 20000; i++)
        __atomic_store_n(leaf, (i & 1) ? 0x1f0000003ULL : 0x2e0000003ULL,
                         __ATOMIC_RELAXED);
    atomic_store(&r.stop, true);
    for (int i = 0; i < 2; i++)
        g_thread_join(t[i]);
    ck_assert_int_eq(r.bad, 0);
    ck_assert_uint_eq(m.reads, 0);
    vtd_iommu_free(r.u);
    fake_host_free(m.h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostmap");
    TCase *tc = tcase_create("hostmap");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_walk_reads_every_entry_through_map);
    tcase_add_test(tc, test_map_null_falls_back_to_read_with_same_result);
    tcase_add_test(tc, test_version_1_ops_never_call_map);
    tcase_add_test(tc, test_unknown_ops_versions_are_rejected);
    tcase_add_test(tc, test_trace_sees_entry_bytes_read_through_map);
    tcase_add_test(tc, test_unbacked_tables_fault_as_before);
    tcase_add_test(tc, test_concurrent_entry_update_is_seen_whole);
    suite_add_tcase(s, tc);
    return check_run(s);
}
