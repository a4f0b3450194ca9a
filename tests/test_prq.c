/* SPDX-License-Identifier: MIT */
/*
 * tests/test_prq.c: page requests (VT-d 7.4-7.6, registers 11.4.11)
 * through the public API only: descriptors checked bit by bit against
 * Figure 7-1, the page request event of 7.5, queue full and overflow with
 * Table 31's automatic responses, the Table 30 page-request conditions
 * (RTA.3, SCT.6-9, SPT.2) with their FRCD type (T1=0, T2=1, 11.4.7.6), and
 * page group response descriptors (7.6.1 Figure 7-2, Table 32) reaching
 * the host.  Tables are written by hand in fake memory.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include <vtd/layout.h>
#include "check_main.h"

#define RTA 0x10000ULL
#define CTP 0x11000ULL
#define PDIR 0x13000ULL
#define PTBL 0x14000ULL
#define PQ 0x40000ULL        /* page request queue, one 4 KiB page */
#define IQ 0x50000ULL        /* invalidation queue */
#define DEV 0x0008           /* 00:01.0 */
#define RID_PASID 1u

/* 11.4.4.1 */
#define G_TE 0x80000000u
#define G_SRTP 0x40000000u
#define G_QIE 0x04000000u

static struct fake_host *h;
static unsigned nresp;
static struct vtd_page_resp resp[16];

static void on_resp(void *opaque, const struct vtd_page_resp *r)
{
    (void)opaque;
    if (nresp < 16)
        resp[nresp] = *r;
    nresp++;
}

static void setup(void)
{
    h = fake_host_new(1 << 20);
    nresp = 0;
}

static void teardown(void)
{
    fake_host_free(h);
}

static struct vtd_iommu *unit(const char *profile)
{
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.page_response = on_resp;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = profile };
    struct vtd_iommu *u = NULL;
    char err[200];
    ck_assert_msg(vtd_iommu_new(&cfg, &ops, h, &u, err, sizeof(err)) == 0,
                  "%s", err);
    return u;
}

/* Scalable-mode tables for DEV (9.2, 9.4, 9.5, 9.6), hand-assembled:
 * context entry q0 = P(0) DTE(2) PASIDE(3) PRE(4), PDTS 0 (64 PASIDs per
 * directory entry, 128 entries), PDIR; q1 = RID_PASID.  PASID entries
 * 1 (RID_PASID) and 5 present, pass-through (PGTT 100b, bits 8:6), DID 7
 * (PTE1 15:0). */
static void tables(uint64_t ctx_flags)
{
    fake_wq(h, RTA, CTP | 1);                       /* LP, LCTP */
    uint64_t ce = CTP + 32 * (DEV & 0xff);
    fake_wq(h, ce, PDIR | ctx_flags);
    fake_wq(h, ce + 8, RID_PASID);
    fake_wq(h, PDIR, PTBL | 1);
    for (unsigned p = 0; p < 64; p++)
        fake_wq(h, PTBL + 64 * p, 0);
    fake_wq(h, PTBL + 64 * RID_PASID, 1 | 4ULL << 6);
    fake_wq(h, PTBL + 64 * RID_PASID + 8, 7);
    fake_wq(h, PTBL + 64 * 5, 1 | 4ULL << 6);
    fake_wq(h, PTBL + 64 * 5 + 8, 7);
}

#define CTX_ALL 0x1dULL   /* P, DTE, PASIDE, PRE */

static void enable(struct vtd_iommu *u, unsigned ttm)
{
    wr64(u, VTD_REG_RTADDR, RTA | (uint64_t)ttm << 10);
    wr32(u, VTD_REG_GCMD, G_SRTP);
    wr32(u, VTD_REG_GCMD, G_TE);
}

/* 7.4.1: PQH = PQT = 0, PQA with PQS 0 (one page, 128 entries), the
 * event registers (11.4.11.5-8), IM cleared. */
static void prq_setup(struct vtd_iommu *u, bool unmask)
{
    wr64(u, VTD_REG_PQH, 0);
    wr64(u, VTD_REG_PQT, 0);
    wr64(u, VTD_REG_PQA, PQ);
    wr32(u, VTD_REG_PEDATA, 0x45);
    wr32(u, VTD_REG_PEADDR, 0xfee00000);
    wr32(u, VTD_REG_PEUADDR, 0);
    if (unmask)
        wr32(u, VTD_REG_PECTL, 0);
}

static struct vtd_page_req_result preq(struct vtd_iommu *u, uint32_t pasid,
                                       uint64_t addr, uint32_t acc,
                                       uint16_t prgi, bool lpig)
{
    struct vtd_page_req r = { .sid = DEV, .pasid = pasid, .addr = addr,
                              .access = acc, .prgi = prgi, .lpig = lpig };
    struct vtd_page_req_result o;
    ck_assert_int_eq(vtd_page_request(u, &r, &o), 0);
    return o;
}

/* 11.4.3, 11.4.11: the registers exist only with ECAP.PRS; the full
 * profile reports it, qemu-7.2 (ECAP 0xf00f4a, bit 29 clear) does not. */
START_TEST(test_registers_follow_ecap_prs)
{
    struct vtd_iommu *u = unit("full");
    ck_assert(vtd_iommu_ecap(u) & (1ULL << 29));
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0x80000000u); /* IM reset 1 */
    wr64(u, VTD_REG_PQA, PQ | 0x7 | 0xff8);    /* 11:3 RsvdZ */
    ck_assert_uint_eq(rd64(u, VTD_REG_PQA), PQ | 0x7);
    wr64(u, VTD_REG_PQT, 0x7ffff);             /* 18:5 */
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x7ffe0);
    vtd_iommu_free(u);

    u = unit("qemu-7.2");
    ck_assert(!(vtd_iommu_ecap(u) & (1ULL << 29)));
    wr64(u, VTD_REG_PQA, PQ);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQA), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0);
    struct vtd_page_req r = { .sid = DEV, .pasid = VTD_NO_PASID };
    struct vtd_page_req_result o;
    ck_assert_int_eq(vtd_page_request(u, &r, &o), -EOPNOTSUPP);
    vtd_iommu_free(u);
}
END_TEST

/* 7.4.1.1 Figure 7-1: type 01h 7:0, PP 8, RID 31:16, PASID 51:32, EXR 52,
 * PMR 53; RDR 64, WRR 65, LPIG 66, PRGI 75:67, address 127:76.  7.5: PPR
 * set, the event sent once (PEDATA/PEADDR) and not again while PPR is
 * set; PQT advances by 32 bytes. */
START_TEST(test_request_with_pasid_is_queued)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL);
    enable(u, VTD_TTM_SCALABLE);
    prq_setup(u, true);
    struct vtd_page_req_result o =
        preq(u, 5, 0x12345678abcULL,
             VTD_ACC_READ | VTD_ACC_WRITE | VTD_ACC_EXEC | VTD_ACC_PRIV,
             0x1a3, true);
    ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
    ck_assert_uint_eq(o.desc_gpa, PQ);
    ck_assert(!o.responded);
    ck_assert_uint_eq(fake_rq(h, PQ), 0x01ULL | 1ULL << 8 |
                      (uint64_t)DEV << 16 | 5ULL << 32 | 1ULL << 52 |
                      1ULL << 53);
    ck_assert_uint_eq(fake_rq(h, PQ + 8), 1ULL | 2ULL | 4ULL |
                      0x1a3ULL << 3 | 0x12345678000ULL);
    ck_assert_uint_eq(fake_rq(h, PQ + 16), 0);
    ck_assert_uint_eq(fake_rq(h, PQ + 24), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x20);
    ck_assert_uint_eq(rd32(u, VTD_REG_PRS), 1);            /* PPR */
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(h->msi_addr[0], 0xfee00000);
    ck_assert_uint_eq(h->msi_data[0], 0x45);
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0);          /* IP clear */
    ck_assert_uint_eq(nresp, 0);

    /* PPR already set: no new interrupt condition. */
    o = preq(u, VTD_NO_PASID, 0x9000, VTD_ACC_READ, 3, false);
    ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
    ck_assert_uint_eq(h->nmsi, 1);
    /* Without PASID: PP 0, PASID/EXR/PMR 0 (Figure 7-1 describes them
     * for requests with PASID only); RDR, PRGI 3, LPIG 0. */
    ck_assert_uint_eq(fake_rq(h, PQ + 32), 0x01ULL | (uint64_t)DEV << 16);
    ck_assert_uint_eq(fake_rq(h, PQ + 40), 1ULL | 3ULL << 3 | 0x9000);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x40);

    /* Software clears PPR (RW1CS) and a new request interrupts again. */
    wr32(u, VTD_REG_PRS, 1);
    ck_assert_uint_eq(rd32(u, VTD_REG_PRS), 0);
    preq(u, 5, 0xa000, VTD_ACC_WRITE, 4, true);
    ck_assert_uint_eq(h->nmsi, 2);
    vtd_iommu_free(u);
}
END_TEST

/* 7.5 / 11.4.11.5: with IM set the event is held in IP; clearing IM sends
 * it; clearing PPR while IP is held drops it. */
START_TEST(test_event_held_while_masked)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL);
    enable(u, VTD_TTM_SCALABLE);
    prq_setup(u, false);
    preq(u, 5, 0x1000, VTD_ACC_READ, 1, true);
    ck_assert_uint_eq(h->nmsi, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0xc0000000u);  /* IM, IP */
    wr32(u, VTD_REG_PECTL, 0);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(h->msi_data[0], 0x45);
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0);

    wr32(u, VTD_REG_PRS, 1);
    wr32(u, VTD_REG_PECTL, 0x80000000u);
    preq(u, 5, 0x2000, VTD_ACC_READ, 2, true);
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0xc0000000u);
    wr32(u, VTD_REG_PRS, 1);                   /* serviced: IP cleared */
    ck_assert_uint_eq(rd32(u, VTD_REG_PECTL), 0x80000000u);
    wr32(u, VTD_REG_PECTL, 0);
    ck_assert_uint_eq(h->nmsi, 1);
    vtd_iommu_free(u);
}
END_TEST

/* 7.4.1: full when PQT is one behind PQH: PRO set (an interrupt
 * condition, 7.5), nothing written; Table 31: LPIG=1 answered Success by
 * the unit, LPIG=0 not at all.  While PRO is set (overflow) requests are
 * dropped the same way with no event. */
START_TEST(test_queue_full_sets_pro_and_auto_responds)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL);
    enable(u, VTD_TTM_SCALABLE);
    prq_setup(u, true);
    wr64(u, VTD_REG_PQH, 0x40);
    wr64(u, VTD_REG_PQT, 0x20);
    fake_wq(h, PQ + 0x20, 0xdead);
    struct vtd_page_req_result o = preq(u, 5, 0x3000, VTD_ACC_READ, 9, true);
    ck_assert_int_eq(o.outcome, VTD_PRQ_OVERFLOW);
    ck_assert(o.responded);
    ck_assert_uint_eq(o.rc, VTD_PRG_RC_SUCCESS);
    ck_assert_uint_eq(fake_rq(h, PQ + 0x20), 0xdead);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x20);
    ck_assert_uint_eq(rd32(u, VTD_REG_PRS), 2);            /* PRO */
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(nresp, 1);
    ck_assert_uint_eq(resp[0].rid, DEV);
    ck_assert_uint_eq(resp[0].pasid, 5);
    ck_assert_uint_eq(resp[0].prgi, 9);
    ck_assert_uint_eq(resp[0].rc, 0);
    ck_assert(resp[0].automatic);

    /* PRO set: room or not, the request is discarded; no event. */
    wr64(u, VTD_REG_PQH, 0);
    o = preq(u, 5, 0x4000, VTD_ACC_READ, 10, false);
    ck_assert_int_eq(o.outcome, VTD_PRQ_OVERFLOW);
    ck_assert(!o.responded);
    ck_assert_uint_eq(nresp, 1);
    o = preq(u, VTD_NO_PASID, 0x4000, VTD_ACC_READ, 11, true);
    ck_assert_uint_eq(nresp, 2);
    ck_assert_uint_eq(resp[1].pasid, VTD_NO_PASID);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x20);
    /* Software clears PRO: requests are queued again. */
    wr32(u, VTD_REG_PRS, 2);
    o = preq(u, 5, 0x4000, VTD_ACC_READ, 12, true);
    ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x40);
    vtd_iommu_free(u);
}
END_TEST

static uint64_t frcd_hi(struct vtd_iommu *u)
{
    uint64_t off;
    unsigned size;
    ck_assert_int_eq(vtd_reg_lookup("FRCD0_HI", vtd_iommu_cap(u),
                                    vtd_iommu_ecap(u), &off, &size), 0);
    return rd64(u, off);
}

/* Table 30 SCT.8: PRE=0 -> 47h, qualified; Table 31: Invalid Request for
 * LPIG=1, nothing for LPIG=0; FRCD (11.4.7.6): T1 (bit 126) 0, T2 (bit
 * 92) 1 for a page request, SID, PP/PV. */
START_TEST(test_pre_clear_refused_with_invalid_request)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL & ~0x10ULL);
    enable(u, VTD_TTM_SCALABLE);
    prq_setup(u, true);
    struct vtd_page_req_result o = preq(u, 5, 0x5000, VTD_ACC_READ, 7, true);
    ck_assert_int_eq(o.outcome, VTD_PRQ_REFUSED);
    ck_assert_uint_eq(o.fault, 0x47);
    ck_assert(o.recorded);
    ck_assert(o.responded);
    ck_assert_uint_eq(o.rc, VTD_PRG_RC_INVALID_REQUEST);
    ck_assert_uint_eq(nresp, 1);
    ck_assert_uint_eq(resp[0].rc, 1);
    uint64_t hi = frcd_hi(u);
    ck_assert_uint_eq((hi >> 63) & 1, 1);                  /* F */
    ck_assert_uint_eq((hi >> 62) & 1, 0);                  /* T1 */
    ck_assert_uint_eq((hi >> 28) & 1, 1);                  /* T2 */
    ck_assert_uint_eq((hi >> 32) & 0xff, 0x47);            /* FR */
    ck_assert_uint_eq(hi & 0xffff, DEV);
    ck_assert_uint_eq((hi >> 31) & 1, 1);                  /* PP */
    ck_assert_uint_eq((hi >> 40) & 0xfffff, 5);            /* PV */
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_PRS), 0);
    o = preq(u, 5, 0x5000, VTD_ACC_READ, 7, false);
    ck_assert_int_eq(o.outcome, VTD_PRQ_REFUSED);
    ck_assert(!o.responded);
    ck_assert_uint_eq(nresp, 1);
    vtd_iommu_free(u);
}
END_TEST

/* Table 30: RTA.3 (legacy mode, 32h), SCT.6 (PASIDE=0, 45h), SCT.7
 * (PASID above PDTS, 46h), SCT.9 (PASID = RID_PASID, 48h), SPT.2 (PASID
 * entry not present, 59h); context FPD suppresses the qualified ones but
 * the Invalid Request response stays (7.1.3 note). */
START_TEST(test_table30_page_request_conditions)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL);
    enable(u, VTD_TTM_LEGACY);
    prq_setup(u, true);
    ck_assert_uint_eq(preq(u, 5, 0, VTD_ACC_READ, 0, true).fault, 0x32);
    enable(u, VTD_TTM_SCALABLE);
    ck_assert_uint_eq(preq(u, 1u << 13, 0, VTD_ACC_READ, 0, true).fault,
                      0x46);              /* PDTS 0: PASIDs below 2^13 */
    ck_assert_uint_eq(preq(u, RID_PASID, 0, VTD_ACC_READ, 0, true).fault,
                      0x48);
    ck_assert_uint_eq(preq(u, 6, 0, VTD_ACC_READ, 0, true).fault, 0x59);
    /* Without PASID: RID_PASID's entry is used; absent -> 59h. */
    fake_wq(h, PTBL + 64 * RID_PASID, 0);
    ck_assert_uint_eq(preq(u, VTD_NO_PASID, 0, VTD_ACC_READ, 0, true).fault,
                      0x59);
    fake_wq(h, CTP + 32 * (DEV & 0xff), PDIR | (CTX_ALL & ~0x8ULL));
    ck_assert_uint_eq(preq(u, 5, 0, VTD_ACC_READ, 0, true).fault, 0x45);
    ck_assert_uint_eq(nresp, 6);
    for (unsigned i = 0; i < 6; i++)
        ck_assert_uint_eq(resp[i].rc, VTD_PRG_RC_INVALID_REQUEST);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0);

    /* FPD (bit 1): qualified SCT.8 not recorded, still answered. */
    fake_wq(h, CTP + 32 * (DEV & 0xff), PDIR | (CTX_ALL & ~0x10ULL) | 2);
    struct vtd_page_req_result o = preq(u, 5, 0, VTD_ACC_READ, 0, true);
    ck_assert_uint_eq(o.fault, 0x47);
    ck_assert(!o.recorded);
    ck_assert_uint_eq(o.rc, VTD_PRG_RC_INVALID_REQUEST);
    vtd_iommu_free(u);
}
END_TEST

/* Bad input: a PQA outside memory refuses the request (Invalid Request,
 * nothing recorded) and PQT stays; PQH/PQT beyond PQS are taken modulo
 * the queue; bad arguments are -EINVAL. */
START_TEST(test_bad_queue_and_arguments)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL);
    enable(u, VTD_TTM_SCALABLE);
    prq_setup(u, true);
    wr64(u, VTD_REG_PQA, 1ULL << 40);
    struct vtd_page_req_result o = preq(u, 5, 0, VTD_ACC_READ, 0, true);
    ck_assert_int_eq(o.outcome, VTD_PRQ_REFUSED);
    ck_assert_uint_eq(o.fault, 0);
    ck_assert(!o.recorded);
    ck_assert_uint_eq(o.rc, VTD_PRG_RC_INVALID_REQUEST);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0);
    wr64(u, VTD_REG_PQA, PQ);
    wr64(u, VTD_REG_PQT, 0x1020);             /* one page: offset 0x20 */
    o = preq(u, 5, 0, VTD_ACC_READ, 0, true);
    ck_assert_int_eq(o.outcome, VTD_PRQ_QUEUED);
    ck_assert_uint_eq(o.desc_gpa, PQ + 0x20);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x40);

    struct vtd_page_req r = { .sid = DEV, .pasid = 5, .prgi = 512 };
    ck_assert_int_eq(vtd_page_request(u, &r, &o), -EINVAL);
    r.prgi = 0;
    r.pasid = 1u << 20;
    ck_assert_int_eq(vtd_page_request(u, &r, &o), -EINVAL);
    ck_assert_int_eq(vtd_page_request(u, NULL, &o), -EINVAL);
    ck_assert_int_eq(vtd_page_request(NULL, &r, &o), -EINVAL);
    vtd_iommu_free(u);
}
END_TEST

/* 7.6.1 Figure 7-2: type 9h (3:0), PP 4, RC 15:12, RID 31:16, PASID
 * 51:32; PRGI 75:67, bit 66 ignored.  Reserved bits and reserved response
 * codes (Table 32: 2h-Eh) stop the queue with IQE, IQEI 4. */
static void qi_wide(struct vtd_iommu *u)
{
    wr64(u, VTD_REG_IQT, 0);
    wr64(u, VTD_REG_IQA, IQ | 1ULL << 11);   /* DW: 256-bit */
    wr32(u, VTD_REG_GCMD, G_TE | G_QIE);
}

static void put32(unsigned slot, uint64_t q0, uint64_t q1)
{
    fake_wq(h, IQ + 32 * slot, q0);
    fake_wq(h, IQ + 32 * slot + 8, q1);
    fake_wq(h, IQ + 32 * slot + 16, 0);
    fake_wq(h, IQ + 32 * slot + 24, 0);
}

START_TEST(test_page_group_response_descriptor)
{
    struct vtd_iommu *u = unit("full");
    tables(CTX_ALL);
    enable(u, VTD_TTM_SCALABLE);
    qi_wide(u);
    /* Success to 00:01.0 PASID 5 PRGI 0x1a3 (bit 66 set: ignored). */
    put32(0, 0x9ULL | 1ULL << 4 | 0x0ULL << 12 | (uint64_t)DEV << 16 |
                 5ULL << 32,
          0x1a3ULL << 3 | 1ULL << 2);
    /* Response Failure without PASID (PASID field ignored). */
    put32(1, 0x9ULL | 0xfULL << 12 | 0x0310ULL << 16 | 77ULL << 32,
          2ULL << 3);
    wr64(u, VTD_REG_IQT, 0x40);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x40);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    ck_assert_uint_eq(nresp, 2);
    ck_assert_uint_eq(resp[0].rid, DEV);
    ck_assert_uint_eq(resp[0].pasid, 5);
    ck_assert_uint_eq(resp[0].prgi, 0x1a3);
    ck_assert_uint_eq(resp[0].rc, 0);
    ck_assert(!resp[0].automatic);
    ck_assert_uint_eq(resp[1].rid, 0x0310);
    ck_assert_uint_eq(resp[1].pasid, VTD_NO_PASID);
    ck_assert_uint_eq(resp[1].prgi, 2);
    ck_assert_uint_eq(resp[1].rc, 0xf);

    /* Reserved response code 2h: IQE, IQEI 4, IQH at the descriptor. */
    put32(2, 0x9ULL | 0x2ULL << 12 | (uint64_t)DEV << 16, 0);
    wr64(u, VTD_REG_IQT, 0x60);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS) & 0x10, 0x10);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQERCD) & 0xf, 4);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x40);
    ck_assert_uint_eq(nresp, 2);
    /* Bit 5 (RsvdZ 8:5) set: IQEI 4 too. */
    put32(2, 0x9ULL | 1ULL << 5 | (uint64_t)DEV << 16, 0);
    wr32(u, VTD_REG_FSTS, 0x10);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQERCD) & 0xf, 4);
    ck_assert_uint_eq(nresp, 2);
    /* Bit 64 (RsvdZ 65:64) set. */
    put32(2, 0x9ULL | (uint64_t)DEV << 16, 1);
    wr32(u, VTD_REG_FSTS, 0x10);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS) & 0x10, 0x10);
    ck_assert_uint_eq(nresp, 2);
    vtd_iommu_free(u);
}
END_TEST

/* 7.6.1: without ECAP.PRS the descriptor is invalid (IQEI 3); here a unit
 * that is full minus PRS. */
START_TEST(test_response_descriptor_needs_prs)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .ecap_clear = 1ULL << 29 };
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.page_response = on_resp;
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    tables(0x1dULL & ~0x10ULL);
    enable(u, VTD_TTM_SCALABLE);
    qi_wide(u);
    put32(0, 0x9ULL | (uint64_t)DEV << 16, 0);
    wr64(u, VTD_REG_IQT, 0x20);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQERCD) & 0xf, 3);
    ck_assert_uint_eq(nresp, 0);
    /* 9.4: PRE is reserved without ECAP.PRS: SCT.3 (42h). */
    fake_wq(h, CTP + 32 * (DEV & 0xff), PDIR | CTX_ALL);
    struct vtd_dma_req d = { .sid = DEV, .pasid = VTD_NO_PASID,
                             .iova = 0x1000, .size = 4,
                             .access = VTD_ACC_READ };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(u, &d, &x), 0);
    ck_assert_uint_eq(x.fault, 0x42);
    vtd_iommu_free(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prq");
    TCase *tc = tcase_create("prq");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_registers_follow_ecap_prs);
    tcase_add_test(tc, test_request_with_pasid_is_queued);
    tcase_add_test(tc, test_event_held_while_masked);
    tcase_add_test(tc, test_queue_full_sets_pro_and_auto_responds);
    tcase_add_test(tc, test_pre_clear_refused_with_invalid_request);
    tcase_add_test(tc, test_table30_page_request_conditions);
    tcase_add_test(tc, test_bad_queue_and_arguments);
    tcase_add_test(tc, test_page_group_response_descriptor);
    tcase_add_test(tc, test_response_descriptor_needs_prs);
    suite_add_tcase(s, tc);
    return check_run(s);
}
