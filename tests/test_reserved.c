/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reserved.c: reserved bits of the translation structures,
 * table-driven (issue 14).
 *
 * Every mask below is typed by hand from the entry formats of VT-d rev.
 * 5.10 chapter 9 (Figures 9-1 to 9-6 and 9-9, 9-10, Tables 34-48), and
 * every expected fault reason from Table 30 (7.1.3) or, for interrupt
 * remapping, 5.1.4.1; the invalidation descriptors' masks from Figures
 * 6-1 to 6-9 and 7-2 and their error from 11.4.9.9 (IQEI 4), and which
 * descriptor types each mode accepts from Table 26 (IQEI 3).  Nothing is
 * taken from the library's own definitions.  For each bit of each mask a
 * fresh unit gets a valid structure (checked to translate, or to complete)
 * with that one bit set, and must report what the spec gives.
 *
 * The unit is the "full" profile with the host address width set to 39
 * bits, so that bits 63:HAW (51:HAW in paging entries) of every address
 * field are reserved.  Bits reserved only because the profile lacks a
 * capability are in separate rows that name it.
 */
#include <check.h>
#include <stdio.h>

#include "fakemem.h"
#include "xlate_util.h"
#include "check_main.h"
#include "unit_util.h"

#define HAW 39
#define ABOVE_HAW_63 0xffffff8000000000ULL  /* bits 63:39 */
#define ABOVE_HAW_51 0x000fff8000000000ULL  /* bits 51:39 */

#define DEV 0x10       /* 00:02.0, lower half of a scalable root entry */
#define DEV_UP 0x88    /* 00:11.0, upper half */
#define IOVA 0x0ULL
#define PA 0x40000000ULL  /* 1 GiB aligned: a valid frame for every size */

/* How the valid structure is built. */
enum setup {
    LEGACY,       /* 9.1, 9.3, 9.8: second stage, AW per levels */
    SM_SS,        /* 9.2, 9.4-9.6 PGTT=010b, 9.8 */
    SM_FS,        /* 9.2, 9.4-9.6 PGTT=001b, 9.7 */
};

/* Which entry gets the bit. */
enum where { ROOT, CTX, PDIR_E, PASID_E, PAGING };

struct rcase {
    const char *what;
    enum setup s;
    unsigned levels;  /* paging levels (4 or 5) */
    unsigned leaf;    /* leaf level: 1 4 KiB, 2 2 MiB, 3 1 GiB */
    unsigned devfn;
    enum where w;
    unsigned level;   /* PAGING: the level of the entry */
    unsigned q;       /* qword of the entry */
    uint64_t mask;    /* reserved bits, from the figure */
    unsigned reason;  /* Table 30 */
};

/* Table 30 reasons. */
#define LRT_3 0x0a  /* legacy root-entry reserved field */
#define LCT_3 0x0b  /* legacy context-entry reserved field */
#define LSS_2 0x0c  /* legacy second-stage entry reserved field */
#define SRT_3 0x3a  /* scalable root-entry reserved field */
#define SCT_3 0x42  /* scalable context-entry reserved field */
#define SPD_3 0x52  /* PASID-directory entry reserved field */
#define SPT_3 0x5a  /* PASID-table entry reserved field */
#define SFS_3 0x72  /* first-stage entry reserved field */
#define SSS_3 0x7a  /* scalable second-stage entry reserved field */

/*
 * Second-stage entries (9.8, Tables 41-48), SSIRWE off so IW (62) is
 * reserved: non-leaf PML5E/PML4E 62, 51:HAW, 11, 7; non-leaf PDPE/PDE
 * 62, 51:HAW, 11 (7 is PS); 1 GiB leaf 62, 51:HAW, 29:12; 2 MiB leaf 62,
 * 51:HAW, 20:12; 4 KiB leaf 62, 51:HAW.  (SNP, 11 in leaves, is reserved
 * only without ECAP.SC; the full profile has SC.)
 */
#define SS_TOP (0x4000000000000880ULL | ABOVE_HAW_51)
#define SS_DIR (0x4000000000000800ULL | ABOVE_HAW_51)
#define SS_1G (0x400000003ffff000ULL | ABOVE_HAW_51)
#define SS_2M (0x40000000001ff000ULL | ABOVE_HAW_51)
#define SS_4K (0x4000000000000000ULL | ABOVE_HAW_51)

/*
 * First-stage entries (9.7, Tables 34-40; bits 63:52 are ignored):
 * PML5E/PML4E 7, 51:HAW; PDPE and PDE referencing a table 51:HAW; 1 GiB
 * PDPE 29:13, 51:HAW; 2 MiB PDE 20:13, 51:HAW; PTE 51:HAW.
 */
#define FS_TOP (0x80ULL | ABOVE_HAW_51)
#define FS_DIR ABOVE_HAW_51
#define FS_1G (0x3fffe000ULL | ABOVE_HAW_51)
#define FS_2M (0x1fe000ULL | ABOVE_HAW_51)
#define FS_4K ABOVE_HAW_51

static const struct rcase cases[] = {
    /* 9.1 root entry: 11:1, 63:HAW; 127:64. */
    { "root lo", LEGACY, 4, 1, DEV, ROOT, 0, 0,
      0xffeULL | ABOVE_HAW_63, LRT_3 },
    { "root hi", LEGACY, 4, 1, DEV, ROOT, 0, 1, ~0ULL, LRT_3 },
    /* 9.3 context entry: 11:4, 63:HAW; 71, 127:88 (the full profile's
     * 16-bit domain ids leave no DID bit reserved). */
    { "context lo", LEGACY, 4, 1, DEV, CTX, 0, 0,
      0xff0ULL | ABOVE_HAW_63, LCT_3 },
    { "context hi", LEGACY, 4, 1, DEV, CTX, 0, 1,
      0xffffffffff000080ULL, LCT_3 },
    /* 9.8 second stage, legacy mode, each level and size. */
    { "legacy SS-PML5E", LEGACY, 5, 1, DEV, PAGING, 5, 0, SS_TOP, LSS_2 },
    { "legacy SS-PML4E", LEGACY, 4, 1, DEV, PAGING, 4, 0, SS_TOP, LSS_2 },
    { "legacy SS-PDPE table", LEGACY, 4, 1, DEV, PAGING, 3, 0, SS_DIR,
      LSS_2 },
    { "legacy SS-PDPE 1G", LEGACY, 4, 3, DEV, PAGING, 3, 0, SS_1G, LSS_2 },
    { "legacy SS-PDE table", LEGACY, 4, 1, DEV, PAGING, 2, 0, SS_DIR,
      LSS_2 },
    { "legacy SS-PDE 2M", LEGACY, 4, 2, DEV, PAGING, 2, 0, SS_2M, LSS_2 },
    { "legacy SS-PTE", LEGACY, 4, 1, DEV, PAGING, 1, 0, SS_4K, LSS_2 },
    /* 9.2 scalable root entry: 11:1, 63:HAW in each half (the upper half
     * checked through a devfn >= 128). */
    { "sm root lo", SM_SS, 4, 1, DEV, ROOT, 0, 0,
      0xffeULL | ABOVE_HAW_63, SRT_3 },
    { "sm root hi", SM_SS, 4, 1, DEV_UP, ROOT, 0, 1,
      0xffeULL | ABOVE_HAW_63, SRT_3 },
    /* 9.4 scalable context entry: 8:7, 63:HAW; 255:85. */
    { "sm context q0", SM_SS, 4, 1, DEV, CTX, 0, 0,
      0x180ULL | ABOVE_HAW_63, SCT_3 },
    { "sm context q1", SM_SS, 4, 1, DEV, CTX, 0, 1, 0xffffffffffe00000ULL,
      SCT_3 },
    { "sm context q2", SM_SS, 4, 1, DEV, CTX, 0, 2, ~0ULL, SCT_3 },
    { "sm context q3", SM_SS, 4, 1, DEV, CTX, 0, 3, ~0ULL, SCT_3 },
    /* ... and the fields reserved without their capability: HPTE (5,
     * ECAP.HPTS), EPTR (6, ECAP.PTRS), RID_PRIV (84, ECAP.RPRIVS); the
     * full profile has none of them (it has ECAP.PRS, so PRE, bit 4, is
     * not reserved there: tests/test_prq.c checks it without PRS). */
    { "sm context q0 (no HPTS/PTRS)", SM_SS, 4, 1, DEV, CTX, 0, 0,
      0x60ULL, SCT_3 },
    { "sm context q1 (no RPRIVS)", SM_SS, 4, 1, DEV, CTX, 0, 1,
      0x100000ULL, SCT_3 },
    /* 9.5 PASID-directory entry: 11:2, 63:HAW. */
    { "PASID directory", SM_SS, 4, 1, DEV, PDIR_E, 0, 0,
      0xffcULL | ABOVE_HAW_63, SPD_3 },
    /* 9.6 PASID-table entry: 5, 11:10, 63:HAW; 86:80, 95:91; 129,
     * 139:136, 191:HAW+128; 255:192; 267:259, 319:HAW+256; 511:336. */
    { "PASID entry q0", SM_SS, 4, 1, DEV, PASID_E, 0, 0,
      0xc20ULL | ABOVE_HAW_63, SPT_3 },
    { "PASID entry q1", SM_SS, 4, 1, DEV, PASID_E, 0, 1, 0xf87f0000ULL,
      SPT_3 },
    { "PASID entry q2", SM_FS, 4, 1, DEV, PASID_E, 0, 2,
      0xf02ULL | ABOVE_HAW_63, SPT_3 },
    { "PASID entry q3", SM_SS, 4, 1, DEV, PASID_E, 0, 3, ~0ULL, SPT_3 },
    { "PASID entry q6", SM_SS, 4, 1, DEV, PASID_E, 0, 6, ~0ULL, SPT_3 },
    { "PASID entry q7", SM_SS, 4, 1, DEV, PASID_E, 0, 7, ~0ULL, SPT_3 },
    /* ... without ECAP.MTS: PAT (127:96), EMTE (90), CD (89); without
     * ECAP.EAFS: EAFE (135); without ECAP.HPTS: HPTSZ, HPTPFD, HPTPTR
     * (319:256) and HPTDID (335:320).  The full profile has none. */
    { "PASID entry q1 (no MTS)", SM_SS, 4, 1, DEV, PASID_E, 0, 1,
      0xffffffff06000000ULL, SPT_3 },
    { "PASID entry q2 (no EAFS)", SM_FS, 4, 1, DEV, PASID_E, 0, 2, 0x80ULL,
      SPT_3 },
    { "PASID entry q4 (no HPTS)", SM_SS, 4, 1, DEV, PASID_E, 0, 4, ~0ULL,
      SPT_3 },
    { "PASID entry q5 (no HPTS)", SM_SS, 4, 1, DEV, PASID_E, 0, 5, ~0ULL,
      SPT_3 },
    /* 9.8 second stage, scalable mode. */
    { "sm SS-PML5E", SM_SS, 5, 1, DEV, PAGING, 5, 0, SS_TOP, SSS_3 },
    { "sm SS-PML4E", SM_SS, 4, 1, DEV, PAGING, 4, 0, SS_TOP, SSS_3 },
    { "sm SS-PDPE table", SM_SS, 4, 1, DEV, PAGING, 3, 0, SS_DIR, SSS_3 },
    { "sm SS-PDPE 1G", SM_SS, 4, 3, DEV, PAGING, 3, 0, SS_1G, SSS_3 },
    { "sm SS-PDE table", SM_SS, 4, 1, DEV, PAGING, 2, 0, SS_DIR, SSS_3 },
    { "sm SS-PDE 2M", SM_SS, 4, 2, DEV, PAGING, 2, 0, SS_2M, SSS_3 },
    { "sm SS-PTE", SM_SS, 4, 1, DEV, PAGING, 1, 0, SS_4K, SSS_3 },
    /* 9.7 first stage. */
    { "FS-PML5E", SM_FS, 5, 1, DEV, PAGING, 5, 0, FS_TOP, SFS_3 },
    { "FS-PML4E", SM_FS, 4, 1, DEV, PAGING, 4, 0, FS_TOP, SFS_3 },
    { "FS-PDPE table", SM_FS, 4, 1, DEV, PAGING, 3, 0, FS_DIR, SFS_3 },
    { "FS-PDPE 1G", SM_FS, 4, 3, DEV, PAGING, 3, 0, FS_1G, SFS_3 },
    { "FS-PDE table", SM_FS, 4, 1, DEV, PAGING, 2, 0, FS_DIR, SFS_3 },
    { "FS-PDE 2M", SM_FS, 4, 2, DEV, PAGING, 2, 0, FS_2M, SFS_3 },
    { "FS-PTE", SM_FS, 4, 1, DEV, PAGING, 1, 0, FS_4K, SFS_3 },
};

/* The full profile with HAW = 39, in 2 MiB of RAM (the structures and
 * page tables sit below PT_POOL + a few pages; a small RAM keeps the
 * ~3,000 units cheap under MALLOC_PERTURB_), with ECAP bits set or
 * cleared for the rows that need another capability. */
static struct env env_caps39(uint64_t cap_set, uint64_t cap_clear,
                             uint64_t ecap_set, uint64_t ecap_clear)
{
    struct env e;
    struct fake_host *h = fake_host_new(2u << 20);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .haw = HAW,
                              .cap_set = cap_set,
                              .cap_clear = cap_clear,
                              .ecap_set = ecap_set,
                              .ecap_clear = ecap_clear };
    env_init(&e, unit_new_cfg(&cfg, fake_host_ops(), h), h);
    return e;
}

static struct env env_haw39(void)
{
    return env_caps39(0, 0, 0, 0);
}

/* Build the valid structure of case c; returns the guest address of the
 * entry the case names. */
static uint64_t build(struct env *e, const struct rcase *c)
{
    uint64_t root = pt_alloc(e);
    uint64_t leaf, nl;
    if (c->s == SM_FS) {
        leaf = FS_P | FS_RW | FS_US | FS_A | FS_D;
        nl = FS_P | FS_RW | FS_US | FS_A;
    } else {
        leaf = nl = SS_RW;
    }
    pt_map(e, root, c->levels, IOVA, PA, c->leaf, leaf, nl);
    uint64_t ctx_base;
    if (c->s == LEGACY) {
        legacy_root(e, 0, CTP);
        legacy_ctx(e, CTP, c->devfn, root, 0, c->levels - 2, 1, false);
        env_enable(e, VTD_TTM_LEGACY);
        ctx_base = CTP + 16 * c->devfn;
    } else {
        sm_root(e);
        sm_ctx(e, c->devfn, sm_ctx_q0(true, true, 0), 0);
        sm_pdir(e, 0, PTBL);
        if (c->s == SM_SS)
            sm_pte(e, PTBL, 0, pte_q0(2, c->levels - 2, root), 1, 0);
        else
            sm_pte(e, PTBL, 0, pte_q0(1, 0, 0), 1 | PTE_PWSNP,
                   root | (uint64_t)(c->levels - 4) << 2);
        env_enable(e, VTD_TTM_SCALABLE);
        ctx_base = (c->devfn < 128 ? CTP : CTP_UP) + 32 * (c->devfn & 0x7f);
    }
    switch (c->w) {
    case ROOT:
        return RTA + 8 * c->q;
    case CTX:
        return ctx_base + 8 * c->q;
    case PDIR_E:
        return PDIR + 8 * c->q;
    case PASID_E:
        return PTBL + 8 * c->q;
    case PAGING:
    default:
        return pt_entry(e, root, c->levels, IOVA, c->level);
    }
}

static unsigned xlate_fault(struct env *e, unsigned devfn)
{
    return xl(e, (uint16_t)devfn, IOVA + 0x10, RD).fault;
}

START_TEST(test_reserved_bits)
{
    const struct rcase *c = &cases[_i];
    /* The structure without the bit translates. */
    struct env e = env_haw39();
    build(&e, c);
    ck_assert_msg(xlate_fault(&e, c->devfn) == 0, "%s: valid structure "
                  "faults %#x", c->what, xlate_fault(&e, c->devfn));
    env_free(&e);
    for (unsigned b = 0; b < 64; b++) {
        if (!(c->mask >> b & 1))
            continue;
        e = env_haw39();
        uint64_t a = build(&e, c);
        fake_wq(e.h, a, fake_rq(e.h, a) | 1ULL << b);
        unsigned f = xlate_fault(&e, c->devfn);
        ck_assert_msg(f == c->reason, "%s: bit %u (of qword %u) gives "
                      "fault %#x, VT-d Table 30 says %#x", c->what, b, c->q,
                      f, c->reason);
        env_free(&e);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Interrupt-remapping table entries (9.9, 9.10)                        */
/* ------------------------------------------------------------------ */

#define IRT 0x30000ULL     /* interrupt remapping table, 16 entries */
#define PID_A 0x31000ULL   /* posted-interrupt descriptor (9.11) */
#define IRTE_IDX 5u
#define IR_RSVD 0x24       /* present IRTE with a reserved field set */

struct icase {
    const char *what;
    bool x2apic;          /* IRTA.EIME */
    bool posted;          /* IM = 1 */
    unsigned q;
    uint64_t mask;
};

/*
 * 9.9 remapped format: 14:12, 31:24, and in xAPIC mode 39:32 and 63:48;
 * 127:84.  9.10 posted format: 7:2, 13:12, 37:24; 95:84, and PDAH bits
 * 63:HAW of the descriptor address (127:HAW+64).
 */
static const struct icase icases[] = {
    { "remapped x2APIC lo", true, false, 0, 0x00000000ff007000ULL },
    { "remapped xAPIC lo", false, false, 0, 0xffff00ffff007000ULL },
    { "remapped hi", true, false, 1, 0xfffffffffff00000ULL },
    { "posted lo", true, true, 0, 0x0000003fff0030fcULL },
    { "posted hi", true, true, 1, 0x00000000fff00000ULL | ABOVE_HAW_63 },
};

/* A valid IRTE at IRTE_IDX (vector 0x30, to APIC id 1, SVT=00b) and
 * interrupt remapping enabled as a driver does (11.4.4, 11.4.10.1). */
static void ir_build(struct env *e, const struct icase *c)
{
    uint64_t lo = 1 | 0x30ULL << 16, hi = 0;
    if (c->posted)
        lo = 1 | 1ULL << 15 | 0x30ULL << 16 | (PID_A >> 6) << 38;
    else if (c->x2apic)
        lo |= 1ULL << 32;
    else
        lo |= 1ULL << 40;
    fake_wq(e->h, IRT + 16 * IRTE_IDX, lo);
    fake_wq(e->h, IRT + 16 * IRTE_IDX + 8, hi);
    ck_assert_int_eq(vtd_mmio_write(e->u, VTD_REG_IRTA, 8,
                                    IRT | (c->x2apic ? 1ULL << 11 : 0) | 3),
                     0);
    env_gcmd(e, VTD_GCMD_SIRTP);
    env_gcmd(e, VTD_GCMD_IRE);
}

static struct vtd_irq ir_send(struct env *e)
{
    /* 5.1.2.2 remappable format: 0xFEE, handle 14:0 in 19:5, IF bit 4. */
    struct vtd_msi_req r = { .sid = DEV, .sid_valid = true,
                             .addr = 0xfee00000ULL | IRTE_IDX << 5 | 1u << 4,
                             .data = 0 };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(e->u, &r, &o), 0);
    return o;
}

START_TEST(test_irte_reserved_bits)
{
    const struct icase *c = &icases[_i];
    struct env e = env_haw39();
    ir_build(&e, c);
    struct vtd_irq o = ir_send(&e);
    ck_assert_msg(o.outcome == (c->posted ? VTD_IRQ_POSTED
                                          : VTD_IRQ_REMAPPED),
                  "%s: valid IRTE gives outcome %d fault %#x", c->what,
                  o.outcome, o.fault);
    env_free(&e);
    for (unsigned b = 0; b < 64; b++) {
        if (!(c->mask >> b & 1))
            continue;
        e = env_haw39();
        ir_build(&e, c);
        uint64_t a = IRT + 16 * IRTE_IDX + 8 * c->q;
        fake_wq(e.h, a, fake_rq(e.h, a) | 1ULL << b);
        o = ir_send(&e);
        ck_assert_msg(o.outcome == VTD_IRQ_BLOCKED && o.fault == IR_RSVD,
                      "%s: bit %u (of qword %u) gives outcome %d fault %#x, "
                      "VT-d 5.1.4.1 says blocked with %#x", c->what, b, c->q,
                      o.outcome, o.fault, IR_RSVD);
        env_free(&e);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Invalidation descriptors (6.5.2, 7.6.1)                              */
/* ------------------------------------------------------------------ */

#define IQ_BASE 0x40000ULL
#define IQEI_TYPE 3    /* 11.4.9.9: invalid descriptor type (Table 26) */
#define IQEI_RSVD 4    /* 11.4.9.9: reserved field violation, valid type */
#define ACCEPTED (-1)  /* FSTS.IQE stayed clear: the descriptor completed */

/* The queue a descriptor goes to: RTADDR.TTM and IQA.DW (Table 26). */
enum qmode {
    LEG128,    /* legacy mode, 128-bit descriptors */
    LEG256,    /* legacy mode, 256-bit descriptors (types 1h-5h) */
    SM256,     /* scalable mode (256-bit descriptors only) */
    ABORT256,  /* abort-DMA mode (256-bit descriptors only) */
};

/*
 * A valid descriptor of each type, low qword (the rest zero), typed from
 * the figures: type in 3:0 (and 11:9, 0 here).
 */
#define D_CC 0x11ULL                           /* 1h, G=01b global */
#define D_IOTLB 0x12ULL                        /* 2h, G=01b global */
#define D_DEV (0x3ULL | 0x10ULL << 32)         /* 3h, SID 00:02.0 (47:32) */
#define D_IEC 0x4ULL                           /* 4h, G=0 global */
#define D_WAIT 0x5ULL                          /* 5h, no SW, no IF */
#define D_PIOTLB (0x6ULL | 2u << 4 | 1u << 16) /* 6h, PASID-selective, DID 1 */
#define D_PC (0x7ULL | 3u << 4)                /* 7h, G=11b global */
#define D_PDEV (0x8ULL | 0x10ULL << 16)        /* 8h, SID 00:02.0 (31:16) */
#define D_PGRP (0x9ULL | 0x10ULL << 16)        /* 9h, RID 00:02.0, RC 0h
                                                * success, PP=0 */

/* The unit a row runs on: the full profile (which has DT and PRS, not
 * DIT, PDS or HPTS, and 16-bit domain ids), or it with one change. */
enum unitv {
    FULL,
    DIT,   /* + ECAP.DIT: PFSID is a field (6.5.2.5, 6.5.2.6) */
    PDS,   /* + ECAP.PDS: PD is a flag (6.5.2.9) */
    ND8,   /* CAP.ND = 2, 8-bit domain ids: DID bits 31:24 ignored */
};

static const struct {
    uint64_t cap_set, cap_clear, ecap_set;
} unitvs[] = {
    [FULL] = { 0, 0, 0 },
    [DIT] = { 0, 0, VTD_ECAP_DIT_MASK },
    [PDS] = { 0, 0, VTD_ECAP_PDS_MASK },
    [ND8] = { 2ULL << VTD_CAP_ND_SHIFT,
              VTD_CAP_ND_MASK & ~(2ULL << VTD_CAP_ND_SHIFT), 0 },
};

struct dcase {
    const char *what;
    enum qmode m;
    enum unitv v;
    uint64_t valid[4];  /* a valid descriptor of the type */
    unsigned q;
    uint64_t mask;      /* the bits to set, one at a time */
    int expect;         /* IQEI_RSVD, or ACCEPTED where the capability
                         * makes the field a real one (or it is ignored) */
};

#define R IQEI_RSVD
#define A ACCEPTED

/*
 * Masks from Figures 6-1 to 6-9 and 7-2 of rev. 5.10 (128-bit types are
 * padded with 128 zero bits in a 256-bit queue, 6.5.2.1 ff; their upper
 * half is then reserved).  A mode the type is not valid in (Table 26)
 * is in dtcases below.
 */
static const struct dcase dcases[] = {
    /* 6.5.2.1 / Figure 6-1 context-cache: 8:6, 15:12, 63:50; 127:64.
     * The same in every mode: DID is ignored (not reserved) in scalable
     * mode, where domain-selective means global. */
    { "CC lo", LEG128, FULL, { D_CC }, 0, 0xfffc00000000f1c0ULL, R },
    { "CC hi", LEG128, FULL, { D_CC }, 1, ~0ULL, R },
    { "CC lo (legacy, 256-bit)", LEG256, FULL, { D_CC }, 0,
      0xfffc00000000f1c0ULL, R },
    { "CC hi (legacy, 256-bit)", LEG256, FULL, { D_CC }, 1, ~0ULL, R },
    { "CC padding q2 (legacy)", LEG256, FULL, { D_CC }, 2, ~0ULL, R },
    { "CC padding q3 (legacy)", LEG256, FULL, { D_CC }, 3, ~0ULL, R },
    { "CC lo (scalable)", SM256, FULL, { D_CC }, 0, 0xfffc00000000f1c0ULL, R },
    { "CC hi (scalable)", SM256, FULL, { D_CC }, 1, ~0ULL, R },
    { "CC padding q2 (scalable)", SM256, FULL, { D_CC }, 2, ~0ULL, R },
    { "CC padding q3 (scalable)", SM256, FULL, { D_CC }, 3, ~0ULL, R },
    { "CC lo (abort-DMA)", ABORT256, FULL, { D_CC }, 0,
      0xfffc00000000f1c0ULL, R },
    /* 6.5.2.2 / Figure 6-2 PASID-cache (scalable only): 8:6, 15:12,
     * 63:52; 255:64. */
    { "PC q0", SM256, FULL, { D_PC }, 0, 0xfff000000000f1c0ULL, R },
    { "PC q1", SM256, FULL, { D_PC }, 1, ~0ULL, R },
    { "PC q2", SM256, FULL, { D_PC }, 2, ~0ULL, R },
    { "PC q3", SM256, FULL, { D_PC }, 3, ~0ULL, R },
    { "PC DID above CAP.ND", SM256, ND8, { 0x7 | 1u << 16 }, 0,
      0xff000000ULL, A },
    { "PC q0 (abort-DMA)", ABORT256, FULL, { D_PC }, 0,
      0xfff000000000f1c0ULL, R },
    /* 6.5.2.3 / Figure 6-3 IOTLB (global): 8, 15:12, 63:32; 75:71. */
    { "IOTLB lo", LEG128, FULL, { D_IOTLB }, 0, 0xffffffff0000f100ULL, R },
    { "IOTLB hi", LEG128, FULL, { D_IOTLB }, 1, 0x0000000000000f80ULL, R },
    { "IOTLB lo (scalable)", SM256, FULL, { D_IOTLB }, 0,
      0xffffffff0000f100ULL, R },
    { "IOTLB hi (scalable)", SM256, FULL, { D_IOTLB }, 1,
      0x0000000000000f80ULL, R },
    { "IOTLB padding q2", SM256, FULL, { D_IOTLB }, 2, ~0ULL, R },
    { "IOTLB padding q3 (legacy)", LEG256, FULL, { D_IOTLB }, 3, ~0ULL, R },
    /* Ignored, not reserved: DID bits 31:(16+N) for N-bit domain ids
     * (CAP.ND), ADDR bits 127:(64+MGAW) (MGAW 57 in the full profile);
     * domain-selective, page-selective with DID 1. */
    { "IOTLB DID above CAP.ND", LEG128, ND8, { 0x22 | 1u << 16 }, 0,
      0xff000000ULL, A },
    { "IOTLB address above MGAW", LEG128, FULL, { 0x32 | 1u << 16 }, 1,
      0xfe00000000000000ULL, A },
    /* 6.5.2.4 / Figure 6-4 PASID-based IOTLB (PASID-selective, DID 1):
     * 8:6, 15:12, 63:52; 75:71; 255:128. */
    { "PASID-IOTLB q0", SM256, FULL, { D_PIOTLB }, 0, 0xfff000000000f1c0ULL,
      R },
    { "PASID-IOTLB q1", SM256, FULL, { D_PIOTLB }, 1, 0xf80ULL, R },
    { "PASID-IOTLB q2", SM256, FULL, { D_PIOTLB }, 2, ~0ULL, R },
    { "PASID-IOTLB q3", SM256, FULL, { D_PIOTLB }, 3, ~0ULL, R },
    { "PASID-IOTLB DID above CAP.ND", SM256, ND8, { D_PIOTLB }, 0,
      0xff000000ULL, A },
    /* 6.5.2.5 / Figure 6-5 device-TLB: 8:4, 31:21, 51:48; 75:65; PFSID
     * (15:12, 63:52) reserved without ECAP.DIT, a field with it. */
    { "device-TLB lo", LEG128, FULL, { D_DEV }, 0, 0x000f0000ffe001f0ULL, R },
    { "device-TLB hi", LEG128, FULL, { D_DEV }, 1, 0xffeULL, R },
    { "device-TLB PFSID (no DIT)", LEG128, FULL, { D_DEV }, 0,
      0xfff000000000f000ULL, R },
    { "device-TLB PFSID (DIT)", LEG128, DIT, { D_DEV }, 0,
      0xfff000000000f000ULL, A },
    { "device-TLB lo (DIT)", LEG128, DIT, { D_DEV }, 0,
      0x000f0000ffe001f0ULL, R },
    { "device-TLB lo (scalable)", SM256, FULL, { D_DEV }, 0,
      0x000f0000ffe001f0ULL, R },
    { "device-TLB hi (scalable)", SM256, FULL, { D_DEV }, 1, 0xffeULL, R },
    { "device-TLB padding q2", SM256, FULL, { D_DEV }, 2, ~0ULL, R },
    { "device-TLB PFSID (scalable, DIT)", SM256, DIT, { D_DEV }, 0,
      0xfff000000000f000ULL, A },
    /* 6.5.2.6 / Figure 6-6 PASID-based device-TLB: q0 has no reserved
     * bit but PFSID (15:12, 63:52) without ECAP.DIT; 74:65; 255:128. */
    { "PASID-device-TLB PFSID (no DIT)", SM256, FULL, { D_PDEV }, 0,
      0xfff000000000f000ULL, R },
    { "PASID-device-TLB PFSID (DIT)", SM256, DIT, { D_PDEV }, 0,
      0xfff000000000f000ULL, A },
    { "PASID-device-TLB q1", SM256, FULL, { D_PDEV }, 1, 0x7feULL, R },
    { "PASID-device-TLB q1 (DIT)", SM256, DIT, { D_PDEV }, 1, 0x7feULL, R },
    { "PASID-device-TLB q2", SM256, FULL, { D_PDEV }, 2, ~0ULL, R },
    { "PASID-device-TLB q3", SM256, FULL, { D_PDEV }, 3, ~0ULL, R },
    /* 6.5.2.8 / Figure 6-8 interrupt entry cache (global): 8:5, 26:12,
     * 63:48; 127:64. */
    { "IEC lo", LEG128, FULL, { D_IEC }, 0, 0xffff000007fff1e0ULL, R },
    { "IEC hi", LEG128, FULL, { D_IEC }, 1, ~0ULL, R },
    { "IEC padding q2", SM256, FULL, { D_IEC }, 2, ~0ULL, R },
    { "IEC padding q3", SM256, FULL, { D_IEC }, 3, ~0ULL, R },
    { "IEC padding q2 (legacy)", LEG256, FULL, { D_IEC }, 2, ~0ULL, R },
    /* 6.5.2.9 / Figure 6-9 wait: 8, 31:12; 65:64; PD (7) reserved
     * without ECAP.PDS, a flag with it. */
    { "wait lo", LEG128, FULL, { D_WAIT }, 0, 0x00000000fffff100ULL, R },
    { "wait hi", LEG128, FULL, { D_WAIT }, 1, 0x3ULL, R },
    { "wait PD (no PDS)", LEG128, FULL, { D_WAIT }, 0, 0x80ULL, R },
    { "wait PD (PDS)", LEG128, PDS, { D_WAIT }, 0, 0x80ULL, A },
    { "wait PD (scalable, no PDS)", SM256, FULL, { D_WAIT }, 0, 0x80ULL, R },
    { "wait PD (scalable, PDS)", SM256, PDS, { D_WAIT }, 0, 0x80ULL, A },
    /* Status address bits 127:HAW+64 are ignored, not reserved (SW=1,
     * status to 0x20000). */
    { "wait status address above HAW", LEG128, FULL,
      { D_WAIT | 1u << 5 | 0x1234ULL << 32, 0x20000 }, 1, ABOVE_HAW_63, A },
    { "wait lo (scalable)", SM256, FULL, { D_WAIT }, 0, 0x00000000fffff100ULL,
      R },
    { "wait padding q2", SM256, FULL, { D_WAIT }, 2, ~0ULL, R },
    { "wait padding q3 (legacy)", LEG256, FULL, { D_WAIT }, 3, ~0ULL, R },
    /* 7.6.1 / Figure 7-2 page group response: 8:5, 63:52; 65:64,
     * 127:76; 255:128.  IGN (66) is ignored, and PASID (51:32) with
     * PP=0 (7.6.1). */
    { "page response q0", SM256, FULL, { D_PGRP }, 0, 0xfff00000000001e0ULL,
      R },
    { "page response q1", SM256, FULL, { D_PGRP }, 1, 0xfffffffffffff003ULL,
      R },
    { "page response q2", SM256, FULL, { D_PGRP }, 2, ~0ULL, R },
    { "page response q3", SM256, FULL, { D_PGRP }, 3, ~0ULL, R },
    { "page response IGN", SM256, FULL, { D_PGRP }, 1, 0x4ULL, A },
    { "page response PASID (PP=0)", SM256, FULL, { D_PGRP }, 0,
      0x000fffff00000000ULL, A },
    { "page response q0 (abort-DMA)", ABORT256, FULL, { D_PGRP }, 0,
      0xfff00000000001e0ULL, R },
};

#undef R
#undef A

static struct env env_unitv(enum unitv v)
{
    return env_caps39(unitvs[v].cap_set, unitvs[v].cap_clear,
                      unitvs[v].ecap_set, 0);
}

/* Submit one descriptor (d[0..3]) to a fresh queue in mode m (11.4.9.1-3:
 * IQA, GCMD.QIE, IQT); returns IQERCD.IQEI, or ACCEPTED when FSTS.IQE
 * stayed clear. */
static int submit(struct env *e, enum qmode m, const uint64_t *d)
{
    static const unsigned ttm[] = {
        [LEG128] = VTD_TTM_LEGACY, [LEG256] = VTD_TTM_LEGACY,
        [SM256] = VTD_TTM_SCALABLE, [ABORT256] = VTD_TTM_ABORT,
    };
    bool wide = m != LEG128;
    env_enable(e, ttm[m]);
    for (unsigned k = 0; k < (wide ? 4u : 2u); k++)
        fake_wq(e->h, IQ_BASE + 8 * k, d[k]);
    ck_assert_int_eq(vtd_mmio_write(e->u, VTD_REG_IQA, 8,
                                    IQ_BASE | (uint64_t)wide << 11), 0);
    env_gcmd(e, VTD_GCMD_QIE);
    ck_assert_int_eq(vtd_mmio_write(e->u, VTD_REG_IQT, 8, wide ? 32 : 16),
                     0);
    uint64_t fsts = 0, iqercd = 0, iqh = 0;
    ck_assert_int_eq(vtd_mmio_read(e->u, VTD_REG_FSTS, 4, &fsts), 0);
    ck_assert_int_eq(vtd_mmio_read(e->u, VTD_REG_IQERCD, 8, &iqercd), 0);
    ck_assert_int_eq(vtd_mmio_read(e->u, VTD_REG_IQH, 8, &iqh), 0);
    if (!VTD_FIELD_GET(fsts, FSTS, IQE)) {
        /* 6.5.2: IQH moves past a descriptor that was fetched valid. */
        ck_assert_uint_eq(iqh, wide ? 32 : 16);
        return ACCEPTED;
    }
    /* 6.5.2.11: IQH stays at the faulting descriptor. */
    ck_assert_uint_eq(iqh, 0);
    return (int)VTD_FIELD_GET(iqercd, IQERCD, IQEI);
}

START_TEST(test_descriptor_reserved_bits)
{
    const struct dcase *c = &dcases[_i];
    struct env e = env_unitv(c->v);
    int r = submit(&e, c->m, c->valid);
    ck_assert_msg(r == ACCEPTED,
                  "%s: valid descriptor stops the queue (IQEI %d)", c->what,
                  r);
    env_free(&e);
    for (unsigned b = 0; b < 64; b++) {
        if (!(c->mask >> b & 1))
            continue;
        e = env_unitv(c->v);
        uint64_t d[4] = { c->valid[0], c->valid[1], c->valid[2],
                          c->valid[3] };
        d[c->q] |= 1ULL << b;
        r = submit(&e, c->m, d);
        if (c->expect == ACCEPTED)
            ck_assert_msg(r == ACCEPTED, "%s: bit %u (of qword %u) stops "
                          "the queue (IQEI %d); the field is not reserved "
                          "here", c->what, b, c->q, r);
        else
            ck_assert_msg(r == c->expect, "%s: bit %u (of qword %u) gives "
                          "IQEI %d, VT-d 11.4.9.9 says %d", c->what, b, c->q,
                          r, c->expect);
        env_free(&e);
    }
}
END_TEST

/*
 * Reserved values of a field (each granularity encoding and response
 * code, one descriptor each): a reserved value makes the descriptor
 * invalid (6.5.2.1-6.5.2.4, 7.6.1), IQEI 4; the defined ones complete.
 */
struct vcase {
    const char *what;
    enum qmode m;
    uint64_t q0, q1;
    int expect;
};

#define G(g) ((uint64_t)(g) << 4)
#define RC(rc) ((uint64_t)(rc) << 12)
static const struct vcase vcases[] = {
    /* 6.5.2.1: 00b reserved; 01b global, 10b domain, 11b device. */
    { "CC G=00b", LEG128, 0x1 | G(0), 0, IQEI_RSVD },
    { "CC G=01b", LEG128, 0x1 | G(1), 0, ACCEPTED },
    { "CC G=10b", LEG128, 0x1 | G(2) | 1u << 16, 0, ACCEPTED },
    { "CC G=11b", LEG128, 0x1 | G(3) | 1u << 16 | 0x10ULL << 32, 0,
      ACCEPTED },
    { "CC G=00b (scalable)", SM256, 0x1 | G(0), 0, IQEI_RSVD },
    { "CC G=10b (scalable)", SM256, 0x1 | G(2) | 1u << 16, 0, ACCEPTED },
    /* 6.5.2.2: 10b reserved; 00b domain, 01b PASID, 11b global. */
    { "PC G=00b", SM256, 0x7 | G(0) | 1u << 16, 0, ACCEPTED },
    { "PC G=01b", SM256, 0x7 | G(1) | 1u << 16, 0, ACCEPTED },
    { "PC G=10b", SM256, 0x7 | G(2) | 1u << 16, 0, IQEI_RSVD },
    { "PC G=11b", SM256, 0x7 | G(3), 0, ACCEPTED },
    /* 6.5.2.3: 00b reserved; 01b global, 10b domain, 11b page (the
     * full profile has CAP.PSI; AM 0, address 0). */
    { "IOTLB G=00b", LEG128, 0x2 | G(0), 0, IQEI_RSVD },
    { "IOTLB G=01b", LEG128, 0x2 | G(1), 0, ACCEPTED },
    { "IOTLB G=10b", LEG128, 0x2 | G(2) | 1u << 16, 0, ACCEPTED },
    { "IOTLB G=11b", LEG128, 0x2 | G(3) | 1u << 16, 0, ACCEPTED },
    { "IOTLB G=00b (scalable)", SM256, 0x2 | G(0), 0, IQEI_RSVD },
    /* 6.5.2.4: 00b and 01b reserved; 10b PASID, 11b page. */
    { "PASID-IOTLB G=00b", SM256, 0x6 | G(0) | 1u << 16, 0, IQEI_RSVD },
    { "PASID-IOTLB G=01b", SM256, 0x6 | G(1) | 1u << 16, 0, IQEI_RSVD },
    { "PASID-IOTLB G=10b", SM256, 0x6 | G(2) | 1u << 16, 0, ACCEPTED },
    { "PASID-IOTLB G=11b", SM256, 0x6 | G(3) | 1u << 16, 0, ACCEPTED },
    /* 7.6.1 Table 32: 0h success, 1h invalid request, Fh response
     * failure; 2h-Eh reserved (the model's reading: a reserved field
     * value, IQEI 4, as docs/prq.md says). */
    { "page response RC 0h", SM256, D_PGRP | RC(0x0), 0, ACCEPTED },
    { "page response RC 1h", SM256, D_PGRP | RC(0x1), 0, ACCEPTED },
    { "page response RC 2h", SM256, D_PGRP | RC(0x2), 0, IQEI_RSVD },
    { "page response RC 7h", SM256, D_PGRP | RC(0x7), 0, IQEI_RSVD },
    { "page response RC Eh", SM256, D_PGRP | RC(0xe), 0, IQEI_RSVD },
    { "page response RC Fh", SM256, D_PGRP | RC(0xf), 0, ACCEPTED },
};
#undef G
#undef RC

START_TEST(test_descriptor_field_values)
{
    const struct vcase *c = &vcases[_i];
    struct env e = env_unitv(FULL);
    uint64_t d[4] = { c->q0, c->q1, 0, 0 };
    int r = submit(&e, c->m, d);
    ck_assert_msg(r == c->expect, "%s gives %d, VT-d says %d", c->what, r,
                  c->expect);
    env_free(&e);
}
END_TEST

/*
 * Table 26 and the capability each type needs: which of the 128 type
 * values (bits 11:9 and 3:0) a mode accepts.  Every other value is an
 * invalid descriptor type, IQEI 3 (11.4.9.9), whatever its body.
 */
struct tcase {
    const char *what;
    enum qmode m;
    uint64_t ecap_clear;  /* taken from the full profile */
    uint32_t valid;       /* bit t: type t is valid */
};

#define T(t) (1u << (t))
static const struct tcase tcases[] = {
    /* 1h-5h in legacy mode, either width. */
    { "legacy 128-bit", LEG128, 0, T(1) | T(2) | T(3) | T(4) | T(5) },
    { "legacy 256-bit", LEG256, 0, T(1) | T(2) | T(3) | T(4) | T(5) },
    /* 1h-Ah in scalable and abort-DMA modes; Ah (HPT cache, 6.5.2.7)
     * needs ECAP.HPTS, which the full profile lacks. */
    { "scalable", SM256, 0, T(1) | T(2) | T(3) | T(4) | T(5) | T(6) | T(7) |
      T(8) | T(9) },
    { "abort-DMA", ABORT256, 0, T(1) | T(2) | T(3) | T(4) | T(5) | T(6) |
      T(7) | T(8) | T(9) },
    /* 6.5.2.5, 6.5.2.6: device-TLB types need ECAP.DT. */
    { "legacy without DT", LEG128, VTD_ECAP_DT_MASK,
      T(1) | T(2) | T(4) | T(5) },
    { "scalable without DT", SM256, VTD_ECAP_DT_MASK,
      T(1) | T(2) | T(4) | T(5) | T(6) | T(7) | T(9) },
    /* 7.6.1: page group responses need ECAP.PRS. */
    { "scalable without PRS", SM256, VTD_ECAP_PRS_MASK,
      T(1) | T(2) | T(3) | T(4) | T(5) | T(6) | T(7) | T(8) },
};
#undef T

/* The valid body of type t & 0xf (the type alone for the others), with
 * bits 11:9 from t >> 4. */
static uint64_t typed(unsigned t)
{
    static const uint64_t body[16] = {
        [1] = D_CC, [2] = D_IOTLB, [3] = D_DEV, [4] = D_IEC, [5] = D_WAIT,
        [6] = D_PIOTLB, [7] = D_PC, [8] = D_PDEV, [9] = D_PGRP,
    };
    unsigned lo = t & 0xf;
    return (body[lo] ? body[lo] : lo) | (uint64_t)(t >> 4) << 9;
}

START_TEST(test_descriptor_types)
{
    const struct tcase *c = &tcases[_i];
    struct env e = env_caps39(0, 0, 0, c->ecap_clear);
    ck_assert_msg(!VTD_FIELD_GET(vtd_iommu_ecap(e.u), ECAP, HPTS),
                  "the full profile grew ECAP.HPTS: type Ah is valid");
    env_free(&e);
    for (unsigned t = 0; t < 128; t++) {
        e = env_caps39(0, 0, 0, c->ecap_clear);
        uint64_t d[4] = { typed(t), 0, 0, 0 };
        int r = submit(&e, c->m, d);
        int want = t < 32 && (c->valid >> t & 1) ? ACCEPTED : IQEI_TYPE;
        ck_assert_msg(r == want, "%s: type %#x gives %d, VT-d Table 26 "
                      "says %d", c->what, t, r, want);
        env_free(&e);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reserved");
    TCase *tc = tcase_create("dma");
    tcase_add_loop_test(tc, test_reserved_bits, 0,
                        (int)(sizeof(cases) / sizeof(cases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("irte");
    tcase_add_loop_test(tc, test_irte_reserved_bits, 0,
                        (int)(sizeof(icases) / sizeof(icases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("descriptors");
    tcase_add_loop_test(tc, test_descriptor_reserved_bits, 0,
                        (int)(sizeof(dcases) / sizeof(dcases[0])));
    tcase_add_loop_test(tc, test_descriptor_field_values, 0,
                        (int)(sizeof(vcases) / sizeof(vcases[0])));
    tcase_add_loop_test(tc, test_descriptor_types, 0,
                        (int)(sizeof(tcases) / sizeof(tcases[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
