/* SPDX-License-Identifier: MIT */
/*
 * tests/test_capdesc.c: CAP/ECAP decoding (vtd/capdesc.c).  Expected field
 * values are worked out by hand from the bit positions of VT-d 11.4.2 and
 * 11.4.3 for QEMU 7.2's defaults (CAP 0x00d2008c22260206, ECAP 0xf00f4a).
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>

#include <vtd/vtd.h>

#include "check_main.h"

static void collect(void *opaque, const char *text)
{
    g_string_append_printf(opaque, "%s\n", text);
}

#define HAS(s, sub)                                                        \
    ck_assert_msg(strstr((s)->str, (sub)) != NULL, "missing \"%s\" in:\n%s", \
                  (sub), (s)->str)

START_TEST(test_qemu72_fields)
{
    GString *s = g_string_new(NULL);
    ck_assert_int_eq(vtd_describe_caps(0x00d2008c22260206ULL, 0xf00f4aULL,
                                       0x10, 0xfed90000, 0, collect, s), 0);
    /* CAP: ND=6 (bits 2:0 of 0x06), SAGAW bits 12:8 of 0x0206 = 0x2
     * (39-bit), MGAW bits 21:16 of 0x22260206 = 0x26 (39 bits), FRO bits
     * 33:24 = 0x22 (0x220), SLLPS bits 37:34 of 0x8c = 3 (2M, 1G), NFR
     * bits 47:40 = 0 (1 record), MAMV bits 53:48 of 0xd2 = 0x12. */
    HAS(s, "ND       [2:0]    = 0x6    16-bit domain-id");
    HAS(s, "SAGAW    [12:8]   = 0x2    39-bit 3-level");
    HAS(s, "MGAW     [21:16]  = 0x26   39 bits");
    HAS(s, "FRO      [33:24]  = 0x22   registers at 0x220");
    HAS(s, "SLLPS    [37:34]  = 0x3    2M 1G");
    HAS(s, "NFR      [47:40]  = 0x0    1 fault-recording registers");
    HAS(s, "MAMV     [53:48]  = 0x12");
    HAS(s, "CM       [7]      = 0x0    no");
    /* ECAP 0xf00f4a: QI bit 1, IR bit 3, PT bit 6, IRO bits 17:8 = 0xf,
     * MHMV bits 23:20 = 0xf; EIM bit 4 clear. */
    HAS(s, "QI       [1]      = 0x1    yes");
    HAS(s, "IR       [3]      = 0x1    yes");
    HAS(s, "EIM      [4]      = 0x0    no");
    HAS(s, "PT       [6]      = 0x1    yes");
    HAS(s, "IRO      [17:8]   = 0xf    registers at 0xf0");
    HAS(s, "MHMV     [23:20]  = 0xf");
    HAS(s, "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap d2008c22260206 "
           "ecap f00f4a");
    g_string_free(s, TRUE);
    ck_assert_int_eq(vtd_describe_caps(0, 0, 0, 0, 0, NULL, NULL), -EINVAL);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("capdesc");
    TCase *tc = tcase_create("capdesc");
    tcase_add_test(tc, test_qemu72_fields);
    suite_add_tcase(su, tc);
    return check_run(su);
}
