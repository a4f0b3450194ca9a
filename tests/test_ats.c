/* SPDX-License-Identifier: MIT */
/*
 * tests/test_ats.c: ATS translation requests and their completions
 * (vtd_ats_translate(), VT-d 4.1.2, 4.2.1, 4.2.3, Table 10, Table 30's
 * translation-request columns), structures built by hand in fake memory.
 * Every expected completion is worked out here from the spec text.
 */
#include <errno.h>
#include <stdlib.h>

#include "xlate_util.h"
#include "check_main.h"

#define DEV 0x20            /* 00:04.0 */
#define SSE_SNP (1ULL << 11) /* VT-d 9.8: SNP in a second-stage leaf */
#define PTE1_PGSNP (1ULL << 24) /* VT-d 9.6 */

static struct vtd_ats_req areq(uint16_t sid, uint32_t pasid, uint64_t iova)
{
    return (struct vtd_ats_req){ .version = VTD_ATS_REQ_VERSION,
                                 .sid = sid, .pasid = pasid, .iova = iova };
}

static struct vtd_ats_cpl ats(struct env *e, const struct vtd_ats_req *r)
{
    struct vtd_ats_cpl c;
    ck_assert_int_eq(vtd_ats_translate(e->u, r, &c), 0);
    return c;
}

static uint32_t fsts(struct env *e)
{
    uint64_t v = 0;
    vtd_mmio_read(e->u, VTD_REG_FSTS, 4, &v);
    return (uint32_t)v;
}

/* A legacy device with TT=01b (ATS allowed, VT-d 9.3), 4-level table. */
static uint64_t legacy_ats_dev(struct env *e, unsigned did)
{
    uint64_t root = pt_alloc(e);
    legacy_root(e, 0, CTP);
    legacy_ctx(e, CTP, DEV, root, 1, 2, did, false);
    return root;
}

/* 4.2.3: a 4 KiB read/write page: S=0, the output page, R=W=1, U=0,
 * Priv=0, X=0, G=0; no SNP in the leaf -> N=0 (Table 10). */
START_TEST(test_legacy_4k_success)
{
    struct env e = env_full();
    uint64_t root = legacy_ats_dev(&e, 7);
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x1234);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert_uint_eq(c.addr, 0x5000);
    ck_assert(!c.s);
    ck_assert_uint_eq(c.size, 4096);
    ck_assert_uint_eq(c.base, 0x1000);
    ck_assert(c.r && c.w && !c.x && !c.priv && !c.g && !c.u && !c.n);
    ck_assert_uint_eq(c.did, 7);
    ck_assert_uint_eq(c.reason, 0);
    ck_assert(!c.recorded);
    env_free(&e);
}
END_TEST

/* 4.2.3 S bit: a 2 MiB leaf -> S=1 and bits 19:12 of the address set,
 * bit 20 clear (lowest 0 bit at 20 -> 2^21 bytes); Table 10 legacy:
 * N = the leaf's SNP with ECAP.SC=1 (the full profile has SC). */
START_TEST(test_legacy_2m_size_and_snp)
{
    struct env e = env_full();
    uint64_t root = legacy_ats_dev(&e, 1);
    pt_map(&e, root, 4, 0x200000, 0x40000000ULL, 2, SS_RW | SSE_SNP, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x203000);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(c.s);
    ck_assert_uint_eq(c.addr, 0x40000000ULL | 0xff000);
    ck_assert_uint_eq(c.out_base, 0x40000000ULL);
    ck_assert_uint_eq(c.size, 2ULL << 20);
    ck_assert_uint_eq(c.base, 0x200000);
    ck_assert_uint_eq(vtd_ats_size_decode(c.addr, c.s), 2ULL << 20);
    ck_assert(c.r && c.w && c.n);
    env_free(&e);
}
END_TEST

/* 4.2.3: the size encoding by hand. */
START_TEST(test_size_decode)
{
    ck_assert_uint_eq(vtd_ats_size_decode(0x5000, false), 4096);
    ck_assert_uint_eq(vtd_ats_size_decode(0x4000, true), 8192);  /* bit 12 = 0 */
    ck_assert_uint_eq(vtd_ats_size_decode(0x5000, true), 16384); /* 12 = 1, 13 = 0 */
    ck_assert_uint_eq(vtd_ats_size_decode(0x3ffff000ULL, true), 1ULL << 31);
    ck_assert_uint_eq(vtd_ats_size_decode(~0ULL, true), 0);
}
END_TEST

/* 4.2.3 W bit / NW: with ECAP.NWFS=1 an NW=1 request gets W=0; without
 * NWFS the unit ignores NW (W=1).  Read-only page: W=0 either way
 * (Table 30 LGN.2 "success with effective permission"). */
START_TEST(test_nw_flag)
{
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    for (int nwfs = 0; nwfs <= 1; nwfs++) {
        struct env e = env_caps(cap, ecap | (nwfs ? VTD_ECAP_NWFS_MASK : 0));
        uint64_t root = legacy_ats_dev(&e, 1);
        pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
        pt_map(&e, root, 4, 0x2000, 0x6000, 1, SS_R, SS_RW);
        env_enable(&e, VTD_TTM_LEGACY);
        struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x1000);
        r.nw = true;
        struct vtd_ats_cpl c = ats(&e, &r);
        ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
        ck_assert(c.r);
        ck_assert_int_eq(c.w, !nwfs);
        r = areq(DEV, VTD_NO_PASID, 0x2000);
        c = ats(&e, &r);
        ck_assert(c.r && !c.w);
        ck_assert_uint_eq(c.addr, 0x6000);
        env_free(&e);
    }
}
END_TEST

/* Table 30 LGN.2/LGN.3 for an R=W=0 leaf: success with no permission
 * (R=W=U=S=0), not a reported fault (7.1.2). */
START_TEST(test_not_present_success_no_perm)
{
    struct env e = env_full();
    legacy_ats_dev(&e, 1);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x9000);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && !c.w && !c.u && !c.s);
    ck_assert_uint_eq(c.addr, 0);
    ck_assert(!c.recorded);
    ck_assert_uint_eq(fsts(&e) & VTD_FSTS_PPF_MASK, 0);
    /* LGN.1.1: above 2^AGAW - 1 (48 bits for 4 levels): success, R=W=0. */
    r = areq(DEV, VTD_NO_PASID, 1ULL << 50);
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && !c.w);
    ck_assert_uint_eq(c.reason, VTD_FR_ADDR_BEYOND_AW);
    ck_assert_uint_eq(fsts(&e) & VTD_FSTS_PPF_MASK, 0);
    env_free(&e);
}
END_TEST

/* Table 30 UR rows: LRT.2 (1h), LCT.2 (2h), LCT.5 (Dh); CA rows:
 * LCT.3 (Bh), LSS.2 (Ch), LGN.4 (Eh); all recorded (not qualified or
 * FPD=0). */
START_TEST(test_legacy_ur_and_ca)
{
    struct env e = env_full();
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x1000);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_UR);
    ck_assert_uint_eq(c.reason, VTD_FR_ROOT_NOT_PRESENT);
    ck_assert(c.recorded);
    env_free(&e);

    e = env_full();
    legacy_root(&e, 0, CTP);
    env_enable(&e, VTD_TTM_LEGACY);
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_UR);
    ck_assert_uint_eq(c.reason, VTD_FR_CTX_NOT_PRESENT);
    env_free(&e);

    e = env_full();
    uint64_t root = legacy_dev(&e, DEV, 4, 1);     /* TT=00b */
    pt_map(&e, root, 4, 0x1000, 0x5000, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_UR);
    ck_assert_uint_eq(c.reason, VTD_FR_CTX_TT_BLOCKED);
    ck_assert(c.recorded);
    env_free(&e);

    e = env_full();
    root = legacy_ats_dev(&e, 1);
    fake_wq(e.h, CTP + 16 * DEV + 8, 2 | 1ULL << 8 | 1ULL << 40); /* rsvd */
    env_enable(&e, VTD_TTM_LEGACY);
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_CA);
    ck_assert_uint_eq(c.reason, VTD_FR_CTX_RSVD);
    env_free(&e);

    e = env_full();
    root = legacy_ats_dev(&e, 1);
    pt_map(&e, root, 4, 0x1000, 0x5000 | (1ULL << 62), 1, SS_RW, SS_RW);
    pt_map(&e, root, 4, 0x3000, 0xfee00000ULL, 1, SS_RW, SS_RW);
    env_enable(&e, VTD_TTM_LEGACY);
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_CA);
    ck_assert_uint_eq(c.reason, VTD_FR_SL_RSVD);
    r.iova = 0x3000;
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_CA);
    ck_assert_uint_eq(c.reason, VTD_FR_INTR_ADDR);
    env_free(&e);
}
END_TEST

/* Table 30 S.1 / S.2: a translation request without PASID for an
 * address in FEEx_xxxxh: NW=0 -> R=S=0, W=U=1; NW=1 (honoured with
 * NWFS) -> R=W=U=S=0; neither is a fault. */
START_TEST(test_interrupt_range_special)
{
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    struct env e = env_caps(cap, ecap | VTD_ECAP_NWFS_MASK);
    legacy_ats_dev(&e, 1);
    env_enable(&e, VTD_TTM_LEGACY);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0xfee01000ULL);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && c.w && c.u && !c.s);
    r.nw = true;
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && !c.w && !c.u && !c.s);
    ck_assert_uint_eq(fsts(&e) & VTD_FSTS_PPF_MASK, 0);
    env_free(&e);
}
END_TEST

/* 4.2.1: with remapping disabled (TES=0) translation and translated
 * requests are UR, without a fault record. */
START_TEST(test_tes0_is_ur)
{
    struct env e = env_full();
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x1000);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_UR);
    ck_assert(!c.recorded);
    struct vtd_dma_req d = dreq(DEV, 0x1000, RD);
    d.at = VTD_AT_TRANSLATED;
    struct vtd_xlate o = xlr(&e, &d);
    ck_assert_uint_eq(o.fault, VTD_FR_ATS_UR);
    ck_assert(!o.recorded);
    d.at = VTD_AT_UNTRANSLATED;
    ck_assert_uint_eq(xlr(&e, &d).fault, 0);
    ck_assert_uint_eq(fsts(&e), 0);
    env_free(&e);
}
END_TEST

/* Scalable-mode device: context with DTE, PASID table in PTBL. */
static void sm_ats_dev(struct env *e, bool dte, uint32_t rid_pasid,
                       uint64_t q0, uint64_t q1, uint64_t q2)
{
    sm_root(e);
    sm_ctx(e, DEV, sm_ctx_q0(true, dte, 0), rid_pasid);
    sm_pdir(e, 0, PTBL);
    sm_pte(e, PTBL, rid_pasid & 63, q0, q1, q2);
}

/* 4.2.3 ADDR for pass-through (PGTT=100b): a naturally aligned region of
 * the largest page size (the full profile: 1 GiB, CAP.SLLPS bit 1), S=1;
 * Table 10: N = PGSNP. */
START_TEST(test_scalable_pass_through_region)
{
    struct env e = env_full();
    sm_ats_dev(&e, true, 0, pte_q0(4, 0, 0), 3 | PTE1_PGSNP, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x123456789ULL);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(c.s && c.r && c.w && c.n && !c.u);
    ck_assert_uint_eq(c.size, 1ULL << 30);
    ck_assert_uint_eq(c.base, 0x100000000ULL);
    ck_assert_uint_eq(c.out_base, 0x100000000ULL);
    /* bits 28:12 ones, bit 29 zero */
    ck_assert_uint_eq(c.addr, 0x100000000ULL | 0x1ffff000ULL);
    ck_assert_uint_eq(c.did, 3);
    env_free(&e);
}
END_TEST

/* Table 30 SCT.5: DTE=0 -> UR (44h), recorded. */
START_TEST(test_scalable_dte0_ur)
{
    struct env e = env_full();
    sm_ats_dev(&e, false, 0, pte_q0(4, 0, 0), 3, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x1000);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_UR);
    ck_assert_uint_eq(c.reason, VTD_FR_SCT_DTE);
    ck_assert(c.recorded);
    env_free(&e);
}
END_TEST

/* Table 10 scalable second stage: N = PGSNP || leaf SNP. */
START_TEST(test_scalable_second_stage_n_bit)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    pt_map(&e, root, 4, 0x4000, 0x123000, 1, SS_RW, SS_RW);
    pt_map(&e, root, 4, 0x5000, 0x124000, 1, SS_R | SSE_SNP, SS_RW);
    sm_ats_dev(&e, true, 0, pte_q0(2, 2, root), 42, 0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x4000);
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(c.r && c.w && !c.n);
    ck_assert_uint_eq(c.addr, 0x123000);
    r.iova = 0x5000;
    c = ats(&e, &r);
    ck_assert(c.r && !c.w && c.n);
    /* SSS.2 (R=W=0 entry): success with R=W=U=S=0. */
    r.iova = 0x6000;
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && !c.w);
    ck_assert_uint_eq(c.reason, VTD_FR_SSS_NO_PERM);
    ck_assert(!c.recorded);
    env_free(&e);
}
END_TEST

/* 4.2.3.1: a translation request with NW=0 sets A/D as an atomic would
 * (D in the leaf when it grants write); NW=1 with NWFS as a read (A only).
 * Second stage with SSADE (VT-d 3.7.2). */
START_TEST(test_ad_flags)
{
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    struct env e = env_caps(cap, ecap | VTD_ECAP_NWFS_MASK);
    uint64_t root = pt_alloc(&e);
    uint64_t l1 = pt_map(&e, root, 4, 0x4000, 0x123000, 1, SS_RW, SS_RW);
    uint64_t l2 = pt_map(&e, root, 4, 0x5000, 0x124000, 1, SS_RW, SS_RW);
    sm_ats_dev(&e, true, 0, pte_q0(2, 2, root) | (1ULL << 9), 42 | PTE_PWSNP,
               0);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0x4000);
    ck_assert_int_eq(ats(&e, &r).status, VTD_ATS_SUCCESS);
    ck_assert_uint_eq(fake_rq(e.h, l1) & (SS_A | SS_D), SS_A | SS_D);
    r = areq(DEV, VTD_NO_PASID, 0x5000);
    r.nw = true;
    ck_assert_int_eq(ats(&e, &r).status, VTD_ATS_SUCCESS);
    ck_assert_uint_eq(fake_rq(e.h, l2) & (SS_A | SS_D), SS_A);
    env_free(&e);
}
END_TEST

/* 4.2.3 PRIV: a request with PASID and PR=1 gets Priv=1; with SRE=0 in
 * the PASID entry (SPT.6) R=W=0 with Priv=1; first stage: N = PGSNP. */
START_TEST(test_with_pasid_priv)
{
    struct env e = env_full();
    uint64_t root = pt_alloc(&e);
    uint64_t f = FS_P | FS_RW | FS_A | FS_D;        /* supervisor page */
    pt_map(&e, root, 4, 0x7000, 0x321000, 1, f, f | FS_US);
    sm_root(&e);
    sm_ctx(&e, DEV, sm_ctx_q0(true, true, 0), 0);
    sm_pdir(&e, 0, PTBL);
    sm_pte(&e, PTBL, 5, pte_q0(1, 0, 0), 7 | PTE_PWSNP | PTE1_PGSNP,
           root | 1 /* SRE */);
    sm_pte(&e, PTBL, 6, pte_q0(1, 0, 0), 8 | PTE_PWSNP, root);
    env_enable(&e, VTD_TTM_SCALABLE);
    struct vtd_ats_req r = areq(DEV, 5, 0x7000);
    r.priv = true;
    struct vtd_ats_cpl c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(c.r && c.w && c.priv && c.n && !c.x && !c.g);
    ck_assert_uint_eq(c.addr, 0x321000);
    /* User request to the supervisor page: SGN.2 -> R=W=0, Priv=0. */
    r.priv = false;
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && !c.w && !c.priv);
    ck_assert_uint_eq(c.reason, VTD_FR_SGN_USER);
    /* PASID 6 has SRE=0: SPT.6 -> success R=W=0 with Priv=1. */
    r = areq(DEV, 6, 0x7000);
    r.priv = true;
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_SUCCESS);
    ck_assert(!c.r && !c.w && c.priv);
    ck_assert_uint_eq(c.reason, VTD_FR_SPT_SRE);
    /* SCT.9: the PASID equals RID_PASID (0) -> UR. */
    r = areq(DEV, 0, 0x7000);
    c = ats(&e, &r);
    ck_assert_int_eq(c.status, VTD_ATS_UR);
    ck_assert_uint_eq(c.reason, VTD_FR_SCT_RID_PASID);
    env_free(&e);
}
END_TEST


/* ---- device-TLB invalidation (4.3, 6.5.2.5, 6.5.2.6, 6.5.2.11) ---- */

#define QBASE 0x20000ULL
#define STATUS 0x30000ULL
#define G_QIE 0x04000000u               /* GCMD.QIE (11.4.4.1) */
#define FSTS_ICE 0x20u                  /* 11.4.7.1 */
#define FSTS_ITE 0x40u

/* What the host op received (the endpoint's side). */
static struct vtd_devtlb_inv got[64];
static unsigned ngot;

static int devtlb_inval(void *opaque, const struct vtd_devtlb_inv *inv)
{
    (void)opaque;
    if (ngot < 64)
        got[ngot] = *inv;
    ngot++;
    return inv->sid == 0x30 ? -ENODEV : 0;   /* 00:06.0: no device-TLB */
}

/* A full-profile unit whose host has the version-3 devtlb_inval op, QI
 * enabled on a 4 KiB queue at QBASE (128-bit descriptors), remapping on
 * in legacy mode. */
static struct env qenv(bool with_op)
{
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.version = VTD_HOST_OPS_VERSION;
    ops.devtlb_inval = with_op ? devtlb_inval : NULL;
    struct env e;
    struct fake_host *h = fake_host_new(RAM_SIZE);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    env_init(&e, u, h);
    ngot = 0;
    wr64(u, VTD_REG_IQA, QBASE);
    wr32(u, VTD_REG_GCMD, G_QIE);
    env_enable(&e, VTD_TTM_LEGACY);
    return e;
}

static unsigned qtail;

/* Figure 6-5: SID 47:32, MIP 20:16; S bit 64, address 127:76. */
static void put_devtlb(struct env *e, uint16_t sid, uint64_t addr, bool s)
{
    fake_wq(e->h, QBASE + qtail, 0x3 | (uint64_t)sid << 32);
    fake_wq(e->h, QBASE + qtail + 8, addr | (s ? 1 : 0));
    qtail += 16;
}

/* Figure 6-9: SW bit 5, status data 63:32, address in the second qword. */
static void put_wait(struct env *e, uint32_t data)
{
    fake_wq(e->h, QBASE + qtail, 0x5 | 1ULL << 5 | (uint64_t)data << 32);
    fake_wq(e->h, QBASE + qtail + 8, STATUS);
    qtail += 16;
}

static void ring(struct env *e)
{
    wr64(e->u, VTD_REG_IQT, qtail);
}

/* 4.3: the request reaches the endpoint with its SID, range and ITag;
 * the wait descriptor behind it completes only after the completion
 * message (6.5.2.12); IQH stays at the wait meanwhile. */
START_TEST(test_inval_waits_for_completion)
{
    struct env e = qenv(true);
    qtail = 0;
    fake_wl(e.h, STATUS, 0);
    /* S=1, address 0x1000 | bit 12 set... 16 KiB at 0x4000: bits 12=1,
     * 13=0 -> address 0x5000 with S. */
    put_devtlb(&e, DEV, 0x5000, true);
    put_wait(&e, 0xabcd);
    ring(&e);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_uint_eq(got[0].sid, DEV);
    ck_assert_uint_eq(got[0].pasid, VTD_NO_PASID);
    ck_assert(got[0].s);
    ck_assert_uint_eq(got[0].base, 0x4000);
    ck_assert_uint_eq(got[0].size, 0x4000);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 0);           /* not yet */
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 16);        /* at the wait */
    struct vtd_devtlb_inv p[4];
    ck_assert_int_eq(vtd_ats_pending(e.u, p, 4, NULL), 1);
    ck_assert_uint_eq(p[0].itag, got[0].itag);
    /* A completion from another SID for that ITag: invalid -> ICE,
     * ICESID; the wait still waits. */
    bool acc;
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, 0x28, 1u << got[0].itag,
                                            1, &acc), 0);
    ck_assert(acc);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS) & FSTS_ICE, FSTS_ICE);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQERCD) >> 48, 0x28);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 0);
    /* The right completion: the wait completes, IQH reaches IQT. */
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, 1u << got[0].itag,
                                            1, NULL), 0);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 0xabcd);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 32);
    ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
    env_free(&e);
}
END_TEST

/* 4.3: the completion count: with CC=2 the invalidation completes at the
 * second message (CC=0 would mean 8). */
START_TEST(test_inval_completion_count)
{
    struct env e = qenv(true);
    qtail = 0;
    put_devtlb(&e, DEV, 0x0, false);
    put_wait(&e, 1);
    ring(&e);
    ck_assert_uint_eq(ngot, 1);
    uint32_t t = 1u << got[0].itag;
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, t, 2, NULL), 0);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 0);
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, t, 2, NULL), 0);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 1);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS) & FSTS_ICE, 0);
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, 0, 8, NULL), -EINVAL);
    env_free(&e);
}
END_TEST

/* 6.5.2.11: no completion before the time-out: ITE, ITESID, the ITag
 * freed, the wait aborted, no fetching until ITE is cleared; then the
 * queue fetches from IQH again (the wait, now with nothing to wait for). */
START_TEST(test_inval_timeout_ite)
{
    struct env e = qenv(true);
    qtail = 0;
    ck_assert_int_eq(vtd_ats_set_inval_timeout(e.u, 1000), 0);
    put_devtlb(&e, DEV, 0x0, false);
    put_wait(&e, 7);
    ring(&e);
    ck_assert_int_eq(vtd_clock_advance(e.u, 999), 0);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS) & FSTS_ITE, 0);
    ck_assert_int_eq(vtd_clock_advance(e.u, 1), 0);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS) & FSTS_ITE, FSTS_ITE);
    ck_assert_uint_eq((rd64(e.u, VTD_REG_IQERCD) >> 32) & 0xffff, DEV);
    ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 0);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 16);
    /* Tail writes while ITE is set fetch nothing. */
    put_devtlb(&e, DEV, 0x1000, false);
    ring(&e);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 16);
    /* A late completion for the freed ITag is invalid now: ICE. */
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, 1u << got[0].itag,
                                            1, NULL), 0);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS) & FSTS_ICE, FSTS_ICE);
    /* Clearing ITE (RW1C): the wait at IQH completes, the next
     * devtlb descriptor is issued. */
    wr32(e.u, VTD_REG_FSTS, FSTS_ITE);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 7);
    ck_assert_uint_eq(ngot, 2);
    ck_assert_uint_eq(got[1].base, 0x1000);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 48);
    env_free(&e);
}
END_TEST

/* 4.3: 32 ITags; a 33rd invalidation is deferred (IQH stays at it) until
 * a completion frees one. */
START_TEST(test_inval_itag_exhaustion)
{
    struct env e = qenv(true);
    qtail = 0;
    for (unsigned i = 0; i < 33; i++)
        put_devtlb(&e, DEV, (uint64_t)i << 12, false);
    ring(&e);
    ck_assert_uint_eq(ngot, 32);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 32 * 16);
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, 1u << 5, 1, NULL), 0);
    ck_assert_uint_eq(ngot, 33);
    ck_assert_uint_eq(got[32].itag, 5);
    ck_assert_uint_eq(got[32].base, 32ULL << 12);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 33 * 16);
    env_free(&e);
}
END_TEST

/* Without the version-3 host op, device-TLB descriptors complete at once
 * (existing embedders keep working). */
START_TEST(test_inval_without_host_op)
{
    struct env e = qenv(false);
    qtail = 0;
    put_devtlb(&e, DEV, 0x0, false);
    put_wait(&e, 3);
    ring(&e);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 3);
    ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
    env_free(&e);
}
END_TEST

/* vtd.h: a host that has no device-TLB behind the SID (-ENODEV): the
 * descriptor completes at once, the wait with it. */
START_TEST(test_inval_no_device_tlb)
{
    struct env e = qenv(true);
    qtail = 0;
    put_devtlb(&e, 0x30, 0x0, false);
    put_wait(&e, 9);
    ring(&e);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_uint_eq(fake_rl(e.h, STATUS), 9);
    ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
    env_free(&e);
}
END_TEST

/* 4.2.1: an Invalidation Completion with remapping disabled is UR. */
START_TEST(test_inval_completion_tes0)
{
    struct env e = qenv(true);
    wr32(e.u, VTD_REG_GCMD, G_QIE);  /* TE=0: remapping off (11.4.4.1) */
    bool acc = true;
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, DEV, 1, 1, &acc), 0);
    ck_assert(!acc);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS), 0);
    env_free(&e);
}
END_TEST

/* 6.5.2.6: a PASID-based descriptor (256-bit queue, scalable mode):
 * SID 31:16, PASID 51:32, GI bit 64, S bit 75, address 127:76; and the
 * global form (S=1, address bits 62:12 ones) covers every address. */
START_TEST(test_pasid_based_inval)
{
    struct env e = qenv(true);
    wr32(e.u, VTD_REG_GCMD, 0);                      /* QIE off */
    wr64(e.u, VTD_REG_IQA, QBASE | 1ULL << 11);      /* DW=1 */
    wr32(e.u, VTD_REG_GCMD, G_QIE);
    env_enable(&e, VTD_TTM_SCALABLE);
    fake_wq(e.h, QBASE, 0x8 | (uint64_t)DEV << 16 | 5ULL << 32);
    fake_wq(e.h, QBASE + 8, 0x3000);
    fake_wq(e.h, QBASE + 16, 0);
    fake_wq(e.h, QBASE + 24, 0);
    fake_wq(e.h, QBASE + 32, 0x8 | (uint64_t)DEV << 16);
    fake_wq(e.h, QBASE + 40, 0x7ffffffffffff000ULL | 1ULL << 11 | 1);
    fake_wq(e.h, QBASE + 48, 0);
    fake_wq(e.h, QBASE + 56, 0);
    wr64(e.u, VTD_REG_IQT, 64);
    ck_assert_uint_eq(ngot, 2);
    ck_assert_uint_eq(got[0].pasid, 5);
    ck_assert(!got[0].global && !got[0].s);
    ck_assert_uint_eq(got[0].base, 0x3000);
    ck_assert_uint_eq(got[0].size, 0x1000);
    ck_assert(got[1].global && got[1].s);
    ck_assert_uint_eq(got[1].size, 0);       /* every address */
    ck_assert_uint_eq(rd32(e.u, VTD_REG_FSTS), 0);
    env_free(&e);
}
END_TEST

/* Bad arguments are -EINVAL, never a completion. */
START_TEST(test_bad_arguments)
{
    struct env e = env_full();
    struct vtd_ats_req r = areq(DEV, VTD_NO_PASID, 0);
    struct vtd_ats_cpl c;
    ck_assert_int_eq(vtd_ats_translate(NULL, &r, &c), -EINVAL);
    ck_assert_int_eq(vtd_ats_translate(e.u, NULL, &c), -EINVAL);
    ck_assert_int_eq(vtd_ats_translate(e.u, &r, NULL), -EINVAL);
    r.version = 99;
    ck_assert_int_eq(vtd_ats_translate(e.u, &r, &c), -EINVAL);
    r = areq(DEV, 0x100000, 0);
    ck_assert_int_eq(vtd_ats_translate(e.u, &r, &c), -EINVAL);
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ats");
    TCase *tc = tcase_create("translation");
    tcase_add_test(tc, test_legacy_4k_success);
    tcase_add_test(tc, test_legacy_2m_size_and_snp);
    tcase_add_test(tc, test_size_decode);
    tcase_add_test(tc, test_nw_flag);
    tcase_add_test(tc, test_not_present_success_no_perm);
    tcase_add_test(tc, test_legacy_ur_and_ca);
    tcase_add_test(tc, test_interrupt_range_special);
    tcase_add_test(tc, test_tes0_is_ur);
    tcase_add_test(tc, test_scalable_pass_through_region);
    tcase_add_test(tc, test_scalable_dte0_ur);
    tcase_add_test(tc, test_scalable_second_stage_n_bit);
    tcase_add_test(tc, test_ad_flags);
    tcase_add_test(tc, test_with_pasid_priv);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    tc = tcase_create("invalidation");
    tcase_add_test(tc, test_inval_waits_for_completion);
    tcase_add_test(tc, test_inval_completion_count);
    tcase_add_test(tc, test_inval_timeout_ite);
    tcase_add_test(tc, test_inval_itag_exhaustion);
    tcase_add_test(tc, test_inval_without_host_op);
    tcase_add_test(tc, test_inval_no_device_tlb);
    tcase_add_test(tc, test_inval_completion_tes0);
    tcase_add_test(tc, test_pasid_based_inval);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
