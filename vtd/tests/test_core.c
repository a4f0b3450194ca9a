/* SPDX-License-Identifier: MIT */
/* vtd/tests/test_core.c: unit lifetime, profiles and configuration checks. */
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

/* ------------------------------------------------------------------ */
/* Configuration that composes (vtd.h struct vtd_config, version 2)    */
/* ------------------------------------------------------------------ */

static int try_cfg(const struct vtd_config *cfg, struct vtd_iommu **out,
                   char *err, size_t n, struct fake_host **hp)
{
    *hp = fake_host_new(4096);
    *out = NULL;
    return vtd_iommu_new(cfg, fake_host_ops(), *hp, out, err, n);
}

/* VT-d 11.4.2: CAP.CM is bit 7.  The "full" profile with caching mode on,
 * by the named option and by cap_set; nothing else of the profile
 * changes. */
START_TEST(test_profile_with_caching_mode)
{
    uint64_t pc, pe;
    ck_assert_int_eq(vtd_profile_lookup("full", &pc, &pe), 0);
    ck_assert_uint_eq(pc & (1ULL << 7), 0);
    const struct vtd_config by_option = {
        .version = VTD_CONFIG_VERSION, .profile = "full",
        .caching_mode = VTD_CM_ON,
    };
    const struct vtd_config by_mask = {
        .version = VTD_CONFIG_VERSION, .profile = "full",
        .cap_set = 1ULL << 7,
    };
    const struct vtd_config *cfgs[] = { &by_option, &by_mask };
    for (unsigned i = 0; i < 2; i++) {
        struct fake_host *h;
        struct vtd_iommu *u;
        char err[256] = "";
        ck_assert_msg(try_cfg(cfgs[i], &u, err, sizeof(err), &h) == 0,
                      "%s", err);
        ck_assert_uint_eq(vtd_iommu_cap(u), pc | (1ULL << 7));
        ck_assert_uint_eq(vtd_iommu_ecap(u), pe);
        ck_assert_uint_eq(rd64(u, 0x08), pc | (1ULL << 7)); /* CAP_REG */
        vtd_iommu_free(u);
        fake_host_free(h);
    }
    /* Off again, with CAP.RWBF (bit 4) set and ECAP.PT (bit 6) cleared. */
    struct vtd_config off = by_option;
    off.caching_mode = VTD_CM_OFF;
    off.cap_set = 1ULL << 4;          /* RWBF */
    off.ecap_clear = 1ULL << 6;       /* PT */
    struct fake_host *h;
    struct vtd_iommu *u;
    char err[256] = "";
    ck_assert_msg(try_cfg(&off, &u, err, sizeof(err), &h) == 0, "%s", err);
    ck_assert_uint_eq(vtd_iommu_cap(u), pc | (1ULL << 4));
    ck_assert_uint_eq(vtd_iommu_ecap(u), pe & ~(1ULL << 6));
    vtd_iommu_free(u);
    fake_host_free(h);
}
END_TEST

/* Errors name the field and the profile. */
START_TEST(test_compose_errors_name_bit_and_profile)
{
    struct fake_host *h;
    struct vtd_iommu *u;
    char err[512];
    /* Clearing ECAP.IR (bit 3) leaves the profile's EIM and PI without
     * it (11.4.3). */
    struct vtd_config c = { .version = VTD_CONFIG_VERSION,
                            .profile = "full", .ecap_clear = 1ULL << 3 };
    ck_assert_int_eq(try_cfg(&c, &u, err, sizeof(err), &h), -EINVAL);
    ck_assert_ptr_null(u);
    ck_assert_msg(strstr(err, "ECAP.IR") && strstr(err, "'full'") &&
                  strstr(err, "ecap_clear 0x8"), "%s", err);
    fake_host_free(h);
    /* The same bit set and cleared. */
    c = (struct vtd_config){ .version = VTD_CONFIG_VERSION,
                             .profile = "qemu-7.2", .cap_set = 1ULL << 7,
                             .cap_clear = 1ULL << 7 };
    ck_assert_int_eq(try_cfg(&c, &u, err, sizeof(err), &h), -EINVAL);
    ck_assert_msg(strstr(err, "CAP.CM (bit 7)") && strstr(err, "qemu-7.2"),
                  "%s", err);
    fake_host_free(h);
    /* A reserved bit (CAP bit 23 is in no field, 11.4.2). */
    c = (struct vtd_config){ .version = VTD_CONFIG_VERSION,
                             .profile = "full", .cap_set = 1ULL << 23 };
    ck_assert_int_eq(try_cfg(&c, &u, err, sizeof(err), &h), -EINVAL);
    ck_assert_msg(strstr(err, "reserved CAP bit 23"), "%s", err);
    fake_host_free(h);
    /* A multi-bit field is named with its range. */
    c = (struct vtd_config){ .version = VTD_CONFIG_VERSION,
                             .profile = "full",
                             .ecap_set = 1ULL << 8, .ecap_clear = 1ULL << 8 };
    ck_assert_int_eq(try_cfg(&c, &u, err, sizeof(err), &h), -EINVAL);
    ck_assert_msg(strstr(err, "ECAP.IRO (bits 17:8)"), "%s", err);
    fake_host_free(h);
    /* caching_mode against the masks. */
    c = (struct vtd_config){ .version = VTD_CONFIG_VERSION,
                             .profile = "full", .caching_mode = VTD_CM_OFF,
                             .cap_set = 1ULL << 7 };
    ck_assert_int_eq(try_cfg(&c, &u, err, sizeof(err), &h), -EINVAL);
    ck_assert_msg(strstr(err, "caching_mode off"), "%s", err);
    fake_host_free(h);
    /* Issue 13: a whole cap with a profile replaces the profile's CAP;
     * the message says so and points at cap_set. */
    c = (struct vtd_config){ .version = VTD_CONFIG_VERSION,
                             .profile = "full", .cap = 1ULL << 7 };
    ck_assert_int_eq(try_cfg(&c, &u, err, sizeof(err), &h), -EINVAL);
    ck_assert_msg(strstr(err, "MGAW") && strstr(err, "cap_set") &&
                  strstr(err, "'full'"), "%s", err);
    fake_host_free(h);
}
END_TEST

/* A caller built against the version-1 header: its struct ends at
 * no_fault_collapse.  The unit reads nothing past it (the struct is
 * allocated at its exact size, so ASan would see an over-read). */
struct vtd_config_v1 {
    uint32_t version;
    const char *profile;
    uint64_t cap, ecap;
    uint32_t ver, haw;
    enum vtd_cache_policy cache;
    bool lint, no_fault_collapse;
};

START_TEST(test_version_1_config_still_works)
{
    struct vtd_config_v1 *v1 = g_malloc0(sizeof(*v1));
    v1->version = 1;
    v1->profile = "qemu-7.2";
    v1->cache = VTD_CACHE_NONE;
    struct fake_host *h;
    struct vtd_iommu *u;
    char err[256] = "";
    ck_assert_msg(try_cfg((const struct vtd_config *)(void *)v1, &u, err,
                          sizeof(err), &h) == 0, "%s", err);
    ck_assert_uint_eq(vtd_iommu_cap(u), 0x00d2008c22260206ULL);
    ck_assert_int_eq(u->cfg.cache, VTD_CACHE_NONE);
    ck_assert_uint_eq(u->cfg.cap_set | u->cfg.ecap_clear, 0);
    vtd_iommu_free(u);
    fake_host_free(h);
    g_free(v1);
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
    tcase_add_test(tc, test_profile_with_caching_mode);
    tcase_add_test(tc, test_compose_errors_name_bit_and_profile);
    tcase_add_test(tc, test_version_1_config_still_works);
    suite_add_tcase(s, tc);
    return check_run(s);
}
