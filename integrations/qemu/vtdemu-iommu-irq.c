/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdemu-iommu: the interrupt address range and interrupt delivery
 * (vtdemu-iommu.c has the overview).
 */

#include "qemu/osdep.h"
#include "vtdemu-iommu.h"

/* The system-bus message of a remapped interrupt or a notification event,
 * in the compatibility format (VT-d 5.1.2.1 Figure 5-1; MSI_ADDR and
 * MSI_DATA in <vtd/layout.h>), the trigger mode level always asserted
 * (5.1.4).  A 32-bit destination (x2APIC: IRTE DST with EIME, VT-d 9.10;
 * NDST, 9.12) puts its bits 31:8 in address bits 63:40 (vx_flush). */
static uint64_t vx_msi_addr(uint32_t dest, unsigned rh, unsigned dm)
{
    return VTD_INTR_ADDR_LO |
           (uint64_t)(dest & 0xff) << VTD_MSI_ADDR_DEST_SHIFT |
           (uint64_t)(dest & 0xffffff00) << 32 |
           (uint64_t)(rh & 1) << VTD_MSI_ADDR_RH_SHIFT |
           (uint64_t)(dm & 1) << VTD_MSI_ADDR_DM_SHIFT;
}

static uint32_t vx_msi_data(uint8_t vector, unsigned dlm, unsigned tm)
{
    return vector | (uint32_t)(dlm & 7) << VTD_MSI_DATA_DLM_SHIFT |
           (uint32_t)VTD_MSI_DATA_TML_MASK |
           (uint32_t)(tm & 1) << VTD_MSI_DATA_TM_SHIFT;
}

/* Deliver the outcome of an interrupt request (VT-d 5.1.4, 5.2). */
static void vx_deliver(VtdemuState *s, const struct vtd_msi_req *req,
                       const struct vtd_irq *o)
{
    unsigned k = o->outcome < ARRAY_SIZE(s->n_irq) ? o->outcome : 0;

    qatomic_inc(&s->n_irq[k]);
    switch (o->outcome) {
    case VTD_IRQ_PASSTHROUGH:
        vx_queue_msi(req->addr, req->data);
        break;
    case VTD_IRQ_REMAPPED:
        vx_queue_msi(vx_msi_addr(o->dest, o->rh, o->dm),
                     vx_msi_data(o->vector, o->dlm, o->tm));
        break;
    case VTD_IRQ_POSTED:
        if (o->notify) {
            /* Notification event: physical, fixed, edge (VT-d 5.2.3);
             * NDST is 32 bits in x2APIC mode (9.12). */
            vx_queue_msi(vx_msi_addr(o->ndst, 0, 0),
                         vx_msi_data(o->nv, 0, 0));
        }
        break;
    default:
        /* Blocked: the library recorded the fault (VT-d 5.1.4.1). */
        break;
    }
}

static MemTxResult vx_msi_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size, MemTxAttrs attrs)
{
    VtdemuAS *a = opaque;
    VtdemuState *s = a->s;
    struct vtd_msi_req req = {
        .sid = vx_sid(a),
        .sid_valid = true,
        .addr = VTD_INTR_ADDR_LO + addr,
        .data = (uint32_t)val,
    };
    struct vtd_irq o;
    int r;

    if (size != 4) {
        /* Interrupt requests are DWORD writes (VT-d 5.1.2, 5.1.3). */
        qemu_log_mask(LOG_GUEST_ERROR, "vtdemu-iommu: %u-byte write to the "
                      "interrupt range 0x%" PRIx64 " from %04x ignored\n",
                      size, req.addr, req.sid);
        return MEMTX_OK;
    }
    r = vtd_interrupt(s->unit, &req, &o);
    if (vx_tracing(s)) {
        vx_trace_msi(s, &req, &o, r);
    }
    if (r == 0) {
        vx_deliver(s, &req, &o);
    }
    vx_flush();
    return MEMTX_OK;
}

static MemTxResult vx_msi_read(void *opaque, hwaddr addr, uint64_t *data,
                               unsigned size, MemTxAttrs attrs)
{
    /* Reads of the interrupt address range are not interrupt requests and
     * have no memory behind them. */
    *data = 0;
    return MEMTX_DECODE_ERROR;
}

const MemoryRegionOps vx_msi_ops = {
    .read_with_attrs = vx_msi_read,
    .write_with_attrs = vx_msi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* X86IOMMUClass int_remap: used by KVM's MSI routes (not by TCG). */
int vx_int_remap(X86IOMMUState *iommu, MSIMessage *src,
                 MSIMessage *dst, uint16_t sid)
{
    VtdemuState *s = VTDEMU_IOMMU(iommu);
    struct vtd_msi_req req = {
        .sid = sid,
        .sid_valid = sid != X86_IOMMU_SID_INVALID,
        .addr = src->address,
        .data = src->data,
    };
    struct vtd_irq o;
    int r = vtd_interrupt(s->unit, &req, &o);

    vx_flush();
    if (r < 0) {
        return r;
    }
    switch (o.outcome) {
    case VTD_IRQ_PASSTHROUGH:
        *dst = *src;
        return 0;
    case VTD_IRQ_REMAPPED:
        dst->address = vx_msi_addr(o.dest, o.rh, o.dm);
        dst->data = vx_msi_data(o.vector, o.dlm, o.tm);
        return 0;
    default:
        return -EINVAL;
    }
}
