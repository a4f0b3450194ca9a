/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdemu-iommu: what the device's source files share (QEMU device model;
 * vtdemu-iommu.c has the overview).
 *   vtdemu-iommu.c        register window, options, life cycle, statistics
 *   vtdemu-iommu-dma.c    deferred work, host operations, address spaces,
 *                         translation, IOMMU notifiers
 *   vtdemu-iommu-irq.c    interrupt requests and their delivery
 *   vtdemu-iommu-trace.c  trace=FILE capture
 */
#ifndef HW_I386_VTDEMU_IOMMU_H
#define HW_I386_VTDEMU_IOMMU_H

#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/atomic.h"
#include "qemu/thread.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/i386/x86-iommu.h"
#include "hw/i386/pc.h"
#include "hw/i386/x86.h"
#include "hw/i386/apic_internal.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "migration/vmstate.h"
#include "sysemu/sysemu.h"

#include <vtd/layout.h>
#include <vtd/vtd.h>

#define TYPE_VTDEMU_IOMMU "vtdemu-iommu"
#define TYPE_VTDEMU_IOMMU_MR "vtdemu-iommu-memory-region"
OBJECT_DECLARE_SIMPLE_TYPE(VtdemuState, VTDEMU_IOMMU)

/* The interrupt address range, VT-d 3.15 (<vtd/layout.h>). */
#define VX_MSI_SIZE (VTD_INTR_ADDR_HI - VTD_INTR_ADDR_LO + 1)

typedef struct VtdemuAS VtdemuAS;

struct VtdemuAS {
    VtdemuState *s;
    PCIBus *bus;            /* NULL: the I/O APIC's space */
    uint8_t devfn;
    MemoryRegion root;
    IOMMUMemoryRegion iommu;
    MemoryRegion msi;
    AddressSpace as;
    struct vtd_notifier *ln; /* library subscriber while notifiers exist */
};

struct VtdemuState {
    X86IOMMUState parent_obj;

    MemoryRegion mmio;
    struct vtd_iommu *unit;
    GHashTable *spaces;     /* PCIBus * -> VtdemuAS *[256] */
    VtdemuAS *ioapic_space;
    Notifier exit_notifier;

    /* Properties. */
    char *profile;
    OnOffAuto caching_mode;
    uint8_t aw_bits;
    OnOffAuto scalable;
    OnOffAuto eim;
    char *trace_path;
    char *stats_path;
    uint64_t base;
    uint16_t ioapic_sid;

    /* Device-side counters (the library counts IOTLB and faults). */
    uint64_t n_translations;
    uint64_t n_translation_faults;
    uint64_t n_irq[5];      /* enum vtd_irq_outcome */
    uint64_t n_irq_undeliverable;
    uint64_t n_map_events;
    uint64_t n_unmap_events;

    /* trace=FILE: the guest's run as a vtdtrace (see "trace=FILE"). */
    FILE *trace;
    QemuMutex trace_lock;
    GHashTable *shadow;     /* qword address -> VxShadow: replay memory */
    unsigned resets;
    uint64_t trace_lines;
};

/* vtdemu-iommu-dma.c: deferred delivery, host operations for the library, per-requester
 * address spaces, translation and IOMMU notifiers. */
void vx_queue_msi(uint64_t addr, uint32_t data);
void vx_flush(void);
int vx_host_read(void *opaque, uint64_t gpa, void *buf, size_t len);
int vx_host_write(void *opaque, uint64_t gpa, const void *buf,
                  size_t len);
int vx_host_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
                      uint64_t desired);
const void *vx_host_map(void *opaque, uint64_t gpa, size_t len);
void vx_host_msi_send(void *opaque, uint64_t addr, uint32_t data);
void vx_host_log(void *opaque, enum vtd_log_level level,
                 const char *msg);
uint16_t vx_sid(const VtdemuAS *a);
IOMMUTLBEntry vx_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                           IOMMUAccessFlags flag, int iommu_idx);
int vx_notify_flag_changed(IOMMUMemoryRegion *iommu,
                           IOMMUNotifierFlag old_flags,
                           IOMMUNotifierFlag new_flags, Error **errp);
void vx_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n);
VtdemuAS *vx_new_as(VtdemuState *s, PCIBus *bus, int devfn);
AddressSpace *vx_find_as(PCIBus *bus, void *opaque, int devfn);

/* vtdemu-iommu-irq.c: the interrupt address range and interrupt delivery. */
extern const MemoryRegionOps vx_msi_ops;
int vx_int_remap(X86IOMMUState *iommu, MSIMessage *src,
                 MSIMessage *dst, uint16_t sid);

/* vtdemu-iommu-trace.c: trace=FILE capture. */
bool vx_tracing(VtdemuState *s);
void vx_trace_mem(bool write, uint64_t addr, const void *data,
                  size_t len);
void vx_trace_dma(VtdemuState *s, const struct vtd_dma_req *req,
                  const struct vtd_xlate *x, int r);
void vx_trace_msi(VtdemuState *s, const struct vtd_msi_req *req,
                  const struct vtd_irq *o, int r);
void vx_trace_mmio(VtdemuState *s, bool write, hwaddr off,
                   unsigned size, uint64_t val, int r);
void vx_host_trace(void *opaque, const struct vtd_event *ev);
bool vx_trace_open(VtdemuState *s, uint64_t cap, uint64_t ecap,
                   Error **errp);
void vx_trace_close(VtdemuState *s, const char *why);

#endif
