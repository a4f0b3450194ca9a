/* SPDX-License-Identifier: MIT */
/* tests/test_core.c: unit lifetime, profiles and configuration checks. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include "vtd/internal.h"
#include "check_main.h"

/* QEMU 7.2's intel-iommu presents CAP 0x00d2008c22260206 and ECAP
 * 0xf00f4a (issue 2; hw/i386/intel_iommu.c defaults, aw-bits=39). */
START_TEST(test_profile_qemu72_values)
{
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("qemu-7.2", &cap, &ecap), 0);
    ck_assert_uint_eq(cap, 0x00d2008c22260206ULL);
    ck_assert_uint_eq(ecap, 0xf00f4aULL);
    ck_assert_int_eq(vtd_profile_lookup("nonesuch", &cap, &ecap), -ENOENT);
}
END_TEST

/* CAP.FRO = 0x22 -> fault records at 0x220; ECAP.IRO = 0xf -> IVA 0xf0;
 * MGAW field 0x26 -> 39 bits; NFR field 0 -> 1 record (VT-d 11.4.2/3). */
START_TEST(test_profile_qemu72_derived)
{
    struct fake_host *h = fake_host_new(1 << 20);
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    ck_assert_uint_eq(u->fro, 0x220);
    ck_assert_uint_eq(u->iro, 0xf0);
    ck_assert_uint_eq(u->mgaw, 39);
    ck_assert_uint_eq(u->haw, 39);
    ck_assert_uint_eq(u->nfr, 1);
    ck_assert_uint_eq(vtd_iommu_mmio_size(u), 0x1000);
    vtd_iommu_free(u);
    fake_host_free(h);
}
END_TEST

static int try_new(uint64_t cap, uint64_t ecap, char *err, size_t n)
{
    struct fake_host *h = fake_host_new(4096);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION, .cap = cap,
                              .ecap = ecap };
    struct vtd_iommu *u = NULL;
    int rc = vtd_iommu_new(&cfg, fake_host_ops(), h, &u, err, n);
    vtd_iommu_free(u);
    fake_host_free(h);
    return rc;
}

START_TEST(test_reject_inconsistent)
{
    char err[256];
    /* SAGAW = 0: no level count supported. */
    ck_assert_int_eq(try_new(0x00d2008c22260006ULL, 0xf00f4a, err,
                             sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "SAGAW"));
    /* EIM without IR (ECAP 0x10 = EIM only, IRO 0xf). */
    ck_assert_int_eq(try_new(0x00d2008c22260206ULL, 0xf12, err,
                             sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "EIM"));
    /* FRO = 0 puts fault records over VER/CAP. */
    ck_assert_int_eq(try_new(0x00d2008c00260206ULL, 0xf00f4a, err,
                             sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "FRO"));
}
END_TEST

/* VT-d 11.4.2: units of major version 6 or later that report SSTS=0 report
 * SAGAW=0; that is the only place SAGAW=0 is consistent. */
START_TEST(test_sagaw_zero_needs_ver6_without_ssts)
{
    /* The full profile's CAP with SAGAW=0; its ECAP with SSTS (46),
     * SSADS (45) and NEST (26) clear, then with SSTS set again. */
    const uint64_t cap = 0x19d2078c40380006ULL;
    const uint64_t ecap_fs = 0x3899880f050dfULL;
    const uint64_t ecap_ss = ecap_fs | (1ULL << 46);
    const struct { unsigned ver; uint64_t ecap; int rc; } c[] = {
        { 0x60, ecap_fs, 0 },        /* VER 6.0, SSTS=0: valid */
        { 0x70, ecap_fs, 0 },
        { 0x50, ecap_fs, -EINVAL },  /* VER 5.0 */
        { 0x00, ecap_fs, -EINVAL },  /* default VER 1.0 */
        { 0x60, ecap_ss, -EINVAL },  /* SSTS=1 needs an AGAW */
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct fake_host *h = fake_host_new(4096);
        struct vtd_config cfg = { .version = VTD_CONFIG_VERSION, .cap = cap,
                                  .ecap = c[i].ecap, .ver = c[i].ver };
        struct vtd_iommu *u = NULL;
        char err[256] = "";
        int rc = vtd_iommu_new(&cfg, fake_host_ops(), h, &u, err,
                               sizeof(err));
        ck_assert_msg(rc == c[i].rc, "case %u: rc %d (%s)", i, rc, err);
        if (rc)
            ck_assert_ptr_nonnull(strstr(err, "SAGAW"));
        vtd_iommu_free(u);
        fake_host_free(h);
    }
}
END_TEST

START_TEST(test_reject_bad_versions)
{
    struct fake_host *h = fake_host_new(4096);
    struct vtd_config cfg = { .version = 99, .profile = "full" };
    struct vtd_iommu *u = NULL;
    char err[128];
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, err,
                                   sizeof(err)), -EINVAL);
    ck_assert_ptr_null(u);
    cfg.version = VTD_CONFIG_VERSION;
    cfg.profile = "nonesuch";
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, err,
                                   sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "nonesuch"));
    fake_host_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_profile_qemu72_values);
    tcase_add_test(tc, test_profile_qemu72_derived);
    tcase_add_test(tc, test_reject_inconsistent);
    tcase_add_test(tc, test_sagaw_zero_needs_ver6_without_ssts);
    tcase_add_test(tc, test_reject_bad_versions);
    suite_add_tcase(s, tc);
    return check_run(s);
}
