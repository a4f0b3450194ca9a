/* SPDX-License-Identifier: MIT */
/*
 * tests/test_prdev.c: the ATS/PRI device of pci/prdev.h against a unit
 * (public API, fake memory), end to end: the DMA meets a translation
 * completion without permission (Table 30 SSS.2 "Success with
 * R=W=U=S=0"), the device issues a page request (VT-d 7.4.1) and waits;
 * software maps the page and answers with a page group response (7.6.1);
 * the device retries and completes with translated requests.  Invalid
 * Request fails the DMA, Response Failure disables PRI, the unit's own
 * Success on a full queue (Table 31) leads to one retry only.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "fakemem.h"
#include "pci/prdev.h"
#include <vtd/layout.h>
#include "check_main.h"

#define RTA 0x10000ULL
#define CTP 0x11000ULL
#define PDIR 0x13000ULL
#define PTBL 0x14000ULL
#define SS 0x20000ULL        /* second-stage PML4; PDPT, PD, PT follow */
#define PQ 0x40000ULL
#define IQ 0x50000ULL
#define DATA 0x80000ULL
#define DEV 0x0008

static struct fake_host *h;
static struct vtd_iommu *u;
static struct pci_prdev *dev;
static unsigned iqt;

static unsigned translations;
static struct vtd_ats_req last_req;

static int t_translate(void *o, const struct vtd_ats_req *req,
                       struct vtd_ats_cpl *cpl)
{
    (void)o;
    translations++;
    last_req = *req;
    return vtd_ats_translate(u, req, cpl);
}

static int t_page_request(void *o, const struct vtd_page_req *req)
{
    (void)o;
    struct vtd_page_req_result res;
    return vtd_page_request(u, req, &res);
}

static unsigned untranslated;

static int t_dma(void *o, uint16_t rid, uint32_t pasid, uint64_t addr,
                 void *buf, size_t len, bool write, bool translated)
{
    (void)o;
    untranslated += !translated;
    struct vtd_dma_req r = { .sid = rid, .pasid = pasid, .iova = addr,
                             .size = (uint32_t)len,
                             .at = translated ? VTD_AT_TRANSLATED
                                              : VTD_AT_UNTRANSLATED,
                             .access = write ? VTD_ACC_WRITE : VTD_ACC_READ };
    struct vtd_xlate x;
    int rc = vtd_translate(u, &r, &x);
    if (rc < 0 || x.fault)
        return rc < 0 ? rc : -EFAULT;
    if (x.addr >= h->size || h->size - x.addr < len)
        return -EFAULT;
    if (write)
        memcpy(h->ram + x.addr, buf, len);
    else
        memcpy(buf, h->ram + x.addr, len);
    return 0;
}

static const struct pci_prdev_ops dev_ops = {
    .translate = t_translate, .page_request = t_page_request, .dma = t_dma,
};

/* The platform routes page group responses to the device. */
static void on_resp(void *opaque, const struct vtd_page_resp *r)
{
    (void)opaque;
    pci_prdev_page_response(dev, r);
}

static void setup(void)
{
    h = fake_host_new(1 << 20);
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.page_response = on_resp;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    /* 9.2, 9.4: 00:01.0 with P, DTE, PASIDE, PRE; 9.5; 9.6 PASID 5:
     * second stage (PGTT 010b), AW 010b (4-level), SSPTPTR SS, DID 7. */
    fake_wq(h, RTA, CTP | 1);
    fake_wq(h, CTP + 32 * DEV, PDIR | 0x1d);
    fake_wq(h, CTP + 32 * DEV + 8, 1);
    fake_wq(h, PDIR, PTBL | 1);
    fake_wq(h, PTBL + 64 * 5, SS | 2ULL << 6 | 2ULL << 2 | 1);
    fake_wq(h, PTBL + 64 * 5 + 8, 7);
    /* 9.8: PML4E, PDPE, PDE with R/W; PTEs start not present. */
    fake_wq(h, SS, (SS + 0x1000) | 3);
    fake_wq(h, SS + 0x1000, (SS + 0x2000) | 3);
    fake_wq(h, SS + 0x2000, (SS + 0x3000) | 3);
    wr64(u, VTD_REG_RTADDR, RTA | 1ULL << 10);
    wr32(u, VTD_REG_GCMD, 0x40000000);        /* SRTP */
    wr32(u, VTD_REG_GCMD, 0x80000000);        /* TE */
    wr64(u, VTD_REG_IQT, 0);
    wr64(u, VTD_REG_IQA, IQ | 1ULL << 11);    /* 256-bit */
    wr32(u, VTD_REG_GCMD, 0x84000000);        /* TE, QIE */
    wr64(u, VTD_REG_PQA, PQ);
    iqt = 0;
    translations = untranslated = 0;
    memset(&last_req, 0, sizeof(last_req));
    dev = pci_prdev_new(DEV, &dev_ops, NULL);
    ck_assert_ptr_nonnull(dev);
    for (unsigned i = 0; i < 16; i++)
        h->ram[DATA + i] = (uint8_t)(0xa0 + i);
}

static void teardown(void)
{
    pci_prdev_free(dev);
    vtd_iommu_free(u);
    fake_host_free(h);
}

/* Software's answer (7.6.1 Figure 7-2) for the descriptor at PQH, with
 * response code rc, through the invalidation queue; then PQH = PQT. */
static void respond(unsigned rc)
{
    uint64_t pqh = rd64(u, VTD_REG_PQH);
    uint64_t q0 = fake_rq(h, PQ + pqh), q1 = fake_rq(h, PQ + pqh + 8);
    ck_assert_uint_eq(q0 & 0xff, 1);                        /* type 01h */
    uint64_t d0 = 0x9 | (q0 & 0x100) >> 4 | (uint64_t)rc << 12 |
                  (q0 & 0xffff0000ULL) | (q0 & 0x000fffff00000000ULL);
    uint64_t d1 = q1 & 0xff8;                               /* PRGI */
    fake_wq(h, IQ + iqt, d0);
    fake_wq(h, IQ + iqt + 8, d1);
    fake_wq(h, IQ + iqt + 16, 0);
    fake_wq(h, IQ + iqt + 24, 0);
    iqt += 32;
    wr64(u, VTD_REG_IQT, iqt);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), iqt);
    wr64(u, VTD_REG_PQH, rd64(u, VTD_REG_PQT));
    wr32(u, VTD_REG_PRS, 1);
}

START_TEST(test_fault_request_wait_retry_complete)
{
    uint8_t buf[8] = { 0 };
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5004, buf, 8, false), -EAGAIN);
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_WAITING);
    ck_assert_uint_eq(pci_prdev_requests(dev), 1);
    /* The descriptor (Figure 7-1): PP, RID, PASID 5; RDR, LPIG, PRGI 0,
     * page 0x5000. */
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x20);
    ck_assert_uint_eq(fake_rq(h, PQ), 0x01ULL | 1ULL << 8 |
                      (uint64_t)DEV << 16 | 5ULL << 32);
    ck_assert_uint_eq(fake_rq(h, PQ + 8), 0x5000ULL | 4 | 1);
    /* Waiting: no second request. */
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5004, buf, 8, false), -EAGAIN);
    ck_assert_uint_eq(pci_prdev_requests(dev), 1);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0x20);

    /* Software maps 0x5000 -> DATA (R, W) and answers Success. */
    fake_wq(h, SS + 0x3000 + 8 * 5, DATA | 3);
    respond(VTD_PRG_RC_SUCCESS);
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_RESPONDED);
    ck_assert_int_eq(pci_prdev_last_rc(dev), 0);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5004, buf, 8, false), 0);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(buf[i], 0xa4 + i);
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_IDLE);
    /* A write to the same page now goes straight through. */
    uint8_t w[4] = { 1, 2, 3, 4 };
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5100, w, 4, true), 0);
    ck_assert_uint_eq(fake_rl(h, DATA + 0x100), 0x04030201);
    ck_assert_uint_eq(pci_prdev_requests(dev), 1);
}
END_TEST

START_TEST(test_invalid_request_fails_the_dma)
{
    uint8_t buf[4];
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x6000, buf, 4, true), -EAGAIN);
    ck_assert_uint_eq(fake_rq(h, PQ + 8), 0x6000ULL | 4 | 2);  /* WRR */
    respond(VTD_PRG_RC_INVALID_REQUEST);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x6000, buf, 4, true), -EFAULT);
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_IDLE);
}
END_TEST

START_TEST(test_response_failure_disables_pri)
{
    uint8_t buf[4];
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x7000, buf, 4, false), -EAGAIN);
    respond(VTD_PRG_RC_RESPONSE_FAILURE);
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_PRI_OFF);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x7000, buf, 4, false), -EIO);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x8000, buf, 4, false), -EIO);
    ck_assert_uint_eq(pci_prdev_requests(dev), 1);
}
END_TEST

/* Table 31: on a full queue the unit answers a last-in-group request
 * Success itself; the page is still not mapped, so the retry fails and
 * the device does not loop. */
START_TEST(test_auto_success_on_full_queue)
{
    uint8_t buf[4];
    wr64(u, VTD_REG_PQH, 0x20);      /* tail one behind head: full */
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x9000, buf, 4, false), -EAGAIN);
    ck_assert_uint_eq(rd32(u, VTD_REG_PRS), 2);             /* PRO */
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_RESPONDED);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x9000, buf, 4, false), -EFAULT);
    ck_assert_uint_eq(pci_prdev_requests(dev), 1);
}
END_TEST

/* A response for another group or device is discarded (VT-d 7.9). */
START_TEST(test_unmatched_response_discarded)
{
    uint8_t buf[4];
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0xa000, buf, 4, false), -EAGAIN);
    struct vtd_page_resp r = { .rid = DEV, .pasid = 5, .prgi = 7, .rc = 0 };
    pci_prdev_page_response(dev, &r);
    r.rid = 0x10;
    r.prgi = 0;
    pci_prdev_page_response(dev, &r);
    ck_assert_int_eq(pci_prdev_state(dev), PCI_PRDEV_WAITING);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x10000, buf, 8, false),
                     -EAGAIN);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0xaffc, buf, 8, false), -EINVAL);
}
END_TEST

/* The device's translation request (VT-d 4.1.1): the page, its PASID,
 * NW for a read only. */
START_TEST(test_translation_request_fields)
{
    uint8_t buf[4];
    fake_wq(h, SS + 0x3000 + 8 * 5, DATA | 3);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5abc, buf, 4, false), 0);
    ck_assert_uint_eq(translations, 1);
    ck_assert_uint_eq(last_req.version, VTD_ATS_REQ_VERSION);
    ck_assert_uint_eq(last_req.sid, DEV);
    ck_assert_uint_eq(last_req.pasid, 5);
    ck_assert_uint_eq(last_req.iova, 0x5000);
    ck_assert(last_req.nw);
    ck_assert(!last_req.priv && !last_req.exec);
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5abc, buf, 4, true), 0);
    ck_assert(!last_req.nw);
    ck_assert_uint_eq(untranslated, 0);
}
END_TEST

/* 4.2.3: a 2 MiB second-stage leaf gives a completion with S=1 for the
 * 2 MiB region; the device's translated request goes to the output of
 * its own address in it: IOVA 0x200000 + DATA + 4 -> DATA + 4. */
START_TEST(test_large_page_completion)
{
    uint8_t buf[8] = { 0 };
    fake_wq(h, SS + 0x2000 + 8 * 1, 0x0 | 1ULL << 7 | 3);  /* PDE[1] PS */
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x200000 + DATA + 4, buf, 8,
                                   false), 0);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(buf[i], 0xa4 + i);
    ck_assert_uint_eq(pci_prdev_requests(dev), 0);
}
END_TEST

/* 4.1.2: UR (here SCT.5: DTE clear, Table 30) is no recoverable fault:
 * the DMA fails without a page request. */
START_TEST(test_ur_completion_fails_without_page_request)
{
    uint8_t buf[4];
    fake_wq(h, CTP + 32 * DEV, PDIR | 0x09);     /* P, PASIDE; no DTE, PRE */
    ck_assert_int_eq(pci_prdev_dma(dev, 5, 0x5000, buf, 4, false), -EFAULT);
    ck_assert_uint_eq(translations, 1);
    ck_assert_uint_eq(pci_prdev_requests(dev), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_PQT), 0);
}
END_TEST

/* Table 30 S.1: a translation request without PASID for FEEx_xxxxh gets
 * U=1 (untranslated access only, 4.1.2): the device sends its write as an
 * untranslated request, issues no page request. */
START_TEST(test_u_completion_goes_untranslated)
{
    uint8_t buf[4] = { 0 };
    /* RID_PASID is 1 (the context entry, 9.4): PASID entry 1 like 5's. */
    fake_wq(h, PTBL + 64, SS | 2ULL << 6 | 2ULL << 2 | 1);
    fake_wq(h, PTBL + 64 + 8, 7);
    (void)pci_prdev_dma(dev, VTD_NO_PASID, 0xfee00000, buf, 4, true);
    ck_assert_uint_eq(translations, 1);
    ck_assert_uint_eq(untranslated, 1);
    ck_assert_uint_eq(pci_prdev_requests(dev), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prdev");
    TCase *tc = tcase_create("prdev");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fault_request_wait_retry_complete);
    tcase_add_test(tc, test_invalid_request_fails_the_dma);
    tcase_add_test(tc, test_response_failure_disables_pri);
    tcase_add_test(tc, test_auto_success_on_full_queue);
    tcase_add_test(tc, test_unmatched_response_discarded);
    tcase_add_test(tc, test_translation_request_fields);
    tcase_add_test(tc, test_large_page_completion);
    tcase_add_test(tc, test_ur_completion_fails_without_page_request);
    tcase_add_test(tc, test_u_completion_goes_untranslated);
    suite_add_tcase(s, tc);
    return check_run(s);
}
