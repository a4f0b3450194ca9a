/* SPDX-License-Identifier: MIT */
/*
 * tests/test_inject_modes.c: the host fails under the unit, in every
 * translation mode, with the outcome the spec gives for the access that
 * failed (issue 18 item 1).
 *
 * Each scenario builds its structures by hand in fake guest memory (the
 * entry formats of VT-d chapter 9, bit positions written here) and
 * programs the unit through its registers only.  The host ops are
 * wrapped by an injector that fails the Nth call (read, write,
 * cmpxchg64, msi_send; a failed MSI is dropped) either once or from N on;
 * a counting run learns how many calls the operation makes, then every N
 * is run, each on a fresh unit.  The address of the failed call names the
 * structure the unit was touching (the scenario's own map), and that
 * gives the expectation, from the spec, not from the program:
 *
 *   VT-d 7.1.3 Table 30, "a hardware attempt to access ... resulted in an
 *   error": root entry LRT.1 (8h) / SRT.1 (38h); context entry LCT.1 (9h)
 *   / SCT.1 (40h); PASID-directory entry SPD.1 (50h); PASID-table entry
 *   SPT.1 (58h); the second-stage table the context or PASID entry points
 *   to LCT.4.3 (3h) / SSS.4 (7Bh), the ones below it LSS.1 (7h) / SSS.1
 *   (78h); the first-stage table FSPTPTR points to SFS.4 (73h), the ones
 *   below SFS.1 (70h) (nested: second-stage faults met while reading
 *   first-stage entries are SSS.x, the note under SFS.1); an A/D update
 *   that fails: SFS.10 (91h) in a first-stage entry, SSS.6 (7Dh) in a
 *   second-stage one.  Interrupts (5.1.4.1 Table 15): the IRTE read 23h,
 *   the posted-interrupt descriptor 27h (5.2.3: the descriptor is updated
 *   atomically, so a failed update leaves it as it was).  Queued
 *   invalidation (6.5.2.11, 11.4.9.9): a descriptor fetch that fails is
 *   IQE with IQEI 2, IQH left at that descriptor, nothing fetched until
 *   IQE is cleared.
 *
 * Every faulting request must be recorded (FPD is 0 everywhere): FRCD0
 * holds the reason and the source id, FSTS.PPF is set.  After each run
 * the host recovers: the same operation, repeated, must succeed with the
 * hand-computed result (no poisoned cache, no half-done state).
 *
 * Choices where the spec says nothing (vtd/ documents them): a failed
 * wait-descriptor status write is logged and the descriptor completes
 * (6.5.2.9 calls a status address that is not memory undefined); a failed
 * fault-event or completion-event MSI is lost: the status bits (PPF, IWC)
 * stay set for software that polls, and the next event is sent.
 *
 * Caching mode (6.1, <vtd/notify.h>): a subscriber's shadow is compared,
 * page by page, with the guest's tables after an invalidation whose
 * resync had a read failing: each page must be what the tables say now,
 * or, only for a page whose path went through the entry that could not
 * be read (or when the root or context entry could not be read), what it
 * was before; after the host recovers, the next invalidation makes the
 * shadow equal to the tables and to vtd_translate() everywhere.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/entries.h>
#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "check_main.h"
#include "fakemem.h"
#include "inject_host.h"

#define RAM (4u << 20)

/* ------------------------------------------------------------------ */
/* Structures in guest memory (chapter 9), and what each region is     */
/* ------------------------------------------------------------------ */

enum kind {
    K_NONE, K_ROOT, K_CTX, K_PDIR, K_PTBL, K_SS_TOP, K_SS, K_FS_TOP, K_FS,
    K_IRT, K_PID, K_QUEUE, K_STATUS,
};
static const char *const kind_name[] = {
    "other", "root table", "context table", "PASID directory",
    "PASID table", "SS top table", "SS table", "FS top table", "FS table",
    "IRT", "posted descriptor", "queue", "status",
};

#define RTA 0x10000ULL
#define CTP 0x11000ULL
#define PDIR 0x12000ULL
#define PTBL 0x13000ULL
#define SS_POOL 0x100000ULL   /* second-stage tables */
#define FS_POOL 0x200000ULL   /* first-stage tables */
#define DATA 0x400000ULL      /* pages the translations point to */

struct scen {
    const char *name;
    bool sm;                  /* RTADDR.TTM = 01b */
    unsigned pgtt;            /* scalable: PASID-table PGTT */
    unsigned tt;              /* legacy: context TT */
    bool with_pasid;          /* request with PASID */
    bool ssade;
    unsigned leaf;            /* leaf level of the mapping (1, 2, 3) */
    uint64_t iova;
};

struct env {
    struct ih x;
    struct vtd_iommu *u;
    uint64_t ss_next, fs_next;
    uint64_t out;             /* expected output address of iova */
};

#define SID 0x0010             /* 00:02.0 */
#define PASID 5
#define DID 7

/* Allocate one zeroed 4 KiB table from a pool. */
static uint64_t alloc(uint64_t *next)
{
    uint64_t a = *next;
    *next += 4096;
    return a;
}

/* VT-d 9.8 second-stage entry: R 0, W 1, PS 7, addr 51:12. */
#define SS_RW 0x3ULL
#define SS_PS 0x80ULL
#define SS_A (1ULL << 8)
#define SS_D (1ULL << 9)
/* VT-d 9.7 first-stage entry: P 0, R/W 1, U/S 2, A 5, D 6, PS 7. */
#define FS_PRWU 0x7ULL
#define FS_A 0x20ULL
#define FS_D 0x40ULL
#define FS_PS 0x80ULL

/* Map iova -> pa in a 4-level table at root, leaf at `leaf` level, in
 * either format (non-leaf entries: SS RW / FS P|RW|U/S). */
static void map4(struct fake_host *h, uint64_t root, uint64_t *next,
                 bool fs, uint64_t iova, uint64_t pa, unsigned leaf)
{
    uint64_t nl = fs ? FS_PRWU : SS_RW;
    uint64_t table = root;
    for (unsigned l = 4; l > leaf; l--) {
        uint64_t ea = table + 8 * ((iova >> (12 + 9 * (l - 1))) & 0x1ff);
        uint64_t e = fake_rq(h, ea);
        if (!e) {
            uint64_t t = alloc(next);
            fake_wq(h, ea, t | nl);
            table = t;
        } else {
            table = e & 0x000ffffffffff000ULL;
        }
    }
    uint64_t ea = table + 8 * ((iova >> (12 + 9 * (leaf - 1))) & 0x1ff);
    fake_wq(h, ea, pa | nl | (leaf > 1 ? (fs ? FS_PS : SS_PS) : 0));
}

static enum kind classify(const struct scen *s, uint64_t gpa)
{
    if (gpa >= RTA && gpa < RTA + 4096)
        return K_ROOT;
    if (gpa >= CTP && gpa < CTP + 4096)
        return K_CTX;
    if (gpa >= PDIR && gpa < PDIR + 4096)
        return K_PDIR;
    if (gpa >= PTBL && gpa < PTBL + 4096)
        return K_PTBL;
    if (gpa >= SS_POOL && gpa < SS_POOL + 4096)
        return K_SS_TOP;
    if (gpa >= SS_POOL + 4096 && gpa < FS_POOL)
        return K_SS;
    if (gpa >= FS_POOL && gpa < FS_POOL + 4096)
        return K_FS_TOP;
    if (gpa >= FS_POOL + 4096 && gpa < DATA)
        return K_FS;
    (void)s;
    return K_NONE;
}

/* Build the scenario's structures and program the unit (TE on). */
static void build(struct env *e, const struct scen *s)
{
    memset(e, 0, sizeof(*e));
    e->u = ih_start(&e->x, RAM, false);
    struct fake_host *h = e->x.fh;
    e->ss_next = SS_POOL;
    e->fs_next = FS_POOL;
    uint64_t ss_root = alloc(&e->ss_next);
    uint64_t fs_root = alloc(&e->fs_next);
    uint64_t psize = 1ULL << (12 + 9 * (s->leaf - 1));
    /* Output page aligned to the leaf size (9.7, 9.8: low bits of a
     * large-page address are reserved). */
    uint64_t pa = s->leaf == 3 ? 0x40000000ULL : DATA;
    unsigned devfn = SID & 0xff;

    if (!s->sm) {
        /* 9.1 root entry: P 0, CTP 63:12.  9.3 context entry: P 0,
         * FPD 1, TT 3:2, SSPTPTR 63:12; AW 66:64, DID 87:72. */
        fake_wq(h, RTA, CTP | 1);
        fake_wq(h, CTP + 16 * devfn, 1 | (uint64_t)s->tt << 2 | ss_root);
        fake_wq(h, CTP + 16 * devfn + 8, 2 | (uint64_t)DID << 8);
        if (s->tt == 2) {
            e->out = s->iova;           /* pass-through */
        } else {
            map4(h, ss_root, &e->ss_next, false, s->iova & ~(psize - 1), pa,
                 s->leaf);
            e->out = pa | (s->iova & (psize - 1));
        }
    } else {
        /* 9.4 scalable root entry: LP 0, LCTP 63:12 (devfn < 128). */
        fake_wq(h, RTA, CTP | 1);
        /* 9.4 scalable context entry: P 0, FPD 1, DTE 2, PASIDE 3,
         * PDTS 11:9 (0: 2^7 directory entries), PASIDDIRPTR 63:12;
         * RID_PASID 83:64 (0). */
        fake_wq(h, CTP + 32 * devfn, 1 | 8 | PDIR);
        /* 9.5 PASID-directory entry: P 0, SMPTBLPTR 63:12. */
        fake_wq(h, PDIR, PTBL | 1);
        /* 9.6 PASID-table entry: q0 P 0, AW 4:2 (2: 4-level), PGTT 8:6,
         * SSADE 9, SSPTPTR 63:12; q1 DID 15:0, PWSNP 23; q2 SRE 0,
         * FSPM 3:2 (0: 4-level), FSPTPTR 63:12. */
        unsigned idx = s->with_pasid ? PASID : 0;
        uint64_t q0 = 1 | 2ULL << 2 | (uint64_t)s->pgtt << 6 |
                      (s->ssade ? 1ULL << 9 : 0);
        if (s->pgtt == 2 || s->pgtt == 3)
            q0 |= ss_root;
        uint64_t q1 = DID | 1ULL << 23;
        uint64_t q2 = s->pgtt == 1 || s->pgtt == 3 ? fs_root : 0;
        fake_wq(h, PTBL + 64 * idx, q0);
        fake_wq(h, PTBL + 64 * idx + 8, q1);
        fake_wq(h, PTBL + 64 * idx + 16, q2);
        switch (s->pgtt) {
        case 1: /* first stage */
            map4(h, fs_root, &e->fs_next, true, s->iova & ~(psize - 1), pa,
                 s->leaf);
            e->out = pa | (s->iova & (psize - 1));
            break;
        case 2: /* second stage */
            map4(h, ss_root, &e->ss_next, false, s->iova & ~(psize - 1), pa,
                 s->leaf);
            e->out = pa | (s->iova & (psize - 1));
            break;
        case 3: /* nested: first-stage tables and output through an
                 * identity second stage of 2 MiB pages over 0..16 MiB */
            for (uint64_t g = 0; g < (16ULL << 20); g += 0x200000)
                map4(h, ss_root, &e->ss_next, false, g, g, 2);
            map4(h, fs_root, &e->fs_next, true, s->iova & ~(psize - 1), pa,
                 s->leaf);
            e->out = pa | (s->iova & (psize - 1));
            break;
        default: /* pass-through */
            e->out = s->iova;
            break;
        }
    }
    events_on(e->u);
    ih_translation_on(e->u, RTA, s->sm ? VTD_TTM_SCALABLE : VTD_TTM_LEGACY);
}

/* Table 30: the fault reason for a failed access of `op` to `k`. */
static unsigned expect_dma(const struct scen *s, enum hop op, enum kind k)
{
    if (op == H_READ) {
        switch (k) {
        case K_ROOT: return s->sm ? 0x38 : 0x08;   /* SRT.1 / LRT.1 */
        case K_CTX: return s->sm ? 0x40 : 0x09;    /* SCT.1 / LCT.1 */
        case K_PDIR: return 0x50;                  /* SPD.1 */
        case K_PTBL: return 0x58;                  /* SPT.1 */
        case K_SS_TOP: return s->sm ? 0x7b : 0x03; /* SSS.4 / LCT.4.3 */
        case K_SS: return s->sm ? 0x78 : 0x07;     /* SSS.1 / LSS.1 */
        case K_FS_TOP: return 0x73;                /* SFS.4 */
        case K_FS: return 0x70;                    /* SFS.1 */
        default: return 0;
        }
    }
    if (op == H_CX) {
        if (k == K_FS_TOP || k == K_FS)
            return 0x91;                           /* SFS.10 */
        if (k == K_SS_TOP || k == K_SS)
            return 0x7d;                           /* SSS.6 */
    }
    return 0;
}

static struct vtd_dma_req req_of(const struct scen *s, uint32_t access)
{
    struct vtd_dma_req r = { .sid = SID,
                             .pasid = s->with_pasid ? PASID : VTD_NO_PASID,
                             .iova = s->iova, .size = 4, .access = access,
                             .at = VTD_AT_UNTRANSLATED };
    return r;
}

/* One run: fresh unit, the Nth call failing (N > calls: none). */
static void dma_run(const struct scen *s, uint32_t access, unsigned long n,
                    bool forever, unsigned long *calls_out)
{
    struct env e;
    build(&e, s);
    struct vtd_dma_req r = req_of(s, access);
    struct vtd_xlate o;
    arm(&e.x, n, forever);
    ck_assert_int_eq(vtd_translate(e.u, &r, &o), 0);
    ih_done(&e.x, calls_out);
    const char *tag = forever ? "from N on" : "once";
    if (!e.x.nfailed) {
        ck_assert_msg(o.fault == 0, "%s: no failure but fault %#x", s->name,
                      o.fault);
        ck_assert_uint_eq(o.addr, e.out);
    } else {
        enum kind k = classify(s, e.x.fgpa);
        unsigned want = expect_dma(s, e.x.fop, k);
        ck_assert_msg(want != 0, "%s N=%lu (%s): the unit made a %s at "
                      "%#llx (%s), which no Table 30 row covers", s->name,
                      n, tag, hop_name[e.x.fop],
                      (unsigned long long)e.x.fgpa, kind_name[k]);
        if (e.x.fop == H_MSI)
            goto recover;
        ck_assert_msg(o.fault == want, "%s N=%lu (%s): failed %s of the %s "
                      "at %#llx: fault %#x, Table 30 says %#x", s->name, n,
                      tag, hop_name[e.x.fop], kind_name[k],
                      (unsigned long long)e.x.fgpa, o.fault, want);
        ck_assert_msg(o.recorded, "%s N=%lu: fault %#x not recorded",
                      s->name, n, want);
        /* 7.2.1: FRCD0 holds it, PPF set; 11.4.7.6 FR, SID, F. */
        uint64_t hi = rd64(e.u, frcd_off(e.u) + 8);
        ck_assert(VTD_FIELD_GET(hi, FRCD_HI, F));
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, FR), want);
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, SID), SID);
        ck_assert(VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, PPF));
        /* 7.3: the fault event went out unless its MSI is the call
         * that failed too (from N on). */
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
        if (e.x.msis) {
            ck_assert_uint_eq(e.x.msi_addr, FEADDR_V);
            ck_assert_uint_eq(e.x.msi_data, FEDATA_V);
        }
    }
recover:
    /* The host recovers: the same request succeeds (A/D set now). */
    ck_assert_int_eq(vtd_translate(e.u, &r, &o), 0);
    ck_assert_msg(o.fault == 0 && o.addr == e.out,
                  "%s N=%lu (%s): after recovery fault %#x addr %#llx, "
                  "want %#llx", s->name, n, tag, o.fault,
                  (unsigned long long)o.addr, (unsigned long long)e.out);
    if (s->sm && (s->pgtt == 1 || s->pgtt == 3)) {
        /* 3.6.2: A in every first-stage entry used, D in the leaf on a
         * write: check the FS top entry (index 0 for our iovas < 512G). */
        uint64_t top = fake_rq(e.x.fh, FS_POOL +
                               8 * ((s->iova >> 39) & 0x1ff));
        ck_assert(top & FS_A);
    }
    ih_stop(&e.x, e.u);
}

static void sweep_dma(const struct scen *s, uint32_t access)
{
    unsigned long calls = 0;
    dma_run(s, access, ~0UL, false, &calls);
    ck_assert_uint_gt(calls, 0);
    for (unsigned long n = 1; n <= calls + 1; n++) {
        dma_run(s, access, n, false, NULL);
        dma_run(s, access, n, true, NULL);
    }
}

static const struct scen scens[] = {
    { "legacy 4-level 4K", false, 0, 0, false, false, 1, 0x12345678 },
    { "legacy 4-level 2M", false, 0, 0, false, false, 2, 0x40212345 },
    { "legacy 4-level 1G", false, 0, 0, false, false, 3, 0x8123456789ULL },
    { "legacy pass-through", false, 0, 2, false, false, 1, 0x5000 },
    { "scalable SS+SSADE 4K", true, 2, 0, false, true, 1, 0x12345678 },
    { "scalable SS+SSADE 2M", true, 2, 0, false, true, 2, 0x40212345 },
    { "scalable SS 4K", true, 2, 0, false, false, 1, 0x7654321 },
    { "scalable FS 4K, PASID", true, 1, 0, true, false, 1, 0x12345678 },
    { "scalable FS 2M, no PASID", true, 1, 0, false, false, 2, 0x40212345 },
    { "scalable FS 1G, PASID", true, 1, 0, true, false, 3, 0x8123456789ULL },
    { "nested+SSADE 4K, PASID", true, 3, 0, true, true, 1, 0x12345678 },
    { "nested 2M, no PASID", true, 3, 0, false, false, 2, 0x40212345 },
    { "scalable pass-through", true, 4, 0, true, false, 1, 0x5000 },
};

START_TEST(test_dma_modes)
{
    const struct scen *s = &scens[_i];
    sweep_dma(s, VTD_ACC_READ);
    sweep_dma(s, VTD_ACC_WRITE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Interrupt remapping and posting                                     */
/* ------------------------------------------------------------------ */

#define IRT 0x20000ULL
#define PID 0x30040ULL

/* 9.10 IRTE: P 0, FPD 1, IM 15 (posted), vector 23:16, destination
 * 63:32 (remapped); posted: PDA 31:6 at 63:38, PDA 63:32 in the upper
 * qword's 63:32.  9.11 PID: PIR 255:0, ON 256, NV 279:272, NDST 319:288
 * (xAPIC: 15:8 of NDST). */
static void irq_build(struct env *e, bool posted)
{
    memset(e, 0, sizeof(*e));
    e->u = ih_start(&e->x, RAM, false);
    struct fake_host *h = e->x.fh;
    if (posted) {
        fake_wq(h, IRT, 1 | 1ULL << 15 | 0x61ULL << 16 |
                            ((PID >> 6) & 0x3ffffff) << 38);
        fake_wq(h, IRT + 8, (PID >> 32) << 32);
        fake_wq(h, PID + 32, 0xf2ULL << 16 | 3ULL << 40);
    } else {
        fake_wq(h, IRT, 1 | 0x61ULL << 16 | 3ULL << 40);
        fake_wq(h, IRT + 8, 0);
    }
    events_on(e->u);
    wr64(e->u, VTD_REG_IRTA, IRT | 7);
    gcmd(e->u, VTD_GCMD_SIRTP);
    gcmd(e->u, VTD_GCMD_IRE);
}

static enum kind irq_kind(uint64_t gpa)
{
    if (gpa >= IRT && gpa < IRT + 4096)
        return K_IRT;
    if (gpa >= PID && gpa < PID + 64)
        return K_PID;
    return K_NONE;
}

static void irq_run(bool posted, unsigned long n, bool forever,
                    unsigned long *calls_out)
{
    struct env e;
    irq_build(&e, posted);
    /* 5.1.2.2 remappable format: bit 4, handle 0. */
    struct vtd_msi_req r = { .sid = SID, .sid_valid = true,
                             .addr = 0xfee00010ULL };
    struct vtd_irq o;
    bool pending = false;
    arm(&e.x, n, forever);
    ck_assert_int_eq(vtd_interrupt(e.u, &r, &o), 0);
    ih_done(&e.x, calls_out);
    const char *name = posted ? "posted" : "remapped";
    if (!e.x.nfailed) {
        ck_assert_int_eq(o.outcome, posted ? VTD_IRQ_POSTED
                                           : VTD_IRQ_REMAPPED);
    } else {
        enum kind k = irq_kind(e.x.fgpa);
        unsigned want = k == K_IRT ? 0x23 : k == K_PID ? 0x27 : 0;
        ck_assert_msg(want, "%s N=%lu: failed %s at %#llx (%s)", name, n,
                      hop_name[e.x.fop], (unsigned long long)e.x.fgpa,
                      kind_name[k]);
        uint64_t ctl0 = posted ? 0xf2ULL << 16 | 3ULL << 40 : 0;
        if (o.outcome == VTD_IRQ_POSTED) {
            /* Only when ON could not be set and PIR could not be
             * restored either (two failed calls): the report follows
             * the state, the vector pending in PIR, ON clear, no
             * notification, no fault. */
            ck_assert(forever && k == K_PID && e.x.fop == H_CX);
            ck_assert(!o.notify && !o.recorded);
            ck_assert_uint_eq(fake_rq(e.x.fh, PID + 8), 1ULL << (0x61 - 64));
            ck_assert_uint_eq(fake_rq(e.x.fh, PID + 32), ctl0);
            pending = true;
            goto recover;
        }
        ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
        ck_assert_msg(o.fault == want, "%s N=%lu: failed %s of the %s: "
                      "fault %#x, want %#x", name, n, hop_name[e.x.fop],
                      kind_name[k], o.fault, want);
        ck_assert(o.recorded);
        uint64_t hi = rd64(e.u, frcd_off(e.u) + 8);
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, FR), want);
        /* 5.2.3: the descriptor update is atomic: PIR and ON as they
         * were (all clear). */
        for (unsigned q = 0; q < 5; q++)
            ck_assert_msg(fake_rq(e.x.fh, PID + 8 * q) == (q == 4 ? ctl0 : 0),
                          "%s N=%lu (%s): failed %s: PID qword %u = %#llx",
                          name, n, forever ? "from N on" : "once",
                          hop_name[e.x.fop], q,
                          (unsigned long long)fake_rq(e.x.fh, PID + 8 * q));
    }
recover:
    /* Recovery: delivered now; posted: PIR bit 0x61, ON, notification. */
    ck_assert_int_eq(vtd_interrupt(e.u, &r, &o), 0);
    if (posted) {
        ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
        /* 5.2.3: a notification when ON goes 0 -> 1 (the failed run
         * left it clear; a good first run set it). */
        ck_assert_uint_eq(o.notify, e.x.nfailed > 0);
        (void)pending;
        ck_assert_uint_eq(fake_rq(e.x.fh, PID + 8), 1ULL << (0x61 - 64));
        ck_assert_uint_eq(fake_rq(e.x.fh, PID + 32) & 1, 1);
    } else {
        ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
        ck_assert_uint_eq(o.vector, 0x61);
        ck_assert_uint_eq(o.dest, 3);
    }
    ih_stop(&e.x, e.u);
}

START_TEST(test_irq_modes)
{
    for (int posted = 0; posted <= 1; posted++) {
        unsigned long calls = 0;
        irq_run(posted, ~0UL, false, &calls);
        ck_assert_uint_gt(calls, 0);
        for (unsigned long n = 1; n <= calls + 1; n++) {
            irq_run(posted, n, false, NULL);
            irq_run(posted, n, true, NULL);
        }
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Queued invalidation: descriptor fetch, status write, events         */
/* ------------------------------------------------------------------ */

#define IQ 0x40000ULL
#define STATUS 0x41000ULL

static void qi_run(unsigned long n, bool forever, unsigned long *calls_out)
{
    struct env e;
    memset(&e, 0, sizeof(e));
    e.u = ih_start(&e.x, RAM, false);
    struct fake_host *h = e.x.fh;
    events_on(e.u);
    wr64(e.u, VTD_REG_IQA, IQ); /* 128-bit descriptors, 256 slots */
    gcmd(e.u, VTD_GCMD_QIE);
    /* An IOTLB global invalidation, then a wait with SW and IF. */
    uint64_t q[2];
    ck_assert(vtd_qd_iotlb(q, VTD_QD_IOTLB_GLOBAL, 0, false, false, 0, 0,
                           false));
    fake_wq(h, IQ, q[0]);
    fake_wq(h, IQ + 8, q[1]);
    ck_assert(vtd_qd_wait(q, true, true, false, false, 0x1234, STATUS));
    fake_wq(h, IQ + 16, q[0]);
    fake_wq(h, IQ + 24, q[1]);
    unsigned logs0 = e.x.logs;
    arm(&e.x, n, forever);
    wr64(e.u, VTD_REG_IQT, 32);
    ih_done(&e.x, calls_out);
    uint32_t fsts = rd32(e.u, VTD_REG_FSTS);
    uint64_t iqh = rd64(e.u, VTD_REG_IQH);
    uint32_t ics = rd32(e.u, VTD_REG_ICS);
    if (!e.x.nfailed) {
        ck_assert_uint_eq(iqh, 32);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0x1234);
        ck_assert_uint_eq(e.x.msis, 1);   /* the completion event */
    } else if (e.x.fop == H_READ) {
        /* 6.5.2.11, 11.4.9.9: IQE, IQEI 2, IQH at the descriptor whose
         * fetch failed; nothing after it done. */
        ck_assert_msg(e.x.fgpa == IQ || e.x.fgpa == IQ + 16,
                      "N=%lu: read at %#llx", n,
                      (unsigned long long)e.x.fgpa);
        ck_assert(VTD_FIELD_GET(fsts, FSTS, IQE));
        ck_assert_uint_eq(VTD_FIELD_GET(rd64(e.u, VTD_REG_IQERCD), IQERCD,
                                        IQEI), VTD_IQEI_FETCH);
        ck_assert_uint_eq(iqh, e.x.fgpa - IQ);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert_uint_eq(VTD_FIELD_GET(ics, ICS, IWC), 0);
        /* 7.3: IQE raises a fault event (its MSI failed from N on). */
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
        /* Tail writes while IQE is set fetch nothing (6.5.2.11). */
        wr64(e.u, VTD_REG_IQT, 32);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), iqh);
        /* Software clears IQE and rings again: the queue resumes. */
        wr32(e.u, VTD_REG_FSTS, VTD_FSTS_IQE_MASK);
        wr64(e.u, VTD_REG_IQT, 32);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 32);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0x1234);
    } else if (e.x.fop == H_WRITE) {
        /* The status write failed: logged, the wait completes (IF still
         * sets IWC and raises the event unless that failed too). */
        ck_assert_uint_eq(e.x.fgpa, STATUS);
        ck_assert_uint_eq(iqh, 32);
        ck_assert(!VTD_FIELD_GET(fsts, FSTS, IQE));
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert_uint_gt(e.x.logs, logs0);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
    } else {
        /* The completion event's MSI was lost: 6.5.2.10 IWC stays set
         * for software to see; the queue is done. */
        ck_assert_uint_eq(e.x.fop, H_MSI);
        ck_assert_uint_eq(e.x.fgpa, IEADDR_V);
        ck_assert_uint_eq(iqh, 32);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(fake_rl(h, STATUS), 0x1234);
        ck_assert_uint_eq(e.x.msis, 0);
    }
    /* Recovery: clear IWC, queue the pair again: done, status written,
     * one completion event. */
    wr32(e.u, VTD_REG_ICS, 1);
    fake_wl(h, STATUS, 0);
    unsigned m0 = e.x.msis;
    uint64_t t = rd64(e.u, VTD_REG_IQT);
    for (unsigned i = 0; i < 4; i++)
        fake_wq(h, IQ + t + 8 * i, fake_rq(h, IQ + 8 * i));
    wr64(e.u, VTD_REG_IQT, t + 32);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), t + 32);
    ck_assert_uint_eq(fake_rl(h, STATUS), 0x1234);
    ck_assert_uint_eq(e.x.msis, m0 + 1);
    ck_assert_uint_eq(e.x.msi_addr, IEADDR_V);
    ck_assert_uint_eq(e.x.msi_data, IEDATA_V);
    ih_stop(&e.x, e.u);
}

START_TEST(test_qi)
{
    unsigned long calls = 0;
    qi_run(~0UL, false, &calls);
    ck_assert_uint_eq(calls, 4); /* 2 fetches, status write, event */
    for (unsigned long n = 1; n <= calls + 1; n++) {
        qi_run(n, false, NULL);
        qi_run(n, true, NULL);
    }
}
END_TEST

/* A fault event whose MSI is lost (7.3): the record and PPF stay for a
 * polling driver; once software clears the record, the next fault's
 * event goes out. */
START_TEST(test_fault_event_lost)
{
    static const struct scen s = { "legacy, not present", false, 0, 0,
                                   false, false, 1, 0x12345678 };
    struct env e;
    build(&e, &s);
    /* Unmap: clear the context entry's P (LCT.2, 2h). */
    fake_wq(e.x.fh, CTP + 16 * (SID & 0xff), 0);
    struct vtd_dma_req r = req_of(&s, VTD_ACC_READ);
    struct vtd_xlate o;
    unsigned long calls = 0;
    arm(&e.x, ~0UL, false);
    ck_assert_int_eq(vtd_translate(e.u, &r, &o), 0);
    calls = e.x.calls;
    ck_assert_uint_eq(o.fault, 0x02);
    ck_assert_uint_eq(e.x.msis, 1);
    ih_clear_records(e.u);
    ck_assert(!VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, PPF));
    /* Now the event's MSI (the last call) fails. */
    arm(&e.x, calls, false);
    ck_assert_int_eq(vtd_translate(e.u, &r, &o), 0);
    e.x.armed = false;
    ck_assert_uint_eq(e.x.fop, H_MSI);
    ck_assert_uint_eq(o.fault, 0x02);
    ck_assert(o.recorded);
    ck_assert_uint_eq(e.x.msis, 1);
    ck_assert(VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, PPF));
    ih_clear_records(e.u);
    ck_assert_int_eq(vtd_translate(e.u, &r, &o), 0);
    ck_assert(o.recorded);
    ck_assert_uint_eq(e.x.msis, 2);
    ck_assert_uint_eq(e.x.msi_addr, FEADDR_V);
    ih_stop(&e.x, e.u);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Caching mode: the shadow after a resync with a failed read          */
/* ------------------------------------------------------------------ */

#define WPAGES 1024            /* iova [0, 4 MiB): two leaf tables */

struct shadow {
    bool mapped[WPAGES];
    uint64_t gpa[WPAGES];
};

static void shadow_ev(void *opaque, const struct vtd_map_event *ev)
{
    struct shadow *sh = opaque;
    uint64_t end = ev->size ? ev->iova + ev->size : ~0ULL;
    if (!ev->size && ev->iova)
        end = ~0ULL;
    for (uint64_t p = 0; p < WPAGES; p++) {
        uint64_t va = p << 12;
        if (va < ev->iova || va >= end)
            continue;
        sh->mapped[p] = ev->kind == VTD_MAP_EVENT;
        sh->gpa[p] = ev->kind == VTD_MAP_EVENT ? ev->gpa + (va - ev->iova)
                                               : 0;
    }
}

/* The guest's tables for the window, legacy 4-level: L4 -> L3 -> L2,
 * L2[0] -> leaf A, L2[1] -> leaf B or C.  want[p] = what the tables
 * map page p to (0: nothing). */
#define L4 0x100000ULL
#define L3 0x101000ULL
#define L2 0x102000ULL
#define LA 0x103000ULL
#define LB 0x104000ULL
#define LC 0x105000ULL

static void cm_tables(struct fake_host *h, unsigned version, uint64_t *want)
{
    memset(want, 0, sizeof(uint64_t) * WPAGES);
    fake_wq(h, L4, L3 | SS_RW);
    fake_wq(h, L3, L2 | SS_RW);
    fake_wq(h, L2, LA | SS_RW);
    fake_wq(h, L2 + 8, (version ? LC : LB) | SS_RW);
    for (unsigned i = 0; i < 512; i++) {
        /* Leaf A: every third page; in version 1 every fifth moves.
         * Only the first 48 entries of each leaf table are used (every
         * present leaf costs the resync a probe walk). */
        uint64_t pa = 0;
        if (i >= 48) {
            fake_wq(h, LA + 8 * i, 0);
            fake_wq(h, LB + 8 * i, 0);
            fake_wq(h, LC + 8 * i, 0);
            continue;
        }
        if (i % 3 == 0)
            pa = DATA + 0x1000ULL * i;
        if (version && i % 5 == 0)
            pa = i % 10 ? DATA + 0x200000 + 0x1000ULL * i : 0;
        fake_wq(h, LA + 8 * i, pa ? pa | SS_RW : 0);
        want[i] = pa;
        /* Leaf B (version 0) and C (version 1). */
        uint64_t pb = i % 2 ? DATA + 0x300000 + 0x1000ULL * i : 0;
        uint64_t pc = i % 4 == 1 ? DATA + 0x380000 + 0x1000ULL * i : 0;
        fake_wq(h, LB + 8 * i, pb ? pb | SS_RW : 0);
        fake_wq(h, LC + 8 * i, pc ? pc | SS_RW : 0);
        want[512 + i] = version ? pc : pb;
    }
}

/* Entry addresses on page p's path in version v. */
static void path_of(unsigned p, unsigned v, uint64_t ents[4])
{
    uint64_t leaf = p < 512 ? LA : (v ? LC : LB);
    ents[0] = L4;
    ents[1] = L3;
    ents[2] = L2 + 8 * (p / 512);
    ents[3] = leaf + 8 * (p % 512);
}

/* Which 8-byte entries of [L4, LC + 4096) a failed read covered. */
#define TSPAN ((LC + 4096 - L4) / 8)
static bool failed_ent[TSPAN];

static void mark_failed(const struct ih *x)
{
    memset(failed_ent, 0, sizeof(failed_ent));
    for (unsigned k = 0; k < x->nfr; k++)
        for (uint64_t a = x->fr_gpa[k] & ~7ULL;
             a < x->fr_gpa[k] + x->fr_len[k]; a += 8)
            if (a >= L4 && a < LC + 4096)
                failed_ent[(a - L4) / 8] = true;
}

static bool on_failed_path(unsigned p)
{
    uint64_t ents[4];
    for (unsigned v = 0; v < 2; v++) {
        path_of(p, v, ents);
        for (int i = 0; i < 4; i++)
            if (failed_ent[(ents[i] - L4) / 8])
                return true;
    }
    return false;
}

/* Domain-selective IOTLB invalidation through the register (11.4.8.1):
 * IVT, IIRG 10b, DID. */
static void inval_domain(struct vtd_iommu *u)
{
    uint64_t iro = 16 * VTD_FIELD_GET(rd64(u, VTD_REG_ECAP), ECAP, IRO);
    wr64(u, iro + 8, 1ULL << 63 | 2ULL << 60 | (uint64_t)DID << 32);
}

static void cm_run(unsigned long n, bool forever, unsigned long *calls_out)
{
    struct env e;
    memset(&e, 0, sizeof(e));
    e.u = ih_start(&e.x, RAM, true);
    struct fake_host *h = e.x.fh;
    static uint64_t want0[WPAGES], want1[WPAGES];
    static struct shadow sh, before;
    memset(&sh, 0, sizeof(sh));
    cm_tables(h, 0, want0);
    fake_wq(h, RTA, CTP | 1);
    fake_wq(h, CTP + 16 * (SID & 0xff), 1 | L4);
    fake_wq(h, CTP + 16 * (SID & 0xff) + 8, 2 | (uint64_t)DID << 8);
    struct vtd_notifier *nt;
    ck_assert_int_eq(vtd_notifier_add(e.u, SID, VTD_NO_PASID, shadow_ev,
                                      &sh, &nt), 0);
    ih_translation_on(e.u, RTA, VTD_TTM_LEGACY);
    for (unsigned p = 0; p < WPAGES; p++)
        ck_assert_msg(sh.mapped[p] == !!want0[p] &&
                      sh.gpa[p] == want0[p], "page %u before", p);
    before = sh;
    cm_tables(h, 1, want1);
    arm(&e.x, n, forever);
    inval_domain(e.u);
    ih_done(&e.x, calls_out);
    bool whole = false;
    for (unsigned k = 0; k < e.x.nfr; k++)
        whole = whole || classify(NULL, e.x.fr_gpa[k]) == K_ROOT ||
                classify(NULL, e.x.fr_gpa[k]) == K_CTX;
    if (e.x.nfailed)
        ck_assert_msg(e.x.fop == H_READ, "N=%lu: a %s during a resync", n,
                      hop_name[e.x.fop]);
    mark_failed(&e.x);
    for (unsigned p = 0; p < WPAGES; p++) {
        bool now = sh.mapped[p] == !!want1[p] && sh.gpa[p] == want1[p];
        bool kept = sh.mapped[p] == before.mapped[p] &&
                    sh.gpa[p] == before.gpa[p];
        bool may_keep = whole || on_failed_path(p);
        ck_assert_msg(now || (kept && may_keep),
                      "N=%lu (%s): page %u shadow %d/%#llx, tables say "
                      "%#llx, before %#llx; failed read at %#llx+%zu", n,
                      forever ? "from N on" : "once", p, sh.mapped[p],
                      (unsigned long long)sh.gpa[p],
                      (unsigned long long)want1[p],
                      (unsigned long long)before.gpa[p],
                      (unsigned long long)e.x.fgpa, e.x.flen);
    }
    /* A resync is not a request: nothing recorded. */
    ck_assert(!VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, PPF));
    /* Recovery: the next covering invalidation brings it up to date, and
     * the shadow is what the unit translates. */
    inval_domain(e.u);
    for (unsigned p = 0; p < WPAGES; p++) {
        ck_assert_msg(sh.mapped[p] == !!want1[p] && sh.gpa[p] == want1[p],
                      "N=%lu: after recovery page %u: %d/%#llx want %#llx",
                      n, p, sh.mapped[p], (unsigned long long)sh.gpa[p],
                      (unsigned long long)want1[p]);
        if (p % 7)
            continue;   /* a sample: faults fill the records */
        struct vtd_dma_req r = { .sid = SID, .pasid = VTD_NO_PASID,
                                 .iova = (uint64_t)p << 12, .size = 4,
                                 .access = VTD_ACC_READ };
        struct vtd_xlate o;
        ck_assert_int_eq(vtd_translate(e.u, &r, &o), 0);
        ck_assert_uint_eq(o.fault == 0, sh.mapped[p]);
        if (!o.fault)
            ck_assert_uint_eq(o.addr, sh.gpa[p]);
    }
    vtd_notifier_remove(e.u, nt);
    ih_stop(&e.x, e.u);
}

START_TEST(test_cm_shadow)
{
    unsigned long calls = 0;
    cm_run(~0UL, false, &calls);
    ck_assert_uint_gt(calls, 0);
    /* Every N among the first 64 calls (root, context, upper levels,
     * the first leaves), then a stride through the rest. */
    unsigned long stride = calls / 200 + 1;
    for (unsigned long n = 1; n <= calls + 1; n += n < 64 ? 1 : stride) {
        cm_run(n, false, NULL);
        cm_run(n, true, NULL);
    }
}
END_TEST

START_TEST(test_summary)
{
    fprintf(stderr,
            "inject-modes: %lu runs, host calls failed: read %lu, write %lu, "
            "cmpxchg64 %lu, msi %lu\n",
            runs_total, failed_by_op[H_READ], failed_by_op[H_WRITE],
            failed_by_op[H_CX], failed_by_op[H_MSI]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("inject-modes");
    TCase *tc = tcase_create("host failures");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_dma_modes, 0,
                        (int)(sizeof(scens) / sizeof(scens[0])));
    tcase_add_test(tc, test_irq_modes);
    tcase_add_test(tc, test_qi);
    tcase_add_test(tc, test_fault_event_lost);
    tcase_add_test(tc, test_cm_shadow);
    tcase_add_test(tc, test_summary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_nofork(suite());
}
