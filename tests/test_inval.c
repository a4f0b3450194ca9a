/* SPDX-License-Identifier: MIT */
/*
 * tests/test_inval.c: register-based invalidation (VT-d 6.5.1; CCMD
 * 11.4.6.1, IOTLB_REG 11.4.6.3, IVA 11.4.6.4): completion bits, reported
 * granularity, incorrect requests, and the cache calls made (observed
 * through the invalidation counter, the invalidation events and, for the
 * IOTLB, a translation that goes stale and is refreshed).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include <vtd/layout.h>
#include <vtd/rules.h>
#include "check_main.h"
#include "unit_util.h"

#define QCAP 0x00d2008c22260206ULL /* PSI=1, MAMV=18, ND=6 */
#define QECAP 0xf00f4aULL          /* IRO 0xf: IVA 0xf0, IOTLB 0xf8 */
#define IVA 0xf0
#define IOTLB 0xf8

/* CCMD: ICC 63, CIRG 62:61, CAIG 60:59, FM 33:32, SID 31:16, DID 15:0 */
#define CCMD_ICC (1ULL << 63)
#define CCMD_CIRG(g) ((uint64_t)(g) << 61)
#define CCMD_CAIG(g) ((uint64_t)(g) << 59)
#define CCMD_CAIG_BITS (3ULL << 59)
/* IOTLB: IVT 63, IIRG 61:60, IAIG 58:57, DR 49, DW 48, DID 47:32 */
#define IOTLB_IVT (1ULL << 63)
#define IOTLB_IIRG(g) ((uint64_t)(g) << 60)
#define IOTLB_IAIG(g) ((uint64_t)(g) << 57)
#define IOTLB_IAIG_BITS (3ULL << 57)
#define IOTLB_DID(d) ((uint64_t)(d) << 32)

static struct fake_host *h;

static void setup(void)
{
    h = fake_host_new(1 << 20);
    inval_seen_reset();
}

static void teardown(void)
{
    fake_host_free(h);
}

/* A unit on h whose invalidation events go to inval_seen. */
static struct vtd_iommu *unit(uint64_t cap, uint64_t ecap, uint32_t ver,
                              const char *profile)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION, .cap = cap,
                              .ecap = ecap, .ver = ver,
                              .profile = profile };
    return unit_new_cfg(&cfg, inval_seen_ops(), h);
}

/* Oracle: CCMD 0xa000000000000000 (ICC, CIRG=01 global) -> reads ICC=0,
 * CAIG=01 under mask 0x9800000000000000. */
START_TEST(test_ccmd_global_completes)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, VTD_REG_CCMD, 0xa000000000000000ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_CCMD) & 0x9800000000000000ULL,
                      0x0800000000000000ULL);
    ck_assert_uint_eq(unit_invalidations(u), 1);
    ck_assert_uint_eq(inval_seen.n, 1);
    ck_assert_str_eq(inval_seen.last, "context");
    vtd_iommu_free(u);
}
END_TEST

/* Domain (10b) and device (11b) requests are done as requested and
 * reported in CAIG; DID is kept. */
START_TEST(test_ccmd_domain_and_device)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, VTD_REG_CCMD, CCMD_ICC | CCMD_CIRG(2) | 0x2a);
    uint64_t v = rd64(u, VTD_REG_CCMD);
    ck_assert_uint_eq(v & (CCMD_ICC | CCMD_CAIG_BITS), CCMD_CAIG(2));
    ck_assert_uint_eq(v & 0xffff, 0x2a);
    wr64(u, VTD_REG_CCMD, CCMD_ICC | CCMD_CIRG(3) | (3ULL << 32) |
                              (0x0018ULL << 16) | 0x2a);
    v = rd64(u, VTD_REG_CCMD);
    ck_assert_uint_eq(v & (CCMD_ICC | CCMD_CAIG_BITS), CCMD_CAIG(3));
    ck_assert_uint_eq(unit_invalidations(u), 2);
    vtd_iommu_free(u);
}
END_TEST

/* CIRG 00b is reserved: the request is incorrect, CAIG = 00b, nothing is
 * invalidated, ICC still clears. */
START_TEST(test_ccmd_reserved_granularity_is_error)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, VTD_REG_CCMD, CCMD_ICC);
    ck_assert_uint_eq(rd64(u, VTD_REG_CCMD) & (CCMD_ICC | CCMD_CAIG_BITS),
                      0);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.6.1: writing the uppermost byte with ICC set starts the
 * invalidation; a low-dword write alone does not. */
START_TEST(test_ccmd_triggered_by_upper_dword)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr32(u, VTD_REG_CCMD, 0x0018002a);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    wr32(u, VTD_REG_CCMD + 4, 0xc0000000); /* ICC | CIRG=10 */
    ck_assert_uint_eq(unit_invalidations(u), 1);
    /* ICC clear, CAIG=10 (bits 60:59 -> 28:27 of the upper dword) */
    ck_assert_uint_eq(rd32(u, VTD_REG_CCMD + 4) & 0x98000000, 0x10000000);
    vtd_iommu_free(u);
}
END_TEST

/* Oracle: IOTLB 0x9003000000000000 (IVT, IIRG=01, DR, DW) -> IVT=0,
 * IAIG=01 under mask 0x8600000000000000. */
START_TEST(test_iotlb_global_with_drain)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, IOTLB, 0x9003000000000000ULL);
    ck_assert_uint_eq(rd64(u, IOTLB) & 0x8600000000000000ULL,
                      0x0200000000000000ULL);
    ck_assert_uint_eq(unit_invalidations(u), 1);
    ck_assert_str_eq(inval_seen.last, "iotlb");
    vtd_iommu_free(u);
}
END_TEST

/* Domain (10b) and page-selective (11b) with IVA: IAIG as requested. */
START_TEST(test_iotlb_domain_and_page)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(2) | IOTLB_DID(7));
    ck_assert_uint_eq(rd64(u, IOTLB) & (IOTLB_IVT | IOTLB_IAIG_BITS),
                      IOTLB_IAIG(2));
    wr64(u, IVA, 0x12345000 | 9); /* AM 9: a 2 MiB region */
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(7));
    ck_assert_uint_eq(rd64(u, IOTLB) & (IOTLB_IVT | IOTLB_IAIG_BITS),
                      IOTLB_IAIG(3));
    ck_assert_uint_eq(unit_invalidations(u), 2);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.6.3 IAIG 00b: an address mask above CAP.MAMV (18) is an
 * unsupported value; the request is ignored. */
START_TEST(test_iotlb_am_above_mamv_is_error)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, IVA, 19);
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(1));
    ck_assert_uint_eq(rd64(u, IOTLB) & (IOTLB_IVT | IOTLB_IAIG_BITS), 0);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    /* IIRG 00b reserved: error as well */
    wr64(u, IOTLB, IOTLB_IVT);
    ck_assert_uint_eq(rd64(u, IOTLB) & (IOTLB_IVT | IOTLB_IAIG_BITS), 0);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Coverage counts (<vtd/rules.h>): inval.iotlb-reg-refused counts the
 * requests not performed (IAIG = 00b, 11.4.6.3) and only those; a
 * performed domain- or page-selective one, with or without IVA.IH
 * (11.4.6.4), is not refused. */
static uint64_t rule_hits(struct vtd_iommu *u, const char *name)
{
    int id = vtd_rule_lookup(name);
    ck_assert_int_ge(id, 0);
    uint64_t *hits = calloc(vtd_rule_count(), sizeof(*hits));
    ck_assert_ptr_nonnull(hits);
    ck_assert_int_eq(vtd_rule_hits(u, hits, vtd_rule_count()),
                     (int)vtd_rule_count());
    uint64_t n = hits[id];
    free(hits);
    return n;
}

START_TEST(test_iotlb_refused_rule_counts_only_refusals)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(2) | IOTLB_DID(7));
    wr64(u, IVA, 0x12345000);
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(7));
    wr64(u, IVA, 0x12345000 | 1u << 6); /* IH */
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(7));
    ck_assert_uint_eq(unit_invalidations(u), 3);
    ck_assert_uint_eq(rule_hits(u, "inval.iotlb-reg-page-ih"), 1);
    ck_assert_uint_eq(rule_hits(u, "inval.iotlb-reg-refused"), 0);
    wr64(u, IVA, 19); /* AM above MAMV: IAIG = 00b */
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(7));
    ck_assert_uint_eq(rule_hits(u, "inval.iotlb-reg-refused"), 1);
    vtd_iommu_free(u);
}
END_TEST

/* Without CAP.PSI a page-selective request is done at the coarser
 * domain granularity, reported as IAIG=10. */
START_TEST(test_iotlb_page_without_psi_done_as_domain)
{
    struct vtd_iommu *u = unit(QCAP & ~(1ULL << 39), QECAP, 0, NULL);
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(1));
    ck_assert_uint_eq(rd64(u, IOTLB) & (IOTLB_IVT | IOTLB_IAIG_BITS),
                      IOTLB_IAIG(2));
    ck_assert_uint_eq(unit_invalidations(u), 1);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.6.1/11.4.6.3: with RTADDR.TTM != 00b register invalidation is an
 * incorrect request: CAIG/IAIG = 00b. */
START_TEST(test_register_invalidation_refused_in_scalable_mode)
{
    struct vtd_iommu *u = unit(0, 0, 0, "full");
    wr64(u, VTD_REG_RTADDR, 0x10000 | (1u << 10)); /* TTM=01 */
    wr32(u, VTD_REG_GCMD, 0x40000000);
    wr64(u, VTD_REG_CCMD, 0xa000000000000000ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_CCMD) & (CCMD_ICC | CCMD_CAIG_BITS),
                      0);
    wr64(u, 0x508, 0x9003000000000000ULL); /* IOTLB at IRO 0x500 + 8 */
    ck_assert_uint_eq(rd64(u, 0x508) & (IOTLB_IVT | IOTLB_IAIG_BITS), 0);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Major version 6 and above treat every register invalidation as
 * incorrect (11.4.6.1). */
START_TEST(test_register_invalidation_refused_from_version_6)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0x60, NULL);
    wr64(u, VTD_REG_CCMD, 0xa000000000000000ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_CCMD) & CCMD_CAIG_BITS, 0);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Legacy tables for 00:03.0, DID 5, 3-level (AW=1), IOVA 0 -> page at
 * 0x20000 (VT-d 9.1 root entry: P bit 0, CTP 63:12; 9.3 context entry:
 * P 0, TT 3:2 = 00, SLPTPTR 63:12, AW 66:64, DID 87:72; 9.8 SL entries:
 * R 0, W 1, ADDR 51:12). */
static void build_tables(void)
{
    fake_wq(h, 0x10000, 0x11000 | 1);               /* root[bus 0] */
    fake_wq(h, 0x11000 + 0x18 * 16, 0x12000 | 1);   /* ctx[dev 3 fn 0] */
    fake_wq(h, 0x11000 + 0x18 * 16 + 8, 1 | (5 << 8));
    fake_wq(h, 0x12000, 0x13000 | 3);
    fake_wq(h, 0x13000, 0x14000 | 3);
    fake_wq(h, 0x14000, 0x20000 | 3);
}

static uint64_t xlate(struct vtd_iommu *u, bool *cached)
{
    struct vtd_dma_req r = { .sid = 0x18, .pasid = VTD_NO_PASID,
                             .iova = 0x10, .size = 4,
                             .access = VTD_ACC_READ };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(u, &r, &x), 0);
    ck_assert_uint_eq(x.fault, 0);
    if (cached)
        *cached = x.cached;
    return x.addr;
}

/* A page-selective register invalidation of the changed page makes the
 * new mapping visible (6.5.1: the IOTLB entry for DID 5, address 0 is
 * dropped). */
START_TEST(test_page_invalidation_refreshes_translation)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, 0, NULL);
    build_tables();
    wr64(u, VTD_REG_RTADDR, 0x10000);
    wr32(u, VTD_REG_GCMD, 0x40000000);
    wr32(u, VTD_REG_GCMD, 0x80000000);
    ck_assert_uint_eq(xlate(u, NULL), 0x20010);
    fake_wq(h, 0x14000, 0x21000 | 3);              /* remap the page */
    bool cached = false;
    uint64_t stale = xlate(u, &cached);
    if (cached)
        ck_assert_uint_eq(stale, 0x20010);         /* as hardware may */
    wr64(u, IVA, 0);                               /* ADDR 0, AM 0 */
    wr64(u, IOTLB, IOTLB_IVT | IOTLB_IIRG(3) | IOTLB_DID(5));
    ck_assert_uint_eq(rd64(u, IOTLB) & IOTLB_IAIG_BITS, IOTLB_IAIG(3));
    ck_assert_uint_eq(xlate(u, NULL), 0x21010);
    vtd_iommu_free(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inval");
    TCase *tc = tcase_create("inval");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ccmd_global_completes);
    tcase_add_test(tc, test_ccmd_domain_and_device);
    tcase_add_test(tc, test_ccmd_reserved_granularity_is_error);
    tcase_add_test(tc, test_ccmd_triggered_by_upper_dword);
    tcase_add_test(tc, test_iotlb_global_with_drain);
    tcase_add_test(tc, test_iotlb_domain_and_page);
    tcase_add_test(tc, test_iotlb_am_above_mamv_is_error);
    tcase_add_test(tc, test_iotlb_page_without_psi_done_as_domain);
    tcase_add_test(tc, test_register_invalidation_refused_in_scalable_mode);
    tcase_add_test(tc, test_register_invalidation_refused_from_version_6);
    tcase_add_test(tc, test_page_invalidation_refreshes_translation);
    tcase_add_test(tc, test_iotlb_refused_rule_counts_only_refusals);
    suite_add_tcase(s, tc);
    return check_run(s);
}
