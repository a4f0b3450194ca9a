/* SPDX-License-Identifier: MIT */
/*
 * examples/minimal.c: the smallest useful embedder of libvtdemu.
 *
 * Guest RAM, MMIO forwarding, one DMA translation and one remapped MSI.
 * Built against the installed library only:
 *   cc minimal.c $(pkg-config --cflags --libs vtdemu)
 * Every entry is written with the encoders of <vtd/layout.h>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vtd/layout.h>
#include <vtd/vtd.h>

#define RAM_SIZE (1u << 20)
#define VTD_BASE 0xfed90000u          /* where the guest sees the unit */
static uint8_t *ram;

static int ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    (void)opaque;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -1;                    /* not backed: the unit faults */
    memcpy(buf, ram + gpa, len);
    return 0;
}

static int ram_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    (void)opaque;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -1;
    memcpy(ram + gpa, buf, len);
    return 0;
}

/* The unit's own fault-event MSIs (not remapped interrupts). */
static void fault_msi(void *opaque, uint64_t addr, uint32_t data)
{
    (void)opaque;
    printf("fault event MSI 0x%llx/0x%x\n", (unsigned long long)addr, data);
}

/* The machine's MMIO dispatch: guest accesses in [VTD_BASE, +size). */
static void mmio_write(struct vtd_iommu *u, uint64_t gpa, unsigned size,
                       uint64_t v)
{
    vtd_mmio_write(u, gpa - VTD_BASE, size, v);
}

static uint64_t mmio_read(struct vtd_iommu *u, uint64_t gpa, unsigned size)
{
    uint64_t v = 0;
    vtd_mmio_read(u, gpa - VTD_BASE, size, &v);
    return v;
}

static void put(uint64_t gpa, const uint64_t *q, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        vtd_stq_le(ram + gpa + 8 * i, q[i]);
}

int main(void)
{
    ram = calloc(1, RAM_SIZE);
    struct vtd_host_ops ops = { .version = VTD_HOST_OPS_VERSION,
                                .read = ram_read, .write = ram_write,
                                .msi_send = fault_msi };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2" };
    struct vtd_iommu *u;
    char err[256];
    if (!ram || vtd_iommu_new(&cfg, &ops, NULL, &u, err, sizeof(err))) {
        fprintf(stderr, "vtd_iommu_new: %s\n", err);
        return 1;
    }
    /* The guest's tables: root -> context (00:03.0, DID 1, 3-level)
     * -> IOVA 0x1000 maps to 0x5000, read/write. */
    uint64_t q[2], e;
    vtd_root_entry_encode(q, &(struct vtd_root_entry){ true, 0x11000 });
    put(0x10000, q, 2);
    vtd_context_entry_encode(q, &(struct vtd_context_entry){
        .present = true, .tt = VTD_TT_SS, .ssptptr = 0x20000, .aw = 1,
        .did = 1 });
    put(0x11000 + 16 * 0x18, q, 2);
    vtd_ss_entry_encode(&e, &(struct vtd_ss_entry){ .r = 1, .w = 1,
                                                    .addr = 0x21000 });
    put(0x20000, &e, 1);
    vtd_ss_entry_encode(&e, &(struct vtd_ss_entry){ .r = 1, .w = 1,
                                                    .addr = 0x22000 });
    put(0x21000, &e, 1);
    vtd_ss_entry_encode(&e, &(struct vtd_ss_entry){ .r = 1, .w = 1,
                                                    .addr = 0x5000 });
    put(0x22000 + 8, &e, 1);
    /* Interrupt remapping table: entry 0 -> vector 0x30 to APIC 1. */
    vtd_irte_remapped_encode(q, &(struct vtd_irte_remapped){
        .present = true, .vector = 0x30, .dst = 1u << 8 });
    put(0x30000, q, 2);

    /* The guest driver, through MMIO as it would be trapped. */
    mmio_write(u, VTD_BASE + VTD_REG_RTADDR, 8, 0x10000);
    mmio_write(u, VTD_BASE + VTD_REG_GCMD, 4, VTD_GCMD_SRTP);
    mmio_write(u, VTD_BASE + VTD_REG_GCMD, 4, VTD_GCMD_TE);
    mmio_write(u, VTD_BASE + VTD_REG_IRTA, 8, 0x30000 | 7);
    mmio_write(u, VTD_BASE + VTD_REG_GCMD, 4, VTD_GCMD_TE | VTD_GCMD_SIRTP);
    mmio_write(u, VTD_BASE + VTD_REG_GCMD, 4, VTD_GCMD_TE | VTD_GCMD_IRE);
    uint32_t gsts = (uint32_t)mmio_read(u, VTD_BASE + VTD_REG_GSTS, 4);

    /* A device's DMA. */
    struct vtd_dma_req req = { .sid = 0x18, .pasid = VTD_NO_PASID,
                               .iova = 0x1234, .size = 4,
                               .access = VTD_ACC_WRITE };
    struct vtd_xlate x;
    vtd_translate(u, &req, &x);
    printf("GSTS 0x%08x; DMA 0x1234 -> 0x%llx (fault 0x%x)\n", gsts,
           (unsigned long long)x.addr, x.fault);

    /* A device's remappable MSI: the unit remaps it, the machine
     * delivers it (vtd.h: remapped interrupts come back in struct
     * vtd_irq; msi_send is only for the unit's own events). */
    struct vtd_msi_req msi = { .sid = 0x18, .sid_valid = true };
    vtd_msi_remappable_encode(&msi.addr, &msi.data,
                              &(struct vtd_msi_remappable){ .handle = 0 });
    struct vtd_irq irq;
    vtd_interrupt(u, &msi, &irq);
    printf("MSI -> outcome %d, vector 0x%x to APIC %u\n", irq.outcome,
           irq.vector, irq.dest);

    int ok = (gsts & VTD_GSTS_TES) && (gsts & VTD_GSTS_IRES) && !x.fault &&
             x.addr == 0x5234 && irq.outcome == VTD_IRQ_REMAPPED &&
             irq.vector == 0x30 && irq.dest == 1;
    vtd_iommu_free(u);
    free(ram);
    puts(ok ? "minimal: ok" : "minimal: FAILED");
    return ok ? 0 : 1;
}
