/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_walk.c: second-stage, first-stage and nested page walks
 * (VT-d 3.6-3.8, 9.7, 9.8) called directly, with tables built by hand.
 * Fault reasons: Table 30 SSS/SFS/SGN rows.
 */
#include <stdlib.h>

#include "vtd/walk.h"
#include "vtd/internal.h" /* white-box: the core's private state */
#include "xlate_util.h"
#include "check_main.h"

static const struct vtd_walk_ctx WC = {
    .sid = 8, .pasid = VTD_NO_PASID, .update_ad = true,
};

static struct vtd_walk_res ss(struct env *e, const struct vtd_ss_params *p,
                              uint64_t iova, uint32_t access)
{
    struct vtd_walk_res r;
    vtd_ss_walk_(e->u, p, &WC, iova, access, &r);
    return r;
}

static struct vtd_walk_res fs(struct env *e, const struct vtd_fs_params *p,
                              uint64_t iova, uint32_t access)
{
    struct vtd_walk_res r;
    vtd_fs_walk_(e->u, p, &WC, iova, access, &r);
    return r;
}

/* Table 30 SSS.2: an entry with R=W=0 -> 79h in scalable mode; SGN.6 /
 * SGN.7 for a missing write / read permission; SSS.4 / SSS.1 / SSS.3
 * for unreadable top / lower tables and reserved bits. */
START_TEST(test_ss_scalable_fault_codes)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    struct vtd_ss_params p = { .root = root, .levels = 4, .scalable = true };
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_R, SS_RW);
    pt_map(&e, root, 4, 0x2000, 0x6000, 1, SS_W, SS_RW);
    uint64_t leaf3 = pt_map(&e, root, 4, 0x3000, 0x7000, 1, 0, SS_RW);

    ck_assert_uint_eq(ss(&e, &p, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(ss(&e, &p, 0x1000, WR).fault, VTD_FR_SGN_WRITE);
    ck_assert_uint_eq(ss(&e, &p, 0x2000, RD).fault, VTD_FR_SGN_READ);
    ck_assert_uint_eq(ss(&e, &p, 0x3000, RD).fault, VTD_FR_SSS_NO_PERM);
    ck_assert_uint_eq(ss(&e, &p, 0x3000, WR).fault, VTD_FR_SSS_NO_PERM);
    fake_wq(e.h, leaf3, 0x7000 | SS_RW | (1ULL << 62));
    ck_assert_uint_eq(ss(&e, &p, 0x3000, RD).fault, VTD_FR_SSS_RSVD);

    struct vtd_ss_params bad = p;
    bad.root = OUTSIDE_RAM;
    ck_assert_uint_eq(ss(&e, &bad, 0x1000, RD).fault,
                      VTD_FR_SSS_ROOT_ACCESS);
    uint64_t pml4e = pt_entry(&e, root, 4, 0x1000, 4);
    fake_wq(e.h, pml4e, OUTSIDE_RAM | SS_RW);
    ck_assert_uint_eq(ss(&e, &p, 0x1000, RD).fault, VTD_FR_SSS_ACCESS);
    env_free(&e);
}
END_TEST

/* VT-d 3.7.2: with SSADE the walk sets A in every entry it used and D
 * in the leaf on a write; SSS.5 when walks do not snoop. */
START_TEST(test_ss_accessed_dirty_updates)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    struct vtd_ss_params p = { .root = root, .levels = 4, .scalable = true,
                               .ssade = true, .pwsnp = true };
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    uint64_t pml4e = pt_entry(&e, root, 4, 0x1000, 4);
    uint64_t pde = pt_entry(&e, root, 4, 0x1000, 2);

    ck_assert_uint_eq(ss(&e, &p, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf), 0x5000 | SS_RW | SS_A);
    ck_assert(fake_rq(e.h, pml4e) & SS_A);
    ck_assert(fake_rq(e.h, pde) & SS_A);
    ck_assert(!(fake_rq(e.h, pde) & SS_D));
    ck_assert_uint_eq(ss(&e, &p, 0x1000, WR).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf), 0x5000 | SS_RW | SS_A | SS_D);

    /* Without SSADE, nothing is written. */
    uint64_t leaf2 = pt_map(&e, root, 4, 0x2000, 0x6000, 1, SS_RW, SS_RW);
    p.ssade = false;
    ck_assert_uint_eq(ss(&e, &p, 0x2000, WR).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf2), 0x6000 | SS_RW);

    /* SSS.5: an update is needed but page walks do not snoop. */
    p.ssade = true;
    p.pwsnp = false;
    ck_assert_uint_eq(ss(&e, &p, 0x2000, RD).fault, VTD_FR_SSS_AD_NOSNOOP);
    /* Legacy mode never updates A/D. */
    struct vtd_ss_params l = { .root = root, .levels = 4 };
    ck_assert_uint_eq(ss(&e, &l, 0x2000, WR).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf2), 0x6000 | SS_RW);
    env_free(&e);
}
END_TEST

/* VT-d 3.6: 4-level and 5-level first-stage walks, 4K / 2M / 1G. */
START_TEST(test_fs_4_and_5_level)
{
    for (unsigned levels = 4; levels <= 5; levels++) {
        struct env e = env_full();
        uint64_t root = pt_alloc(&e);
        uint64_t flags = FS_P | FS_RW | FS_US | FS_A | FS_D;
        pt_map(&e, root, levels, 0x7f0000001000ULL, 0x9000, 1, flags, flags);
        pt_map(&e, root, levels, 0x40200000ULL, 0x800000, 2, flags, flags);
        pt_map(&e, root, levels, 0x80000000ULL, 0x40000000, 3, flags, flags);
        struct vtd_fs_params p = { .root = root, .levels = levels,
                                   .pwsnp = true };
        struct vtd_walk_res r = fs(&e, &p, 0x7f0000001abcULL, WR);
        ck_assert_uint_eq(r.fault, 0);
        ck_assert_uint_eq(r.addr, 0x9abc);
        ck_assert_uint_eq(r.page_size, 4096);
        r = fs(&e, &p, 0x40212345ULL, RD);
        ck_assert_uint_eq(r.fault, 0);
        ck_assert_uint_eq(r.addr, 0x812345);
        ck_assert_uint_eq(r.page_size, 2u << 20);
        r = fs(&e, &p, 0x8abcdef0ULL, RD);
        ck_assert_uint_eq(r.fault, 0);
        ck_assert_uint_eq(r.addr, 0x4abcdef0);
        ck_assert_uint_eq(r.page_size, 1u << 30);
        env_free(&e);
    }
}
END_TEST

/* Table 30 SFS.2 / SFS.3 / SFS.4 / SFS.1. */
START_TEST(test_fs_structure_faults)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x9000, 1, f, f);
    struct vtd_fs_params p = { .root = root, .levels = 4, .pwsnp = true };
    ck_assert_uint_eq(fs(&e, &p, 0x2000, RD).fault, VTD_FR_SFS_NOT_PRESENT);
    uint64_t pml4e = pt_entry(&e, root, 4, 0x1000, 4);
    uint64_t good = fake_rq(e.h, pml4e);
    fake_wq(e.h, pml4e, good | PG_PS);             /* bit 7 reserved */
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_RSVD);
    fake_wq(e.h, pml4e, (good & 0xfff) | OUTSIDE_RAM);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_ACCESS);
    fake_wq(e.h, pml4e, good);
    /* 2 MiB leaf with bit 13 (reserved, 20:13) set. */
    uint64_t pde = pt_entry(&e, root, 4, 0x1000, 2);
    fake_wq(e.h, pde, 0x200000 | 0x2000 | PG_PS | f);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_RSVD);
    (void)leaf;
    p.root = OUTSIDE_RAM;
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_ROOT_ACCESS);
    env_free(&e);
}
END_TEST

/* VT-d 3.6.1: user requests need U/S at every level (SGN.2); writes
 * need R/W at every level for user requests, and for supervisor
 * requests only with WPE (SGN.6). */
START_TEST(test_fs_access_rights)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    uint64_t nl = FS_P | FS_RW | FS_US | FS_A;
    pt_map(&e, root, 4, 0x1000, 0x9000, 1, FS_P | FS_A | FS_D | FS_US, nl);
    pt_map(&e, root, 4, 0x2000, 0xa000, 1, FS_P | FS_RW | FS_A | FS_D, nl);
    struct vtd_fs_params p = { .root = root, .levels = 4, .pwsnp = true };

    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, WR).fault, VTD_FR_SGN_WRITE);
    ck_assert_uint_eq(fs(&e, &p, 0x2000, RD).fault, VTD_FR_SGN_USER);
    p.priv = true;
    ck_assert_uint_eq(fs(&e, &p, 0x2000, WR).fault, 0);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, WR).fault, 0);
    p.wpe = true;
    ck_assert_uint_eq(fs(&e, &p, 0x1000, WR).fault, VTD_FR_SGN_WRITE);
    env_free(&e);
}
END_TEST

/* VT-d 3.6.2: A set in every entry, D in the leaf on a write, EA with
 * EAFE; SFS.9 when page walks do not snoop. */
START_TEST(test_fs_accessed_dirty_updates)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    uint64_t base = FS_P | FS_RW | FS_US;
    uint64_t leaf = pt_map(&e, root, 4, 0x1000, 0x9000, 1, base, base);
    uint64_t pml4e = pt_entry(&e, root, 4, 0x1000, 4);
    struct vtd_fs_params p = { .root = root, .levels = 4, .pwsnp = false };

    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_AD_NOSNOOP);
    ck_assert_uint_eq(fake_rq(e.h, leaf), 0x9000 | base);
    p.pwsnp = true;
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf), 0x9000 | base | FS_A);
    ck_assert(fake_rq(e.h, pml4e) & FS_A);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, WR).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf), 0x9000 | base | FS_A | FS_D);
    p.eafe = true;
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf),
                      0x9000 | base | FS_A | FS_D | (1ULL << 10));
    env_free(&e);
}
END_TEST

/* VT-d 3.8: nested translation; faults attributed to the stage that
 * failed (Table 30 SFS.5, SFS.6, SFS.7, SSS.2, SGN.5, SGN.6). */
START_TEST(test_nested_translation_and_attribution)
{
    struct env e = env_full();
    /* Second stage: identity-map guest-physical 0x200000-0x3fffff (the
     * first-stage tables) R/W, and map guest page 0x40000000 to host
     * 0x1800000 read-only. */
    uint64_t sroot = pt_alloc(&e);
    struct vtd_ss_params sp = { .root = sroot, .levels = 4, .scalable = true };
    /* First-stage tables live at guest-physical 0x200000.. (host the
     * same, identity-mapped by the second stage). */
    uint64_t gfs = 0x200000;
    for (uint64_t a = gfs; a < gfs + 0x10000; a += 0x1000)
        pt_map(&e, sroot, 4, a, a, 1, SS_RW, SS_RW);
    pt_map(&e, sroot, 4, 0x40000000ULL, 0x1800000, 1, SS_R, SS_RW);
    /* First stage, built with host addresses equal to guest addresses:
     * iova 0x1000 -> gpa 0x40000000; iova 0x2000 -> gpa 0x50000000
     * (not mapped in the second stage). */
    uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
    uint64_t saved = e.next;
    e.next = gfs + 0x1000;
    pt_map(&e, gfs, 4, 0x1000, 0x40000000ULL, 1, f, f);
    pt_map(&e, gfs, 4, 0x2000, 0x50000000ULL, 1, f, f);
    e.next = saved;

    struct vtd_fs_params p = { .root = gfs, .levels = 4, .pwsnp = true,
                               .nested = &sp, .nested_aw = 48 };
    struct vtd_walk_res r = fs(&e, &p, 0x1234, RD);
    ck_assert_uint_eq(r.fault, 0);
    ck_assert_uint_eq(r.addr, 0x1800234);
    ck_assert_uint_eq(r.perm & (VTD_PERM_R | VTD_PERM_W), VTD_PERM_R);
    /* Write: first stage allows, second stage does not -> SGN.6. */
    ck_assert_uint_eq(fs(&e, &p, 0x1234, WR).fault, VTD_FR_SGN_WRITE);
    /* Final gpa not mapped in the second stage -> SSS.2. */
    ck_assert_uint_eq(fs(&e, &p, 0x2000, RD).fault, VTD_FR_SSS_NO_PERM);
    /* Final gpa above the nested width -> SGN.5. */
    p.nested_aw = 30;
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SGN_AW);
    /* A first-stage table address above the width -> SFS.5. */
    p.nested_aw = 21;
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_NESTED_AW);
    p.nested_aw = 48;
    /* The FS root table write-only in the second stage -> SFS.6; a
     * lower table -> SFS.7. */
    uint64_t sl_root_pte = pt_entry(&e, sroot, 4, gfs, 1);
    fake_wq(e.h, sl_root_pte, gfs | SS_W);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault,
                      VTD_FR_SFS_NESTED_ROOT_READ);
    fake_wq(e.h, sl_root_pte, gfs | SS_RW);
    uint64_t fs_pml4e = fake_rq(e.h, gfs);
    uint64_t pdpt = fs_pml4e & ~0xfffULL;
    uint64_t sl_pdpt_pte = pt_entry(&e, sroot, 4, pdpt, 1);
    fake_wq(e.h, sl_pdpt_pte, pdpt | SS_W);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_NESTED_READ);
    /* A first-stage A/D update through a read-only second-stage mapping
     * -> SFS.8. */
    fake_wq(e.h, sl_pdpt_pte, pdpt | SS_R);
    uint64_t pdpte = pdpt + 8 * 0;
    fake_wq(e.h, pdpte, fake_rq(e.h, pdpte) & ~FS_A);
    ck_assert_uint_eq(fs(&e, &p, 0x1000, RD).fault, VTD_FR_SFS_NESTED_AD);
    env_free(&e);
}
END_TEST

/* Table 30 SSS.6 / SFS.10: the A/D update itself fails (the host's
 * compare-exchange reports an error). */
static int bad_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    return fake_host_ops()->read(op, gpa, buf, len);
}

static int bad_write(void *op, uint64_t gpa, const void *buf, size_t len)
{
    return fake_host_ops()->write(op, gpa, buf, len);
}

static int bad_cmpxchg(void *op, uint64_t gpa, uint64_t *exp, uint64_t d)
{
    (void)op; (void)gpa; (void)exp; (void)d;
    return -EIO;
}

START_TEST(test_ad_update_failure)
{
    static const struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = bad_read,
        .write = bad_write, .cmpxchg64 = bad_cmpxchg,
    };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct fake_host *h = fake_host_new(RAM_SIZE);
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    struct env e;
    env_init(&e, u, h);
    uint64_t sroot = pt_alloc(&e), froot = pt_alloc(&e);
    pt_map(&e, sroot, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    pt_map(&e, froot, 4, 0x1000, 0x5000, 1, FS_P | FS_RW | FS_US,
           FS_P | FS_RW | FS_US);
    struct vtd_ss_params sp = { .root = sroot, .levels = 4,
                                .scalable = true, .ssade = true,
                                .pwsnp = true };
    struct vtd_fs_params fp = { .root = froot, .levels = 4, .pwsnp = true };
    ck_assert_uint_eq(ss(&e, &sp, 0x1000, RD).fault, VTD_FR_SSS_AD_FAILED);
    ck_assert_uint_eq(fs(&e, &fp, 0x1000, RD).fault, VTD_FR_SFS_AD_FAILED);
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("walk");
    TCase *t = tcase_create("walk");
    tcase_add_test(t, test_ss_scalable_fault_codes);
    tcase_add_test(t, test_ss_accessed_dirty_updates);
    tcase_add_test(t, test_fs_4_and_5_level);
    tcase_add_test(t, test_fs_structure_faults);
    tcase_add_test(t, test_fs_access_rights);
    tcase_add_test(t, test_fs_accessed_dirty_updates);
    tcase_add_test(t, test_nested_translation_and_attribution);
    tcase_add_test(t, test_ad_update_failure);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite());
}
