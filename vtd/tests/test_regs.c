/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_regs.c: the register file (VT-d 11.4): reset values, RW/RO/
 * RW1C/reserved bits, 32/64-bit and pair accesses, ignored bad accesses,
 * GCMD/GSTS sequencing.  Expected values are the spec's register
 * descriptions, worked out by hand in each comment.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include "vtd/internal.h"
#include "check_main.h"

/* qemu-7.2: CAP 0x00d2008c22260206 (FRO 0x22 -> 0x220, NFR 1, PSI, MAMV
 * 18), ECAP 0xf00f4a (QI, IR, PT; IRO 0xf -> 0xf0; no EIM). */
#define QCAP 0x00d2008c22260206ULL
#define QECAP 0xf00f4aULL

static struct fake_host *h;

static void setup(void)
{
    h = fake_host_new(1 << 20);
}

static void teardown(void)
{
    fake_host_free(h);
}

static struct vtd_iommu *unit_cfg(const struct vtd_config *cfg)
{
    struct vtd_iommu *u = NULL;
    char err[256];
    int rc = vtd_iommu_new(cfg, fake_host_ops(), h, &u, err, sizeof(err));
    ck_assert_msg(rc == 0, "vtd_iommu_new: %s", err);
    return u;
}

/* 11.4.1-11.4.9 defaults: VER 1.0 (0x10), CAP/ECAP as presented, GSTS 0,
 * FECTL and IECTL IM=1 (0x80000000), everything else 0. */
START_TEST(test_reset_values_from_register_descriptions)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    ck_assert_uint_eq(rd32(u, VTD_REG_VER), 0x10);
    ck_assert_uint_eq(rd64(u, VTD_REG_CAP), QCAP);
    ck_assert_uint_eq(rd64(u, VTD_REG_ECAP), QECAP);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_RTADDR), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_CCMD), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0x80000000u);
    ck_assert_uint_eq(rd32(u, VTD_REG_IECTL), 0x80000000u);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQA), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_ICS), 0);
    ck_assert_uint_eq(rd64(u, 0xf8), 0);    /* IOTLB_REG at IRO + 8 */
    ck_assert_uint_eq(rd64(u, 0x228), 0);   /* FRCD0 high */
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.1: VER reports the configured version. */
START_TEST(test_ver_reads_configured_version)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2", .ver = 0x60 };
    struct vtd_iommu *u = unit_cfg(&cfg);
    ck_assert_uint_eq(rd32(u, VTD_REG_VER), 0x60);
    vtd_iommu_free(u);
}
END_TEST

/* VER, CAP, ECAP, GSTS are RO: writes change nothing. */
START_TEST(test_read_only_registers_ignore_writes)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr32(u, VTD_REG_VER, 0xffffffff);
    wr64(u, VTD_REG_CAP, 0);
    wr64(u, VTD_REG_ECAP, ~0ULL);
    wr32(u, VTD_REG_GSTS, 0xffffffff);
    wr64(u, VTD_REG_IQH, 0x7fff0);
    ck_assert_uint_eq(rd32(u, VTD_REG_VER), 0x10);
    ck_assert_uint_eq(rd64(u, VTD_REG_CAP), QCAP);
    ck_assert_uint_eq(rd64(u, VTD_REG_ECAP), QECAP);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Reserved bits read 0 (writing all ones shows the RW mask):
 * RTADDR 63:10 (11.4.5; 9:0 reserved), FEDATA 15:0 (11.4.7.3), FEADDR 31:2
 * (11.4.7.4), IQT 18:4 (11.4.9.2), ICS none writable as RW (11.4.9.4),
 * IRTA 63:12 + S 3:0, EIME only with ECAP.EIM (11.4.10), IQA 63:12, DW 11,
 * QS 2:0 (11.4.9.3). */
START_TEST(test_reserved_bits_read_zero)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr64(u, VTD_REG_RTADDR, ~0ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_RTADDR), 0xfffffffffffffc00ULL);
    wr32(u, VTD_REG_FEDATA, 0xffffffff);
    ck_assert_uint_eq(rd32(u, VTD_REG_FEDATA), 0xffff);
    wr32(u, VTD_REG_FEADDR, 0xffffffff);
    ck_assert_uint_eq(rd32(u, VTD_REG_FEADDR), 0xfffffffc);
    wr64(u, VTD_REG_IQT, ~0ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQT), 0x7fff0);
    wr64(u, VTD_REG_IRTA, ~0ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_IRTA), 0xfffffffffffff00fULL);
    wr64(u, VTD_REG_IQA, ~0ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQA), 0xfffffffffffff807ULL);
    vtd_iommu_free(u);

    /* full profile has ECAP.EIM: IRTA.EIME (bit 11) becomes writable. */
    u = fake_unit_profile(h, "full");
    wr64(u, VTD_REG_IRTA, ~0ULL);
    ck_assert_uint_eq(rd64(u, VTD_REG_IRTA), 0xfffffffffffff80fULL);
    vtd_iommu_free(u);
}
END_TEST

/* Registers of absent features are RsvdZ: without ECAP.QI the queue
 * registers and IECTL read 0 (IM reset value included) and ignore
 * writes; without CAP.PLMR PLMBASE is RO 0 (11.4.8.2). */
START_TEST(test_absent_feature_registers_are_rsvdz)
{
    /* ECAP 0xf00 + 0x40: IRO 0xf, PT only; no QI, no IR. */
    struct vtd_iommu *u = fake_unit(h, QCAP, 0xf40);
    ck_assert_uint_eq(rd32(u, VTD_REG_IECTL), 0);
    wr64(u, VTD_REG_IQA, 0x5000);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQA), 0);
    wr64(u, VTD_REG_IRTA, 0x5000);
    ck_assert_uint_eq(rd64(u, VTD_REG_IRTA), 0);
    wr32(u, VTD_REG_PLMBASE, 0xffffffff);
    ck_assert_uint_eq(rd32(u, VTD_REG_PLMBASE), 0);
    vtd_iommu_free(u);
}
END_TEST

/* 11.4.8: with CAP.PLMR, PLMBASE keeps bits 31:21 (N = 20 here); PMEN.EPM
 * is reported done through PRS (bit 0). */
START_TEST(test_protected_memory_registers)
{
    struct vtd_iommu *u = fake_unit(h, QCAP | (1u << 5), QECAP);
    wr32(u, VTD_REG_PLMBASE, 0xffffffff);
    ck_assert_uint_eq(rd32(u, VTD_REG_PLMBASE), 0xffe00000);
    wr32(u, VTD_REG_PMEN, 0x80000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_PMEN), 0x80000001);
    wr32(u, VTD_REG_PMEN, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_PMEN), 0);
    vtd_iommu_free(u);
}
END_TEST

/* RW1C: FSTS.IQE (bit 4) is cleared by writing 1, unchanged by 0
 * (11.4.7.1). */
START_TEST(test_fsts_rw1c)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    pthread_mutex_lock(&u->lock);
    vtd_fault_set_fsts_locked_(u, 1u << 4);
    pthread_mutex_unlock(&u->lock);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0x10);
    wr32(u, VTD_REG_FSTS, 0x0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0x10);
    wr32(u, VTD_REG_FSTS, 0xffffffef); /* every bit but IQE */
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0x10);
    wr32(u, VTD_REG_FSTS, 0x10);
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS), 0);
    vtd_iommu_free(u);
}
END_TEST

/* A 64-bit register may be accessed as two dwords. */
START_TEST(test_64bit_register_as_two_halves)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr32(u, VTD_REG_RTADDR, 0x12345000);
    wr32(u, VTD_REG_RTADDR + 4, 0x1);
    ck_assert_uint_eq(rd64(u, VTD_REG_RTADDR), 0x112345000ULL);
    ck_assert_uint_eq(rd32(u, VTD_REG_RTADDR), 0x12345000);
    ck_assert_uint_eq(rd32(u, VTD_REG_RTADDR + 4), 0x1);
    vtd_iommu_free(u);
}
END_TEST

/* A 64-bit access to two adjacent 32-bit registers acts on both, low
 * dword first (Xen writes FEADDR/FEUADDR that way). */
START_TEST(test_pair_access_feaddr_feuaddr)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr64(u, VTD_REG_FEADDR, 0x00000001fee01004ULL);
    ck_assert_uint_eq(rd32(u, VTD_REG_FEADDR), 0xfee01004);
    ck_assert_uint_eq(rd32(u, VTD_REG_FEUADDR), 0x1);
    ck_assert_uint_eq(rd64(u, VTD_REG_FEADDR), 0x00000001fee01004ULL);
    vtd_iommu_free(u);
}
END_TEST

/* 8-byte write to FECTL (QEMU 7.2 aborts): FECTL gets the low dword
 * (IM cleared), FEDATA the high dword. */
START_TEST(test_pair_write_fectl_fedata_does_not_crash)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_FECTL, 8,
                                    0x0000002100000000ULL), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FEDATA), 0x21);
    vtd_iommu_free(u);
}
END_TEST

/* Wrong size, misaligned or outside the window: ignored, reads 0,
 * -EINVAL, logged. */
START_TEST(test_bad_accesses_ignored_and_logged)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    uint64_t v = 0x1234;
    unsigned nlog = h->nlog;
    wr64(u, VTD_REG_RTADDR, 0x5000);
    ck_assert_int_eq(vtd_mmio_read(u, VTD_REG_RTADDR, 2, &v), -EINVAL);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(vtd_mmio_read(u, VTD_REG_RTADDR + 2, 4, &v), -EINVAL);
    ck_assert_int_eq(vtd_mmio_read(u, VTD_REG_GSTS, 8, &v), -EINVAL);
    ck_assert_int_eq(vtd_mmio_read(u, 0x1000, 4, &v), -EINVAL);
    ck_assert_int_eq(vtd_mmio_read(u, ~0ULL - 3, 4, &v), -EINVAL);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_RTADDR, 1, 0xff), -EINVAL);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_RTADDR + 4, 8, 0), -EINVAL);
    ck_assert_int_eq(vtd_mmio_write(u, 0xffc + 8, 4, 0), -EINVAL);
    ck_assert_uint_eq(rd64(u, VTD_REG_RTADDR), 0x5000);
    ck_assert_uint_ge(h->nlog, nlog + 8);
    ck_assert_int_eq(vtd_mmio_read(NULL, 0, 4, &v), -EINVAL);
    vtd_iommu_free(u);
}
END_TEST

/* Offsets inside the window that name no register (e.g. the MTRR block
 * at 100h without ECAP.MTS) read 0 and ignore writes. */
START_TEST(test_reserved_offsets_read_zero)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr64(u, 0x100, ~0ULL);
    ck_assert_uint_eq(rd64(u, 0x100), 0);
    ck_assert_uint_eq(rd32(u, 0x30), 0);
    /* 8-byte read at 30h: reserved dword + FSTS */
    ck_assert_uint_eq(rd64(u, 0x30), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Oracle sequence (11.4.4): GCMD=SRTP -> GSTS 0x40000000 and RTADDR
 * latched; GCMD=TE -> GSTS 0xc0000000 (RTPS stays set). */
START_TEST(test_gcmd_srtp_then_te)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr64(u, VTD_REG_RTADDR, 0x1008000);
    ck_assert_uint_eq(atomic_load(&u->root_latched), 0);
    wr32(u, VTD_REG_GCMD, 0x40000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0x40000000);
    ck_assert_uint_eq(atomic_load(&u->root_latched), 0x1008000);
    wr32(u, VTD_REG_GCMD, 0x80000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0xc0000000u);
    ck_assert(atomic_load(&u->te));
    /* RTADDR changes take effect only on the next SRTP. */
    wr64(u, VTD_REG_RTADDR, 0x2000000);
    ck_assert_uint_eq(atomic_load(&u->root_latched), 0x1008000);
    /* Clearing SRTP has no effect; TE follows the written value. */
    wr32(u, VTD_REG_GCMD, 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0x40000000);
    ck_assert(!atomic_load(&u->te));
    /* GCMD is write-only: reads return 0 here. */
    ck_assert_uint_eq(rd32(u, VTD_REG_GCMD), 0);
    vtd_iommu_free(u);
}
END_TEST

/* Linux 6.1's sequence (linux-6.1-legacy-protocol): QIE; QIE|SIRTP;
 * QIE|IRE; SRTP|QIE|IRE; TE|QIE|IRE; QIE|IRE -> GSTS after each. */
START_TEST(test_gcmd_linux_sequence)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr64(u, VTD_REG_IQA, 0x49c2000);
    wr32(u, VTD_REG_GCMD, 0x04000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0x86800000, 0x04000000);
    wr64(u, VTD_REG_IRTA, 0x4a0000f);
    wr32(u, VTD_REG_GCMD, 0x05000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0x87800000, 0x05000000);
    ck_assert_uint_eq(atomic_load(&u->ir.irta), 0x4a0000f);
    wr32(u, VTD_REG_GCMD, 0x06000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0x86800000, 0x06000000);
    ck_assert(atomic_load(&u->ir.enabled));
    wr64(u, VTD_REG_RTADDR, 0x5491000);
    wr32(u, VTD_REG_GCMD, 0x46000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0xc6800000, 0x46000000);
    wr32(u, VTD_REG_GCMD, 0x86000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0x86800000, 0x86000000);
    wr32(u, VTD_REG_GCMD, 0x06000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0x86800000, 0x06000000);
    /* CFI follows the written value (11.4.4.1). */
    wr32(u, VTD_REG_GCMD, 0x06800000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & 0x00800000, 0x00800000);
    ck_assert(atomic_load(&u->ir.cfi));
    vtd_iommu_free(u);
}
END_TEST

/* IRE, SIRTP, CFI are valid only with ECAP.IR; QIE only with ECAP.QI. */
START_TEST(test_gcmd_ignores_unsupported_commands)
{
    struct vtd_iommu *u = fake_unit(h, QCAP, 0xf40);
    wr32(u, VTD_REG_GCMD, 0x07800000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0);
    ck_assert(!atomic_load(&u->ir.enabled));
    vtd_iommu_free(u);
}
END_TEST

/* WBF (with CAP.RWBF) completes at once: WBFS reads 0 (11.4.4.2). */
START_TEST(test_wbf_completes_immediately)
{
    struct vtd_iommu *u = fake_unit(h, QCAP | (1u << 4), QECAP);
    wr32(u, VTD_REG_GCMD, 0x08000000);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0);
    vtd_iommu_free(u);
}
END_TEST

/* IOTLB/IVA sit at ECAP.IRO, fault records at CAP.FRO (full profile:
 * IRO 0x50 -> 0x500, FRO 0x40 -> 0x400, 8 records). */
START_TEST(test_iro_fro_placement)
{
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    const struct vtd_reg *r = vtd_reg_find_(u, 0x500);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->name, "IVA");
    r = vtd_reg_find_(u, 0x50c);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->name, "IOTLB");
    r = vtd_reg_find_(u, 0x47c);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->name, "FRCD_HI");
    ck_assert_uint_eq(r->index, 7);
    ck_assert_ptr_null(vtd_reg_find_(u, 0x480));
    /* FRCD fields other than F are RO to software. */
    wr64(u, 0x400, ~0ULL);
    ck_assert_uint_eq(rd64(u, 0x400), 0);
    vtd_iommu_free(u);
}
END_TEST

/* vtd_iommu_reset returns registers to their defaults. */
START_TEST(test_reset_restores_defaults)
{
    struct vtd_iommu *u = fake_unit_profile(h, "qemu-7.2");
    wr64(u, VTD_REG_RTADDR, 0x5000);
    wr32(u, VTD_REG_FECTL, 0);
    wr32(u, VTD_REG_GCMD, 0x40000000);
    vtd_iommu_reset(u);
    ck_assert_uint_eq(rd64(u, VTD_REG_RTADDR), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL), 0x80000000u);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_VER), 0x10);
    vtd_iommu_free(u);
}
END_TEST


/* Legacy tables for 00:03.0, DID 5, 3-level: IOVA 0 -> 0x20000 (9.1 root
 * entry P/CTP, 9.3 context entry P/SLPTPTR/AW=1/DID, 9.8 R|W leaves). */
static void build_tables(void)
{
    fake_wq(h, 0x10000, 0x11000 | 1);
    fake_wq(h, 0x11000 + 0x18 * 16, 0x12000 | 1);
    fake_wq(h, 0x11000 + 0x18 * 16 + 8, 1 | (5 << 8));
    fake_wq(h, 0x12000, 0x13000 | 3);
    fake_wq(h, 0x13000, 0x14000 | 3);
    fake_wq(h, 0x14000, 0x20000 | 3);
}

static uint64_t xlate0(struct vtd_iommu *u)
{
    struct vtd_dma_req r = { .sid = 0x18, .pasid = VTD_NO_PASID,
                             .iova = 0, .size = 4, .access = VTD_ACC_READ };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(u, &r, &x), 0);
    ck_assert_uint_eq(x.fault, 0);
    return x.addr;
}

/* 11.4.2 ESRTPS (CAP bit 63): SRTP also invalidates the DMA-remapping
 * caches globally, so a remapped page is seen after SRTP alone. */
START_TEST(test_esrtps_srtp_flushes_caches)
{
    struct vtd_iommu *u = fake_unit(h, QCAP | (1ULL << 63), QECAP);
    build_tables();
    wr64(u, VTD_REG_RTADDR, 0x10000);
    wr32(u, VTD_REG_GCMD, 0x40000000);
    wr32(u, VTD_REG_GCMD, 0x80000000);
    ck_assert_uint_eq(xlate0(u), 0x20000);
    fake_wq(h, 0x14000, 0x21000 | 3);
    wr32(u, VTD_REG_GCMD, 0xc0000000); /* TE kept, SRTP */
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS), 0xc0000000u);
    ck_assert_uint_eq(xlate0(u), 0x21000);
    vtd_iommu_free(u);
}
END_TEST

static unsigned n_read_ev, n_write_ev;
static uint64_t last_write_val;

static void count_trace(void *opaque, const struct vtd_event *ev)
{
    (void)opaque;
    if (ev->kind == VTD_EV_MMIO_READ)
        n_read_ev++;
    if (ev->kind == VTD_EV_MMIO_WRITE) {
        n_write_ev++;
        last_write_val = ev->val[0];
    }
}

/* Accesses are reported as MMIO events when tracing is on. */
START_TEST(test_mmio_events)
{
    struct vtd_host_ops ops = *fake_host_ops();
    ops.trace = count_trace;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    wr64(u, VTD_REG_RTADDR, 0x7000);
    (void)rd32(u, VTD_REG_GSTS);
    ck_assert_uint_eq(n_write_ev, 1);
    ck_assert_uint_eq(n_read_ev, 1);
    ck_assert_uint_eq(last_write_val, 0x7000);
    vtd_iommu_free(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("regs");
    TCase *tc = tcase_create("regs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_values_from_register_descriptions);
    tcase_add_test(tc, test_ver_reads_configured_version);
    tcase_add_test(tc, test_read_only_registers_ignore_writes);
    tcase_add_test(tc, test_reserved_bits_read_zero);
    tcase_add_test(tc, test_absent_feature_registers_are_rsvdz);
    tcase_add_test(tc, test_protected_memory_registers);
    tcase_add_test(tc, test_fsts_rw1c);
    tcase_add_test(tc, test_64bit_register_as_two_halves);
    tcase_add_test(tc, test_pair_access_feaddr_feuaddr);
    tcase_add_test(tc, test_pair_write_fectl_fedata_does_not_crash);
    tcase_add_test(tc, test_bad_accesses_ignored_and_logged);
    tcase_add_test(tc, test_reserved_offsets_read_zero);
    tcase_add_test(tc, test_gcmd_srtp_then_te);
    tcase_add_test(tc, test_gcmd_linux_sequence);
    tcase_add_test(tc, test_gcmd_ignores_unsupported_commands);
    tcase_add_test(tc, test_wbf_completes_immediately);
    tcase_add_test(tc, test_iro_fro_placement);
    tcase_add_test(tc, test_reset_restores_defaults);
    tcase_add_test(tc, test_mmio_events);
    tcase_add_test(tc, test_esrtps_srtp_flushes_caches);
    suite_add_tcase(s, tc);
    return check_run(s);
}
