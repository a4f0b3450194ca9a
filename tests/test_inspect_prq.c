/* SPDX-License-Identifier: MIT */
/*
 * tests/test_inspect_prq.c: the page request queue in `inspect`'s JSON
 * (report/inspect_prq.c).  The queue state is made by hand: registers
 * PQA/PQH/PQT (VT-d 11.4.11) written, descriptors laid out in memory from
 * Figure 7-1 (7.4.1.1: type 7:0, PP 8, RID 31:16, PASID 51:32, EXR 52,
 * PMR 53; RDR 64, WRR 65, LPIG 66, PRGI 75:67, address 127:76), and the
 * expected JSON written out by hand.
 */
#include <check.h>
#include <glib.h>
#include <string.h>

#include <vtd/vtd.h>

#include "report/inspect.h"
#include "tests/fakemem.h"
#include "check_main.h"

#define PQH 0xc0   /* 11.4.11.1 */
#define PQT 0xc8   /* 11.4.11.2 */
#define PQA 0xd0   /* 11.4.11.3 */

static struct fake_host *h;
static struct vtd_iommu *u;

static void unit_new(const char *profile)
{
    h = fake_host_new(0x100000);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = profile };
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, NULL, 0),
                     0);
}

static void unit_free(void)
{
    vtd_iommu_free(u);
    fake_host_free(h);
}

static char *json(void)
{
    struct inspect_unit iu = { .unit = u, .base = 0xfed90000 };
    struct inspect_src src = { .units = &iu, .nunits = 1,
                               .read = fake_host_ops()->read, .opaque = h };
    struct inspect_opts o;
    inspect_opts_init(&o);
    ck_assert(inspect_format_parse("json", &o));
    GString *s = g_string_new(NULL);
    ck_assert_int_eq(inspect_render(&src, &o, s), 0);
    return g_string_free(s, FALSE);
}

static void desc(uint64_t gpa, uint64_t q0, uint64_t q1)
{
    fake_wq(h, gpa, q0);
    fake_wq(h, gpa + 8, q1);
    fake_wq(h, gpa + 16, 0);
    fake_wq(h, gpa + 24, 0);
}

START_TEST(test_prq_json_from_a_known_queue)
{
    unit_new("full");
    ck_assert_int_eq(vtd_mmio_write(u, PQA, 8, 0x40000), 0);  /* 4 KiB */
    ck_assert_int_eq(vtd_mmio_write(u, PQH, 8, 0x20), 0);
    ck_assert_int_eq(vtd_mmio_write(u, PQT, 8, 0x80), 0);
    /* 0x00: consumed already (before PQH): not shown. */
    desc(0x40000, 0x01 | 0x0010ULL << 16, 0x9000 | 1);
    /* 0x20: 00:01.0, PASID 5, privileged, read, PRGI 3, LPIG, 0x5000. */
    desc(0x40020, 0x01 | 1ULL << 8 | 0x0008ULL << 16 | 5ULL << 32 |
                      1ULL << 53,
         0x5000 | 3 << 3 | 1 << 2 | 1);
    /* 0x40: 03:00.0, no PASID, write, PRGI 0x1ff, not last. */
    desc(0x40040, 0x01 | 0x0300ULL << 16, 0xfffff000ULL | 0x1ff << 3 | 2);
    /* 0x60: a type the unit never writes: shown raw. */
    desc(0x40060, 0x02, 0x1234);
    char *j = json();
    const char *want =
        ", \"page_request_queue\": {\"PQA\": \"0x40000\", \"base\": "
        "\"0x40000\", \"descriptors\": 128, \"PQH\": \"0x20\", \"PQT\": "
        "\"0x80\", \"PRS\": \"0x0\", \"PPR\": 0, \"PRO\": 0, \"PECTL\": "
        "\"0x80000000\", \"IM\": 1, \"IP\": 0, \"pending\": ["
        "{\"offset\": \"0x20\", \"type\": 1, \"sid\": \"00:01.0\", "
        "\"pasid\": 5, \"exec\": false, \"priv\": true, \"addr\": "
        "\"0x5000\", \"read\": true, \"write\": false, \"prgi\": 3, "
        "\"lpig\": true}, "
        "{\"offset\": \"0x40\", \"type\": 1, \"sid\": \"03:00.0\", "
        "\"pasid\": null, \"addr\": \"0xfffff000\", \"read\": false, "
        "\"write\": true, \"prgi\": 511, \"lpig\": false}, "
        "{\"offset\": \"0x60\", \"type\": 2, \"raw\": "
        "[\"0x0000000000000002\", \"0x0000000000001234\", "
        "\"0x0000000000000000\", \"0x0000000000000000\"]}]}";
    ck_assert_msg(strstr(j, want), "%s", j);
    g_free(j);

    /* Wrapping (7.4.1: a circular buffer): PQH 0xfe0, PQT 0x20 shows the
     * last slot, then the first. */
    ck_assert_int_eq(vtd_mmio_write(u, PQH, 8, 0xfe0), 0);
    ck_assert_int_eq(vtd_mmio_write(u, PQT, 8, 0x20), 0);
    desc(0x40fe0, 0x01 | 0x0018ULL << 16, 0x7000 | 5 << 3 | 1);
    j = json();
    ck_assert_msg(strstr(j, "\"pending\": [{\"offset\": \"0xfe0\", \"type\": "
                            "1, \"sid\": \"00:03.0\", \"pasid\": null, "
                            "\"addr\": \"0x7000\", \"read\": true, "
                            "\"write\": false, \"prgi\": 5, \"lpig\": "
                            "false}, {\"offset\": \"0x0\", \"type\": 1, "
                            "\"sid\": \"00:02.0\", \"pasid\": null, "
                            "\"addr\": \"0x9000\", \"read\": true, "
                            "\"write\": false, \"prgi\": 0, \"lpig\": "
                            "false}]}"), "%s", j);
    g_free(j);

    /* Empty (PQH = PQT): the registers, no descriptor. */
    ck_assert_int_eq(vtd_mmio_write(u, PQH, 8, 0x20), 0);
    ck_assert_int_eq(vtd_mmio_write(u, PQT, 8, 0x20), 0);
    j = json();
    ck_assert_msg(strstr(j, "\"IP\": 0, \"pending\": []}"), "%s", j);
    g_free(j);
    unit_free();
}
END_TEST

/* A queue outside memory is shown as unreadable, not read past. */
START_TEST(test_prq_json_unreadable_queue)
{
    unit_new("full");
    ck_assert_int_eq(vtd_mmio_write(u, PQA, 8, 0x7ffff000), 0);
    ck_assert_int_eq(vtd_mmio_write(u, PQT, 8, 0x40), 0);
    char *j = json();
    ck_assert_msg(strstr(j, "\"pending\": [{\"offset\": \"0x0\", "
                            "\"unreadable\": true}]}"), "%s", j);
    g_free(j);
    unit_free();
}
END_TEST

/* 11.4.11: without ECAP.PRS (the qemu-7.2 profile) there is no queue. */
START_TEST(test_prq_json_absent_without_prs)
{
    unit_new("qemu-7.2");
    char *j = json();
    ck_assert_ptr_null(strstr(j, "page_request_queue"));
    g_free(j);
    unit_free();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inspect_prq");
    TCase *tc = tcase_create("inspect_prq");
    tcase_add_test(tc, test_prq_json_from_a_known_queue);
    tcase_add_test(tc, test_prq_json_unreadable_queue);
    tcase_add_test(tc, test_prq_json_absent_without_prs);
    suite_add_tcase(s, tc);
    return check_run(s);
}
