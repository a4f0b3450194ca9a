/* SPDX-License-Identifier: MIT */
/*
 * tests/test_explain.c: report/explain.c in scalable mode.  Entries
 * are built by hand from the VT-d 9.2, 9.4-9.7 layouts and the expected
 * field values are read off those layouts; the nested walk is run
 * through the core (xlate_util.h) and its events explained in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/explain.h"
#include "xlate_util.h"
#include "check_main.h"
#include "unit_util.h"

#define DEV 0x08            /* 00:01.0 */

static char buf[1024];

static const char *explain(const struct vtd_event *ev)
{
    ck_assert(explain_event(ev, buf, sizeof(buf)));
    return buf;
}

#define HAS(s, sub) ck_assert_msg(strstr((s), (sub)) != NULL, \
                                  "'%s' not in '%s'", (sub), (s))
#define HASNT(s, sub) ck_assert_msg(strstr((s), (sub)) == NULL, \
                                    "'%s' in '%s'", (sub), (s))

/* VT-d 9.2: lower half LP bit 0 / LCTP 63:12 for devfn 0-127, upper half
 * UP bit 64 / UCTP 127:76 for devfn 128-255. */
START_TEST(test_scalable_root_entry_names_both_halves)
{
    struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "sm-root",
                            .sid = 0x0088, .addr = 0x100000, .nval = 2,
                            .val = { 0x101001, 0x102000 } };
    const char *s = explain(&ev);
    HAS(s, "scalable-mode root entry for bus 00 at 0x100000");
    HAS(s, "LP=1 LCTP=0x101000 UP=0 UCTP=0x102000");
    HAS(s, "devfn 88 uses the upper half");
    HASNT(s, "CTP=0x101000 (upper");   /* not the legacy wording */
}
END_TEST

/* VT-d 9.4: q0 = P | FPD<<1 | PASIDE<<3 | PDTS<<9 | PASIDDIRPTR;
 * q1 = RID_PASID (19:0) | RID_PRIV (20).  PDTS=7: 2^(7+7) directory
 * entries of 64 PASIDs = PASIDs below 2^20. */
START_TEST(test_scalable_context_entry_fields)
{
    struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "sm-context",
                            .sid = 0x0008, .addr = 0x101100, .nval = 4,
                            .val = { 0x103000 | 7u << 9 | 8 | 2 | 1,
                                     0xabcde | 1u << 20, 0, 0 } };
    const char *s = explain(&ev);
    HAS(s, "scalable-mode context entry for 00:01.0 at 0x101100");
    HAS(s, "P=1 FPD=1 DTE=0 PASIDE=1 PRE=0 PDTS=7");
    HAS(s, "16384 directory entries, PASIDs below 0x100000");
    HAS(s, "PASIDDIRPTR=0x103000");
    HAS(s, "RID_PASID=0xabcde RID_PRIV=1");
    HASNT(s, "TT=");                   /* no legacy field names */
    HASNT(s, "SLPTPTR");
}
END_TEST

/* VT-d 9.5: PASID[19:6] selects the directory entry; P 0, FPD 1,
 * SMPTBLPTR 63:12. */
START_TEST(test_pasid_directory_entry_fields)
{
    struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "pasid-dir",
                            .sid = 0x0008, .pasid = 0x45, .addr = 0x103008,
                            .nval = 1, .val = { 0x104003 } };
    const char *s = explain(&ev);
    HAS(s, "PASID-directory entry 1 (PASIDs 0x40-0x7f) at 0x103008");
    HAS(s, "P=1 FPD=1 SMPTBLPTR=0x104000");
}
END_TEST

/* VT-d 9.6: q0 P 0, AW 4:2, PGTT 8:6, SSADE 9, SSPTPTR; q1 DID 15:0,
 * PWSNP 23; q2 SRE 0, FSPM 3:2, WPE 4, FSPTPTR.  A nested entry shows
 * both stages' fields; a pass-through entry neither. */
START_TEST(test_pasid_table_entry_fields_per_pgtt)
{
    struct vtd_event ev = {
        .kind = VTD_EV_WALK, .what = "pasid", .sid = 0x0008, .pasid = 0x41,
        .addr = 0x104040, .nval = 8,
        .val = { 0x140000 | 1u << 9 | 3u << 6 | 2u << 2 | 1,
                 0x800010, 0x130000 | 1u << 4 | 1u << 2 | 1 },
    };
    const char *s = explain(&ev);
    HAS(s, "PASID-table entry 1 for PASID 0x41 at 0x104040");
    HAS(s, "PGTT=011b (nested)");
    HAS(s, "DID=0x10 PWSNP=1");
    HAS(s, "AW=010b (48-bit, 4-level) SSADE=1 SSPTPTR=0x140000");
    HAS(s, "SRE=1 WPE=1");
    HAS(s, "FSPM=01b (5-level) FSPTPTR=0x130000 (a GPA)");
    HASNT(s, "q0=");                   /* no raw qwords */

    ev.val[0] = 4u << 6 | 1;           /* pass-through */
    ev.val[2] = 0;
    s = explain(&ev);
    HAS(s, "PGTT=100b (pass-through)");
    HASNT(s, "SSPTPTR");
    HASNT(s, "FSPTPTR");

    ev.val[0] = 1u << 6 | 1;           /* first stage: FSPTPTR is an HPA */
    ev.val[2] = 0x120000;
    s = explain(&ev);
    HAS(s, "PGTT=001b (first-stage)");
    HAS(s, "FSPM=00b (4-level) FSPTPTR=0x120000");
    HASNT(s, "(a GPA)");
    HASNT(s, "SSPTPTR");
}
END_TEST

/* VT-d 9.7 Table 40: P 0, R/W 1, U/S 2, A 5, D 6; bits 63:52 ignored
 * (no XD in rev. 5.10). */
START_TEST(test_first_stage_entry_fields)
{
    struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "fl", .level = 1,
                            .addr = 0x123018, .nval = 1,
                            .val = { 0x303000 | 1ULL << 63 | 0x40 | 0x20 |
                                     0x4 | 0x1 } };
    const char *s = explain(&ev);
    HAS(s, "first-stage level-1 entry at 0x123018 [index 3 = IOVA bits "
           "20:12]");
    HAS(s, "P=1 R/W=0 U/S=1 A=1 D=1 PS=0 ADDR=0x303000");
    HASNT(s, "XD");
    HASNT(s, "GPA");
}
END_TEST

/* Scalable fault reasons name the condition of Table 30. */
START_TEST(test_scalable_fault_hints)
{
    struct vtd_event f = { .kind = VTD_EV_FAULT, .sid = 0x0008,
                           .fault = VTD_FR_SFS_NESTED_READ };
    HAS(explain(&f), "(SFS.7)");
    f.fault = VTD_FR_SCT_RID_PASID;
    HAS(explain(&f), "RID_PASID (SCT.9)");
    f.fault = VTD_FR_SGN_WRITE;
    HAS(explain(&f), "second-stage entry");
}
END_TEST

/* ---- a nested walk explained, event by event ---- */

struct lines {
    struct fake_host *h;
    char *line[128];
    unsigned n;
};

static int ln_read(void *op, uint64_t gpa, void *b, size_t len)
{
    struct lines *l = op;
    return fake_host_ops()->read(l->h, gpa, b, len);
}

static int ln_write(void *op, uint64_t gpa, const void *b, size_t len)
{
    struct lines *l = op;
    return fake_host_ops()->write(l->h, gpa, b, len);
}

static void ln_trace(void *op, const struct vtd_event *ev)
{
    struct lines *l = op;
    char b[1024];
    if (ev->kind == VTD_EV_WALK && l->n < 128 &&
        explain_event(ev, b, sizeof(b)))
        l->line[l->n++] = strdup(b);
}

static unsigned count_prefix(const struct lines *l, unsigned from,
                             unsigned to, const char *prefix)
{
    unsigned c = 0;
    for (unsigned i = from; i < to && i < l->n; i++)
        c += strncmp(l->line[i], prefix, strlen(prefix)) == 0;
    return c;
}

static unsigned find(const struct lines *l, unsigned from, const char *sub)
{
    for (unsigned i = from; i < l->n; i++)
        if (strstr(l->line[i], sub))
            return i;
    return l->n;
}

/* VT-d 3.8: with PGTT=011b the GPA of each of the 4 first-stage entries
 * and the first-stage output GPA each go through a 4-level second-stage
 * walk: 5 "nested" headers (with the GPA), each followed by 4
 * second-stage entries, and each first-stage entry at its HPA. */
START_TEST(test_nested_walk_shows_both_stages)
{
    struct lines l = { .h = fake_host_new(RAM_SIZE) };
    struct vtd_host_ops ops = { .version = VTD_HOST_OPS_VERSION,
                                .read = ln_read, .write = ln_write,
                                .trace = ln_trace };
    /* Without paging-structure caches (vtd/pscache.h), every nested
     * second-stage walk reads all four levels, which this test counts. */
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full",
                              .cache = VTD_CACHE_NO_PSC };
    struct vtd_iommu *u = unit_new_cfg(&cfg, &ops, &l);
    struct env e;
    env_init(&e, u, l.h);

    /* Second stage: GPA g -> HPA g + 0x400000 for the first-stage
     * tables and the data page. */
    uint64_t sroot = pt_alloc(&e);
    uint64_t fgpa = 0x200000;          /* first-stage tables, as GPAs */
    for (unsigned i = 0; i < 5; i++)
        pt_map(&e, sroot, 4, fgpa + 0x1000 * i, fgpa + 0x400000 + 0x1000 * i,
               1, SS_RW, SS_RW);
    uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
    /* FS-PML4 at GPA 0x200000 .. FS-PT at GPA 0x203000; data at GPA
     * 0x204000; entries written at HPA = GPA + 0x400000. */
    fake_wq(l.h, 0x600000, 0x201000 | f);
    fake_wq(l.h, 0x601000, 0x202000 | f);
    fake_wq(l.h, 0x602000, 0x203000 | f);
    fake_wq(l.h, 0x603008, 0x204000 | f);
    sm_root(&e);
    sm_ctx(&e, DEV, sm_ctx_q0(true, true, 0), 0);
    sm_pdir(&e, 0, PTBL);
    sm_pte(&e, PTBL, 0, pte_q0(3, 2, sroot), 9 | PTE_PWSNP, fgpa);
    env_enable(&e, VTD_TTM_SCALABLE);

    struct vtd_xlate o = xl(&e, DEV, 0x1010, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x604010);

    for (unsigned k = 0; getenv("EXPLAIN_DEBUG") && k < l.n; k++)
        fprintf(stderr, "%u: %s\n", k, l.line[k]);
    unsigned i = find(&l, 0, "scalable-mode root entry");
    ck_assert_uint_lt(i, l.n);
    i = find(&l, i, "PGTT=011b (nested)");
    ck_assert_uint_lt(i, l.n);
    static const char *const fs[4] = {
        "first-stage level-4 entry at 0x600000 (HPA)",
        "first-stage level-3 entry at 0x601000 (HPA)",
        "first-stage level-2 entry at 0x602000 (HPA)",
        "first-stage level-1 entry at 0x603008 (HPA)",
    };
    static const char *const head[4] = {
        "nested: the first-stage level-4 entry's GPA 0x200000",
        "nested: the first-stage level-3 entry's GPA 0x201000",
        "nested: the first-stage level-2 entry's GPA 0x202000",
        "nested: the first-stage level-1 entry's GPA 0x203008",
    };
    for (unsigned k = 0; k < 4; k++) {
        ck_assert_msg(strstr(l.line[i + 1], head[k]), "%s", l.line[i + 1]);
        ck_assert_uint_eq(count_prefix(&l, i + 2, i + 6,
                                       "  | second-stage level-"), 4);
        HAS(l.line[i + 2], "GPA bits 47:39");
        ck_assert_msg(strstr(l.line[i + 6], fs[k]), "%s", l.line[i + 6]);
        i += 6;
    }
    HAS(l.line[i], "ADDR=0x204000 (a GPA)");
    HAS(l.line[i + 1], "nested: the first-stage output GPA 0x204010");
    ck_assert_uint_eq(count_prefix(&l, i + 2, i + 6,
                                   "  | second-stage level-"), 4);
    HAS(l.line[i + 5], "ADDR=0x604000");
    /* VT-d 9.8 Table 47: the SS-PTE's A (bit 8) and D (bit 9) as mapped
     * by pt_map (SS_RW only: both 0). */
    HAS(l.line[i + 5], "R=1 W=1 A=0 D=0 PS=0");
    ck_assert_uint_eq(l.n, i + 6);

    for (unsigned k = 0; k < l.n; k++)
        free(l.line[k]);
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("explain");
    TCase *t = tcase_create("explain");
    tcase_add_test(t, test_scalable_root_entry_names_both_halves);
    tcase_add_test(t, test_scalable_context_entry_fields);
    tcase_add_test(t, test_pasid_directory_entry_fields);
    tcase_add_test(t, test_pasid_table_entry_fields_per_pgtt);
    tcase_add_test(t, test_first_stage_entry_fields);
    tcase_add_test(t, test_scalable_fault_hints);
    tcase_add_test(t, test_nested_walk_shows_both_stages);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite());
}
