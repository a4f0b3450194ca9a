/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_fault.c: primary fault logging (VT-d 7.2.1), the fault event
 * interrupt (7.3), the FRCD layout (11.4.7.6) and the fault reason
 * catalogue (7.1.3 Table 30, 5.1.4.1 Table 15).  Expected register values
 * are assembled by hand from the layout in each comment.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include "vtd/internal.h"
#include "check_main.h"

/* FRCD upper qword bit positions (11.4.7.6, bit n of the record is bit
 * n - 64 here): F 63, T1 62, AT 61:60, PV 59:40, FR 39:32, PP 31, EXE 30,
 * PRIV 29, T2 28, SID 15:0. */
#define HI_F (1ULL << 63)
#define HI_T1 (1ULL << 62)
#define HI_AT(x) ((uint64_t)(x) << 60)
#define HI_PV(x) ((uint64_t)(x) << 40)
#define HI_FR(x) ((uint64_t)(x) << 32)
#define HI_PP (1ULL << 31)
#define HI_EXE (1ULL << 30)
#define HI_PRIV (1ULL << 29)

/* FSTS (11.4.7.1): PFO 0, PPF 1, IQE 4, FRI 15:8. */
#define FSTS_PFO 0x1u
#define FSTS_PPF 0x2u
#define FSTS_IQE 0x10u

static struct fake_host *h;

static void setup(void)
{
    h = fake_host_new(1 << 20);
}

static void teardown(void)
{
    fake_host_free(h);
}

static struct vtd_iommu *unit_nocollapse(const char *profile)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = profile,
                              .no_fault_collapse = true };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, NULL, 0),
                     0);
    return u;
}

static struct vtd_fault_info dma_fault(uint16_t sid, unsigned reason,
                                       uint64_t addr, bool read)
{
    struct vtd_fault_info fi = { .sid = sid, .reason = reason,
                                 .addr = addr, .is_read = read,
                                 .pasid = VTD_NO_PASID };
    return fi;
}

static bool report(struct vtd_iommu *u, uint16_t sid, unsigned reason)
{
    struct vtd_fault_info fi = dma_fault(sid, reason, 0x1000, false);
    return vtd_fault_report_(u, &fi, false);
}

/* full profile: FRO 0x400, 8 records */
#define FRCD_LO(i) (0x400 + 16 * (i))
#define FRCD_HI(i) (0x400 + 16 * (i) + 8)
/* qemu-7.2: FRO 0x220, 1 record */
#define QFRCD_LO 0x220
#define QFRCD_HI 0x228

/* Write-fault record: FI = page address, T1 = 0 (write), FR = 5, SID;
 * FSTS: PPF with FRI = 0 (7.2.1). */
START_TEST(test_write_fault_record_fields)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    struct vtd_fault_info fi = dma_fault(0x0318, VTD_FR_WRITE,
                                         0x0fe0000123456abcULL, false);
    ck_assert(vtd_fault_report_(u, &fi, false));
    /* full profile SAGAW 0xe: largest AGAW 57, FI keeps bits 56:12 */
    ck_assert_uint_eq(rd64(u, FRCD_LO(0)), 0x01e0000123456000ULL);
    ck_assert_uint_eq(rd64(u, FRCD_HI(0)), HI_F | HI_FR(5) | 0x0318);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PPF);
    vtd_iommu_free(u);
}
END_TEST

/* Read with PASID (full profile has ECAP.PASID and DT): T1 = 1, AT as
 * requested, PP with the 20-bit PV, EXE (read with execute), PRIV. */
START_TEST(test_read_fault_with_pasid_fields)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    struct vtd_fault_info fi = dma_fault(0x1a00, VTD_FR_SGN_READ, 0x5000,
                                         true);
    fi.pasid = 0x12345;
    fi.priv = true;
    fi.exec = true;
    fi.at = VTD_AT_TRANSLATED;
    ck_assert(vtd_fault_report_(u, &fi, false));
    ck_assert_uint_eq(rd64(u, FRCD_HI(0)),
                      HI_F | HI_T1 | HI_AT(2) | HI_PV(0x12345) |
                          HI_FR(0x86) | HI_PP | HI_EXE | HI_PRIV | 0x1a00);
    ck_assert_uint_eq(rd64(u, FRCD_LO(0)), 0x5000);
    vtd_iommu_free(u);
}
END_TEST

/* Without ECAP.PASID and ECAP.DT (qemu-7.2) PP/PV/EXE/PRIV and AT are
 * RsvdZ. */
START_TEST(test_pasid_and_at_rsvdz_without_support)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    struct vtd_fault_info fi = dma_fault(0x0020, VTD_FR_READ, 0x96335d3e18,
                                         true);
    fi.pasid = 0x55;
    fi.priv = true;
    fi.at = VTD_AT_TRANSLATED;
    ck_assert(vtd_fault_report_(u, &fi, false));
    /* Oracle shape 0xc000000600000020 under mask 0xf00000ff8000ffff;
     * here the whole qword. */
    ck_assert_uint_eq(rd64(u, QFRCD_HI), HI_F | HI_T1 | HI_FR(6) | 0x20);
    /* FI 63:N reserved, N = 39 (SAGAW 0x2: 3-level only): bit 39 of
     * 0x96335d3e18 is dropped (QEMU 7.2 keeps it). */
    ck_assert_uint_eq(rd64(u, QFRCD_LO), 0x16335d3000ULL);
    vtd_iommu_free(u);
}
END_TEST

/* Interrupt faults: FI 63:48 = interrupt index, 47:12 clear; for 25h the
 * field is undefined (written 0); T is not set. */
START_TEST(test_interrupt_fault_index_in_fi)
{
    struct vtd_iommu *u = unit_nocollapse("full");
    struct vtd_fault_info fi = { .sid = 0xff00, .reason = VTD_FR_IR_NOT_PRESENT,
                                 .addr = 0x1234ULL << 48, .is_irq = true,
                                 .is_read = true, .pasid = VTD_NO_PASID };
    ck_assert(vtd_fault_report_(u, &fi, false));
    ck_assert_uint_eq(rd64(u, FRCD_LO(0)), 0x1234000000000000ULL);
    ck_assert_uint_eq(rd64(u, FRCD_HI(0)), HI_F | HI_FR(0x22) | 0xff00);
    fi.reason = VTD_FR_IR_COMPAT;
    ck_assert(vtd_fault_report_(u, &fi, false));
    ck_assert_uint_eq(rd64(u, FRCD_LO(1)), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 7.2.1 with collapsing (the default): a second fault from a SID held in
 * a record with F set is not recorded and PFO stays clear. */
START_TEST(test_same_sid_collapsed_without_pfo)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    ck_assert(report(u, 0x18, VTD_FR_WRITE));
    ck_assert(!report(u, 0x18, VTD_FR_READ));
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PPF);
    ck_assert_uint_eq(rd64(u, FRCD_HI(1)), 0);
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    ck_assert_uint_eq(st.faults_collapsed, 1);
    ck_assert_uint_eq(st.faults_recorded, 1);
    /* A different SID goes to the next record. */
    ck_assert(report(u, 0x20, VTD_FR_WRITE));
    ck_assert_uint_eq(rd64(u, FRCD_HI(1)), HI_F | HI_FR(5) | 0x20);
    vtd_iommu_free(u);
}
END_TEST

/* no_fault_collapse: same-SID faults take successive records; FRI keeps
 * pointing at the first pending one. */
START_TEST(test_no_collapse_option_records_each)
{
    struct vtd_iommu *u = unit_nocollapse("full");
    ck_assert(report(u, 0x18, VTD_FR_WRITE));
    ck_assert(report(u, 0x18, VTD_FR_READ));
    ck_assert_uint_eq(rd64(u, FRCD_HI(1)), HI_F | HI_FR(6) | 0x18);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PPF);
    vtd_iommu_free(u);
}
END_TEST

/* 7.2.1 overflow with one record (qemu-7.2): the record at the index has
 * F set -> PFO set, not recorded; with PFO set nothing is recorded until
 * software clears it; then recording resumes at the internal index. */
START_TEST(test_overflow_sets_pfo_and_blocks_recording)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    ck_assert(report(u, 0x10, VTD_FR_WRITE));
    ck_assert(!report(u, 0x11, VTD_FR_WRITE));
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PPF | FSTS_PFO);
    /* Clear F: PPF drops, PFO still blocks recording. */
    wr32(u, QFRCD_HI + 4, 0x80000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PFO);
    ck_assert(!report(u, 0x12, VTD_FR_WRITE));
    ck_assert_uint_eq(rd64(u, QFRCD_HI), HI_FR(5) | 0x10);
    /* Clear PFO: next fault recorded in record 0 (index wrapped). */
    wr32(u, VTD_REG_FSTS, FSTS_PFO);
    ck_assert(report(u, 0x13, VTD_FR_READ));
    ck_assert_uint_eq(rd64(u, QFRCD_HI), HI_F | HI_FR(6) | 0x13);
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    ck_assert_uint_eq(st.faults_detected, 4);
    ck_assert_uint_eq(st.faults_recorded, 2);
    ck_assert_uint_eq(st.faults_overflow, 2);
    vtd_iommu_free(u);
}
END_TEST

/* PPF is the OR of all F bits; FRI is set only when PPF goes from 0 to 1
 * and names the record used then (7.2.1, 11.4.7.1). */
START_TEST(test_ppf_and_fri)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    ck_assert(report(u, 0x1, VTD_FR_WRITE));  /* record 0 */
    ck_assert(report(u, 0x2, VTD_FR_WRITE));  /* record 1 */
    wr32(u, FRCD_HI(0) + 4, 0x80000000);      /* clear F0 */
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PPF); /* F1 still set */
    wr32(u, FRCD_HI(1) + 4, 0x80000000);      /* clear F1 */
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    ck_assert(report(u, 0x3, VTD_FR_WRITE));  /* record 2, FRI 2 */
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), (2u << 8) | FSTS_PPF);
    ck_assert(report(u, 0x4, VTD_FR_WRITE));  /* record 3, FRI stays */
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), (2u << 8) | FSTS_PPF);
    /* Writing 0 to F leaves it set (RW1C). */
    wr32(u, FRCD_HI(2) + 4, 0);
    ck_assert_uint_eq(rd64(u, FRCD_HI(2)) >> 63, 1);
    vtd_iommu_free(u);
}
END_TEST

/* The internal index wraps from NFR-1 to 0. */
START_TEST(test_index_wraps_at_nfr)
{
    struct vtd_iommu *u = unit_nocollapse("full");
    for (unsigned i = 0; i < 8; i++)
        ck_assert(report(u, (uint16_t)(0x100 + i), VTD_FR_WRITE));
    for (unsigned i = 0; i < 8; i++)
        wr32(u, FRCD_HI(i) + 4, 0x80000000);
    ck_assert(report(u, 0x200, VTD_FR_READ));
    ck_assert_uint_eq(rd64(u, FRCD_HI(0)), HI_F | HI_FR(6) | 0x200);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_PPF); /* FRI 0 */
    vtd_iommu_free(u);
}
END_TEST

/* 7.2.1: the index resets to 0 when TES and IRES are both clear. */
START_TEST(test_index_resets_when_translation_disabled)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    wr32(u, VTD_REG_GCMD, 0x80000000);        /* TE */
    ck_assert(report(u, 0x1, VTD_FR_WRITE));  /* record 0, next 1 */
    wr32(u, FRCD_HI(0) + 4, 0x80000000);
    wr32(u, VTD_REG_GCMD, 0);                 /* TE off: index -> 0 */
    ck_assert(report(u, 0x2, VTD_FR_WRITE));
    ck_assert_uint_eq(rd64(u, FRCD_HI(0)), HI_F | HI_FR(5) | 0x2);
    ck_assert_uint_eq(rd64(u, FRCD_HI(1)), 0);
    vtd_iommu_free(u);

    /* Control: without the disable the next record is 1. */
    u = fake_unit_profile(h, "full");
    wr32(u, VTD_REG_GCMD, 0x80000000);
    ck_assert(report(u, 0x1, VTD_FR_WRITE));
    wr32(u, FRCD_HI(0) + 4, 0x80000000);
    ck_assert(report(u, 0x2, VTD_FR_WRITE));
    ck_assert_uint_eq(rd64(u, FRCD_HI(1)), HI_F | HI_FR(5) | 0x2);
    vtd_iommu_free(u);
}
END_TEST

/* 7.1.1: FPD suppresses qualified conditions only: LGN.2 (5h) is
 * qualified, LRT.2 (1h) is not. */
START_TEST(test_fpd_suppresses_only_qualified)
{
    struct vtd_iommu *u = unit_nocollapse("full");
    struct vtd_fault_info fi = dma_fault(0x8, VTD_FR_WRITE, 0x1000, false);
    ck_assert(!vtd_fault_report_(u, &fi, true));
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    fi.reason = VTD_FR_ROOT_NOT_PRESENT;
    ck_assert(vtd_fault_report_(u, &fi, true));
    ck_assert_uint_eq(rd64(u, FRCD_HI(0)), HI_F | HI_FR(1) | 0x8);
    /* Table 15: IRTE FPD suppresses 22h but not 21h. */
    struct vtd_fault_info ir = { .sid = 9, .reason = VTD_FR_IR_NOT_PRESENT,
                                 .is_irq = true, .pasid = VTD_NO_PASID };
    ck_assert(!vtd_fault_report_(u, &ir, true));
    ir.reason = VTD_FR_IR_INDEX;
    ck_assert(vtd_fault_report_(u, &ir, true));
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    ck_assert_uint_eq(st.faults_suppressed, 2);
    ck_assert_uint_eq(st.faults_recorded, 2);
    ck_assert_uint_eq(st.faults_detected, 4);
    vtd_iommu_free(u);
}
END_TEST

static void program_fault_msi(struct vtd_iommu *u)
{
    wr32(u, VTD_REG_FEDATA, 0x51);
    wr32(u, VTD_REG_FEADDR, 0xfee01004);
    wr32(u, VTD_REG_FEUADDR, 0x1);
}

/* 7.3 with IM clear: recording (PPF 0 -> 1) sends the message from
 * FEDATA / FEUADDR:FEADDR and leaves IP clear. */
START_TEST(test_fault_event_sent_when_unmasked)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    program_fault_msi(u);
    wr32(u, VTD_REG_FECTL, 0);
    ck_assert(report(u, 0x1, VTD_FR_WRITE));
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(h->msi_addr[0], 0x1fee01004ULL);
    ck_assert_uint_eq(h->msi_data[0], 0x51);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0);
    /* PPF already set: a second record is no new interrupt condition. */
    ck_assert(report(u, 0x2, VTD_FR_WRITE));
    ck_assert_uint_eq(h->nmsi, 1);
    /* Service everything, then a new fault interrupts again. */
    wr32(u, FRCD_HI(0) + 4, 0x80000000);
    wr32(u, FRCD_HI(1) + 4, 0x80000000);
    ck_assert(report(u, 0x3, VTD_FR_WRITE));
    ck_assert_uint_eq(h->nmsi, 2);
    vtd_iommu_free(u);
}
END_TEST

/* 7.3 with IM set (reset value): IP is set and the message is held;
 * clearing IM sends it and clears IP. */
START_TEST(test_fault_event_held_while_masked)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    program_fault_msi(u);
    ck_assert(report(u, 0x1, VTD_FR_WRITE));
    ck_assert_uint_eq(h->nmsi, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0xc0000000u);
    wr32(u, VTD_REG_FECTL, 0);
    ck_assert_uint_eq(h->nmsi, 1);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 7.3: IP held while masked is cleared when software services every
 * status field; unmasking afterwards sends nothing. */
START_TEST(test_ip_cleared_when_serviced)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    ck_assert(report(u, 0x1, VTD_FR_WRITE));
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0xc0000000u);
    wr32(u, QFRCD_HI + 4, 0x80000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0x80000000u);
    wr32(u, VTD_REG_FECTL, 0);
    ck_assert_uint_eq(h->nmsi, 0);
    vtd_iommu_free(u);
}
END_TEST

/* 7.3: IQE is an interrupt condition; with PPF already set it is not a
 * new one. */
START_TEST(test_iqe_raises_fault_event)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    program_fault_msi(u);
    wr32(u, VTD_REG_FECTL, 0);
    pthread_mutex_lock(&u->lock);
    vtd_fault_set_fsts_locked_(u, FSTS_IQE);
    pthread_mutex_unlock(&u->lock);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), FSTS_IQE);
    ck_assert_uint_eq(h->nmsi, 1);
    /* PPF after IQE: a pending condition exists, no new message. */
    ck_assert(report(u, 0x1, VTD_FR_WRITE));
    ck_assert_uint_eq(h->nmsi, 1);
    vtd_iommu_free(u);
}
END_TEST

/* Table 30 / Table 15 "Qualified" column, spot checks. */
START_TEST(test_reason_qualified_column)
{
    ck_assert(!vtd_fault_reason_qualified(0x01));  /* LRT.2 No */
    ck_assert(vtd_fault_reason_qualified(0x02));   /* LCT.2 Yes */
    ck_assert(!vtd_fault_reason_qualified(0x08));  /* LRT.1 No */
    ck_assert(!vtd_fault_reason_qualified(0x09));  /* LCT.1 No */
    ck_assert(!vtd_fault_reason_qualified(0x0a));  /* LRT.3 No */
    ck_assert(vtd_fault_reason_qualified(0x0b));   /* LCT.3 Yes */
    ck_assert(vtd_fault_reason_qualified(0x0e));   /* LGN.4 Yes */
    ck_assert(!vtd_fault_reason_qualified(0x20));  /* Table 15 No */
    ck_assert(!vtd_fault_reason_qualified(0x21));
    ck_assert(vtd_fault_reason_qualified(0x22));
    ck_assert(!vtd_fault_reason_qualified(0x23));
    ck_assert(vtd_fault_reason_qualified(0x24));
    ck_assert(!vtd_fault_reason_qualified(0x25));
    ck_assert(vtd_fault_reason_qualified(0x26));
    ck_assert(vtd_fault_reason_qualified(0x27));
    ck_assert(vtd_fault_reason_qualified(0x28));   /* PID reserved: Yes */
    ck_assert(!vtd_fault_reason_qualified(0x30));  /* RTA.1 No */
    ck_assert(!vtd_fault_reason_qualified(0x39));  /* SRT.2 No */
    ck_assert(!vtd_fault_reason_qualified(0x40));  /* SCT.1 No */
    ck_assert(vtd_fault_reason_qualified(0x41));   /* SCT.2 Yes */
    ck_assert(!vtd_fault_reason_qualified(0x50));  /* SPD.1 No */
    ck_assert(vtd_fault_reason_qualified(0x51));   /* SPD.2 Yes */
    ck_assert(!vtd_fault_reason_qualified(0x58));  /* SPT.1 No */
    ck_assert(vtd_fault_reason_qualified(0x79));   /* SSS.2 Yes */
    ck_assert(!vtd_fault_reason_qualified(0x29));  /* Table 15: No */
    ck_assert(!vtd_fault_reason_qualified(0x2b));  /* Table 15: No */
    ck_assert(vtd_fault_reason_qualified(0xa0));   /* HPT.1 Yes */
    ck_assert(vtd_fault_reason_qualified(0xa5));   /* HPT.6 Yes */
    ck_assert(!vtd_fault_reason_qualified(0xff));  /* unknown */
}
END_TEST

/* Every reason of include/vtd/faults.h has a spec name. */
START_TEST(test_reason_strings)
{
    static const unsigned all[] = {
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
        0x0c, 0x0d, 0x0e, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
        0x28, 0x29, 0x2a, 0x2b, /* 5.1.4.1 Table 15 */
        0x30, 0x31, 0x32, 0x33, 0x34, 0x38, 0x39, 0x3a, 0x40, 0x41, 0x42,
        0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x50, 0x51, 0x52, 0x58,
        0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x60, 0x70, 0x71, 0x72, 0x73, 0x74,
        0x75, 0x76, 0x77, 0x90, 0x91, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d,
        0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x87, 0x89,
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, /* 7.1.3 Table 30 HPT.1-6 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        ck_assert_msg(strcmp(vtd_fault_reason_str(all[i]),
                             "unknown fault reason") != 0,
                      "reason 0x%x has no name", all[i]);
    ck_assert_str_eq(vtd_fault_reason_str(0x06),
                     "LGN.3: read request without read permission");
    ck_assert(strncmp(vtd_fault_reason_str(0x01), "LRT.2:", 6) == 0);
    ck_assert(strncmp(vtd_fault_reason_str(0x28), "IR 28h:", 7) == 0);
    ck_assert_str_eq(vtd_fault_reason_str(0x00), "unknown fault reason");
    ck_assert_str_eq(vtd_fault_reason_str(0x1234), "unknown fault reason");
}
END_TEST


static unsigned nfault_ev, nrecorded_ev;
static unsigned last_reason;

static void fault_trace(void *opaque, const struct vtd_event *ev)
{
    (void)opaque;
    if (ev->kind != VTD_EV_FAULT)
        return;
    nfault_ev++;
    nrecorded_ev += ev->recorded;
    last_reason = ev->fault;
}

/* Every detected fault is reported as one VTD_EV_FAULT event, with
 * recorded telling whether a fault record was written. */
START_TEST(test_fault_events_emitted)
{
    struct vtd_host_ops ops = *fake_host_ops();
    ops.trace = fault_trace;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    ck_assert(report(u, 0x1, VTD_FR_WRITE));   /* recorded */
    ck_assert(!report(u, 0x1, VTD_FR_READ));   /* collapsed */
    ck_assert(!report(u, 0x2, VTD_FR_CTX_NOT_PRESENT)); /* overflow */
    ck_assert_uint_eq(nfault_ev, 3);
    ck_assert_uint_eq(nrecorded_ev, 1);
    ck_assert_uint_eq(last_reason, VTD_FR_CTX_NOT_PRESENT);
    vtd_iommu_free(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("fault");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_write_fault_record_fields);
    tcase_add_test(tc, test_read_fault_with_pasid_fields);
    tcase_add_test(tc, test_pasid_and_at_rsvdz_without_support);
    tcase_add_test(tc, test_interrupt_fault_index_in_fi);
    tcase_add_test(tc, test_same_sid_collapsed_without_pfo);
    tcase_add_test(tc, test_no_collapse_option_records_each);
    tcase_add_test(tc, test_overflow_sets_pfo_and_blocks_recording);
    tcase_add_test(tc, test_ppf_and_fri);
    tcase_add_test(tc, test_index_wraps_at_nfr);
    tcase_add_test(tc, test_index_resets_when_translation_disabled);
    tcase_add_test(tc, test_fpd_suppresses_only_qualified);
    tcase_add_test(tc, test_fault_event_sent_when_unmasked);
    tcase_add_test(tc, test_fault_event_held_while_masked);
    tcase_add_test(tc, test_ip_cleared_when_serviced);
    tcase_add_test(tc, test_iqe_raises_fault_event);
    tcase_add_test(tc, test_reason_qualified_column);
    tcase_add_test(tc, test_reason_strings);
    tcase_add_test(tc, test_fault_events_emitted);
    suite_add_tcase(s, tc);
    return check_run(s);
}
