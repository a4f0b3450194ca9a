/* SPDX-License-Identifier: MIT */
/*
 * tests/test_rules.c: the rule registry of the coverage report
 * (<vtd/rules.h>, docs/coverage.md), through the public API of the shared
 * library.  The condition codes below are copied by hand from VT-d rev.
 * 5.10 7.1.3 Table 30 and the reasons from 5.1.4.1 Table 15.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "check_main.h"
#include "unit_util.h"

#define RAM_SIZE (1u << 20)
static uint8_t ram[RAM_SIZE];

static int rd(void *o, uint64_t gpa, void *buf, size_t len)
{
    (void)o;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(buf, ram + gpa, len);
    return 0;
}

static int wr(void *o, uint64_t gpa, const void *buf, size_t len)
{
    (void)o;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(ram + gpa, buf, len);
    return 0;
}

static const struct vtd_host_ops ops = { .version = VTD_HOST_OPS_VERSION,
                                         .read = rd, .write = wr };

/* Every condition code of Table 30 (the sub-codes of one fault reason,
 * LCT.4.1-LCT.4.3 and the like, are one rule) and every reason of Table
 * 15: each has a rule, whatever its status. */
static const char *const table30_15[] = {
    "LRT.1", "LRT.2", "LRT.3", "LCT.1", "LCT.2", "LCT.3", "LCT.4", "LCT.5",
    "LSS.1", "LSS.2", "LGN.1", "LGN.2", "LGN.3", "LGN.4",
    "RTA.1", "RTA.1.4", "RTA.2", "RTA.3", "RTA.4", "RTA.5",
    "SRT.1", "SRT.2", "SRT.3",
    "SCT.1", "SCT.2", "SCT.3", "SCT.4", "SCT.5", "SCT.6", "SCT.7", "SCT.8",
    "SCT.9", "SCT.10",
    "SPD.1", "SPD.2", "SPD.3",
    "SPT.1", "SPT.2", "SPT.3", "SPT.4", "SPT.5", "SPT.6", "SPT.9",
    "SFS.1", "SFS.2", "SFS.3", "SFS.4", "SFS.5", "SFS.6", "SFS.7", "SFS.8",
    "SFS.9", "SFS.10",
    "SSS.1", "SSS.2", "SSS.3", "SSS.4", "SSS.5", "SSS.6",
    "SGN.1", "SGN.2", "SGN.4", "SGN.5", "SGN.6", "SGN.7", "SGN.8", "SGN.10",
    "S.1", "S.2", "HPT.1-6",
    "IR.20h", "IR.21h", "IR.22h", "IR.23h", "IR.24h", "IR.25h", "IR.26h",
    "IR.27h", "IR.28h", "IR.29h", "IR.2Ah", "IR.2Bh",
};

START_TEST(test_every_table30_and_table15_condition_has_a_rule)
{
    for (size_t i = 0; i < sizeof(table30_15) / sizeof(table30_15[0]);
         i++) {
        char name[32];
        snprintf(name, sizeof(name), "fault.%s", table30_15[i]);
        ck_assert_msg(vtd_rule_lookup(name) >= 0, "no rule %s", name);
    }
}
END_TEST

START_TEST(test_names_unique_and_described)
{
    unsigned n = vtd_rule_count();
    ck_assert_uint_gt(n, 100);
    for (unsigned i = 0; i < n; i++) {
        struct vtd_rule_info r;
        ck_assert_int_eq(vtd_rule_describe(i, &r), 0);
        ck_assert_ptr_nonnull(r.name);
        ck_assert(r.section && r.section[0]);
        ck_assert(r.text && r.text[0]);
        ck_assert_uint_le(r.status, VTD_RULE_HOST_ONLY);
        ck_assert_int_eq(vtd_rule_lookup(r.name), (int)i);
    }
    struct vtd_rule_info r;
    ck_assert_int_eq(vtd_rule_describe(n, &r), -EINVAL);
    ck_assert_int_eq(vtd_rule_describe(0, NULL), -EINVAL);
    ck_assert_int_eq(vtd_rule_lookup("no.such-rule"), -ENOENT);
    ck_assert_int_eq(vtd_rule_lookup(NULL), -EINVAL);
}
END_TEST

/* A root table of zeros: a DMA with translation enabled meets LRT.2 (root
 * entry P=0, 1h, not qualified: recorded, 7.2.1), after SRTP and TE. */
START_TEST(test_hits_counted_per_unit)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    memset(ram, 0, sizeof(ram));
    struct vtd_iommu *u = unit_new_cfg(&cfg, &ops, NULL);
    struct vtd_iommu *v = unit_new_cfg(&cfg, &ops, NULL);
    unsigned n = vtd_rule_count();
    uint64_t *h = calloc(n + 4, sizeof(*h));
    ck_assert_ptr_nonnull(h);
    for (unsigned i = 0; i < n + 4; i++)
        h[i] = 7;
    ck_assert_int_eq(vtd_rule_hits(u, h, n + 4), (int)n);
    for (unsigned i = 0; i < n + 4; i++)
        ck_assert_uint_eq(h[i], 0);

    unit_enable_translation(u, 0x10000);
    struct vtd_xlate x;
    struct vtd_dma_req req = { .sid = 0x20, .iova = 0x1000,
                               .pasid = VTD_NO_PASID, .size = 4,
                               .access = VTD_ACC_READ };
    ck_assert_int_eq(vtd_translate(u, &req, &x), 0);
    ck_assert_uint_eq(x.fault, VTD_FR_ROOT_NOT_PRESENT);

    ck_assert_int_eq(vtd_rule_hits(u, h, n), (int)n);
    ck_assert_uint_eq(h[vtd_rule_lookup("fault.LRT.2")], 1);
    ck_assert_uint_eq(h[vtd_rule_lookup("report.recorded")], 1);
    ck_assert_uint_eq(h[vtd_rule_lookup("reg.gcmd-srtp")], 1);
    ck_assert_uint_eq(h[vtd_rule_lookup("reg.gcmd-te-on")], 1);
    ck_assert_uint_eq(h[vtd_rule_lookup("fault.LRT.1")], 0);
    /* The other unit counted nothing. */
    ck_assert_int_eq(vtd_rule_hits(v, h, n), (int)n);
    for (unsigned i = 0; i < n; i++)
        ck_assert_uint_eq(h[i], 0);
    ck_assert_int_eq(vtd_rule_hits(NULL, h, n), -EINVAL);
    ck_assert_int_eq(vtd_rule_hits(u, NULL, 1), -EINVAL);
    ck_assert_int_eq(vtd_rule_hits(u, NULL, 0), (int)n);
    free(h);
    vtd_iommu_free(u);
    vtd_iommu_free(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_every_table30_and_table15_condition_has_a_rule);
    tcase_add_test(tc, test_names_unique_and_described);
    tcase_add_test(tc, test_hits_counted_per_unit);
    suite_add_tcase(s, tc);
    return check_run(s);
}
