/* SPDX-License-Identifier: MIT */
/*
 * tests/test_devtlb.c: the device-TLB model (pci/devtlb.h) against a unit
 * through the public API: what it caches from translation completions
 * (VT-d 4.1.2, 4.2.3), how it issues translated requests (4.1.3, 4.2.5)
 * and what an Invalidate Request drops (4.1.4, 6.5.2.5-6.5.2.6).
 */
#include <errno.h>
#include <stdlib.h>

#include "pci/devtlb.h"
#include "xlate_util.h"
#include "check_main.h"

#define DEV 0x20            /* 00:04.0 */

/* A legacy device with TT=01b (VT-d 9.3): 0x1000 -> 0x5000 R/W,
 * 0x2000 -> 0x6000 read-only, 0x3000 -> 0x7000 R/W. */
static struct env ats_env(void)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    legacy_root(&e, 0, CTP);
    legacy_ctx(&e, CTP, DEV, root, 1, 2, 1, false);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    pt_map(&e, root, 4, 0x2000, 0x6000, 1, SS_R, SS_RW);
    pt_map(&e, root, 4, 0x3000, 0x7000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    return e;
}

START_TEST(test_bad_arguments)
{
    struct devtlb_cap cap = { .enabled = true };
    ck_assert_ptr_null(devtlb_new(DEV, &cap, 0));
    ck_assert_ptr_null(devtlb_new(DEV, NULL, 4));
    cap.stu = 32;
    ck_assert_ptr_null(devtlb_new(DEV, &cap, 4));
    struct devtlb_dma o;
    ck_assert_int_eq(devtlb_dma(NULL, NULL, VTD_NO_PASID, false, 0, 4, false,
                                &o), -EINVAL);
}
END_TEST

/* A miss sends a translation request and caches the completion; the DMA
 * goes out as a translated request to the output address; the next one
 * hits.  A read-only translation denies a write at the device. */
START_TEST(test_miss_then_hit)
{
    struct env e = ats_env();
    struct devtlb_cap cap = { .enabled = true };
    struct devtlb *d = devtlb_new(DEV, &cap, 8);
    struct devtlb_dma o;
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x1010, 4, true,
                                &o), 0);
    ck_assert(o.translated && !o.hit && !o.denied && !o.untranslated);
    ck_assert_int_eq(o.cpl.status, VTD_ATS_SUCCESS);
    ck_assert_uint_eq(o.x.fault, 0);
    ck_assert_uint_eq(o.x.addr, 0x5010);
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x1020, 4, false,
                                &o), 0);
    ck_assert(o.hit && !o.translated);
    ck_assert_uint_eq(o.x.addr, 0x5020);
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x2000, 4, false,
                                &o), 0);
    ck_assert_uint_eq(o.x.addr, 0x6000);
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x2000, 4, true,
                                &o), 0);
    ck_assert(o.hit && o.denied);
    ck_assert_uint_eq(devtlb_count(d), 2);
    /* Unmapped page: success with R=W=0 is not cached, the access is
     * denied at the device. */
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x9000, 4, false,
                                &o), 0);
    ck_assert(o.translated && o.denied);
    ck_assert_uint_eq(devtlb_count(d), 2);
    devtlb_free(d);
    env_free(&e);
}
END_TEST

/* With ATS Control.E clear the function sends untranslated requests. */
START_TEST(test_ats_disabled)
{
    struct env e = ats_env();
    struct devtlb_cap cap = { .enabled = false };
    struct devtlb *d = devtlb_new(DEV, &cap, 8);
    struct devtlb_dma o;
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x1000, 4, false,
                                &o), 0);
    ck_assert(o.untranslated && !o.translated);
    ck_assert_uint_eq(o.x.addr, 0x5000);
    ck_assert_uint_eq(devtlb_count(d), 0);
    devtlb_free(d);
    env_free(&e);
}
END_TEST

/* Invalidate Requests: the range, and PASID-less against PASID entries
 * (a request without PASID drops PASID-less translations; with PASID
 * that PASID's, all with GI). */
START_TEST(test_invalidate)
{
    struct env e = ats_env();
    struct devtlb_cap cap = { .enabled = true };
    struct devtlb *d = devtlb_new(DEV, &cap, 8);
    struct devtlb_dma o;
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x1000, 4,
                                false, &o), 0);
    ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, 0x3000, 4,
                                false, &o), 0);
    ck_assert_uint_eq(devtlb_count(d), 2);
    struct vtd_devtlb_inv inv = { .sid = DEV, .pasid = 5, .base = 0x1000,
                                  .size = 0x1000 };
    ck_assert_uint_eq(devtlb_invalidate(d, &inv), 0);
    inv.global = true;
    ck_assert_uint_eq(devtlb_invalidate(d, &inv), 0);
    inv = (struct vtd_devtlb_inv){ .sid = DEV, .pasid = VTD_NO_PASID,
                                   .base = 0x2000, .size = 0x1000 };
    ck_assert_uint_eq(devtlb_invalidate(d, &inv), 0);
    inv.base = 0x0;
    inv.size = 0x4000;           /* 16 KiB: both */
    ck_assert_uint_eq(devtlb_invalidate(d, &inv), 2);
    ck_assert_ptr_null(devtlb_lookup(d, VTD_NO_PASID, false, 0x1000));
    devtlb_free(d);
    env_free(&e);
}
END_TEST

/* A full device-TLB replaces round-robin: it never holds more than its
 * entries. */
START_TEST(test_capacity)
{
    struct env e = ats_env();
    struct devtlb_cap cap = { .enabled = true };
    struct devtlb *d = devtlb_new(DEV, &cap, 2);
    struct devtlb_dma o;
    for (uint64_t a = 0x1000; a <= 0x3000; a += 0x1000)
        ck_assert_int_eq(devtlb_dma(d, e.u, VTD_NO_PASID, false, a, 4,
                                    false, &o), 0);
    ck_assert_uint_eq(devtlb_count(d), 2);
    ck_assert_ptr_null(devtlb_lookup(d, VTD_NO_PASID, false, 0x1000));
    ck_assert_ptr_nonnull(devtlb_lookup(d, VTD_NO_PASID, false, 0x3000));
    devtlb_free(d);
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("devtlb");
    TCase *tc = tcase_create("devtlb");
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_miss_then_hit);
    tcase_add_test(tc, test_ats_disabled);
    tcase_add_test(tc, test_invalidate);
    tcase_add_test(tc, test_capacity);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
