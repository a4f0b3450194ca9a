/* SPDX-License-Identifier: MIT */
/*
 * tests/test_linuxfmt.c: faults in Linux's words (report/linuxfmt.c).
 *
 * Expected lines are written from Linux 6.1's format strings in
 * drivers/iommu/intel/dmar.c (dmar_fault_do_one: "[%s NO_PASID] Request
 * device [%02x:%02x.%d] fault addr 0x%llx [fault reason 0x%02x] %s",
 * "[%s PASID 0x%x] ...", "[INTR-REMAP] Request device [...] fault index
 * 0x%llx ...", prefixed "DMAR: ") and its reason tables; fault recording
 * registers are built by hand from VT-d 5.10 11.4.14 (FI 63:12, SID
 * 79:64, PP 95, FR 103:96, PV 123:104, T1 126, F 127).
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/vtd.h>

#include "report/linuxfmt.h"
#include "check_main.h"

static char *line_of(const struct linuxfmt_fault *f, enum linux_ver v)
{
    GString *s = g_string_new(NULL);
    linuxfmt_fault_line(s, f, v);
    return g_string_free(s, FALSE);
}

#define LINE_EQ(f, v, want)                                                \
    do {                                                                   \
        char *got_ = line_of((f), (v));                                    \
        ck_assert_str_eq(got_, (want));                                    \
        g_free(got_);                                                      \
    } while (0)

/* The example: a read of IOVA 0x1000 by 00:03.0 without read
 * permission (VT-d 7.1.3 LGN.3, reason 6h). */
START_TEST(test_read_without_permission_is_linux_line)
{
    struct linuxfmt_fault f = { .sid = 0x0018, .reason = 0x06,
                                .addr = 0x1000, .is_read = true };
    LINE_EQ(&f, LINUX_6_1, "DMAR: [DMA Read NO_PASID] Request device "
                           "[00:03.0] fault addr 0x1000 [fault reason 0x06] "
                           "PTE Read access is not set");
}
END_TEST

/* A write fault decoded from the register: SID 00:03.0 (0x0018), FR 5,
 * T1 0 (write), F 1; FI 0x2abc000. */
START_TEST(test_frcd_write_fault_decoded)
{
    uint64_t hi = (1ULL << 63) | (0x05ULL << 32) | 0x0018;
    struct linuxfmt_fault f;
    ck_assert(linuxfmt_from_frcd(0x2abc000, hi, &f));
    ck_assert_uint_eq(f.sid, 0x18);
    ck_assert_uint_eq(f.reason, 5);
    ck_assert(!f.is_read);
    ck_assert(!f.pasid_present);
    LINE_EQ(&f, LINUX_6_1, "DMAR: [DMA Write NO_PASID] Request device "
                           "[00:03.0] fault addr 0x2abc000 [fault reason 0x05] "
                           "PTE Write access is not set");
}
END_TEST

/* F clear: the register holds no fault. */
START_TEST(test_frcd_without_f_is_empty)
{
    struct linuxfmt_fault f;
    ck_assert(!linuxfmt_from_frcd(0x1000, 0x06ULL << 32, &f));
}
END_TEST

/* PP=1, PV=0x5, T1=1 (read), FR 0x79 (SSS.2), SID 01:02.3 (0x0113);
 * Linux prints the PASID in hex and its scalable-mode text. */
START_TEST(test_pasid_fault_prints_pasid_hex)
{
    uint64_t hi = (1ULL << 63) | (1ULL << 62) | (0x5ULL << 40) |
                  (0x79ULL << 32) | (1ULL << 31) | 0x0113;
    struct linuxfmt_fault f;
    ck_assert(linuxfmt_from_frcd(0x7000, hi, &f));
    ck_assert(f.pasid_present);
    ck_assert_uint_eq(f.pasid, 5);
    LINE_EQ(&f, LINUX_6_1, "DMAR: [DMA Read PASID 0x5] Request device "
                           "[01:02.3] fault addr 0x7000 [fault reason 0x79] "
                           "SM: Read/Write permission error in second-level "
                           "paging entry");
}
END_TEST

/* Interrupt-remapping fault 22h (IRTE not present) from the IOAPIC
 * ff:00.0 for interrupt index 0x1f: FI holds the index in 63:48. */
START_TEST(test_intr_remap_form)
{
    struct linuxfmt_fault f = { .sid = 0xff00, .reason = 0x22,
                                .addr = 0x1fULL << 48 };
    LINE_EQ(&f, LINUX_6_1, "DMAR: [INTR-REMAP] Request device [ff:00.0] "
                           "fault index 0x1f [fault reason 0x22] Present "
                           "field in the IRTE entry is clear");
    ck_assert(linuxfmt_is_intr_remap(0x26));
    ck_assert(!linuxfmt_is_intr_remap(0x27));
}
END_TEST

/* Reasons Linux's tables call "Unknown" get the spec's condition name;
 * Linux prints 0Eh and 27h in the DMA form (its fault type UNKNOWN). */
START_TEST(test_spec_name_where_linux_has_none)
{
    ck_assert_ptr_null(linuxfmt_linux_reason(0x0e));
    ck_assert_ptr_null(linuxfmt_linux_reason(0x27));
    ck_assert_ptr_null(linuxfmt_linux_reason(0x33));
    struct linuxfmt_fault f = { .sid = 0x0008, .reason = 0x0e,
                                .addr = 0xfee00000, .is_read = false };
    char *want = g_strdup_printf("DMAR: [DMA Write NO_PASID] Request device "
                                 "[00:01.0] fault addr 0xfee00000 [fault "
                                 "reason 0x0e] %s",
                                 vtd_fault_reason_str(0x0e));
    LINE_EQ(&f, LINUX_6_1, want);
    g_free(want);
    /* The spec name is a condition code (7.1.3 Table 30: LGN.4). */
    ck_assert_int_eq(strncmp(vtd_fault_reason_str(0x0e), "LGN.4", 5), 0);
}
END_TEST

/* Linux's legacy table ends at 0Dh and its scalable one has texts at the
 * codes of 7.1.3; spot checks against the strings. */
START_TEST(test_reason_table_spot_checks)
{
    ck_assert_str_eq(linuxfmt_linux_reason(0x00), "Software");
    ck_assert_str_eq(linuxfmt_linux_reason(0x02),
                     "Present bit in context entry is clear");
    ck_assert_str_eq(linuxfmt_linux_reason(0x0d),
                     "PCE for translation request specifies blocking");
    ck_assert_str_eq(linuxfmt_linux_reason(0x26),
                     "Blocked an interrupt request due to source-id "
                     "verification failure");
    ck_assert_str_eq(linuxfmt_linux_reason(0x59),
                     "SM: Present bit in PASID Table Entry is clear");
    ck_assert_str_eq(linuxfmt_linux_reason(0x90),
                     "SM: A/D bit update needed in first-level entry when "
                     "set up in no snoop");
}
END_TEST

/* Mainline prints the PCI segment: "[%04x:%02x:%02x.%d]". */
START_TEST(test_new_prints_segment)
{
    struct linuxfmt_fault f = { .sid = 0x0018, .reason = 0x06,
                                .addr = 0x1000, .is_read = true };
    LINE_EQ(&f, LINUX_NEW, "DMAR: [DMA Read NO_PASID] Request device "
                           "[0000:00:03.0] fault addr 0x1000 [fault reason "
                           "0x06] PTE Read access is not set");
}
END_TEST

/* A line captured from a real machine's dmesg (an ACPI-enumerated
 * device f0:1f.0 sending a compatibility-format MSI with IR on): fault
 * reason 25h, interrupt index 0. */
START_TEST(test_matches_captured_dmesg_line)
{
    struct linuxfmt_fault f = { .sid = 0xf0f8, .reason = 0x25, .addr = 0 };
    LINE_EQ(&f, LINUX_6_1, "DMAR: [INTR-REMAP] Request device [f0:1f.0] "
                           "fault index 0x0 [fault reason 0x25] Blocked a "
                           "compatibility format interrupt request");
    GString *s = g_string_new(NULL);
    linuxfmt_fsts_line(s, 3);
    ck_assert_str_eq(s->str, "DMAR: DRHD: handling fault status reg 3");
    g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_version_names)
{
    enum linux_ver v;
    ck_assert(linux_ver_parse("6.1", &v) && v == LINUX_6_1);
    ck_assert(linux_ver_parse("6.7", &v) && v == LINUX_6_7);
    ck_assert(linux_ver_parse("new", &v) && v == LINUX_NEW);
    ck_assert(!linux_ver_parse("6.2", &v));
    ck_assert(!linux_ver_parse(NULL, &v));
    GString *s = g_string_new(NULL);
    linuxfmt_fsts_line(s, 0x2);
    ck_assert_str_eq(s->str, "DMAR: DRHD: handling fault status reg 2");
    g_string_free(s, TRUE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linuxfmt");
    TCase *tc = tcase_create("linuxfmt");
    tcase_add_test(tc, test_read_without_permission_is_linux_line);
    tcase_add_test(tc, test_frcd_write_fault_decoded);
    tcase_add_test(tc, test_frcd_without_f_is_empty);
    tcase_add_test(tc, test_pasid_fault_prints_pasid_hex);
    tcase_add_test(tc, test_intr_remap_form);
    tcase_add_test(tc, test_spec_name_where_linux_has_none);
    tcase_add_test(tc, test_reason_table_spot_checks);
    tcase_add_test(tc, test_new_prints_segment);
    tcase_add_test(tc, test_matches_captured_dmesg_line);
    tcase_add_test(tc, test_version_names);
    suite_add_tcase(s, tc);
    return check_run(s);
}
