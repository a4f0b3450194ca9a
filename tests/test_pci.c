/* SPDX-License-Identifier: MIT */
/*
 * tests/test_pci.c: requester ids through bridges (VT-d 3.12.1, 3.12.2),
 * MSI encodings (PCI Local Bus 3.0 6.8.1: 32/64-bit, multiple message,
 * per-vector masking), MSI-X (6.8.2), DMA with the requester id, and a
 * remappable MSI-X message (VT-d 5.1.5.2) through the unit.
 */
#include <check.h>
#include <glib.h>
#include <errno.h>
#include <stdlib.h>

#include "fakemem.h"
#include "pci.h"
#include <vtd/layout.h>
#include "check_main.h"

#define MAXSENT 16

static unsigned nsent;
static uint16_t sent_rid[MAXSENT];
static uint64_t sent_addr[MAXSENT];
static uint32_t sent_data[MAXSENT];
static uint16_t dma_rid;

static void on_msi(void *opaque, uint16_t rid, uint64_t addr, uint32_t data)
{
    (void)opaque;
    if (nsent < MAXSENT) {
        sent_rid[nsent] = rid;
        sent_addr[nsent] = addr;
        sent_data[nsent] = data;
    }
    nsent++;
}

static int on_dma(void *opaque, uint16_t rid, uint64_t addr, void *buf,
                  size_t len, bool write)
{
    (void)opaque;
    (void)addr;
    dma_rid = rid;
    if (!write)
        memset(buf, 0xab, len);
    return 0;
}

static const struct pci_host_ops hops = { .dma = on_dma, .msi = on_msi };

static void setup(void)
{
    nsent = 0;
}

static void teardown(void)
{
}

START_TEST(test_bdf_encoding)
{
    ck_assert_uint_eq(pci_bdf(0, 3, 0), 0x0018);
    ck_assert_uint_eq(pci_bdf(0x1a, 0, 0), 0x1a00);
    ck_assert_uint_eq(pci_bdf(0, 0x11, 2), 0x008a);
    ck_assert_uint_eq(pci_bdf(0xff, 0x1f, 7), 0xffff);
    ck_assert_ptr_null(pci_func_new(PCI_KIND_ENDPOINT, 0, 32, 0, 0));
    ck_assert_ptr_null(pci_func_new(PCI_KIND_ENDPOINT, 0, 0, 8, 0));
}
END_TEST

/* Topology:
 *   00:1c.0 root port, secondary 1 -> 01:00.0 endpoint (own id)
 *   00:1e.0 PCIe-to-PCI bridge, secondary 5
 *      05:02.0 endpoint               -> alias 05:00.0 (3.12.1)
 *      05:01.0 PCI-PCI bridge, secondary 6
 *         06:00.0 endpoint            -> alias 05:00.0 (outermost)
 *   00:1f.0 PCI-PCI bridge on the root bus, secondary 8
 *      08:03.0 endpoint               -> 00:1f.0 (3.12.2)
 */
START_TEST(test_requester_id_through_bridges)
{
    struct pci_func *rp = pci_func_new(PCI_KIND_PCIE_PORT, 0, 0x1c, 0, 1);
    struct pci_func *ep1 = pci_func_new(PCI_KIND_ENDPOINT, 1, 0, 0, 0);
    struct pci_func *br = pci_func_new(PCI_KIND_PCIE_TO_PCI, 0, 0x1e, 0, 5);
    struct pci_func *ep5 = pci_func_new(PCI_KIND_ENDPOINT, 5, 2, 0, 0);
    struct pci_func *pb = pci_func_new(PCI_KIND_PCI_TO_PCI, 5, 1, 0, 6);
    struct pci_func *ep6 = pci_func_new(PCI_KIND_ENDPOINT, 6, 0, 0, 0);
    struct pci_func *pb2 = pci_func_new(PCI_KIND_PCI_TO_PCI, 0, 0x1f, 0, 8);
    struct pci_func *ep8 = pci_func_new(PCI_KIND_ENDPOINT, 8, 3, 0, 0);
    ck_assert_int_eq(pci_func_set_parent(ep1, rp), 0);
    ck_assert_int_eq(pci_func_set_parent(ep5, br), 0);
    ck_assert_int_eq(pci_func_set_parent(pb, br), 0);
    ck_assert_int_eq(pci_func_set_parent(ep6, pb), 0);
    ck_assert_int_eq(pci_func_set_parent(ep8, pb2), 0);
    ck_assert_uint_eq(pci_requester_id(ep1), 0x0100);
    ck_assert_uint_eq(pci_requester_id(ep5), 0x0500);
    ck_assert_uint_eq(pci_func_sid(ep5), 0x0510);
    ck_assert_uint_eq(pci_requester_id(ep6), 0x0500);
    ck_assert_uint_eq(pci_requester_id(ep8), 0x00f8);
    /* bus mismatch, endpoint as bridge, loops */
    ck_assert_int_eq(pci_func_set_parent(ep6, br), -EINVAL);
    ck_assert_int_eq(pci_func_set_parent(ep6, ep5), -EINVAL);
    ck_assert_int_eq(pci_func_set_parent(br, br), -EINVAL);
    /* MSIs and DMA carry the alias */
    pci_func_set_host(ep6, &hops, NULL);
    ck_assert_int_eq(pci_msi_init(ep6, false, 0, false), 0);
    ck_assert_int_eq(pci_msi_config(ep6, 0xfee00000, 0x41, 0, true), 0);
    ck_assert_int_eq(pci_func_interrupt(ep6, 0), 1);
    ck_assert_uint_eq(sent_rid[0], 0x0500);
    uint8_t b[4];
    ck_assert_int_eq(pci_func_dma(ep6, 0x1000, b, sizeof(b), false), 0);
    ck_assert_uint_eq(dma_rid, 0x0500);
    ck_assert_uint_eq(b[0], 0xab);
    struct pci_func *all[] = { rp, ep1, br, ep5, pb, ep6, pb2, ep8 };
    for (unsigned i = 0; i < G_N_ELEMENTS(all); i++)
        pci_func_free(all[i]);
}
END_TEST

/* 32-bit MSI: no address above 4 GiB; one vector: data as programmed. */
START_TEST(test_msi_32bit)
{
    struct pci_func *f = pci_func_new(PCI_KIND_ENDPOINT, 0, 3, 0, 0);
    pci_func_set_host(f, &hops, NULL);
    ck_assert_int_eq(pci_func_interrupt(f, 0), -EINVAL); /* no capability */
    pci_msi_init(f, false, 0, false);
    ck_assert_int_eq(pci_msi_config(f, 0x1fee00000ull, 0x30, 0, true),
                     -EINVAL);
    ck_assert_int_eq(pci_msi_config(f, 0xfee01000ull, 0x4030, 0, false), 0);
    ck_assert_int_eq(pci_func_interrupt(f, 0), -EINVAL); /* not enabled */
    pci_msi_config(f, 0xfee01000ull, 0x4030, 0, true);
    ck_assert_int_eq(pci_func_interrupt(f, 0), 1);
    ck_assert_uint_eq(sent_rid[0], 0x0018);
    ck_assert_uint_eq(sent_addr[0], 0xfee01000ull);
    ck_assert_uint_eq(sent_data[0], 0x4030);
    pci_func_free(f);
}
END_TEST

/* Multiple message: MMC=3 (8 capable), MME=2 (4 enabled): vector n
 * replaces data bits 1:0; n >= 4 is refused; 64-bit address kept. */
START_TEST(test_msi_multiple_message_64bit)
{
    struct pci_func *f = pci_func_new(PCI_KIND_ENDPOINT, 0, 4, 1, 0);
    pci_func_set_host(f, &hops, NULL);
    pci_msi_init(f, true, 3, false);
    ck_assert_int_eq(pci_msi_config(f, 0xfee00000ull, 0x4160, 4, true),
                     -EINVAL); /* MME above MMC */
    ck_assert_int_eq(pci_msi_config(f, 0x1fee00000ull, 0x4160, 2, true), 0);
    uint64_t a;
    uint32_t d;
    ck_assert_int_eq(pci_msi_message(f, 3, &a, &d), 0);
    ck_assert_uint_eq(a, 0x1fee00000ull);
    ck_assert_uint_eq(d, 0x4163);
    ck_assert_int_eq(pci_msi_message(f, 1, &a, &d), 0);
    ck_assert_uint_eq(d, 0x4161);
    ck_assert_int_eq(pci_msi_message(f, 4, &a, &d), -EINVAL);
    /* remappable MSI with SHV (VT-d 5.1.5.2): data 0, the device's vector
     * number is the subhandle */
    pci_msi_config(f, 0xfee00000ull | 8 << 5 | 0x18, 0, 2, true);
    pci_msi_message(f, 2, &a, &d);
    ck_assert_uint_eq(a, 0xfee00118ull);
    ck_assert_uint_eq(d, 2);
    pci_func_free(f);
}
END_TEST

/* Per-vector masking: masked vector pends, unmasking sends it. */
START_TEST(test_msi_per_vector_mask)
{
    struct pci_func *f = pci_func_new(PCI_KIND_ENDPOINT, 0, 5, 0, 0);
    pci_func_set_host(f, &hops, NULL);
    pci_msi_init(f, true, 1, true);
    pci_msi_config(f, 0xfee00000ull, 0x50, 1, true);
    ck_assert_int_eq(pci_msi_set_mask(f, 0x2), 0);
    ck_assert_int_eq(pci_func_interrupt(f, 1), 0);
    ck_assert_uint_eq(nsent, 0);
    ck_assert_uint_eq(pci_msi_pending(f), 0x2);
    ck_assert_int_eq(pci_func_interrupt(f, 0), 1);
    ck_assert_int_eq(pci_msi_set_mask(f, 0), 0);
    ck_assert_uint_eq(nsent, 2);
    ck_assert_uint_eq(sent_data[1], 0x51);
    ck_assert_uint_eq(pci_msi_pending(f), 0);
    pci_func_free(f);
}
END_TEST

/* MSI-X: entries reset masked; pending while masked (entry or function
 * mask); MSI-X takes precedence over MSI when enabled. */
START_TEST(test_msix_table_and_masks)
{
    struct pci_func *f = pci_func_new(PCI_KIND_ENDPOINT, 0, 6, 0, 0);
    pci_func_set_host(f, &hops, NULL);
    ck_assert_int_eq(pci_msix_init(f, 0), -EINVAL);
    ck_assert_int_eq(pci_msix_init(f, 4), 0);
    pci_msi_init(f, false, 0, false);
    pci_msi_config(f, 0xfee00000ull, 0x99, 0, true);
    ck_assert_int_eq(pci_msix_control(f, true, false), 0);
    ck_assert_int_eq(pci_func_interrupt(f, 2), 0); /* entry masked */
    ck_assert(pci_msix_pending(f, 2));
    ck_assert_int_eq(pci_msix_set_entry(f, 2, 0xfee00258ull, 0, false), 0);
    ck_assert_uint_eq(nsent, 1);
    ck_assert_uint_eq(sent_addr[0], 0xfee00258ull);
    ck_assert(!pci_msix_pending(f, 2));
    pci_msix_control(f, true, true);
    ck_assert_int_eq(pci_func_interrupt(f, 2), 0);
    pci_msix_control(f, true, false);
    ck_assert_uint_eq(nsent, 2);
    ck_assert_int_eq(pci_func_interrupt(f, 4), -EINVAL);
    pci_msix_control(f, false, false); /* back to MSI */
    ck_assert_int_eq(pci_func_interrupt(f, 0), 1);
    ck_assert_uint_eq(sent_data[2], 0x99);
    pci_func_free(f);
}
END_TEST

/* An MSI-X entry programmed as Linux does for remapping (handle 18 in
 * 19:5, format and SHV bits, data 0) reaches IRTE 18 with the device's
 * requester id checked by SVT=01b. */
struct ctx {
    struct vtd_iommu *u;
    struct vtd_irq last;
};

static void msi_to_unit(void *opaque, uint16_t rid, uint64_t addr,
                        uint32_t data)
{
    struct ctx *c = opaque;
    struct vtd_msi_req r = { .sid = rid, .sid_valid = true, .addr = addr,
                             .data = data };
    ck_assert_int_eq(vtd_interrupt(c->u, &r, &c->last), 0);
}

START_TEST(test_msix_remapped_through_unit)
{
    struct fake_host *h = fake_host_new(1 << 20);
    struct ctx c = { .u = fake_unit_profile(h, "full") };
    fake_ir_enable(c.u, 0x10000 | 7);
    /* IRTE 18 from the Linux oracle: lo 0x000002000028000d, hi SVT=01
     * SID 00:01.0 (0x0008) */
    fake_wq(h, 0x10000 + 18 * 16, 0x000002000028000dull);
    fake_wq(h, 0x10000 + 18 * 16 + 8, 0x0000000000040008ull);
    struct pci_func *f = pci_func_new(PCI_KIND_ENDPOINT, 0, 1, 0, 0);
    struct pci_host_ops ops = { .msi = msi_to_unit };
    pci_func_set_host(f, &ops, &c);
    pci_msix_init(f, 8);
    pci_msix_set_entry(f, 0, 0xfee00258ull, 0, false);
    pci_msix_control(f, true, false);
    ck_assert_int_eq(pci_func_interrupt(f, 0), 1);
    ck_assert_int_eq(c.last.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(c.last.index, 18);
    ck_assert_uint_eq(c.last.vector, 0x28);
    ck_assert_uint_eq(c.last.dest, 0x02);
    pci_func_free(f);
    vtd_iommu_free(c.u);
    fake_host_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("pci");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bdf_encoding);
    tcase_add_test(tc, test_requester_id_through_bridges);
    tcase_add_test(tc, test_msi_32bit);
    tcase_add_test(tc, test_msi_multiple_message_64bit);
    tcase_add_test(tc, test_msi_per_vector_mask);
    tcase_add_test(tc, test_msix_table_and_masks);
    tcase_add_test(tc, test_msix_remapped_through_unit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
