/* SPDX-License-Identifier: MIT */
/* tests/test_guestmem.c: sparse guest memory (mem/guestmem.c). */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mem/guestmem.h"
#include "check_main.h"
#include "unit_util.h"

#define GiB (1ULL << 30)

START_TEST(test_untouched_pages_read_zero_without_allocating)
{
    struct guestmem *m = guestmem_new_ram(64 * GiB);
    uint8_t buf[64];
    memset(buf, 0xaa, sizeof(buf));
    ck_assert_int_eq(guestmem_read(m, 40 * GiB + 12, buf, sizeof(buf)), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0);
    ck_assert_uint_eq(guestmem_allocated(m), 0);
    guestmem_free(m);
}
END_TEST

START_TEST(test_write_allocates_one_page_and_reads_back)
{
    struct guestmem *m = guestmem_new_ram(16 * GiB);
    const uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t out[8];
    ck_assert_int_eq(guestmem_write(m, 0x323456789ULL, in, 8), 0);
    ck_assert_uint_eq(guestmem_allocated(m), 4096);
    ck_assert_int_eq(guestmem_read(m, 0x323456789ULL, out, 8), 0);
    ck_assert_mem_eq(out, in, 8);
    /* The rest of the page is still zero. */
    ck_assert_int_eq(guestmem_read(m, 0x323456000ULL, out, 8), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(out[i], 0);
    guestmem_free(m);
}
END_TEST

START_TEST(test_access_across_a_page_boundary)
{
    struct guestmem *m = guestmem_new_ram(1 << 20);
    uint8_t in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = (uint8_t)(0x10 + i);
    ck_assert_int_eq(guestmem_write(m, 0x1ff8, in, 16), 0);
    ck_assert_uint_eq(guestmem_allocated(m), 2 * 4096);
    ck_assert_int_eq(guestmem_read(m, 0x1ff8, out, 16), 0);
    ck_assert_mem_eq(out, in, 16);
    ck_assert_int_eq(guestmem_read(m, 0x2000, out, 1), 0);
    ck_assert_uint_eq(out[0], 0x18);
    guestmem_free(m);
}
END_TEST

START_TEST(test_outside_ram_is_efault_and_changes_nothing)
{
    struct guestmem *m = guestmem_new_ram(0x10000);
    uint8_t b[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    ck_assert_int_eq(guestmem_read(m, 0x10000, b, 1), -EFAULT);
    ck_assert_int_eq(guestmem_write(m, 0x10000, b, 1), -EFAULT);
    /* Straddling the end: the in-RAM half is not written either. */
    ck_assert_int_eq(guestmem_write(m, 0xfffc, b, 8), -EFAULT);
    uint8_t z[4];
    ck_assert_int_eq(guestmem_read(m, 0xfffc, z, 4), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(z[i], 0);
    /* Wrapping past 2^64. */
    ck_assert_int_eq(guestmem_read(m, ~0ULL - 2, b, 8), -EFAULT);
    ck_assert_int_eq(guestmem_read(m, 0, b, 0), 0);
    ck_assert_uint_eq(guestmem_allocated(m), 0);
    guestmem_free(m);
}
END_TEST

START_TEST(test_cmpxchg64_exchanges_only_on_match)
{
    struct guestmem *m = guestmem_new_ram(1 << 20);
    const uint8_t init[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                              0x88 };
    ck_assert_int_eq(guestmem_write(m, 0x100, init, 8), 0);
    uint64_t exp = 0x1111;
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x100, &exp, 5), -EAGAIN);
    ck_assert_uint_eq(exp, 0x8877665544332211ULL); /* little-endian */
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x100, &exp,
                                        0x0102030405060708ULL), 0);
    uint8_t out[8];
    const uint8_t want[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
    ck_assert_int_eq(guestmem_read(m, 0x100, out, 8), 0);
    ck_assert_mem_eq(out, want, 8);
    /* Untouched memory compares as zero. */
    exp = 0;
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x8000, &exp, 7), 0);
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x104, &exp, 7), -EINVAL);
    ck_assert_int_eq(guestmem_cmpxchg64(m, 1 << 20, &exp, 7), -EFAULT);
    guestmem_free(m);
}
END_TEST

static gpointer bump(gpointer p)
{
    struct guestmem *m = p;
    for (int i = 0; i < 10000; i++) {
        uint64_t cur = 0;
        while (guestmem_cmpxchg64(m, 0x40, &cur, cur + 1) == -EAGAIN)
            ;
    }
    return NULL;
}

START_TEST(test_cmpxchg64_is_atomic_across_threads)
{
    struct guestmem *m = guestmem_new_ram(1 << 20);
    GThread *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = g_thread_new("bump", bump, m);
    for (int i = 0; i < 4; i++)
        g_thread_join(t[i]);
    uint8_t out[8];
    ck_assert_int_eq(guestmem_read(m, 0x40, out, 8), 0);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | out[i];
    ck_assert_uint_eq(v, 40000);
    guestmem_free(m);
}
END_TEST

START_TEST(test_ram_description_ranges)
{
    struct guestmem *m = guestmem_new();
    ck_assert_int_eq(guestmem_add_ram_desc(m, "0x0+2G,0x100000000+2G"), 0);
    ck_assert_uint_eq(guestmem_nranges(m), 2);
    ck_assert(guestmem_is_ram(m, 0x7ffffff8, 8));
    ck_assert(!guestmem_is_ram(m, 0x80000000, 1));
    ck_assert(guestmem_is_ram(m, 0x100000000ULL, 1));
    ck_assert(!guestmem_is_ram(m, 0x180000000ULL, 1));
    /* Overlap and bad syntax are rejected and add nothing. */
    ck_assert_int_eq(guestmem_add_ram_desc(m, "0x200000000+4K,1G"), -EINVAL);
    ck_assert_int_eq(guestmem_add_ram_desc(m, "0x300000000+"), -EINVAL);
    ck_assert_int_eq(guestmem_add_ram_desc(m, "12Q"), -EINVAL);
    ck_assert_int_eq(guestmem_add_ram_desc(m, "0x10000000000000000"), -EINVAL);
    ck_assert_uint_eq(guestmem_nranges(m), 2);
    ck_assert(!guestmem_is_ram(m, 0x200000000ULL, 1));
    guestmem_free(m);

    m = guestmem_new();
    ck_assert_int_eq(guestmem_add_ram_desc(m, "4G"), 0);
    uint64_t base, size;
    ck_assert(guestmem_range(m, 0, &base, &size));
    ck_assert_uint_eq(base, 0);
    ck_assert_uint_eq(size, 4 * GiB);
    guestmem_free(m);
}
END_TEST

START_TEST(test_adjacent_ranges_cover_one_access)
{
    struct guestmem *m = guestmem_new();
    ck_assert_int_eq(guestmem_add_ram(m, 0x1000, 0x1000), 0);
    ck_assert_int_eq(guestmem_add_ram(m, 0, 0x1000), 0);
    ck_assert_int_eq(guestmem_add_ram(m, 0x800, 0x10), -EINVAL);
    ck_assert_int_eq(guestmem_add_ram(m, ~0ULL, 2), -EINVAL);
    ck_assert_int_eq(guestmem_add_ram(m, 0x5000, 0), -EINVAL);
    uint8_t b[32] = { 0 };
    ck_assert_int_eq(guestmem_write(m, 0xff0, b, 32), 0);
    ck_assert_int_eq(guestmem_write(m, 0x1ff0, b, 32), -EFAULT);
    guestmem_free(m);
}
END_TEST

static void wq(struct guestmem *m, uint64_t gpa, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    ck_assert_int_eq(guestmem_write(m, gpa, b, 8), 0);
}

/* guestmem as the unit's host memory: legacy tables (VT-d 9.1, 9.3, 9.8)
 * written into sparse RAM are walked by vtd_translate(). */
START_TEST(test_host_ops_serve_a_unit_walk)
{
    struct guestmem *m = guestmem_new_ram(8 * GiB);
    wq(m, 0x100000, 0x101001);                 /* root[0] -> ctx */
    wq(m, 0x101000 + 0x20 * 16, 0x102001);     /* 00:04.0, TT=00b */
    wq(m, 0x101000 + 0x20 * 16 + 8, 0x801);    /* AW=39-bit, DID 8 */
    wq(m, 0x102000, 0x103003);
    wq(m, 0x103000, 0x104003);
    wq(m, 0x104008, 0x1f0000003ULL);           /* IOVA 0x1000 -> 7.75 GiB */
    struct vtd_host_ops ops;
    memset(&ops, 0, sizeof(ops));
    guestmem_host_ops(&ops);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    struct vtd_iommu *u = unit_new_cfg(&cfg, &ops, m);
    unit_enable_translation(u, 0x100000);
    struct vtd_dma_req req = { .sid = 0x20, .pasid = VTD_NO_PASID,
                               .iova = 0x1abc, .size = 4,
                               .access = VTD_ACC_READ };
    struct vtd_xlate out;
    ck_assert_int_eq(vtd_translate(u, &req, &out), 0);
    ck_assert_uint_eq(out.fault, 0);
    ck_assert_uint_eq(out.addr, 0x1f0000abcULL);
    vtd_iommu_free(u);
    guestmem_free(m);
}
END_TEST

/* guestmem_map (the vtd_host_ops map contract, vtd.h): a pointer to the
 * written bytes, a zero page for RAM never written, NULL outside RAM or
 * across a page; mapping allocates nothing. */
START_TEST(test_map_points_at_written_bytes_zeros_or_null)
{
    struct guestmem *m = guestmem_new();
    ck_assert_int_eq(guestmem_add_ram(m, 0, 0x3000), 0);
    ck_assert_int_eq(guestmem_add_ram(m, 0x10000, 0x800), 0); /* half page */
    const uint8_t pat[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ck_assert_int_eq(guestmem_write(m, 0x1008, pat, 8), 0);
    uint64_t before = guestmem_allocated(m);

    const uint8_t *p = guestmem_map(m, 0x1008, 8);
    ck_assert_ptr_nonnull(p);
    ck_assert_mem_eq(p, pat, 8);
    ck_assert_uint_eq((uintptr_t)p & 7, 0);       /* aligned like gpa */
    /* Later writes to an existing page are seen through the pointer. */
    const uint8_t pat2[2] = { 0xaa, 0xbb };
    ck_assert_int_eq(guestmem_write(m, 0x100a, pat2, 2), 0);
    ck_assert_uint_eq(p[2], 0xaa);
    ck_assert_uint_eq(p[3], 0xbb);

    const uint8_t *z = guestmem_map(m, 0x2ff8, 8); /* never written */
    ck_assert_ptr_nonnull(z);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(z[i], 0);
    ck_assert_uint_eq(guestmem_allocated(m), before);

    ck_assert_ptr_null(guestmem_map(m, 0x3000, 8));     /* past RAM */
    ck_assert_ptr_null(guestmem_map(m, 0xffc, 8));      /* across pages */
    ck_assert_ptr_null(guestmem_map(m, 0x1000, 0));
    ck_assert_ptr_null(guestmem_map(NULL, 0x1000, 8));
    /* A page only partly RAM: the RAM half maps, the rest does not, also
     * once the page has storage. */
    ck_assert_ptr_nonnull(guestmem_map(m, 0x107f8, 8));
    ck_assert_ptr_null(guestmem_map(m, 0x10800, 8));
    ck_assert_int_eq(guestmem_write(m, 0x10000, pat, 8), 0);
    ck_assert_ptr_nonnull(guestmem_map(m, 0x10000, 8));
    ck_assert_ptr_null(guestmem_map(m, 0x10800, 8));
    ck_assert_ptr_null(guestmem_map(m, 0x107fc, 8));
    uint8_t out[8];
    ck_assert_int_eq(guestmem_read(m, 0x10800, out, 8), -EFAULT);
    ck_assert_int_eq(guestmem_read(m, 0x107f8, out, 8), 0);
    /* cmpxchg64 on that page: the RAM half works, the rest is -EFAULT
     * although the page has storage. */
    uint64_t exp = 0;
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x107f8, &exp, 5), 0);
    exp = 0;
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x10800, &exp, 5), -EFAULT);
    ck_assert_int_eq(guestmem_cmpxchg64(m, 0x2ff8, &exp, 7), 0);
    ck_assert_uint_eq(guestmem_map(m, 0x2ff8, 1) != z, 1); /* own page now */
    ck_assert_uint_eq(*(const uint8_t *)guestmem_map(m, 0x2ff8, 1), 7);
    guestmem_free(m);
}
END_TEST

/* The page index grows (many pages written) while other threads look
 * pages up without a lock: every page written before a lookup starts is
 * found with its contents (run under ThreadSanitizer too). */
#define GROW_PAGES 5000

struct grow_ctx {
    struct guestmem *m;
    atomic_int written;    /* pages [0, written) hold their pattern */
};

static gpointer grow_reader(gpointer p)
{
    struct grow_ctx *c = p;
    int bad = 0;
    for (int round = 0; round < 200000; round++) {
        int n = atomic_load(&c->written);
        if (n == GROW_PAGES)
            break;
        if (n == 0)
            continue;
        int i = round % n;
        const uint8_t *q = guestmem_map(c->m, (uint64_t)i * 4096 * 3, 4);
        uint8_t rb[4];
        if (!q || guestmem_read(c->m, (uint64_t)i * 4096 * 3, rb, 4) != 0)
            bad++;
        else if (q[0] != (uint8_t)i || rb[0] != (uint8_t)i ||
                 rb[1] != (uint8_t)(i >> 8))
            bad++;
    }
    return GINT_TO_POINTER(bad);
}

START_TEST(test_lookups_during_index_growth_find_every_page)
{
    struct grow_ctx c = { .m = guestmem_new_ram(64ULL << 20) };
    atomic_init(&c.written, 0);
    GThread *t[2];
    for (int i = 0; i < 2; i++)
        t[i] = g_thread_new("grow-reader", grow_reader, &c);
    for (int i = 0; i < GROW_PAGES; i++) {
        uint8_t b[2] = { (uint8_t)i, (uint8_t)(i >> 8) };
        ck_assert_int_eq(guestmem_write(c.m, (uint64_t)i * 4096 * 3, b, 2),
                         0);
        atomic_store(&c.written, i + 1);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(GPOINTER_TO_INT(g_thread_join(t[i])), 0);
    ck_assert_uint_eq(guestmem_allocated(c.m), GROW_PAGES * 4096ULL);
    for (int i = 0; i < GROW_PAGES; i++) {
        const uint8_t *q = guestmem_map(c.m, (uint64_t)i * 4096 * 3, 2);
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_eq(q[0], (uint8_t)i);
        ck_assert_uint_eq(q[1], (uint8_t)(i >> 8));
    }
    guestmem_free(c.m);
}
END_TEST

START_TEST(test_host_ops_fill_map)
{
    struct vtd_host_ops ops;
    memset(&ops, 0, sizeof(ops));
    guestmem_host_ops(&ops);
    ck_assert_uint_eq(ops.version, VTD_HOST_OPS_VERSION);
    ck_assert(ops.map == guestmem_map);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("guestmem");
    TCase *tc = tcase_create("guestmem");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_untouched_pages_read_zero_without_allocating);
    tcase_add_test(tc, test_write_allocates_one_page_and_reads_back);
    tcase_add_test(tc, test_access_across_a_page_boundary);
    tcase_add_test(tc, test_outside_ram_is_efault_and_changes_nothing);
    tcase_add_test(tc, test_cmpxchg64_exchanges_only_on_match);
    tcase_add_test(tc, test_cmpxchg64_is_atomic_across_threads);
    tcase_add_test(tc, test_ram_description_ranges);
    tcase_add_test(tc, test_adjacent_ranges_cover_one_access);
    tcase_add_test(tc, test_host_ops_serve_a_unit_walk);
    tcase_add_test(tc, test_map_points_at_written_bytes_zeros_or_null);
    tcase_add_test(tc, test_lookups_during_index_growth_find_every_page);
    tcase_add_test(tc, test_host_ops_fill_map);
    suite_add_tcase(s, tc);
    return check_run(s);
}
