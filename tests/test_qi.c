/* SPDX-License-Identifier: MIT */
/*
 * tests/test_qi.c: queued invalidation (VT-d 6.5.2, registers 11.4.9):
 * each descriptor type reaching its cache, wait descriptors (status write,
 * IWC and the completion interrupt, SW and IF together), queue errors with
 * their IQEI codes (11.4.9.9) and where IQH stops, bounded processing,
 * enable/disable rules.  Descriptors are assembled by hand from the
 * figures of 6.5.2.x.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include <vtd/layout.h>
#include "check_main.h"
#include "unit_util.h"

#define QCAP 0x00d2008c22260206ULL
#define QECAP 0xf00f4aULL
#define QBASE 0x10000ULL
#define STATUS 0x30004ULL

/* GCMD bits (11.4.4.1) */
#define G_SRTP 0x40000000u
#define G_QIE 0x04000000u
/* FSTS.IQE (11.4.7.1) */
#define FSTS_IQE 0x10u
/* IQA: DW bit 11, QS 2:0 (11.4.9.3) */
#define IQA_DW (1ULL << 11)

/* Descriptor builders (type in bits 3:0, granularity 5:4). */
#define D_CC_GLOBAL (0x1ULL | 1ULL << 4)               /* Figure 6-1 */
#define D_IOTLB(g) (0x2ULL | (uint64_t)(g) << 4)       /* Figure 6-3 */
#define D_DEVTLB(sid) (0x3ULL | (uint64_t)(sid) << 32) /* Figure 6-5 */
#define D_IEC_GLOBAL 0x4ULL                            /* Figure 6-8 */
#define D_PIOTLB_PASID(did, pasid)                                         \
    (0x6ULL | 2ULL << 4 | (uint64_t)(did) << 16 | (uint64_t)(pasid) << 32)
#define D_PC_GLOBAL (0x7ULL | 3ULL << 4)               /* Figure 6-2 */
/* Wait (Figure 6-9): IF 4, SW 5, FN 6, status data 63:32; address in
 * the second qword, bits 63:2. */
static uint64_t d_wait(bool sw, bool iff, uint32_t data)
{
    return 0x5ULL | (uint64_t)iff << 4 | (uint64_t)sw << 5 |
           (uint64_t)data << 32;
}

static struct fake_host *h;

static void setup(void)
{
    h = fake_host_new(1 << 20);
    inval_seen_reset();
}

static void teardown(void)
{
    fake_host_free(h);
}

/* A unit on h whose invalidation events go to inval_seen. */
static struct vtd_iommu *unit(uint64_t cap, uint64_t ecap,
                              const char *profile)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION, .cap = cap,
                              .ecap = ecap, .profile = profile };
    return unit_new_cfg(&cfg, inval_seen_ops(), h);
}

/* Software's enable sequence (6.5.2): IQT = 0, IQA, then GCMD.QIE. */
static void qi_enable(struct vtd_iommu *u, uint64_t iqa)
{
    wr64(u, VTD_REG_IQT, 0);
    wr64(u, VTD_REG_IQA, iqa);
    wr32(u, VTD_REG_GCMD, G_QIE);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & G_QIE, G_QIE);
}

static void put(unsigned slot, unsigned dsize, uint64_t q0, uint64_t q1)
{
    uint64_t a = QBASE + (uint64_t)slot * dsize;
    fake_wq(h, a, q0);
    fake_wq(h, a + 8, q1);
    if (dsize == 32) {
        fake_wq(h, a + 16, 0);
        fake_wq(h, a + 24, 0);
    }
}

static unsigned iqei(struct vtd_iommu *u)
{
    return (unsigned)(rd64(u, VTD_REG_IQERCD) & 0xf);
}

/* Linux's pair (linux-6.1-legacy-protocol slots 0..1): IEC global, then
 * wait with SW writing status data 2; IQH = IQT after the tail write. */
START_TEST(test_wait_status_write)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, D_IEC_GLOBAL, 0);
    put(1, 16, d_wait(true, false, 2), STATUS);
    fake_wl(h, STATUS, 1);
    wr32(u, VTD_REG_IQT, 0x20);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x20);
    ck_assert_uint_eq(fake_rl(h, STATUS), 2);
    ck_assert_uint_eq(unit_invalidations(u), 1);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Each 128-bit invalidation type reaches its cache (full profile: DT). */
START_TEST(test_each_128bit_type_dispatched)
{
    struct vtd_iommu *u = unit(0, 0, "full");
    qi_enable(u, QBASE);
    put(0, 16, D_CC_GLOBAL, 0);
    put(1, 16, D_IOTLB(1), 0);
    put(2, 16, D_IOTLB(3) | 5ULL << 16, 0x40000 | 2); /* page, AM 2 */
    put(3, 16, D_IEC_GLOBAL, 0);
    put(4, 16, D_DEVTLB(0x18), 0x7000);
    put(5, 16, d_wait(false, false, 0), 0);
    wr64(u, VTD_REG_IQT, 0x60);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x60);
    ck_assert_uint_eq(unit_invalidations(u), 5);
    ck_assert_uint_eq(inval_seen.n, 6);
    ck_assert_str_eq(inval_seen.what[0], "context");
    ck_assert_str_eq(inval_seen.what[1], "iotlb");
    ck_assert_str_eq(inval_seen.what[2], "iotlb");
    ck_assert_str_eq(inval_seen.what[3], "iec");
    ck_assert_str_eq(inval_seen.what[4], "devtlb");
    ck_assert_str_eq(inval_seen.what[5], "wait");
    vtd_iommu_free(u);
}
END_TEST

/* 6.5.2.9/6.5.2.10: IF sets ICS.IWC and, with IECTL.IM clear, sends the
 * IEDATA / IEUADDR:IEADDR message; while IWC is set no new event; after
 * software clears IWC the next IF interrupts again. */
START_TEST(test_wait_interrupt_and_iwc)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    wr32(u, VTD_REG_IEDATA, 0x44);
    wr32(u, VTD_REG_IEADDR, 0xfee00000);
    wr32(u, VTD_REG_IECTL, 0);
    qi_enable(u, QBASE);
    for (unsigned i = 0; i < 3; i++)
        put(i, 16, d_wait(false, true, 0), 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(rd32(u, VTD_REG_ICS), 1);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(h->msi_addr[0], 0xfee00000);
    ck_assert_uint_eq(h->msi_data[0], 0x44);
    wr64(u, VTD_REG_IQT, 0x20);
    ck_assert_uint_eq(h->nmsi, 1);
    wr32(u, VTD_REG_ICS, 1); /* RW1C */
    ck_assert_uint_eq(rd32(u, VTD_REG_ICS), 0);
    wr64(u, VTD_REG_IQT, 0x30);
    ck_assert_uint_eq(h->nmsi, 2);
    vtd_iommu_free(u);
}
END_TEST

/* IM set (reset value): IP is set and the message held until IM is
 * cleared. */
START_TEST(test_wait_interrupt_held_while_masked)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, d_wait(false, true, 0), 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(h->nmsi, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_IECTL), 0xc0000000u);
    wr32(u, VTD_REG_IECTL, 0);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(rd32(u, VTD_REG_IECTL), 0);
    vtd_iommu_free(u);
}
END_TEST

/* SW and IF together are valid (QEMU 7.2 aborts): both happen. */
START_TEST(test_wait_sw_and_if_together)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    wr32(u, VTD_REG_IECTL, 0);
    qi_enable(u, QBASE);
    put(0, 16, d_wait(true, true, 0x600d), STATUS);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(fake_rl(h, STATUS), 0x600d);
    ck_assert_uint_eq(rd32(u, VTD_REG_ICS), 1);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 6.5.2.11: an invalid descriptor type stops the queue with IQH at it,
 * FSTS.IQE set, IQEI = 3; tail writes do not fetch while IQE is set;
 * after software fixes the slot and clears IQE fetching resumes. */
START_TEST(test_invalid_type_stops_queue)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, D_IEC_GLOBAL, 0);
    put(1, 16, 0, 0);                         /* type 0: invalid */
    put(2, 16, d_wait(true, false, 7), STATUS);
    wr64(u, VTD_REG_IQT, 0x30);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x10);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    ck_assert_uint_eq(iqei(u), 3);
    ck_assert_uint_eq(fake_rl(h, STATUS), 0);
    wr64(u, VTD_REG_IQT, 0x30);               /* no fetch while IQE */
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x10);
    put(1, 16, D_IEC_GLOBAL, 0);
    wr32(u, VTD_REG_FSTS, FSTS_IQE);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x30);
    ck_assert_uint_eq(fake_rl(h, STATUS), 7);
    vtd_iommu_free(u);
}
END_TEST

/* Reserved bits in a valid type: IQEI 4 (IOTLB bit 8 is RsvdZ). */
START_TEST(test_reserved_bit_is_iqe4)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, D_IOTLB(1) | 0x100, 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    ck_assert_uint_eq(iqei(u), 4);
    ck_assert_uint_eq(unit_invalidations(u), 0);
    vtd_iommu_free(u);
}
END_TEST

/* A context-cache descriptor with granularity 00b is invalid; so is a
 * page-selective IOTLB descriptor without CAP.PSI (6.5.2.3). */
START_TEST(test_reserved_granularities_are_invalid)
{
    struct vtd_iommu *u = unit(QCAP & ~(1ULL << 39), QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, 0x1, 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(iqei(u), 4);
    put(0, 16, D_IOTLB(3), 0);
    wr32(u, VTD_REG_FSTS, FSTS_IQE);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* A descriptor fetch outside guest memory: IQEI 2, IQH unchanged. */
START_TEST(test_fetch_outside_memory_is_iqe2)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, 0x200000); /* beyond the 1 MiB of fake RAM */
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    ck_assert_uint_eq(iqei(u), 2);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* IQT beyond a QS=0 (4 KiB) queue is an invalid tail: IQEI 1.  All-ones
 * is masked to bits 18:4 first and is still beyond. */
START_TEST(test_tail_beyond_queue_is_iqe1)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    wr64(u, VTD_REG_IQT, ~0ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQT), 0x7fff0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    ck_assert_uint_eq(iqei(u), 1);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.9.3: DW=1 without SMTS/ADMS is an invalid width: IQEI 5. */
START_TEST(test_wide_descriptors_without_smts_is_iqe5)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE | IQA_DW);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQA), QBASE | IQA_DW); /* reads back */
    put(0, 32, D_IEC_GLOBAL, 0);
    wr64(u, VTD_REG_IQT, 0x20);
    ck_assert_uint_eq(iqei(u), 5);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.9.9 IQEI 5: 128-bit descriptors while in scalable mode. */
START_TEST(test_narrow_descriptors_in_scalable_mode_is_iqe5)
{
    struct vtd_iommu *u = unit(0, 0, "full");
    wr64(u, VTD_REG_RTADDR, 0x50000 | (1u << 10));
    wr32(u, VTD_REG_GCMD, G_SRTP);
    qi_enable(u, QBASE);
    put(0, 16, D_IEC_GLOBAL, 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(iqei(u), 5);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.9.2: with DW=1, IQT bit 4 set is an error: IQEI 6. */
START_TEST(test_misaligned_wide_tail_is_iqe6)
{
    struct vtd_iommu *u = unit(0, 0, "full");
    qi_enable(u, QBASE | IQA_DW);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(iqei(u), 6);
    vtd_iommu_free(u);
}
END_TEST

/* Scalable mode, 256-bit queue: PASID-cache and PASID-based IOTLB
 * descriptors reach their caches; a wait completes the batch. */
START_TEST(test_wide_queue_pasid_descriptors)
{
    struct vtd_iommu *u = unit(0, 0, "full");
    wr64(u, VTD_REG_RTADDR, 0x50000 | (1u << 10));
    wr32(u, VTD_REG_GCMD, G_SRTP);
    qi_enable(u, QBASE | IQA_DW);
    put(0, 32, D_PC_GLOBAL, 0);
    put(1, 32, D_PIOTLB_PASID(2, 0x123), 0);
    put(2, 32, d_wait(true, false, 9), STATUS);
    wr64(u, VTD_REG_IQT, 0x60);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x60);
    ck_assert_uint_eq(fake_rl(h, STATUS), 9);
    ck_assert_uint_eq(unit_invalidations(u), 2);
    ck_assert_str_eq(inval_seen.what[0], "pasid");
    ck_assert_str_eq(inval_seen.what[1], "piotlb");
    vtd_iommu_free(u);
}
END_TEST

/* Table 26: in legacy mode only types 1h-5h are valid, even with 256-bit
 * descriptors; a 128-bit type must be zero-padded in a 256-bit slot. */
START_TEST(test_pasid_types_invalid_in_legacy_mode)
{
    struct vtd_iommu *u = unit(0, 0, "full");
    qi_enable(u, QBASE | IQA_DW);
    put(0, 32, D_IEC_GLOBAL, 0);
    put(1, 32, D_PC_GLOBAL, 0);
    wr64(u, VTD_REG_IQT, 0x40);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x20);
    ck_assert_uint_eq(iqei(u), 3);
    vtd_iommu_free(u);

    u = unit(0, 0, "full");
    qi_enable(u, QBASE | IQA_DW);
    put(0, 32, D_IEC_GLOBAL, 0);
    fake_wq(h, QBASE + 16, 1); /* bit 128 set */
    wr64(u, VTD_REG_IQT, 0x20);
    ck_assert_uint_eq(iqei(u), 4);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 6.5.2.5: device-TLB descriptors are an invalid type without ECAP.DT. */
START_TEST(test_devtlb_needs_dt)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, D_DEVTLB(0x18), 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(iqei(u), 3);
    vtd_iommu_free(u);
}
END_TEST

/* Processing is bounded by the queue: 256 slots, tail one behind the
 * head wraps around exactly once. */
START_TEST(test_full_queue_processed_once)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    for (unsigned i = 0; i < 256; i++)
        put(i, 16, d_wait(false, false, 0), 0);
    wr64(u, VTD_REG_IQT, 0xff0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0xff0);
    ck_assert_uint_eq(inval_seen.n, 255);
    wr64(u, VTD_REG_IQT, 0x0);                /* wrap to slot 0 */
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    ck_assert_uint_eq(inval_seen.n, 256);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.9.1: disabling QI resets IQH to 0; tail writes while disabled do
 * not fetch; enabling fetches from slot 0 up to IQT. */
START_TEST(test_qie_disable_and_enable)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, D_IEC_GLOBAL, 0);
    put(1, 16, D_IEC_GLOBAL, 0);
    wr64(u, VTD_REG_IQT, 0x20);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x20);
    wr32(u, VTD_REG_GCMD, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & G_QIE, 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    ck_assert_uint_eq(unit_invalidations(u), 2);
    wr32(u, VTD_REG_GCMD, G_QIE);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0x10);
    ck_assert_uint_eq(unit_invalidations(u), 3);
    vtd_iommu_free(u);
}
END_TEST

/* A stopped queue (IQE pending, IQH != IQT) may be disabled. */
START_TEST(test_qie_disable_allowed_with_iqe)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    qi_enable(u, QBASE);
    put(0, 16, 0, 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    wr32(u, VTD_REG_GCMD, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & G_QIE, 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* The IQE fault event is raised through FECTL (7.3). */
START_TEST(test_iqe_sends_fault_event)
{
    struct vtd_iommu *u = unit(QCAP, QECAP, NULL);
    wr32(u, VTD_REG_FEDATA, 0x31);
    wr32(u, VTD_REG_FEADDR, 0xfee00000);
    wr32(u, VTD_REG_FECTL, 0);
    qi_enable(u, QBASE);
    put(0, 16, 0xf, 0);
    wr64(u, VTD_REG_IQT, 0x10);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(h->msi_data[0], 0x31);
    vtd_iommu_free(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qi");
    TCase *tc = tcase_create("qi");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_wait_status_write);
    tcase_add_test(tc, test_each_128bit_type_dispatched);
    tcase_add_test(tc, test_wait_interrupt_and_iwc);
    tcase_add_test(tc, test_wait_interrupt_held_while_masked);
    tcase_add_test(tc, test_wait_sw_and_if_together);
    tcase_add_test(tc, test_invalid_type_stops_queue);
    tcase_add_test(tc, test_reserved_bit_is_iqe4);
    tcase_add_test(tc, test_reserved_granularities_are_invalid);
    tcase_add_test(tc, test_fetch_outside_memory_is_iqe2);
    tcase_add_test(tc, test_tail_beyond_queue_is_iqe1);
    tcase_add_test(tc, test_wide_descriptors_without_smts_is_iqe5);
    tcase_add_test(tc, test_narrow_descriptors_in_scalable_mode_is_iqe5);
    tcase_add_test(tc, test_misaligned_wide_tail_is_iqe6);
    tcase_add_test(tc, test_wide_queue_pasid_descriptors);
    tcase_add_test(tc, test_pasid_types_invalid_in_legacy_mode);
    tcase_add_test(tc, test_devtlb_needs_dt);
    tcase_add_test(tc, test_full_queue_processed_once);
    tcase_add_test(tc, test_qie_disable_and_enable);
    tcase_add_test(tc, test_qie_disable_allowed_with_iqe);
    tcase_add_test(tc, test_iqe_sends_fault_event);
    suite_add_tcase(s, tc);
    return check_run(s);
}
