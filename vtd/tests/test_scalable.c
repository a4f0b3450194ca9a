/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_scalable.c: the DMA pipeline in scalable mode (VT-d 9.2,
 * 9.4-9.6; Table 30 SRT/SCT/SPD/SPT/SSS/SFS/SGN rows), structures built
 * by hand in fake memory (xlate_util.h).
 */
#include <stdlib.h>

#include "vtd/internal.h" /* white-box: the core's private state */
#include "xlate_util.h"
#include "check_main.h"

#define DEV 0x08            /* 00:01.0 */
#define DEV_UP 0x88         /* 00:11.0: devfn >= 128, upper context table */

/* A scalable-mode device with PASID entry idx (RID_PASID = rid_pasid)
 * in PTBL, PASID directory entry 0 present. */
static void sm_dev(struct env *e, unsigned devfn, uint32_t rid_pasid,
                   uint64_t q0, uint64_t q1, uint64_t q2)
{
    sm_root(e);
    sm_ctx(e, devfn, sm_ctx_q0(true, true, 0), rid_pasid);
    sm_pdir(e, 0, PTBL);
    sm_pte(e, PTBL, rid_pasid & 63, q0, q1, q2);
}

static struct vtd_xlate xlp(struct env *e, uint16_t sid, uint32_t pasid,
                            uint64_t iova, uint32_t access)
{
    struct vtd_dma_req r = dreq(sid, iova, access);
    r.pasid = pasid;
    return xlr(e, &r);
}

/* VT-d 9.6 PGTT=010b: second stage only, 3/4-level; requests without
 * PASID use RID_PASID (VT-d 9.4); the DID comes from the PASID entry. */
START_TEST(test_pgtt_second_stage)
{
    for (unsigned levels = 3; levels <= 5; levels++) {
        struct env e = env_full();
        uint64_t root = pt_alloc(&e);
        pt_map(&e, root, levels, 0x4000, 0x123000, 1, SS_RW, SS_RW);
        sm_dev(&e, DEV, 5, pte_q0(2, levels - 2, root), 42, 0);
        env_enable(&e, VTD_TTM_SCALABLE);
        struct vtd_xlate o = xl(&e, DEV, 0x4010, WR);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert_uint_eq(o.addr, 0x123010);
        ck_assert_uint_eq(o.did, 42);
        /* Table 30 SGN.5: above 2^min(MGAW, AGAW) - 1 -> 84h (the full
         * profile's MGAW is 57). */
        ck_assert_uint_eq(xl(&e, DEV, 1ULL << (30 + 9 * (levels - 2)),
                             RD).fault, VTD_FR_SGN_AW);
        /* SSS.2 (79h) for an R=W=0 leaf (linux-6.1 oracle README). */
        ck_assert_uint_eq(xl(&e, DEV, 0x5000, RD).fault, VTD_FR_SSS_NO_PERM);
        env_free(&e);
    }
}
END_TEST

/* VT-d 9.6 PGTT=100b: pass-through; SGN.4.2: above HAW -> 83h. */
START_TEST(test_pgtt_pass_through)
{
    struct env e = env_full();
    sm_dev(&e, DEV_UP, 0, pte_q0(4, 0, 0), 3, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_xlate o = xl(&e, DEV_UP, 0xabcdef123ULL, WR);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0xabcdef123ULL);
    ck_assert_uint_eq(o.did, 3);
    ck_assert_uint_eq(xl(&e, DEV_UP, 1ULL << 57, RD).fault, VTD_FR_SGN_HAW);
    /* SGN.8: output in the interrupt range -> 87h. */
    ck_assert_uint_eq(xl(&e, DEV_UP, 0xfee00000ULL, WR).fault,
                      VTD_FR_SGN_INTR_ADDR);
    env_free(&e);
}
END_TEST

/* VT-d 9.6 PGTT=001b: first stage, FSPM 4- and 5-level; SGN.1 for a
 * non-canonical input; requests without PASID are user requests
 * (RID_PRIV=0), so U/S=0 pages fault SGN.2. */
START_TEST(test_pgtt_first_stage_4_5_level)
{
    for (unsigned fspm = 0; fspm <= 1; fspm++) {
        unsigned levels = 4 + fspm;
        struct env e = env_full();
        uint64_t root = pt_alloc(&e);
        uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
        pt_map(&e, root, levels, 0x7000, 0x321000, 1, f, f);
        pt_map(&e, root, levels, 0x8000, 0x322000, 1, FS_P | FS_RW | FS_A |
               FS_D, f);
        sm_dev(&e, DEV, 0, pte_q0(1, 0, 0), 7 | PTE_PWSNP,
               root | (uint64_t)fspm << 2);
        env_enable(&e, VTD_TTM_SCALABLE);
        struct vtd_xlate o = xl(&e, DEV, 0x7abc, WR);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert_uint_eq(o.addr, 0x321abc);
        ck_assert_uint_eq(xl(&e, DEV, 0x8000, RD).fault, VTD_FR_SGN_USER);
        /* Non-canonical: bit 47 (4-level) / bit 56 (5-level) set with
         * the bits above clear. */
        uint64_t nc = 1ULL << (fspm ? 56 : 47);
        ck_assert_uint_eq(xl(&e, DEV, nc, RD).fault, VTD_FR_SGN_CANONICAL);
        env_free(&e);
    }
}
END_TEST

/* VT-d 9.6 PGTT=011b: nested; the result goes through both stages. */
START_TEST(test_pgtt_nested)
{
    struct env e = env_full();
    uint64_t sroot = pt_alloc(&e);
    uint64_t froot = pt_alloc(&e);
    uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
    uint64_t first = e.next;
    pt_map(&e, froot, 4, 0x1000, 0x40000000ULL, 1, f, f);
    uint64_t last = e.next;
    /* Identity-map the first-stage tables in the second stage. */
    for (uint64_t a = froot; a < last; a += 0x1000)
        pt_map(&e, sroot, 4, a, a, 1, SS_RW, SS_RW);
    (void)first;
    pt_map(&e, sroot, 4, 0x40000000ULL, 0x1900000, 1, SS_RW, SS_RW);
    sm_dev(&e, DEV, 0, pte_q0(3, 2, sroot), 9 | PTE_PWSNP, froot);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_xlate o = xl(&e, DEV, 0x1008, WR);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x1900008);
    /* Second stage made read-only: SGN.6 from the second stage. */
    uint64_t leaf = pt_entry(&e, sroot, 4, 0x40000000ULL, 1);
    fake_wq(e.h, leaf, 0x1900000 | SS_R);
    vtd_cache_inv_piotlb_(e.u, VTD_INV_PASID, 9, 0, 0, 0, false);
    ck_assert_uint_eq(xl(&e, DEV, 0x1008, WR).fault, VTD_FR_SGN_WRITE);
    env_free(&e);
}
END_TEST

/* Table 30 SRT.1 / SRT.2 / SRT.3 (VT-d 9.2). */
START_TEST(test_scalable_root_faults)
{
    struct env e = env_full();
    env_enable(&e, VTD_TTM_SCALABLE);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SRT_NOT_PRESENT);
    fake_wq(e.h, RTA, CTP | 1);             /* lower present only */
    ck_assert_uint_eq(xl(&e, DEV_UP, 0, RD).fault, VTD_FR_SRT_NOT_PRESENT);
    fake_wq(e.h, RTA, CTP | 1 | 0x4);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SRT_RSVD);
    fake_wq(e.h, RTA + 8, CTP_UP | 1 | (1ULL << 60));
    ck_assert_uint_eq(xl(&e, DEV_UP, 0, RD).fault, VTD_FR_SRT_RSVD);
    atomic_store(&e.u->root_latched, OUTSIDE_RAM | (1ULL << 10));
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SRT_ACCESS);
    env_free(&e);
}
END_TEST

/* Table 30 SCT.1-SCT.9 (VT-d 9.4). */
START_TEST(test_scalable_context_faults)
{
    struct env e = env_full();
    sm_dev(&e, DEV, 0, pte_q0(4, 0, 0), 1, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    uint64_t ce = CTP + 32 * DEV;
    uint64_t good = sm_ctx_q0(true, true, 0);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, 0);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);

    fake_wq(e.h, ce, good & ~1ULL);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SCT_NOT_PRESENT);
    fake_wq(e.h, ce, good | 0x80);                     /* bit 7 */
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SCT_RSVD);
    /* The full profile reports ECAP.PRS: PRE without DTE is SCT.4.1
     * (PRE without PRS, SCT.3: test_prq.c). */
    fake_wq(e.h, ce, (good | 0x10) & ~4ULL);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SCT_INVALID);
    fake_wq(e.h, ce, good);
    fake_wq(e.h, ce + 16, 1);                          /* bits 191:128 */
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SCT_RSVD);
    fake_wq(e.h, ce + 16, 0);
    /* SCT.4.2: PDTS=0 allows PASIDs up to 2^13 - 1. */
    fake_wq(e.h, ce + 8, 0x2000);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SCT_INVALID);
    fake_wq(e.h, ce + 8, 0);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, 0);

    /* Requests with PASID: SCT.7 beyond PDTS, SCT.9 equal RID_PASID. */
    ck_assert_uint_eq(xlp(&e, DEV, 0x2000, 0, RD).fault,
                      VTD_FR_SCT_PASID_RANGE);
    ck_assert_uint_eq(xlp(&e, DEV, 0, 0, RD).fault, VTD_FR_SCT_RID_PASID);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    fake_wq(e.h, ce, sm_ctx_q0(false, false, 0));
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0, RD).fault, VTD_FR_SCT_PASIDE);
    /* SCT.5: translated request with DTE=0. */
    struct vtd_dma_req r = dreq(DEV, 0x1000, RD);
    r.at = VTD_AT_TRANSLATED;
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_SCT_DTE);
    /* SCT.1: context table not readable. */
    fake_wq(e.h, RTA, OUTSIDE_RAM | 1);
    ck_assert_uint_eq(xl(&e, 0x01, 0, RD).fault, VTD_FR_SCT_ACCESS);
    env_free(&e);
}
END_TEST

/* Table 30 SPD.1-SPD.3 (VT-d 9.5). */
START_TEST(test_pasid_directory_faults)
{
    struct env e = env_full();
    sm_dev(&e, DEV, 0, pte_q0(4, 0, 0), 1, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    fake_wq(e.h, PDIR, PTBL);                          /* P=0 */
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SPD_NOT_PRESENT);
    fake_wq(e.h, PDIR, PTBL | 1 | 0x8);                /* bit 3 */
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SPD_RSVD);
    fake_wq(e.h, PDIR, OUTSIDE_RAM | 1);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SPT_ACCESS);
    fake_wq(e.h, CTP + 32 * DEV, (sm_ctx_q0(true, true, 0) & 0xfff) |
                                 OUTSIDE_RAM);
    vtd_cache_inv_context_(e.u, VTD_INV_GLOBAL, 0, 0, 0);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, VTD_FR_SPD_ACCESS);
    env_free(&e);
}
END_TEST

/* Table 30 SPT.2-SPT.6 (VT-d 9.6). */
START_TEST(test_pasid_table_faults)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    pt_map(&e, root, 4, 0, 0x9000, 1, SS_RW, SS_RW);
    sm_dev(&e, DEV, 0, pte_q0(2, 2, root), 1, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    ck_assert_uint_eq(xl(&e, DEV, 0, RD).fault, 0);
    struct {
        uint64_t q0, q1, q2, q3;
        unsigned fault;
    } cases[] = {
        { pte_q0(2, 2, root) & ~1ULL, 1, 0, 0, VTD_FR_SPT_NOT_PRESENT },
        { pte_q0(2, 2, root) | 0x20, 1, 0, 0, VTD_FR_SPT_RSVD },
        { pte_q0(2, 2, root), 1 | (1ULL << 16), 0, 0, VTD_FR_SPT_RSVD },
        { pte_q0(2, 2, root), 1, 0x2, 0, VTD_FR_SPT_RSVD },
        { pte_q0(2, 2, root), 1, 0, 1, VTD_FR_SPT_RSVD },
        { pte_q0(0, 2, root), 1, 0, 0, VTD_FR_SPT_INVALID },
        { pte_q0(5, 2, root), 1, 0, 0, VTD_FR_SPT_INVALID },
        { pte_q0(2, 0, root), 1, 0, 0, VTD_FR_SPT_INVALID },
        { pte_q0(1, 0, 0), 1, root | (2 << 2), 0, VTD_FR_SPT_INVALID },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sm_pte(&e, PTBL, 0, cases[i].q0, cases[i].q1, cases[i].q2);
        fake_wq(e.h, PTBL + 24, cases[i].q3);
        vtd_cache_inv_pasid_(e.u, VTD_INV_GLOBAL, 0, 0);
        ck_assert_msg(xl(&e, DEV, 0, RD).fault == cases[i].fault,
                      "case %u", i);
    }
    /* SPT.6: a supervisor request with PASID and SRE=0. */
    sm_pte(&e, PTBL, 1, pte_q0(2, 2, root), 1, 0);
    vtd_cache_inv_pasid_(e.u, VTD_INV_GLOBAL, 0, 0);
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0, RD).fault, 0);
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0, RD | VTD_ACC_PRIV).fault,
                      VTD_FR_SPT_SRE);
    sm_pte(&e, PTBL, 1, pte_q0(2, 2, root), 1, 1);    /* SRE */
    vtd_cache_inv_pasid_(e.u, VTD_INV_PASID, 1, 1);
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0, RD | VTD_ACC_PRIV).fault, 0);
    /* SPT.5: execute request with ECAP.ERS=0. */
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0, RD | VTD_ACC_EXEC).fault,
                      VTD_FR_SPT_EXEC);
    env_free(&e);
}
END_TEST

/* VT-d 7.1.1, 9.4-9.6: an FPD bit in the context, directory or table
 * entry suppresses qualified faults (SCT.2 with FPD in the not-present
 * context entry; SSS.2 with FPD in the PASID entry). */
START_TEST(test_scalable_fpd)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    sm_dev(&e, DEV, 0, pte_q0(2, 2, root), 1, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_xlate o = xl(&e, DEV, 0, RD);
    ck_assert_uint_eq(o.fault, VTD_FR_SSS_NO_PERM);
    ck_assert(o.recorded);
    sm_pte(&e, PTBL, 0, pte_q0(2, 2, root) | 2, 1, 0);
    vtd_cache_inv_pasid_(e.u, VTD_INV_GLOBAL, 0, 0);
    ck_assert_uint_eq(suppressed(&e), 0);
    o = xl(&e, DEV, 0, RD);
    ck_assert_uint_eq(o.fault, VTD_FR_SSS_NO_PERM);
    ck_assert(!o.recorded);
    ck_assert_uint_eq(suppressed(&e), 1);
    fake_wq(e.h, CTP + 32 * 0x10, 2);                  /* 00:02.0 */
    o = xl(&e, 0x10, 0, RD);
    ck_assert_uint_eq(o.fault, VTD_FR_SCT_NOT_PRESENT);
    ck_assert(!o.recorded);
    ck_assert_uint_eq(suppressed(&e), 2);
    env_free(&e);
}
END_TEST

/* Table 30 SGN.10 (89h): PASID wider than ECAP.PSS + 1 bits. */
START_TEST(test_pasid_width_fault)
{
    uint64_t c, x;
    vtd_profile_lookup("full", &c, &x);
    struct env e = env_caps(c, field_set(x, ECAP, PSS, 7));
    sm_dev(&e, DEV, 0, pte_q0(4, 0, 0), 1, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    ck_assert_uint_eq(xlp(&e, DEV, 0x100, 0, RD).fault,
                      VTD_FR_SGN_PASID_SIZE);
    env_free(&e);
}
END_TEST

/* Table 30: a translation request completes successfully with R=W=0
 * where an untranslated request faults SSS.2; translated requests with
 * DTE=1 bypass translation (VT-d 9.4), with PASID they need EPTR
 * (SCT.10); SGN.8 for a second-stage output in the interrupt range. */
START_TEST(test_scalable_request_types)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    pt_map(&e, root, 4, 0x1000, 0xfee00000ULL, 1, SS_RW, SS_RW);
    sm_dev(&e, DEV, 0, pte_q0(2, 2, root), 1, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    ck_assert_uint_eq(xl(&e, DEV, 0x1000, WR).fault, VTD_FR_SGN_INTR_ADDR);

    struct vtd_dma_req r = dreq(DEV, 0x5000, RD);
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_SSS_NO_PERM);
    r.at = VTD_AT_TRANSLATION;
    struct vtd_xlate o = xlr(&e, &r);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.perm, 0);

    r.at = VTD_AT_TRANSLATED;
    r.iova = 0x77000;
    o = xlr(&e, &r);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x77000);
    r.pasid = 1;
    ck_assert_uint_eq(xlr(&e, &r).fault, VTD_FR_SCT_EPTR);
    env_free(&e);
}
END_TEST

/* VT-d 9.6 wiring: SSADE and PWSNP from the PASID entry enable
 * second-stage A/D updates (VT-d 3.7.2); SRE and WPE govern supervisor
 * requests with PASID in first-stage translation (VT-d 3.6.1). */
START_TEST(test_pasid_entry_controls)
{
    struct env e = env_full();
    uint64_t sroot = pt_alloc(&e), froot = pt_alloc(&e);
    uint64_t leaf = pt_map(&e, sroot, 4, 0x1000, 0x51000, 1, SS_RW, SS_RW);
    uint64_t f = FS_P | FS_US | FS_A | FS_D;
    pt_map(&e, froot, 4, 0x2000, 0x52000, 1, f, f | FS_RW);
    sm_root(&e);
    sm_ctx(&e, DEV, sm_ctx_q0(true, true, 0), 0);
    sm_pdir(&e, 0, PTBL);
    /* PASID 0 (RID_PASID): second stage with SSADE (bit 9) and PWSNP. */
    sm_pte(&e, PTBL, 0, pte_q0(2, 2, sroot) | (1ULL << 9), 1 | PTE_PWSNP, 0);
    /* PASID 1: first stage, SRE, WPE clear; PASID 2: SRE and WPE. */
    sm_pte(&e, PTBL, 1, pte_q0(1, 0, 0), 2 | PTE_PWSNP, froot | 1);
    sm_pte(&e, PTBL, 2, pte_q0(1, 0, 0), 3 | PTE_PWSNP, froot | 1 | 0x10);
    env_enable(&e, VTD_TTM_SCALABLE);

    ck_assert_uint_eq(xl(&e, DEV, 0x1000, WR).fault, 0);
    ck_assert_uint_eq(fake_rq(e.h, leaf), 0x51000 | SS_RW | SS_A | SS_D);

    /* Read-only user page: a supervisor write passes with WPE=0 and
     * faults SGN.6 with WPE=1; a user write faults SGN.6. */
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0x2000, WR | VTD_ACC_PRIV).fault, 0);
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0x2000, WR).fault, VTD_FR_SGN_WRITE);
    ck_assert_uint_eq(xlp(&e, DEV, 2, 0x2000, WR | VTD_ACC_PRIV).fault,
                      VTD_FR_SGN_WRITE);
    struct vtd_xlate o = xlp(&e, DEV, 2, 0x2000, RD | VTD_ACC_PRIV);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x52000);
    env_free(&e);
}
END_TEST

/* A first-stage device for execute tests: PASID 1 maps IOVA 0x3000 ->
 * 0x53000 through a user read/write PTE with bit 63 set (9.7 Table 40:
 * bits 63:52 ignored). */
static void exec_dev(struct env *e)
{
    uint64_t froot = pt_alloc(e);
    uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
    pt_map(e, froot, 4, 0x3000, 0x53000, 1, f | (1ULL << 63), f);
    sm_root(e);
    sm_ctx(e, DEV, sm_ctx_q0(true, true, 0), 0);
    sm_pdir(e, 0, PTBL);
    sm_pte(e, PTBL, 1, pte_q0(1, 0, 0), 4 | PTE_PWSNP, froot);
    env_enable(e, VTD_TTM_SCALABLE);
}

/* Table 30 SPT.5: an untranslated request with PASID and ER=1 on a unit
 * with ECAP.ERS=0 and VER major version 1 (<= 7) faults 5Ch; without
 * PASID there is no ER and the same read translates; a translation
 * request completes with R=W=0 instead (SPT.5 translation column). */
START_TEST(test_exec_without_ers_faults_spt5)
{
    struct env e = env_full();         /* ERS=0, VER 1.0 */
    exec_dev(&e);
    ck_assert_uint_eq(xlp(&e, DEV, 1, 0x3000, RD | VTD_ACC_EXEC).fault,
                      VTD_FR_SPT_EXEC);
    struct vtd_dma_req r = dreq(DEV, 0x3000, RD | VTD_ACC_EXEC);
    r.pasid = 1;
    r.at = VTD_AT_TRANSLATION;
    struct vtd_xlate o = xlr(&e, &r);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.perm, 0);
    /* ER belongs to the PASID prefix: without PASID it is not seen, and
     * RID_PASID 0 has no entry here (SPT.2), not SPT.5. */
    ck_assert_uint_eq(xl(&e, DEV, 0x3000, RD | VTD_ACC_EXEC).fault,
                      VTD_FR_SPT_NOT_PRESENT);
    struct vtd_xlate ok = xlp(&e, DEV, 1, 0x3008, RD);
    ck_assert_uint_eq(ok.fault, 0);
    ck_assert_uint_eq(ok.addr, 0x53008);
    env_free(&e);
}
END_TEST

/* Rev. 5.10 has no execute permission: 3.6.1 grants rights by R/W and
 * U/S only and first-stage bit 63 is ignored (9.7 Table 40), so with
 * ERS=1 an execute request through a PTE with bit 63 set translates. */
START_TEST(test_exec_with_ers_ignores_bit63)
{
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    struct env e = env_caps(cap, ecap | (1ULL << 30));   /* ECAP.ERS */
    exec_dev(&e);
    struct vtd_xlate o = xlp(&e, DEV, 1, 0x3010, RD | VTD_ACC_EXEC);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x53010);
    env_free(&e);
}
END_TEST

/* Table 30 SPT.5 names units of major version 7 and below only; on a
 * version 8.0 unit (VER 0x80) a request with PASID and ER faults RTA.5
 * (34h, not qualified: recorded), and the same read without ER
 * translates. */
START_TEST(test_exec_major_version_8_rta5)
{
    struct fake_host *h = fake_host_new(RAM_SIZE);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .ver = 0x80 };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, NULL, 0),
                     0);
    struct env e;
    env_init(&e, u, h);
    exec_dev(&e);
    struct vtd_xlate o = xlp(&e, DEV, 1, 0x3000, RD | VTD_ACC_EXEC);
    ck_assert_uint_eq(o.fault, VTD_FR_RTA_EXEC);
    ck_assert(o.recorded);
    o = xlp(&e, DEV, 1, 0x3000, RD);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert_uint_eq(o.addr, 0x53000);
    env_free(&e);
}
END_TEST

/* VT-d 3.8.1: with SSADE=1 in the PASID entry, reading a first-stage
 * paging structure needs read and write permission in the second stage
 * (SGN.6 without write); with SSADE=0 read permission is enough.  The
 * first-stage entries have A/D preset, so no A/D update is needed. */
START_TEST(test_nested_ssade_fs_table_needs_write)
{
    for (unsigned ssade = 0; ssade <= 1; ssade++) {
        struct env e = env_full();
        uint64_t sroot = pt_alloc(&e);
        uint64_t froot = pt_alloc(&e);
        uint64_t f = FS_P | FS_RW | FS_US | FS_A | FS_D;
        pt_map(&e, froot, 4, 0x1000, 0x40000000ULL, 1, f, f);
        uint64_t last = e.next;
        /* The first-stage tables: identity, read-only in the second
         * stage; the data page read/write. */
        for (uint64_t a = froot; a < last; a += 0x1000)
            pt_map(&e, sroot, 4, a, a, 1, SS_R | SS_A, SS_RW | SS_A);
        pt_map(&e, sroot, 4, 0x40000000ULL, 0x1900000, 1,
               SS_RW | SS_A | SS_D, SS_RW | SS_A);
        sm_dev(&e, DEV, 0, pte_q0(3, 2, sroot) | (uint64_t)ssade << 9,
               9 | PTE_PWSNP, froot);
        env_enable(&e, VTD_TTM_SCALABLE);
        struct vtd_xlate o = xl(&e, DEV, 0x1008, RD);
        if (ssade) {
            ck_assert_uint_eq(o.fault, VTD_FR_SGN_WRITE);
        } else {
            ck_assert_uint_eq(o.fault, 0);
            ck_assert_uint_eq(o.addr, 0x1900008);
        }
        env_free(&e);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scalable");
    TCase *t = tcase_create("scalable");
    tcase_add_test(t, test_pgtt_second_stage);
    tcase_add_test(t, test_pgtt_pass_through);
    tcase_add_test(t, test_pgtt_first_stage_4_5_level);
    tcase_add_test(t, test_pgtt_nested);
    tcase_add_test(t, test_scalable_root_faults);
    tcase_add_test(t, test_scalable_context_faults);
    tcase_add_test(t, test_pasid_directory_faults);
    tcase_add_test(t, test_pasid_table_faults);
    tcase_add_test(t, test_scalable_fpd);
    tcase_add_test(t, test_pasid_width_fault);
    tcase_add_test(t, test_scalable_request_types);
    tcase_add_test(t, test_pasid_entry_controls);
    tcase_add_test(t, test_exec_without_ers_faults_spt5);
    tcase_add_test(t, test_exec_with_ers_ignores_bit63);
    tcase_add_test(t, test_exec_major_version_8_rta5);
    tcase_add_test(t, test_nested_ssade_fs_table_needs_write);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite());
}
