/* SPDX-License-Identifier: MIT */
/*
 * tests/test_inject_prq.c: the host fails under the unit on the page
 * request and device-TLB paths (issue 18 item 1, "page requests and
 * device-TLB"), with the outcome the spec gives.
 *
 * The injecting host (inject_host.h) fails the Nth call once or from N
 * on, for every N of each operation, each run on a fresh unit; the
 * structures are written by hand in fake memory (chapter 9 entry
 * formats, Figure 7-1 for the page request descriptor) and the unit is
 * programmed through its registers.  The failed call's address names the
 * structure, which gives the expectation:
 *
 * Page requests (vtd_page_request(), 7.4.1).  Table 30's page-request
 * columns: a failed read of the scalable-mode root entry is SRT.1 (38h),
 * of the context entry SCT.1 (40h), of the PASID-directory entry SPD.1
 * (50h), of the PASID-table entry SPT.1 (58h): "IR" for a request that
 * requires a response, "drop" for one that does not.  The fault is
 * recorded as a non-recoverable fault (7.4.1 "Remapping Table Error";
 * FRCD with T2=1, T1=0 for a page request, 11.4.7.6), the request is not
 * written, and a last-in-group request gets an automatic Invalid Request
 * response (Table 31; the note after Table 30: never Response Failure).
 * A failed write of the page request descriptor: the spec has no row for
 * it.  7.4.1 says PQT is incremented only "after it gets confirmation that
 * write of the Page Request Queue Descriptor to PRQ is visible to
 * software", and the note after Table 30 gives a page request that "encounter[s]
 * a fault prior to successfully updating the Page Request Queue" the
 * response Invalid Request; there is no fault reason to record.  So: PQT
 * and PRS unchanged, nothing recorded, Invalid Request when LPIG is set,
 * an error logged (docs/prq.md, docs/robustness.md).  A lost page
 * request event MSI (7.5): the descriptor is queued and PPR set; software
 * that polls PQT/PRS sees it.
 *
 * Page group responses (7.6.1) through the invalidation queue: a failed
 * fetch is IQE with IQEI 2 (6.5.2.11, 11.4.9.9); page_response has no
 * error return (vtd.h), so a host that cannot deliver the response drops
 * it and the unit goes on (the device's own response time-out, PCIe PRI,
 * is its recovery).
 *
 * Device-TLB invalidation (4.3, 6.5.2.5-6.5.2.6, 6.5.2.11): a failed
 * fetch is IQE; an Invalidate Request the host cannot deliver
 * (devtlb_inval returns an error other than -ENODEV) can never be
 * answered, which 6.5.2.11 handles as a response time-out: the ITag is
 * freed, FSTS.ITE is set with IQERCD.ITESID, the fault event follows, and
 * the wait descriptor behind it does not complete (the model detects the
 * time-out at once and leaves IQH at the descriptor, issued again when
 * software clears ITE: vtd/ats.c, docs/ats.md).  A wait descriptor whose
 * status write fails after the device answered is logged and completes
 * (6.5.2.9: undefined; the choice of test_inject_modes.c).  A device
 * that never answers times out when the clock passes the deadline: ITE
 * and the fault event, whose MSI may fail (ITE stays for polling
 * software).  The page request event held by PECTL.IM goes out when IM
 * is cleared, and may be lost then (PPR stays set).
 *
 * After every run the host recovers and the same operation must succeed
 * with its hand-computed result.
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

#define RAM (1u << 20)
#define RTA 0x10000ULL
#define CTP 0x11000ULL
#define PDIR 0x12000ULL
#define PTBL 0x13000ULL
#define PQ 0x40000ULL          /* page request queue, one 4 KiB page */
#define IQ 0x50000ULL          /* invalidation queue, one 4 KiB page */
#define STATUS 0x51000ULL
#define SID 0x0010             /* 00:02.0 */
#define PASID 5
#define RID_PASID 1
#define DID 7
#define PEADDR_V 0xfee03000u
#define PEDATA_V 0x4043u

static unsigned long prq_runs, resp_runs, devtlb_runs;

struct env {
    struct ih x;
    struct vtd_iommu *u;
};

/* Scalable-mode tables for SID (9.2, 9.4, 9.5, 9.6), hand-assembled:
 * root entry LP (bit 0) with LCTP 63:12; context entry (256-bit, devfn <
 * 128 in the lower table) q0 = P(0) DTE(2) PASIDE(3) PRE(4), PDTS 0,
 * PASIDDIRPTR 63:12; q1 = RID_PASID 19:0.  PASID-directory entry 0: P,
 * SMPTBLPTR 63:12.  PASID-table entries RID_PASID and PASID: P, PGTT
 * 100b (pass-through, bits 8:6); q1 DID 15:0. */
static void sm_tables(struct fake_host *h)
{
    fake_wq(h, RTA, CTP | 1);
    uint64_t ce = CTP + 32 * (SID & 0xff);
    fake_wq(h, ce, PDIR | 0x1d);
    fake_wq(h, ce + 8, RID_PASID);
    fake_wq(h, PDIR, PTBL | 1);
    fake_wq(h, PTBL + 64 * RID_PASID, 1 | 4ULL << 6);
    fake_wq(h, PTBL + 64 * RID_PASID + 8, DID);
    fake_wq(h, PTBL + 64 * PASID, 1 | 4ULL << 6);
    fake_wq(h, PTBL + 64 * PASID + 8, DID);
}

/* A fresh unit on the injecting host; sm: scalable tables and TTM=01b,
 * else legacy mode with no tables (root table empty).  Events unmasked.
 * TE on. */
static void env_new(struct env *e, bool sm)
{
    memset(e, 0, sizeof(*e));
    e->u = ih_start(&e->x, RAM, false);
    if (sm)
        sm_tables(e->x.fh);
    ih_translation_on(e->u, RTA, sm ? VTD_TTM_SCALABLE : VTD_TTM_LEGACY);
    events_on(e->u);
}

/* ------------------------------------------------------------------ */
/* Page requests                                                       */
/* ------------------------------------------------------------------ */

enum kind { K_NONE, K_ROOT, K_CTX, K_PDIR, K_PTBL, K_PQ };
static const char *const kind_name[] = {
    "other", "root table", "context table", "PASID directory",
    "PASID table", "page request queue",
};

static enum kind classify(uint64_t gpa)
{
    if (gpa >= RTA && gpa < RTA + 4096)
        return K_ROOT;
    if (gpa >= CTP && gpa < CTP + 4096)
        return K_CTX;
    if (gpa >= PDIR && gpa < PDIR + 4096)
        return K_PDIR;
    if (gpa >= PTBL && gpa < PTBL + 4096)
        return K_PTBL;
    if (gpa >= PQ && gpa < PQ + 4096)
        return K_PQ;
    return K_NONE;
}

/* Table 30, page-request columns: the reason for a failed entry read. */
static unsigned expect_read(enum kind k)
{
    switch (k) {
    case K_ROOT: return 0x38;   /* SRT.1 */
    case K_CTX: return 0x40;    /* SCT.1 */
    case K_PDIR: return 0x50;   /* SPD.1 */
    case K_PTBL: return 0x58;   /* SPT.1 */
    default: return 0;
    }
}

/* 7.4.1: PQH = PQT = 0, PQA = PQ with PQS 0 (4 KiB, 128 descriptors),
 * the event registers (11.4.11.5-8) with IM clear. */
static void prq_setup(struct vtd_iommu *u)
{
    wr64(u, VTD_REG_PQH, 0);
    wr64(u, VTD_REG_PQT, 0);
    wr64(u, VTD_REG_PQA, PQ);
    wr32(u, VTD_REG_PEDATA, PEDATA_V);
    wr32(u, VTD_REG_PEADDR, PEADDR_V);
    wr32(u, VTD_REG_PEUADDR, 0);
    wr32(u, VTD_REG_PECTL, 0);
}

#define PR_ADDR 0x7654321000ULL
#define PR_PRGI 0x1a3

/* Figure 7-1, written here bit by bit: type 01h 7:0, PP 8, RID 31:16,
 * PASID 51:32; RDR 64, WRR 65, LPIG 66, PRGI 75:67, address 127:76
 * (page address bits 63:12); bits 255:128 zero.  A read/write request. */
static void check_desc(struct fake_host *h, uint64_t gpa, bool pasid,
                       bool lpig)
{
    uint64_t lo = 0x01ULL | (uint64_t)SID << 16;
    if (pasid)
        lo |= 1ULL << 8 | (uint64_t)PASID << 32;
    uint64_t hi = 1ULL | 2ULL | (lpig ? 4ULL : 0) |
                  (uint64_t)PR_PRGI << 3 | PR_ADDR;
    ck_assert_uint_eq(fake_rq(h, gpa), lo);
    ck_assert_uint_eq(fake_rq(h, gpa + 8), hi);
    ck_assert_uint_eq(fake_rq(h, gpa + 16), 0);
    ck_assert_uint_eq(fake_rq(h, gpa + 24), 0);
}

static void prq_run(bool pasid, bool lpig, unsigned long n, bool forever,
                    unsigned long *calls_out)
{
    struct env e;
    env_new(&e, true);
    prq_setup(e.u);
    struct fake_host *h = e.x.fh;
    struct vtd_page_req r = { .sid = SID,
                              .pasid = pasid ? PASID : VTD_NO_PASID,
                              .addr = PR_ADDR | 0x123,
                              .access = VTD_ACC_READ | VTD_ACC_WRITE,
                              .prgi = PR_PRGI, .lpig = lpig };
    struct vtd_page_req_result o;
    unsigned logs0 = e.x.logs;
    arm(&e.x, n, forever);
    ck_assert_int_eq(vtd_page_request(e.u, &r, &o), 0);
    ih_done(&e.x, calls_out);
    prq_runs++;
    const char *tag = forever ? "from N on" : "once";
    uint32_t prs = rd32(e.u, VTD_REG_PRS);

    if (!e.x.nfailed) {
        ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
        ck_assert_uint_eq(o.desc_gpa, PQ);
        check_desc(h, PQ, pasid, lpig);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_PQT), 32);
        ck_assert_uint_eq(prs, 1);                     /* PPR */
        ck_assert_uint_eq(e.x.msis, 1);                /* 7.5 event */
        ck_assert_uint_eq(e.x.msi_addr, PEADDR_V);
        ck_assert_uint_eq(e.x.msi_data, PEDATA_V);
        ck_assert(!o.responded);
        ck_assert_uint_eq(e.x.npresp, 0);
        goto recover;
    }
    enum kind k = classify(e.x.fgpa);
    if (e.x.fop == H_READ) {
        unsigned want = expect_read(k);
        ck_assert_msg(want, "N=%lu (%s): a failed read at %#llx (%s), "
                      "which no Table 30 page-request row covers", n, tag,
                      (unsigned long long)e.x.fgpa, kind_name[k]);
        ck_assert_int_eq(o.outcome, VTD_PRQ_REFUSED);
        ck_assert_msg(o.fault == want, "N=%lu (%s): failed read of the %s:"
                      " fault %#x, Table 30 says %#x", n, tag, kind_name[k],
                      o.fault, want);
        ck_assert(o.recorded);
        /* 7.2.1, 11.4.7.6: FRCD0 with FR, SID, a page request (T2=1,
         * T1=0), PP and PV for a request with PASID. */
        uint64_t hi = rd64(e.u, frcd_off(e.u) + 8);
        ck_assert(VTD_FIELD_GET(hi, FRCD_HI, F));
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, FR), want);
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, SID), SID);
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, T2), 1);
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, T1), 0);
        ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, PP), pasid);
        if (pasid)
            ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, PV), PASID);
        ck_assert_uint_eq(rd64(e.u, frcd_off(e.u)), PR_ADDR);
        ck_assert(VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, PPF));
        /* 7.3: the fault event, unless its MSI failed too. */
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
        if (e.x.msis)
            ck_assert_uint_eq(e.x.msi_addr, FEADDR_V);
    } else if (e.x.fop == H_WRITE) {
        /* The descriptor write: no Table 30 row, nothing recorded. */
        ck_assert_msg(k == K_PQ, "N=%lu: write at %#llx", n,
                      (unsigned long long)e.x.fgpa);
        ck_assert_uint_eq(e.x.fgpa, PQ);
        ck_assert_int_eq(o.outcome, VTD_PRQ_REFUSED);
        ck_assert_uint_eq(o.fault, 0);
        ck_assert(!o.recorded);
        ck_assert(!VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, PPF));
        ck_assert_uint_gt(e.x.logs, logs0);
        ck_assert_uint_eq(e.x.msis, 0);
    } else {
        /* The page request event's MSI was lost (7.5): queued, PPR set
         * for software that polls, IP clear (the event was generated). */
        ck_assert_uint_eq(e.x.fop, H_MSI);
        ck_assert_uint_eq(e.x.fgpa, PEADDR_V);
        ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
        check_desc(h, PQ, pasid, lpig);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_PQT), 32);
        ck_assert_uint_eq(prs, 1);
        ck_assert(!VTD_FIELD_GET(rd32(e.u, VTD_REG_PECTL), ECTL, IP));
        ck_assert_uint_eq(e.x.msis, 0);
        ck_assert(!o.responded);
        goto recover;
    }
    /* Not queued (7.4.1): PQT, PRS and the queue untouched. */
    ck_assert_uint_eq(rd64(e.u, VTD_REG_PQT), 0);
    ck_assert_uint_eq(prs, 0);
    ck_assert_uint_eq(fake_rq(h, PQ), 0);
    ck_assert_uint_eq(fake_rq(h, PQ + 8), 0);
    /* Table 31: Invalid Request (Table 32 code 1h) for LPIG, nothing
     * otherwise; its delivery is a host call that fails from N on. */
    ck_assert_int_eq(o.responded, lpig);
    if (lpig) {
        ck_assert_uint_eq(o.rc, 1);
        ck_assert_uint_eq(e.x.npresp, forever ? 0 : 1);
        if (!forever) {
            ck_assert_uint_eq(e.x.presp[0].rid, SID);
            ck_assert_uint_eq(e.x.presp[0].prgi, PR_PRGI);
            ck_assert_uint_eq(e.x.presp[0].rc, 1);
            ck_assert(e.x.presp[0].automatic);
            ck_assert_uint_eq(e.x.presp[0].pasid,
                              pasid ? PASID : VTD_NO_PASID);
        }
    } else {
        ck_assert_uint_eq(e.x.npresp, 0);
    }

recover:
    /* The host recovers; software services the queue (PQH = PQT), clears
     * PRS (RW1CS) and the fault records: the same request is queued at
     * PQT and raises the page request event. */
    ih_clear_records(e.u);
    wr32(e.u, VTD_REG_PRS, 3);
    uint64_t t = rd64(e.u, VTD_REG_PQT);
    wr64(e.u, VTD_REG_PQH, t);
    unsigned m0 = e.x.msis, p0 = e.x.npresp;
    ck_assert_int_eq(vtd_page_request(e.u, &r, &o), 0);
    ck_assert_msg(o.outcome == VTD_PRQ_QUEUED, "N=%lu (%s): after recovery "
                  "outcome %d fault %#x", n, tag, o.outcome, o.fault);
    ck_assert_uint_eq(o.desc_gpa, PQ + t);
    check_desc(h, PQ + t, pasid, lpig);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_PQT), t + 32);
    ck_assert_uint_eq(rd32(e.u, VTD_REG_PRS), 1);
    ck_assert_uint_eq(e.x.msis, m0 + 1);
    ck_assert_uint_eq(e.x.msi_addr, PEADDR_V);
    ck_assert_uint_eq(e.x.msi_data, PEDATA_V);
    ck_assert_uint_eq(e.x.npresp, p0);
    ih_stop(&e.x, e.u);
}

START_TEST(test_page_request)
{
    /* _i: bit 0 with PASID, bit 1 last in group. */
    bool pasid = _i & 1, lpig = _i & 2;
    unsigned long calls = 0;
    prq_run(pasid, lpig, ~0UL, false, &calls);
    /* root, context, PASID directory, PASID table, the descriptor
     * write, the event: at least 6 calls. */
    ck_assert_uint_ge(calls, 6);
    for (unsigned long n = 1; n <= calls + 1; n++) {
        prq_run(pasid, lpig, n, false, NULL);
        prq_run(pasid, lpig, n, true, NULL);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Queued invalidation with page group responses and device-TLBs       */
/* ------------------------------------------------------------------ */

/* 6.5.2: QI on at IQ (IQA.QS 0, 4 KiB); wide: 256-bit descriptors
 * (IQA.DW, bit 11). */
static void qi_on(struct vtd_iommu *u, bool wide)
{
    wr64(u, VTD_REG_IQA, IQ | (wide ? 1ULL << 11 : 0));
    gcmd(u, VTD_GCMD_QIE);
    ck_assert(rd32(u, VTD_REG_GSTS) & VTD_GSTS_QIES);
}

/* Put descriptor q (dsize bytes; upper half zero for 128-bit ones in a
 * 256-bit queue) at offset off. */
static void put_desc(struct fake_host *h, uint64_t off, const uint64_t *q,
                     unsigned nq, unsigned dsize)
{
    for (unsigned i = 0; i < dsize / 8; i++)
        fake_wq(h, IQ + off + 8 * i, i < nq ? q[i] : 0);
}

#define WAIT_DATA 0x1234u

/* A wait descriptor with SW and IF (6.5.2.9) at off. */
static void put_wait(struct fake_host *h, uint64_t off, unsigned dsize)
{
    uint64_t q[2];
    ck_assert(vtd_qd_wait(q, true, true, false, false, WAIT_DATA, STATUS));
    put_desc(h, off, q, 2, dsize);
}

/* Software's side of a queue error: check IQE with IQEI 2 (6.5.2.11,
 * 11.4.9.9) and IQH at the descriptor whose fetch failed. */
static void check_fetch_error(struct env *e, uint64_t off)
{
    ck_assert(VTD_FIELD_GET(rd32(e->u, VTD_REG_FSTS), FSTS, IQE));
    ck_assert_uint_eq(VTD_FIELD_GET(rd64(e->u, VTD_REG_IQERCD), IQERCD,
                                    IQEI), VTD_IQEI_FETCH);
    ck_assert_uint_eq(rd64(e->u, VTD_REG_IQH), off);
}

#define PR_RC 0x0   /* Table 32: Success */

static void pgrp_put(struct fake_host *h, uint64_t off)
{
    uint64_t q[4];
    ck_assert(vtd_qd_pgrp_resp(q, SID, true, PASID, PR_PRGI, PR_RC));
    put_desc(h, off, q, 4, 32);
}

static void resp_run(unsigned long n, bool forever,
                     unsigned long *calls_out)
{
    struct env e;
    env_new(&e, true);
    qi_on(e.u, true);
    struct fake_host *h = e.x.fh;
    pgrp_put(h, 0);
    put_wait(h, 32, 32);
    unsigned logs0 = e.x.logs;
    arm(&e.x, n, forever);
    wr64(e.u, VTD_REG_IQT, 64);
    ih_done(&e.x, calls_out);
    resp_runs++;
    uint32_t ics = rd32(e.u, VTD_REG_ICS);
    if (!e.x.nfailed) {
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 64);
        ck_assert_uint_eq(e.x.npresp, 1);
        ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
        ck_assert_uint_eq(e.x.msis, 1);
    } else if (e.x.fop == H_READ) {
        ck_assert_msg(e.x.fgpa == IQ || e.x.fgpa == IQ + 32,
                      "N=%lu: read at %#llx", n,
                      (unsigned long long)e.x.fgpa);
        check_fetch_error(&e, e.x.fgpa - IQ);
        /* The response ahead of a failed fetch went out (before N). */
        bool first = e.x.fgpa == IQ;
        ck_assert_uint_eq(e.x.npresp, first ? 0 : 1);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert(!VTD_FIELD_GET(ics, ICS, IWC));
        /* Software clears IQE: the queue resumes from IQH. */
        unsigned p0 = e.x.npresp;
        wr32(e.u, VTD_REG_FSTS, VTD_FSTS_IQE_MASK);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 64);
        ck_assert_uint_eq(e.x.npresp, p0 + (first ? 1 : 0));
        ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
    } else if (e.x.fop == H_PRESP) {
        /* The host dropped the response: the unit cannot know (no error
         * return) and the queue goes on: the wait completes (from N on,
         * its fetch fails next: IQE, as above). */
        ck_assert_uint_eq(e.x.npresp, 0);
        if (forever) {
            check_fetch_error(&e, 32);
            ck_assert_uint_eq(fake_rl(h, STATUS), 0);
            wr32(e.u, VTD_REG_FSTS, VTD_FSTS_IQE_MASK);
            ck_assert_uint_eq(e.x.npresp, 0);
        } else {
            ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        }
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 64);
        ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
    } else if (e.x.fop == H_WRITE) {
        ck_assert_uint_eq(e.x.fgpa, STATUS);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 64);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert_uint_gt(e.x.logs, logs0);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
    } else {
        ck_assert_uint_eq(e.x.fop, H_MSI);
        ck_assert_uint_eq(e.x.fgpa, IEADDR_V);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 64);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
        ck_assert_uint_eq(e.x.msis, 0);
    }
    /* Recovery: the pair again at the tail; the response reaches the
     * host with the descriptor's fields (7.6.1), the wait completes. */
    wr32(e.u, VTD_REG_ICS, 1);
    fake_wl(h, STATUS, 0);
    unsigned m0 = e.x.msis, p0 = e.x.npresp;
    uint64_t t = rd64(e.u, VTD_REG_IQT);
    pgrp_put(h, t);
    put_wait(h, t + 32, 32);
    wr64(e.u, VTD_REG_IQT, t + 64);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), t + 64);
    ck_assert_uint_eq(e.x.npresp, p0 + 1);
    const struct vtd_page_resp *pr = &e.x.presp[p0 < 16 ? p0 : 15];
    ck_assert_uint_eq(pr->rid, SID);
    ck_assert_uint_eq(pr->pasid, PASID);
    ck_assert_uint_eq(pr->prgi, PR_PRGI);
    ck_assert_uint_eq(pr->rc, PR_RC);
    ck_assert(!pr->automatic);
    ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
    ck_assert_uint_eq(e.x.msis, m0 + 1);
    ck_assert_uint_eq(e.x.msi_addr, IEADDR_V);
    ih_stop(&e.x, e.u);
}

START_TEST(test_page_response)
{
    unsigned long calls = 0;
    resp_run(~0UL, false, &calls);
    /* 2 fetches, the response, the status write, the event. */
    ck_assert_uint_eq(calls, 5);
    for (unsigned long n = 1; n <= calls + 1; n++) {
        resp_run(n, false, NULL);
        resp_run(n, true, NULL);
    }
}
END_TEST

#define INV_ADDR 0x5000ULL

/* A device-TLB invalidate of one 4 KiB page (S=0) for SID: 6.5.2.5 in
 * legacy mode (128-bit queue), 6.5.2.6 with PASID in scalable mode
 * (256-bit queue). */
static void devtlb_put(struct fake_host *h, uint64_t off, bool sm)
{
    uint64_t q[2];
    if (sm)
        ck_assert(vtd_qd_pdevtlb(q, SID, 0, PASID, false, INV_ADDR, false));
    else
        ck_assert(vtd_qd_devtlb(q, SID, 0, 0, INV_ADDR, false));
    put_desc(h, off, q, 2, sm ? 32 : 16);
}

/* The endpoint (4.3): answer every Invalidate Request delivered since
 * *done with a completion naming its ITag (cc 1); check each request. */
static void endpoint_answer(struct env *e, bool sm, unsigned *done)
{
    while (*done < e->x.ninv) {
        const struct vtd_devtlb_inv *inv = &e->x.inv[*done % 32];
        ck_assert_uint_eq(inv->sid, SID);
        ck_assert_uint_eq(inv->pasid, sm ? (uint32_t)PASID : VTD_NO_PASID);
        ck_assert_uint_eq(inv->addr, INV_ADDR);
        ck_assert_uint_eq(inv->size, 4096);
        ck_assert(!inv->s && !inv->global);
        bool acc = false;
        ck_assert_int_eq(vtd_ats_inval_complete(e->u, SID, 1u << inv->itag,
                                                1, &acc), 0);
        ck_assert(acc);
        (*done)++;
    }
}

static void devtlb_run(bool sm, unsigned long n, bool forever,
                       unsigned long *calls_out)
{
    struct env e;
    env_new(&e, sm);
    qi_on(e.u, sm);
    struct fake_host *h = e.x.fh;
    unsigned ds = sm ? 32 : 16;
    devtlb_put(h, 0, sm);
    put_wait(h, ds, ds);
    unsigned logs0 = e.x.logs, answered = 0;
    arm(&e.x, n, forever);
    wr64(e.u, VTD_REG_IQT, 2 * ds);
    /* 6.5.2.12: the wait waits for the device's answer. */
    if (e.x.ninv == 1 && !e.x.nfailed) {
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), ds);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 1);
    }
    /* The device answers while the host may still be failing: the wait
     * descriptor's status write and event come from this call. */
    endpoint_answer(&e, sm, &answered);
    ih_done(&e.x, calls_out);
    devtlb_runs++;
    uint32_t fsts = rd32(e.u, VTD_REG_FSTS);
    uint32_t ics = rd32(e.u, VTD_REG_ICS);
    const char *tag = forever ? "from N on" : "once";

    if (!e.x.nfailed) {
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 2 * ds);
        ck_assert_uint_eq(e.x.ninv, 1);
        ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(e.x.msis, 1);
    } else if (e.x.fop == H_READ) {
        ck_assert_msg(e.x.fgpa == IQ || e.x.fgpa == IQ + ds,
                      "N=%lu (%s): read at %#llx", n, tag,
                      (unsigned long long)e.x.fgpa);
        check_fetch_error(&e, e.x.fgpa - IQ);
        /* The device-TLB request ahead of it went out and was answered. */
        ck_assert_uint_eq(e.x.ninv, e.x.fgpa == IQ ? 0 : 1);
        ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert(!VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);   /* IQE event */
        wr32(e.u, VTD_REG_FSTS, VTD_FSTS_IQE_MASK);
    } else if (e.x.fop == H_DEVTLB) {
        /* Not delivered: no answer can come; 6.5.2.11 time-out at once:
         * ITag free, ITE with ITESID, the fault event, the wait behind
         * it not completed, IQH at the device-TLB descriptor. */
        ck_assert_uint_eq(e.x.ninv, 0);
        ck_assert_msg(VTD_FIELD_GET(fsts, FSTS, ITE), "N=%lu (%s): "
                      "Invalidate Request not delivered, FSTS %#x", n, tag,
                      fsts);
        ck_assert_uint_eq(VTD_FIELD_GET(rd64(e.u, VTD_REG_IQERCD), IQERCD,
                                        ITESID), SID);
        ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 0);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert(!VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
        if (e.x.msis)
            ck_assert_uint_eq(e.x.msi_addr, FEADDR_V);
        /* Tail writes while ITE is set fetch nothing (6.5.2.11). */
        wr64(e.u, VTD_REG_IQT, 2 * ds);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 0);
        ck_assert_uint_eq(e.x.ninv, 0);
        /* Software clears ITE: the unit fetches from IQH again. */
        wr32(e.u, VTD_REG_FSTS, VTD_FSTS_ITE_MASK);
        ck_assert_uint_eq(e.x.ninv, 1);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), ds);
    } else if (e.x.fop == H_WRITE) {
        /* The status write after the answer: logged, the wait done. */
        ck_assert_uint_eq(e.x.fgpa, STATUS);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 2 * ds);
        ck_assert_uint_eq(fake_rl(h, STATUS), 0);
        ck_assert_uint_gt(e.x.logs, logs0);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(e.x.msis, forever ? 0 : 1);
    } else {
        ck_assert_uint_eq(e.x.fop, H_MSI);
        ck_assert_uint_eq(e.x.fgpa, IEADDR_V);
        ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 2 * ds);
        ck_assert(VTD_FIELD_GET(ics, ICS, IWC));
        ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
        ck_assert_uint_eq(e.x.msis, 0);
    }
    /* Whatever was left: the device answers (healthy host) and the queue
     * drains; then the pair again at the tail must be delivered,
     * answered and completed. */
    endpoint_answer(&e, sm, &answered);
    ck_assert_msg(rd64(e.u, VTD_REG_IQH) == 2 * ds, "N=%lu (%s): queue "
                  "stuck at %#llx", n, tag,
                  (unsigned long long)rd64(e.u, VTD_REG_IQH));
    ck_assert(!(rd32(e.u, VTD_REG_FSTS) & (VTD_FSTS_IQE_MASK |
                                           VTD_FSTS_ITE_MASK)));
    wr32(e.u, VTD_REG_ICS, 1);
    fake_wl(h, STATUS, 0);
    unsigned m0 = e.x.msis, i0 = e.x.ninv;
    uint64_t t = 2 * ds;
    devtlb_put(h, t, sm);
    put_wait(h, t + ds, ds);
    wr64(e.u, VTD_REG_IQT, t + 2 * ds);
    ck_assert_uint_eq(e.x.ninv, i0 + 1);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), t + ds);
    ck_assert_uint_eq(fake_rl(h, STATUS), 0);
    endpoint_answer(&e, sm, &answered);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), t + 2 * ds);
    ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
    ck_assert_uint_eq(e.x.msis, m0 + 1);
    ck_assert_uint_eq(e.x.msi_addr, IEADDR_V);
    ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
    ih_stop(&e.x, e.u);
}

START_TEST(test_devtlb)
{
    bool sm = _i;
    unsigned long calls = 0;
    devtlb_run(sm, ~0UL, false, &calls);
    /* 2 fetches, the Invalidate Request, the wait fetched again when
     * the answer arrives (6.5.2.12), the status write, the event. */
    ck_assert_uint_eq(calls, 6);
    for (unsigned long n = 1; n <= calls + 1; n++) {
        devtlb_run(sm, n, false, NULL);
        devtlb_run(sm, n, true, NULL);
    }
}
END_TEST

/* 6.5.2.11: the device never answers; when the clock passes the
 * deadline the unit frees the ITag, sets ITE (ITESID) and raises the
 * fault event, whose MSI is the one host call and may fail: ITE stays
 * for software that polls.  Clearing ITE fetches the aborted wait again,
 * which completes now that nothing is outstanding. */
static void timeout_run(unsigned long n, bool forever,
                        unsigned long *calls_out)
{
    struct env e;
    env_new(&e, false);
    qi_on(e.u, false);
    struct fake_host *h = e.x.fh;
    devtlb_put(h, 0, false);
    put_wait(h, 16, 16);
    wr64(e.u, VTD_REG_IQT, 32);
    ck_assert_uint_eq(e.x.ninv, 1);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 16);
    arm(&e.x, n, forever);
    ck_assert_int_eq(vtd_clock_advance(e.u, 2000000000ULL), 0); /* 2 s */
    ih_done(&e.x, calls_out);
    devtlb_runs++;
    uint32_t fsts = rd32(e.u, VTD_REG_FSTS);
    ck_assert(VTD_FIELD_GET(fsts, FSTS, ITE));
    ck_assert_uint_eq(VTD_FIELD_GET(rd64(e.u, VTD_REG_IQERCD), IQERCD,
                                    ITESID), SID);
    ck_assert_int_eq(vtd_ats_pending(e.u, NULL, 0, NULL), 0);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 16);
    ck_assert_uint_eq(fake_rl(h, STATUS), 0);
    ck_assert_uint_eq(e.x.msis, e.x.nfailed ? 0 : 1);
    if (e.x.nfailed)
        ck_assert_uint_eq(e.x.fop, H_MSI);
    else
        ck_assert_uint_eq(e.x.msi_addr, FEADDR_V);
    /* A late answer for the freed ITag is an invalid completion (4.3). */
    bool acc = false;
    ck_assert_int_eq(vtd_ats_inval_complete(e.u, SID, 1u << e.x.inv[0].itag,
                                            1, &acc), 0);
    ck_assert(VTD_FIELD_GET(rd32(e.u, VTD_REG_FSTS), FSTS, ICE));
    wr32(e.u, VTD_REG_FSTS, VTD_FSTS_ICE_MASK | VTD_FSTS_ITE_MASK);
    ck_assert_uint_eq(rd64(e.u, VTD_REG_IQH), 32);
    ck_assert_uint_eq(fake_rl(h, STATUS), WAIT_DATA);
    ih_stop(&e.x, e.u);
}

START_TEST(test_devtlb_timeout)
{
    unsigned long calls = 0;
    timeout_run(~0UL, false, &calls);
    ck_assert_uint_eq(calls, 1);   /* the fault event */
    for (unsigned long n = 1; n <= calls + 1; n++) {
        timeout_run(n, false, NULL);
        timeout_run(n, true, NULL);
    }
}
END_TEST

/* 7.5: with PECTL.IM set the page request event is held in IP; clearing
 * IM sends it, and that MSI may fail: IP is cleared all the same (the
 * event was generated) and PPR stays set for software that polls. */
START_TEST(test_prq_event_held)
{
    for (unsigned pass = 0; pass < 2; pass++) {
        struct env e;
        env_new(&e, true);
        prq_setup(e.u);
        wr32(e.u, VTD_REG_PECTL, VTD_ECTL_IM_MASK);
        struct vtd_page_req r = { .sid = SID, .pasid = VTD_NO_PASID,
                                  .addr = PR_ADDR,
                                  .access = VTD_ACC_READ, .prgi = 1 };
        struct vtd_page_req_result o;
        ck_assert_int_eq(vtd_page_request(e.u, &r, &o), 0);
        ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
        ck_assert_uint_eq(e.x.msis, 0);
        ck_assert(VTD_FIELD_GET(rd32(e.u, VTD_REG_PECTL), ECTL, IP));
        arm(&e.x, pass ? 1 : ~0UL, false);
        wr32(e.u, VTD_REG_PECTL, 0);
        ih_done(&e.x, NULL);
        prq_runs++;
        ck_assert_uint_eq(e.x.calls, 1);
        ck_assert_uint_eq(e.x.msis, pass ? 0 : 1);
        ck_assert(!VTD_FIELD_GET(rd32(e.u, VTD_REG_PECTL), ECTL, IP));
        ck_assert_uint_eq(rd32(e.u, VTD_REG_PRS), 1);
        /* Software services the queue; the next request interrupts. */
        wr64(e.u, VTD_REG_PQH, rd64(e.u, VTD_REG_PQT));
        wr32(e.u, VTD_REG_PRS, 1);
        unsigned m0 = e.x.msis;
        ck_assert_int_eq(vtd_page_request(e.u, &r, &o), 0);
        ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
        ck_assert_uint_eq(e.x.msis, m0 + 1);
        ck_assert_uint_eq(e.x.msi_addr, PEADDR_V);
        ih_stop(&e.x, e.u);
    }
}
END_TEST

START_TEST(test_summary)
{
    fprintf(stderr, "inject-prq: %lu runs (%lu page request, %lu page "
            "response, %lu device-TLB); failed calls: %lu reads, %lu "
            "writes, %lu MSIs, %lu devtlb_inval, %lu page_response\n",
            runs_total, prq_runs, resp_runs, devtlb_runs,
            failed_by_op[H_READ], failed_by_op[H_WRITE],
            failed_by_op[H_MSI], failed_by_op[H_DEVTLB],
            failed_by_op[H_PRESP]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("inject-prq");
    TCase *tc = tcase_create("host failures: page requests, device-TLBs");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_page_request, 0, 4);
    tcase_add_test(tc, test_page_response);
    tcase_add_loop_test(tc, test_devtlb, 0, 2);
    tcase_add_test(tc, test_devtlb_timeout);
    tcase_add_test(tc, test_prq_event_held);
    tcase_add_test(tc, test_summary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_nofork(suite());
}
