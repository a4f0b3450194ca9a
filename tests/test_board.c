/* SPDX-License-Identifier: MIT */
/*
 * tests/test_board.c: the chipset (machine/board.c): routing by device
 * scope (VT-d 8.3), overlapping register windows, PCI requester ids
 * through bridges (VT-d 3.12.1) and MSI delivery to the CPUs.  Expected
 * values come from the spec sections cited, not from the board.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "apic/apic.h"
#include "machine/board.h"
#include "machine/machine.h"
#include "trace/replay.h"
#include "trace/trace.h"
#include "mem/guestmem.h"
#include "pci/devtlb.h"
#include "pci/pci.h"
#include "check_main.h"

#define RAM (16u << 20)

static int add_unit(struct board *b, uint64_t base, bool all,
                    const struct board_scope *sc, size_t n, size_t *clash)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    struct board_unit_desc d = { .base = base, .scope_all = all,
                                 .scope = sc, .nscope = n };
    char why[128];
    return board_add_unit(b, &d, &cfg, false, why, sizeof(why), clash);
}

/* VT-d 8.3: a device in a unit's scope goes to that unit; any other to
 * the INCLUDE_PCI_ALL unit; a request without a requester id only to the
 * INCLUDE_PCI_ALL unit. */
START_TEST(test_routing_by_scope)
{
    struct board *b = board_new(NULL);
    const struct board_scope a[] = { { 0x0100, 0x01ff } };  /* bus 1 */
    const struct board_scope c[] = { { 0x0018, 0x0018 } };  /* 00:03.0 */
    ck_assert_int_eq(add_unit(b, 0xfed90000, true, NULL, 0, NULL), 0);
    ck_assert_int_eq(add_unit(b, 0xfed91000, false, a, 1, NULL), 1);
    ck_assert_int_eq(add_unit(b, 0xfed92000, false, c, 1, NULL), 2);
    ck_assert_int_eq(board_unit_by_sid(b, true, 0x0128), 1);
    ck_assert_int_eq(board_unit_by_sid(b, true, 0x0018), 2);
    ck_assert_int_eq(board_unit_by_sid(b, true, 0x0020), 0);
    ck_assert_int_eq(board_unit_by_sid(b, false, 0x0018), 0);
    uint64_t off = 0;
    ck_assert_int_eq(board_unit_by_addr(b, 0xfed91010, &off), 1);
    ck_assert_uint_eq(off, 0x10);
    ck_assert_int_eq(board_unit_by_addr(b, 0xfed80000, &off), -1);
    board_free(b);
}
END_TEST

START_TEST(test_overlapping_windows_refused)
{
    struct board *b = board_new(NULL);
    size_t clash = 99;
    ck_assert_int_eq(add_unit(b, 0xfed90000, true, NULL, 0, NULL), 0);
    ck_assert_int_eq(add_unit(b, 0xfed90800, false, NULL, 0, &clash),
                     -EEXIST);
    ck_assert_uint_eq(clash, 0);
    board_free(b);
}
END_TEST

static void mmio32(struct vtd_iommu *u, unsigned off, uint32_t v)
{
    ck_assert_int_eq(vtd_mmio_write(u, off, 4, v), 0);
}

/* VT-d 3.12.1: requests of a conventional PCI device behind a
 * PCIe-to-PCI bridge carry the requester id (secondary bus, 0, 0).  Unit
 * 1 covers only 01:00.0 and translates with an empty root table, so a DMA
 * it sees faults (LRT.2: root entry not present, reason 1h); unit 0
 * (INCLUDE_PCI_ALL) has translation off and would let it through. */
START_TEST(test_pci_dma_uses_the_bridge_requester_id)
{
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_add_ram(b, 0, RAM), 0);
    const struct board_scope s[] = { { 0x0100, 0x0100 } };
    ck_assert_int_eq(add_unit(b, 0xfed90000, true, NULL, 0, NULL), 0);
    ck_assert_int_eq(add_unit(b, 0xfed91000, false, s, 1, NULL), 1);
    struct vtd_iommu *u = board_unit(b, 1);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_RTADDR, 8, 0x10000), 0);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_TE);

    struct pci_func *br = pci_func_new(PCI_KIND_PCIE_TO_PCI, 0, 0x1e, 0, 1);
    struct pci_func *ep = pci_func_new(PCI_KIND_ENDPOINT, 1, 5, 0, 0);
    ck_assert_ptr_nonnull(br);
    ck_assert_ptr_nonnull(ep);
    ck_assert_int_eq(pci_func_set_parent(ep, br), 0);
    board_attach_pci(b, ep);
    uint8_t buf[8] = { 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0x2000, buf, sizeof(buf), false),
                     -EFAULT);
    uint64_t fsts = 0;
    ck_assert_int_eq(vtd_mmio_read(u, VTD_REG_FSTS, 4, &fsts), 0);
    ck_assert(VTD_FIELD_GET(fsts, FSTS, PPF));
    /* The record names the alias 01:00.0 and reason 1h. */
    uint64_t cap = vtd_iommu_cap(u), hi = 0;
    unsigned fro = (unsigned)VTD_FIELD_GET(cap, CAP, FRO) * 16;
    ck_assert_int_eq(vtd_mmio_read(u, fro + 8, 8, &hi), 0);
    ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, SID), 0x0100);
    ck_assert_uint_eq(VTD_FIELD_GET(hi, FRCD_HI, FR), 0x1);

    /* A PCIe endpoint on bus 0 is INCLUDE_PCI_ALL's, translation off:
     * the DMA reaches RAM unchanged. */
    struct pci_func *ep0 = pci_func_new(PCI_KIND_ENDPOINT, 0, 3, 0, 0);
    board_attach_pci(b, ep0);
    uint8_t w[4] = { 1, 2, 3, 4 }, r[4] = { 0 };
    ck_assert_int_eq(pci_func_dma(ep0, 0x3000, w, sizeof(w), true), 0);
    ck_assert_int_eq(guestmem_read(board_mem(b), 0x3000, r, sizeof(r)), 0);
    ck_assert_mem_eq(r, w, sizeof(w));
    pci_func_free(ep0);
    pci_func_free(ep);
    pci_func_free(br);
    board_free(b);
}
END_TEST

/* With interrupt remapping off (GSTS.IRES clear) an MSI is processed in
 * the compatibility format (VT-d 5.1.4): address 0xFEE00000 (APIC id 0,
 * physical), data vector 0x41 fixed -> CPU 0's IRR bit 0x41. */
START_TEST(test_pci_msi_reaches_the_cpu)
{
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_add_ram(b, 0, RAM), 0);
    ck_assert_int_eq(add_unit(b, 0xfed90000, true, NULL, 0, NULL), 0);
    const struct board_cpu_desc cpu = { .apic_id = 0 };
    ck_assert_int_eq(board_add_cpus(b, &cpu, 1), 0);
    struct pci_func *ep = pci_func_new(PCI_KIND_ENDPOINT, 0, 3, 0, 0);
    board_attach_pci(b, ep);
    ck_assert_int_eq(pci_msi_init(ep, true, 0, false), 0);
    ck_assert_int_eq(pci_msi_config(ep, 0xfee00000, 0x41, 0, true), 0);
    ck_assert_int_eq(pci_func_interrupt(ep, 0), 1);
    ck_assert(apic_irr_test(board_apics(b), 0, 0x41));
    pci_func_free(ep);
    board_free(b);
}
END_TEST


/* A machine by hand: host bridge (segment 0, buses 0-0x3f); root port A
 * 00:1c.0 (buses 1-2, in the ATSR), a switch port 01:01.0 (bus 2) below
 * it; root port B 00:1d.0 (bus 3, not in the ATSR); endpoints 02:00.0,
 * 00:05.0 (root bus) and 03:00.0 with ATS, 00:06.0 without; a second host
 * bridge in segment 1 with ALL_PORTS. */
static void ats_machine(struct machine_desc *m, struct machine_dev *d)
{
    memset(m, 0, sizeof(*m));
    memset(d, 0, 9 * sizeof(*d));
    d[0] = (struct machine_dev){ .kind = MDEV_PCI_HOST, .parent = -1,
                                 .sec_bus = 0, .sub_bus = 0x3f };
    d[1] = (struct machine_dev){ .kind = MDEV_PCI_BRIDGE, .parent = 0,
                                 .sid = 0x00e0, .sec_bus = 1, .sub_bus = 2,
                                 .ats = true };
    d[2] = (struct machine_dev){ .kind = MDEV_PCI_BRIDGE, .parent = 0,
                                 .sid = 0x00e8, .sec_bus = 3, .sub_bus = 3 };
    d[3] = (struct machine_dev){ .kind = MDEV_PCI_BRIDGE, .parent = 1,
                                 .sid = 0x0108, .sec_bus = 2, .sub_bus = 2 };
    d[4] = (struct machine_dev){ .kind = MDEV_PCI_ENDPOINT, .parent = 3,
                                 .sid = 0x0200, .ats = true };
    d[5] = (struct machine_dev){ .kind = MDEV_PCI_ENDPOINT, .parent = 0,
                                 .sid = 0x0028, .ats = true };
    d[6] = (struct machine_dev){ .kind = MDEV_PCI_ENDPOINT, .parent = 2,
                                 .sid = 0x0300, .ats = true };
    d[7] = (struct machine_dev){ .kind = MDEV_PCI_ENDPOINT, .parent = 0,
                                 .sid = 0x0030 };
    d[8] = (struct machine_dev){ .kind = MDEV_PCI_HOST, .parent = -1,
                                 .segment = 1, .sec_bus = 0,
                                 .sub_bus = 0xff, .ats_all_ports = true };
    m->devs = d;
    m->ndev = 9;
}

static int ats_of(const struct machine_desc *m, uint16_t sid, int32_t *port)
{
    size_t n = 0;
    struct board_ats_range *r = machine_ats_ranges(m, 0, &n);
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_set_ats_policy(b, r, n), 0);
    int ok = board_ats_allowed(b, sid, port);
    board_free(b);
    g_free(r);
    return ok;
}

/* VT-d 8.5: ATS only behind the root ports the ATSR names (ALL_PORTS
 * clear), whatever the depth below the port; ALL_PORTS: every root port
 * of that segment only.  Root-bus (integrated) endpoints are behind no
 * root port; a bus the machine does not describe is refused. */
START_TEST(test_atsr_decides_by_root_port)
{
    struct machine_desc m;
    struct machine_dev d[9];
    ats_machine(&m, d);
    int32_t port = 0;
    ck_assert_int_eq(ats_of(&m, 0x0100, &port), 1);
    ck_assert_int_eq(port, 0x00e0);
    ck_assert_int_eq(ats_of(&m, 0x0200, &port), 1);   /* below the switch */
    ck_assert_int_eq(port, 0x00e0);
    ck_assert_int_eq(ats_of(&m, 0x0300, &port), 0);   /* port B: refused */
    ck_assert_int_eq(port, 0x00e8);
    ck_assert_int_eq(ats_of(&m, 0x0028, &port), 1);   /* root bus */
    ck_assert_int_eq(port, -1);
    ck_assert_int_eq(ats_of(&m, 0x4000, &port), 0);   /* no such bus */
    ck_assert_int_eq(port, -1);
    /* ALL_PORTS on the host bridge of segment 0: port B too. */
    d[0].ats_all_ports = true;
    ck_assert_int_eq(ats_of(&m, 0x0300, &port), 1);
    ck_assert_int_eq(port, 0x00e8);
    /* No ATSR in segment 0 (segment 1's ALL_PORTS does not count): no
     * root port supports ATS. */
    d[0].ats_all_ports = false;
    d[1].ats = false;
    ck_assert_int_eq(ats_of(&m, 0x0100, &port), 0);
    ck_assert_int_eq(ats_of(&m, 0x0028, &port), 1);
    /* The ATS-capable endpoints of segment 0, in tree order. */
    size_t n = 0;
    uint16_t *e = machine_ats_endpoints(&m, 0, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(e[0], 0x0200);
    ck_assert_uint_eq(e[1], 0x0028);
    ck_assert_uint_eq(e[2], 0x0300);
    g_free(e);
    /* Without a policy every requester may; an empty one refuses all. */
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_ats_allowed(b, 0x0300, NULL), 1);
    ck_assert_int_eq(board_set_ats_policy(b, NULL, 0), 0);
    ck_assert_int_eq(board_ats_allowed(b, 0x0300, &port), 0);
    ck_assert_int_eq(board_set_ats_policy(b, NULL, 1), -EINVAL);
    board_free(b);
}
END_TEST

static int replay_text(const char *text, struct replay_summary *sum,
                       char *err, size_t errlen)
{
    char *dtb = g_strdup_printf("%s/atsr.dtb", MACHINES_DIR);
    struct trace *t = NULL;
    int rc = trace_parse_on_machine("t.vtdt", text, strlen(text), dtb, &t,
                                    err, errlen);
    g_free(dtb);
    ck_assert_msg(rc == 0, "%s", err);
    rc = replay_trace(t, NULL, NULL, sum, err, errlen);
    trace_free(t);
    return rc;
}

/* On atsr.dts: an `ats device` line may not enable ATS behind 00:1d.0,
 * which no ATSR names (VT-d 8.5: software must not); ats=off is fine, and
 * without ats= the ATSR decides (so the machine's device is configured). */
START_TEST(test_ats_device_line_obeys_the_atsr)
{
    struct replay_summary sum = { 0, 0 };
    char err[512] = "";
    ck_assert_int_eq(replay_text("vtdtrace 2\nats device 03:00.0 ats=on\n",
                                 &sum, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "t.vtdt:2:") && strstr(err, "00:1d.0") &&
                  strstr(err, "8.5"), "%s", err);
    ck_assert_int_eq(replay_text("vtdtrace 2\nats device 03:00.0 ats=off\n"
                                 "ats device 01:00.0 respond=manual\n"
                                 "ats devtlb 03:00.0 count=0\n",
                                 &sum, err, sizeof(err)), 0);
    ck_assert_uint_eq(sum.passed, 1);
    /* A device twice from the trace is still an error. */
    ck_assert_int_eq(replay_text("vtdtrace 2\nats device 01:00.0\n"
                                 "ats device 01:00.0\n",
                                 &sum, err, sizeof(err)), -EINVAL);
}
END_TEST

static void put64(struct board *b, uint64_t gpa, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    ck_assert_int_eq(guestmem_write(board_mem(b), gpa, x, 8), 0);
}

static uint32_t get32(struct board *b, uint64_t gpa)
{
    uint8_t x[4];
    ck_assert_int_eq(guestmem_read(board_mem(b), gpa, x, 4), 0);
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 |
           (uint32_t)x[3] << 24;
}

/* The board's device list: a device-TLB invalidate descriptor (6.5.2.5,
 * type 3h, SID in bits 47:32) reaches the device-TLB of its SID and no
 * other; the wait behind it (6.5.2.12) completes only when that device
 * answers (4.3): by hand, or at board_ats_pump() for an auto device.  A
 * SID without a device-TLB completes at once. */
START_TEST(test_devtlb_inval_reaches_the_right_device)
{
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_add_ram(b, 0, RAM), 0);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct board_unit_desc ud = { .base = 0xfed90000, .scope_all = true };
    char why[128];
    ck_assert_int_eq(board_add_unit(b, &ud, &cfg, false, why, sizeof(why),
                                    NULL), 0);
    struct vtd_iommu *u = board_unit(b, 0);
    struct devtlb_cap cap = { .enabled = true };
    ck_assert_int_eq(board_add_devtlb(b, 0x20, &cap, 8, false), 0);
    ck_assert_int_eq(board_add_devtlb(b, 0x28, &cap, 8, false), 0);
    ck_assert_ptr_nonnull(board_devtlb(b, 0x28));
    ck_assert_ptr_null(board_devtlb(b, 0x30));
    /* Remapping on (4.2.1: completions are UR with TES=0), QI at
     * 0x40000 (128-bit descriptors). */
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_RTADDR, 8, 0x10000), 0);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_IQA, 8, 0x40000), 0);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_QIE);
    /* Device-TLB invalidate for 00:05.0, then wait (SW, status 1). */
    put64(b, 0x40000, 0x3 | 0x28ULL << 32);
    put64(b, 0x40008, 0);
    put64(b, 0x40010, 0x25 | 1ULL << 32);
    put64(b, 0x40018, 0x50000);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_IQT, 8, 0x20), 0);
    ck_assert_uint_eq(board_devtlb_held(b, 0x28), 1);
    ck_assert_uint_eq(board_devtlb_held(b, 0x20), 0);
    ck_assert_uint_eq(get32(b, 0x50000), 0);
    ck_assert_int_eq(board_ats_pump(b), 0);       /* manual: no answer */
    ck_assert_uint_eq(get32(b, 0x50000), 0);
    ck_assert_uint_eq(board_devtlb_take(b, 0x28, 0xffffffffu), 1);
    bool acc = false;
    ck_assert_int_eq(vtd_ats_inval_complete(u, 0x28, 1u << 0, 1, &acc), 0);
    ck_assert(acc);
    ck_assert_uint_eq(get32(b, 0x50000), 1);
    /* 00:04.0 answers by itself now. */
    ck_assert_int_eq(board_add_devtlb(b, 0x20, &cap, 8, true), 0);
    put64(b, 0x40020, 0x3 | 0x20ULL << 32);
    put64(b, 0x40028, 0);
    put64(b, 0x40030, 0x25 | 2ULL << 32);
    put64(b, 0x40038, 0x50000);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_IQT, 8, 0x40), 0);
    ck_assert_uint_eq(board_devtlb_held(b, 0x20), 1);
    ck_assert_int_eq(board_ats_pump(b), 0);
    ck_assert_uint_eq(board_devtlb_held(b, 0x20), 0);
    ck_assert_uint_eq(get32(b, 0x50000), 2);
    /* 00:06.0 has none: the descriptor completes at once. */
    put64(b, 0x40040, 0x3 | 0x30ULL << 32);
    put64(b, 0x40048, 0);
    put64(b, 0x40050, 0x25 | 3ULL << 32);
    put64(b, 0x40058, 0x50000);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_IQT, 8, 0x60), 0);
    ck_assert_uint_eq(get32(b, 0x50000), 3);
    /* A PRI device exists only where a unit covers its SID. */
    ck_assert_ptr_nonnull(board_prdev(b, 0x30));
    board_free(b);
    struct board *e = board_new(NULL);
    ck_assert_ptr_null(board_prdev(e, 0x30));
    ck_assert_int_eq(board_add_devtlb(e, 0x30, &cap, 0, true), -EINVAL);
    board_free(e);
}
END_TEST

/* Legacy-mode structures by hand (VT-d 9.1 root entry: P bit 0, CTP
 * 63:12; 9.3 context entry: P bit 0, TT 3:2 = 00b, SSPTPTR 63:12, AW 2:0 =
 * 001b (39-bit, 3-level: the qemu-7.2 profile's only SAGAW), DID 23:8;
 * 9.8 second-stage entry: R bit 0, W bit 1, ADDR 51:12) for 00:03.0, with
 * the 4 KiB page at iova 0xFEE00000 mapped read/write to 0x200000. */
static void map_intr_page(struct board *b)
{
    put64(b, 0x10000, 0x11000 | 1);                      /* root, bus 0 */
    put64(b, 0x11000 + 16 * 0x18, 0x12000 | 1);          /* ctx lo 00:03.0 */
    put64(b, 0x11000 + 16 * 0x18 + 8, 1 | 1u << 8);      /* AW 39, DID 1 */
    uint64_t iova = 0xfee00000;
    put64(b, 0x12000 + 8 * ((iova >> 30) & 0x1ff), 0x13000 | 3);
    put64(b, 0x13000 + 8 * ((iova >> 21) & 0x1ff), 0x14000 | 3);
    put64(b, 0x14000 + 8 * ((iova >> 12) & 0x1ff), 0x200000 | 3);
}

/* VT-d 3.15: "Single-DWORD length write requests without PASID to this
 * range [FEEx_xxxxh] are treated as interrupt requests and are not
 * subjected to DMA remapping (even if translation structures specify a
 * mapping for this range)"; "Read requests without PASID that are not
 * ZLR", atomics and "Non-DWORD length write requests without PASID" are
 * illegal and blocked; a zero-length read completes.  00:03.0 is behind
 * a unit with translation on whose tables map 0xFEE00000 to RAM page
 * 0x200000 (filled with 0xA5): a DWORD write of MSI data 0x41 to
 * 0xFEE00000 (APIC id 0, physical) reaches CPU 0 as vector 0x41 in the
 * compatibility format (interrupt remapping off, 5.1.4), the page stays
 * as it was and nothing is read from it. */
START_TEST(test_pci_dma_to_the_interrupt_range)
{
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_add_ram(b, 0, RAM), 0);
    ck_assert_int_eq(add_unit(b, 0xfed90000, true, NULL, 0, NULL), 0);
    const struct board_cpu_desc cpu = { .apic_id = 0 };
    ck_assert_int_eq(board_add_cpus(b, &cpu, 1), 0);
    struct vtd_iommu *u = board_unit(b, 0);
    map_intr_page(b);
    uint8_t pat[4096];
    memset(pat, 0xa5, sizeof(pat));
    ck_assert_int_eq(guestmem_write(board_mem(b), 0x200000, pat,
                                    sizeof(pat)), 0);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_RTADDR, 8, 0x10000), 0);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    mmio32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    /* The mapping is live: a translation of the iova gives the page. */
    struct vtd_dma_req rq = { .sid = 0x18, .pasid = VTD_NO_PASID,
                              .iova = 0xfee00000, .size = 4,
                              .access = VTD_ACC_WRITE,
                              .at = VTD_AT_UNTRANSLATED };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(u, &rq, &x), 0);
    ck_assert_uint_eq(x.fault, 0);
    ck_assert_uint_eq(x.addr, 0x200000);

    struct pci_func *ep = pci_func_new(PCI_KIND_ENDPOINT, 0, 3, 0, 0);
    board_attach_pci(b, ep);
    uint8_t msi[4] = { 0x41, 0, 0, 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0xfee00000, msi, 4, true), 0);
    ck_assert(apic_irr_test(board_apics(b), 0, 0x41));
    uint8_t now[4096];
    ck_assert_int_eq(guestmem_read(board_mem(b), 0x200000, now,
                                   sizeof(now)), 0);
    ck_assert_mem_eq(now, pat, sizeof(pat));

    /* A read (not zero-length) is blocked: no data from the page. */
    uint8_t r[4] = { 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0xfee00000, r, 4, false), -EFAULT);
    ck_assert_uint_eq(r[0], 0);
    /* A non-DWORD write is blocked: no interrupt, page untouched. */
    uint8_t w8[8] = { 0x42, 0, 0, 0, 0x42, 0, 0, 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0xfee00000, w8, 8, true), -EFAULT);
    ck_assert(!apic_irr_test(board_apics(b), 0, 0x42));
    ck_assert_int_eq(guestmem_read(board_mem(b), 0x200000, now,
                                   sizeof(now)), 0);
    ck_assert_mem_eq(now, pat, sizeof(pat));
    /* A zero-length read completes. */
    ck_assert_int_eq(pci_func_dma(ep, 0xfee00000, r, 0, false), 0);
    pci_func_free(ep);
    board_free(b);
}
END_TEST

/* No unit covers the requester: the platform without remapping decodes
 * FEEx_xxxxh as the interrupt range too (VT-d 5.1: a DWORD write there is
 * an interrupt request; with no unit it goes to the CPUs in the
 * compatibility format, like pci_msi).  RAM is 16 MiB, so nothing backs
 * 0xFEE00000 and a memory access there could not succeed. */
START_TEST(test_pci_dma_to_the_interrupt_range_without_a_unit)
{
    struct board *b = board_new(NULL);
    ck_assert_int_eq(board_add_ram(b, 0, RAM), 0);
    const struct board_cpu_desc cpu = { .apic_id = 0 };
    ck_assert_int_eq(board_add_cpus(b, &cpu, 1), 0);
    struct pci_func *ep = pci_func_new(PCI_KIND_ENDPOINT, 0, 3, 0, 0);
    board_attach_pci(b, ep);
    uint8_t msi[4] = { 0x43, 0, 0, 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0xfee00000, msi, 4, true), 0);
    ck_assert(apic_irr_test(board_apics(b), 0, 0x43));
    uint8_t r[4] = { 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0xfee00000, r, 4, false), -EFAULT);
    /* Ordinary DMA still reaches RAM, across a page boundary. */
    uint8_t w[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8] = { 0 };
    ck_assert_int_eq(pci_func_dma(ep, 0x3ffc, w, sizeof(w), true), 0);
    ck_assert_int_eq(guestmem_read(board_mem(b), 0x3ffc, back, 8), 0);
    ck_assert_mem_eq(back, w, sizeof(w));
    pci_func_free(ep);
    board_free(b);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("board");
    TCase *tc = tcase_create("board");
    tcase_add_test(tc, test_routing_by_scope);
    tcase_add_test(tc, test_overlapping_windows_refused);
    tcase_add_test(tc, test_pci_dma_uses_the_bridge_requester_id);
    tcase_add_test(tc, test_pci_msi_reaches_the_cpu);
    tcase_add_test(tc, test_atsr_decides_by_root_port);
    tcase_add_test(tc, test_ats_device_line_obeys_the_atsr);
    tcase_add_test(tc, test_devtlb_inval_reaches_the_right_device);
    tcase_add_test(tc, test_pci_dma_to_the_interrupt_range);
    tcase_add_test(tc, test_pci_dma_to_the_interrupt_range_without_a_unit);
    suite_add_tcase(su, tc);
    return check_run(su);
}
