/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdemu-iommu: an Intel VT-d remapping hardware unit for QEMU 7.2's q35
 * machine, backed by libvtdemu (the vtdemu repository's VT-d core).
 *
 * This file is a QEMU device model and carries QEMU's licence; the library
 * it links is MIT.  It is our own code, written against QEMU 7.2's API.
 * docs/qemu.md of the vtdemu repository describes the options, how to boot
 * a guest and what differs from QEMU's intel-iommu.
 *
 * What the device does, and where the library does the rest:
 *  - the register window at the DRHD base (default 0xfed90000): every
 *    access, with QEMU's access size, goes to vtd_mmio_read/write (VT-d
 *    chapter 11; the library ignores and logs sizes other than 4 and 8);
 *  - one address space per requester (pci_setup_iommu): an IOMMU memory
 *    region whose translate callback calls vtd_translate (VT-d 3.x, 9.x),
 *    a fault giving QEMU an entry without permissions (the library records
 *    the fault, VT-d 7.1); over it, at 0xFEE00000-0xFEEFFFFF, the interrupt
 *    address range (VT-d 3.14, 5.1): DWORD writes there are interrupt
 *    requests handled by vtd_interrupt (5.1.4), delivered to QEMU's APICs
 *    through the system address space's APIC MSI window;
 *  - the I/O APIC's messages go through the same path with the I/O APIC's
 *    source-id (the DMAR device scope's, VT-d 8.3.1.1): x86ms->ioapic_as;
 *  - IOMMU notifiers: the library's caching-mode map/unmap subscribers
 *    (vtd/notify.h), replayed on request (memory_region_iommu_replay);
 *  - the unit's own fault-event and invalidation-completion interrupts
 *    (host msi_send, VT-d 7.3, 6.5.2.9) are written to the APIC window;
 *  - guest memory through address_space_memory, RAM only: a table pointer
 *    into MMIO (the unit's own window included) reads as "not backed", so
 *    the library reports the spec's error-accessing fault instead of
 *    re-entering a device.
 *
 * Threading.  MMIO, interrupt-window writes and most DMA run under the BQL;
 * translate may also run in an iothread.  The library is thread-safe and
 * may call the host callbacks with its internal lock held, so the callbacks
 * that reach into QEMU beyond guest RAM (MSI delivery, IOMMU notifiers) do
 * not act at once: they queue on the calling thread and the queue is
 * delivered after the library call has returned, with no library lock
 * held.
 *
 * QEMU adds no DMAR table for this device (acpi-build only knows
 * intel-iommu): the guest's table comes from `vtdemu dmar build` on
 * integrations/qemu/q35-vtdemu.dts, passed with -acpitable file=DMAR.bin.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/atomic.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "hw/i386/x86-iommu.h"
#include "hw/i386/pc.h"
#include "hw/i386/x86.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "migration/vmstate.h"
#include "sysemu/sysemu.h"

#include <vtd/vtd.h>

#define TYPE_VTDEMU_IOMMU "vtdemu-iommu"
#define TYPE_VTDEMU_IOMMU_MR "vtdemu-iommu-memory-region"
OBJECT_DECLARE_SIMPLE_TYPE(VtdemuState, VTDEMU_IOMMU)

/* The interrupt address range, VT-d 3.14. */
#define VX_MSI_BASE 0xfee00000ULL
#define VX_MSI_SIZE 0x100000ULL

/* CAP and ECAP fields the options change (VT-d 11.4.2, 11.4.3). */
#define VX_CAP_CM (1ULL << 7)
#define VX_CAP_SAGAW_SHIFT 8
#define VX_CAP_SAGAW_MASK (0x1fULL << 8)
#define VX_CAP_MGAW_SHIFT 16
#define VX_CAP_MGAW_MASK (0x3fULL << 16)
#define VX_CAP_PI (1ULL << 59)
#define VX_ECAP_DT (1ULL << 2)
#define VX_ECAP_IR (1ULL << 3)
#define VX_ECAP_EIM (1ULL << 4)
#define VX_ECAP_PT (1ULL << 6)
#define VX_ECAP_SRS (1ULL << 31)
#define VX_ECAP_PSS_MASK (0x1fULL << 35)
#define VX_ECAP_PASID (1ULL << 40)
#define VX_ECAP_SMTS (1ULL << 43)
#define VX_ECAP_SSADS (1ULL << 45)
#define VX_ECAP_SSTS (1ULL << 46)
#define VX_ECAP_FSTS (1ULL << 47)
#define VX_ECAP_SMPWCS (1ULL << 48)
#define VX_ECAP_RPS (1ULL << 49)
#define VX_ECAP_NEST (1ULL << 26)

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

/* ------------------------------------------------------------------ */
/* Deferred work: done after the library call, with no library lock    */
/* ------------------------------------------------------------------ */

typedef struct VxPending {
    VtdemuAS *as;           /* NULL: an MSI */
    IOMMUNotifier *target;  /* replay: only this notifier */
    uint64_t addr;
    uint32_t data;
    IOMMUTLBEvent ev;
} VxPending;

static __thread GArray *vx_queue;
static __thread bool vx_flushing;
static __thread IOMMUNotifier *vx_replay_target;

static void vx_queue_push(const VxPending *p)
{
    if (!vx_queue) {
        vx_queue = g_array_new(false, false, sizeof(VxPending));
    }
    g_array_append_val(vx_queue, *p);
}

static void vx_queue_msi(uint64_t addr, uint32_t data)
{
    VxPending p = { .addr = addr, .data = data };

    vx_queue_push(&p);
}

/* One event to one notifier, cropped to the notifier's range (QEMU asserts
 * that IOTLB events lie inside it). */
static void vx_notify_one(IOMMUNotifier *n, const IOMMUTLBEvent *ev)
{
    IOMMUTLBEvent tmp = *ev;
    hwaddr start = ev->entry.iova;
    hwaddr end = ev->entry.iova + ev->entry.addr_mask;

    if (!(ev->type & n->notifier_flags)) {
        return;
    }
    if (n->start > end || n->end < start) {
        return;
    }
    if (start < n->start) {
        tmp.entry.iova = n->start;
        if (tmp.type == IOMMU_NOTIFIER_MAP) {
            tmp.entry.translated_addr += n->start - start;
        }
    }
    tmp.entry.addr_mask = MIN(end, n->end) - tmp.entry.iova;
    memory_region_notify_iommu_one(n, &tmp);
}

static void vx_flush(void)
{
    if (vx_flushing || !vx_queue || vx_queue->len == 0) {
        return;
    }
    vx_flushing = true;
    while (vx_queue->len) {
        GArray *work = vx_queue;
        vx_queue = NULL;
        for (guint i = 0; i < work->len; i++) {
            VxPending *p = &g_array_index(work, VxPending, i);
            if (!p->as) {
                /* Through the system address space's APIC window, which
                 * takes the BQL when the caller does not hold it. */
                address_space_stl_le(&address_space_memory, p->addr, p->data,
                                     MEMTXATTRS_UNSPECIFIED, NULL);
            } else if (p->target) {
                vx_notify_one(p->target, &p->ev);
            } else {
                IOMMUNotifier *n;
                IOMMU_NOTIFIER_FOREACH(n, &p->as->iommu) {
                    vx_notify_one(n, &p->ev);
                }
            }
        }
        g_array_free(work, true);
        if (!vx_queue) {
            break;
        }
    }
    vx_flushing = false;
}

/* ------------------------------------------------------------------ */
/* Host operations for the library                                     */
/* ------------------------------------------------------------------ */

/* trace=FILE: defined further down. */
static void vx_host_trace(void *opaque, const struct vtd_event *ev);
static bool vx_tracing(VtdemuState *s);
static void vx_trace_mem(bool write, uint64_t addr, const void *data,
                         size_t len);
static void vx_trace_dma(VtdemuState *s, const struct vtd_dma_req *req,
                         const struct vtd_xlate *x, int r);
static void vx_trace_msi(VtdemuState *s, const struct vtd_msi_req *req,
                         const struct vtd_irq *o, int r);
static void vx_trace_mmio(VtdemuState *s, bool write, hwaddr off,
                          unsigned size, uint64_t val, int r);

/* True when [gpa, gpa + len) is RAM the unit may access directly. */
static bool vx_is_ram(uint64_t gpa, size_t len, bool is_write)
{
    bool ok = true;

    RCU_READ_LOCK_GUARD();
    while (len) {
        hwaddr xlat, l = len;
        MemoryRegion *mr = address_space_translate(&address_space_memory, gpa,
                                                   &xlat, &l, is_write,
                                                   MEMTXATTRS_UNSPECIFIED);
        if (!memory_access_is_direct(mr, is_write) || l == 0) {
            ok = false;
            break;
        }
        gpa += l;
        len -= l;
    }
    return ok;
}

static int vx_host_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    if (!vx_is_ram(gpa, len, false)) {
        return -EIO;
    }
    return address_space_read(&address_space_memory, gpa,
                              MEMTXATTRS_UNSPECIFIED, buf, len) == MEMTX_OK
        ? 0 : -EIO;
}

static int vx_host_write(void *opaque, uint64_t gpa, const void *buf,
                         size_t len)
{
    if (!vx_is_ram(gpa, len, true)) {
        return -EIO;
    }
    if (address_space_write(&address_space_memory, gpa,
                            MEMTXATTRS_UNSPECIFIED, buf, len) != MEMTX_OK) {
        return -EIO;
    }
    if (vx_tracing(opaque)) {
        vx_trace_mem(true, gpa, buf, len);
    }
    return 0;
}

static int vx_host_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
                             uint64_t desired)
{
    hwaddr xlat, l = 8;
    MemoryRegion *mr;
    uint64_t *p, old;
    int ret;

    if (gpa & 7) {
        return -EINVAL;
    }
    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, gpa, &xlat, &l, true,
                                 MEMTXATTRS_UNSPECIFIED);
    if (!memory_access_is_direct(mr, true) || l < 8) {
        return -EIO;
    }
    p = (uint64_t *)((uint8_t *)memory_region_get_ram_ptr(mr) + xlat);
    old = le64_to_cpu(qatomic_cmpxchg__nocheck(p, cpu_to_le64(*expected),
                                               cpu_to_le64(desired)));
    if (old == *expected) {
        memory_region_set_dirty(mr, xlat, 8);
        if (vx_tracing(opaque)) {
            uint8_t b[8];
            stq_le_p(b, desired);
            vx_trace_mem(true, gpa, b, 8);
        }
        ret = 0;
    } else {
        *expected = old;
        ret = -EAGAIN;
    }
    return ret;
}

static const void *vx_host_map(void *opaque, uint64_t gpa, size_t len)
{
    hwaddr xlat, l = len;
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, gpa, &xlat, &l, false,
                                 MEMTXATTRS_UNSPECIFIED);
    if (!memory_access_is_direct(mr, false) || l < len) {
        return NULL;
    }
    return (const uint8_t *)memory_region_get_ram_ptr(mr) + xlat;
}

static void vx_host_msi_send(void *opaque, uint64_t addr, uint32_t data)
{
    vx_queue_msi(addr, data);
}

static void vx_host_log(void *opaque, enum vtd_log_level level,
                        const char *msg)
{
    if (level <= VTD_LOG_WARN) {
        qemu_log_mask(LOG_GUEST_ERROR, "vtdemu-iommu: %s\n", msg);
    }
}

/* ------------------------------------------------------------------ */
/* Requesters                                                          */
/* ------------------------------------------------------------------ */

static uint16_t vx_sid(const VtdemuAS *a)
{
    if (!a->bus) {
        return a->s->ioapic_sid;
    }
    return PCI_BUILD_BDF(pci_bus_num(a->bus), a->devfn);
}

static IOMMUTLBEntry vx_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                  IOMMUAccessFlags flag, int iommu_idx)
{
    VtdemuAS *a = container_of(iommu, VtdemuAS, iommu);
    VtdemuState *s = a->s;
    struct vtd_dma_req req = {
        .sid = vx_sid(a),
        .pasid = VTD_NO_PASID,
        .iova = addr,
        .size = 1,
        .at = VTD_AT_UNTRANSLATED,
    };
    struct vtd_xlate x;
    int r;
    IOMMUTLBEntry e = {
        .target_as = &address_space_memory,
        .iova = addr & ~0xfffULL,
        .translated_addr = 0,
        .addr_mask = 0xfff,
        .perm = IOMMU_NONE,
    };

    /* IOMMU_NONE asks for the mapping whatever the access: a read. */
    if (flag & IOMMU_RO || flag == IOMMU_NONE) {
        req.access |= VTD_ACC_READ;
    }
    if (flag & IOMMU_WO) {
        req.access |= VTD_ACC_WRITE;
    }
    qatomic_inc(&s->n_translations);
    r = vtd_translate(s->unit, &req, &x);
    if (vx_tracing(s)) {
        vx_trace_dma(s, &req, &x, r);
    }
    if (r == 0 && !x.fault) {
        uint64_t mask = (x.page_size >= 4096 ? x.page_size : 4096) - 1;
        e.iova = addr & ~mask;
        e.translated_addr = x.addr & ~mask;
        e.addr_mask = mask;
        e.perm = IOMMU_ACCESS_FLAG(x.perm & VTD_PERM_R, x.perm & VTD_PERM_W);
    } else {
        qatomic_inc(&s->n_translation_faults);
    }
    vx_flush();
    return e;
}

/* The library's caching-mode map/unmap events (with its lock held). */
static void vx_map_event(void *opaque, const struct vtd_map_event *me)
{
    VtdemuAS *a = opaque;
    VxPending p = { .as = a, .target = vx_replay_target };

    p.ev.entry.target_as = &address_space_memory;
    p.ev.entry.iova = me->iova;
    p.ev.entry.addr_mask = me->size ? me->size - 1 : 0xfff;
    if (me->kind == VTD_MAP_EVENT) {
        p.ev.type = IOMMU_NOTIFIER_MAP;
        p.ev.entry.translated_addr = me->gpa;
        p.ev.entry.perm = IOMMU_ACCESS_FLAG(me->perm & VTD_PERM_R,
                                            me->perm & VTD_PERM_W);
        qatomic_inc(&a->s->n_map_events);
    } else {
        p.ev.type = IOMMU_NOTIFIER_UNMAP;
        p.ev.entry.perm = IOMMU_NONE;
        qatomic_inc(&a->s->n_unmap_events);
    }
    vx_queue_push(&p);
}

static int vx_notify_flag_changed(IOMMUMemoryRegion *iommu,
                                  IOMMUNotifierFlag old_flags,
                                  IOMMUNotifierFlag new_flags, Error **errp)
{
    VtdemuAS *a = container_of(iommu, VtdemuAS, iommu);
    VtdemuState *s = a->s;

    /* Without caching mode a guest need not invalidate after making an
     * entry present (VT-d 6.1), so MAP events would be missed. */
    if ((new_flags & IOMMU_NOTIFIER_MAP) &&
        !(vtd_iommu_cap(s->unit) & VX_CAP_CM)) {
        error_setg(errp, "vtdemu-iommu: a consumer of IOMMU MAP "
                   "notifications (device assignment) needs caching-mode=on");
        return -EINVAL;
    }
    if (new_flags != IOMMU_NOTIFIER_NONE && !a->ln) {
        int r = vtd_notifier_add(s->unit, vx_sid(a), VTD_NO_PASID,
                                 vx_map_event, a, &a->ln);
        if (r < 0) {
            error_setg_errno(errp, -r, "vtdemu-iommu: vtd_notifier_add");
            return r;
        }
    } else if (new_flags == IOMMU_NOTIFIER_NONE && a->ln) {
        vtd_notifier_remove(s->unit, a->ln);
        a->ln = NULL;
    }
    return 0;
}

static void vx_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n)
{
    VtdemuAS *a = container_of(iommu, VtdemuAS, iommu);
    VtdemuState *s = a->s;
    struct vtd_notifier *tmp = NULL;
    struct vtd_notifier *ln = a->ln;

    if (!ln) {
        if (vtd_notifier_add(s->unit, vx_sid(a), VTD_NO_PASID, vx_map_event,
                             a, &tmp) < 0) {
            return;
        }
        ln = tmp;
    }
    vx_replay_target = n;
    vtd_notifier_replay(s->unit, ln);
    vx_replay_target = NULL;
    if (tmp) {
        vtd_notifier_remove(s->unit, tmp);
    }
    vx_flush();
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
        if (o->dest > 0xff) {
            /* QEMU 7.2's APIC model has no x2APIC: an id above 255 cannot
             * be addressed. */
            qatomic_inc(&s->n_irq_undeliverable);
            qemu_log_mask(LOG_GUEST_ERROR, "vtdemu-iommu: interrupt to "
                          "APIC id %u not deliverable (no x2APIC in this "
                          "QEMU)\n", o->dest);
            break;
        }
        vx_queue_msi(VX_MSI_BASE | (uint64_t)(o->dest & 0xff) << 12 |
                     (uint64_t)(o->rh & 1) << 3 | (uint64_t)(o->dm & 1) << 2,
                     o->vector | (uint32_t)(o->dlm & 7) << 8 |
                     (uint32_t)1 << 14 | (uint32_t)(o->tm & 1) << 15);
        break;
    case VTD_IRQ_POSTED:
        if (o->notify) {
            if (o->ndst > 0xff) {
                qatomic_inc(&s->n_irq_undeliverable);
                break;
            }
            /* Notification event: physical, fixed, edge (VT-d 5.2.3). */
            vx_queue_msi(VX_MSI_BASE | (uint64_t)(o->ndst & 0xff) << 12,
                         o->nv | (uint32_t)1 << 14);
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
        .addr = VX_MSI_BASE + addr,
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

static const MemoryRegionOps vx_msi_ops = {
    .read_with_attrs = vx_msi_read,
    .write_with_attrs = vx_msi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static VtdemuAS *vx_new_as(VtdemuState *s, PCIBus *bus, int devfn)
{
    VtdemuAS *a = g_new0(VtdemuAS, 1);
    g_autofree char *name = bus
        ? g_strdup_printf("vtdemu-%02x.%x", PCI_SLOT(devfn), PCI_FUNC(devfn))
        : g_strdup("vtdemu-ioapic");
    g_autofree char *iname = g_strdup_printf("%s-dmar", name);
    g_autofree char *mname = g_strdup_printf("%s-msi", name);

    a->s = s;
    a->bus = bus;
    a->devfn = (uint8_t)devfn;
    memory_region_init(&a->root, OBJECT(s), name, UINT64_MAX);
    if (bus) {
        memory_region_init_iommu(&a->iommu, sizeof(a->iommu),
                                 TYPE_VTDEMU_IOMMU_MR, OBJECT(s), iname,
                                 UINT64_MAX);
        memory_region_add_subregion_overlap(&a->root, 0,
                                            MEMORY_REGION(&a->iommu), 0);
    }
    memory_region_init_io(&a->msi, OBJECT(s), &vx_msi_ops, a, mname,
                          VX_MSI_SIZE);
    memory_region_add_subregion_overlap(&a->root, VX_MSI_BASE, &a->msi, 1);
    address_space_init(&a->as, &a->root, name);
    return a;
}

static AddressSpace *vx_find_as(PCIBus *bus, void *opaque, int devfn)
{
    VtdemuState *s = opaque;
    VtdemuAS **arr = g_hash_table_lookup(s->spaces, bus);

    assert(devfn >= 0 && devfn < 256);
    if (!arr) {
        arr = g_new0(VtdemuAS *, 256);
        g_hash_table_insert(s->spaces, bus, arr);
    }
    if (!arr[devfn]) {
        arr[devfn] = vx_new_as(s, bus, devfn);
    }
    return &arr[devfn]->as;
}

/* X86IOMMUClass int_remap: used by KVM's MSI routes (not by TCG). */
static int vx_int_remap(X86IOMMUState *iommu, MSIMessage *src,
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
        dst->address = VX_MSI_BASE | (uint64_t)(o.dest & 0xff) << 12 |
                       (uint64_t)(o.dest & 0xffffff00) << 32 |
                       (uint64_t)(o.rh & 1) << 3 | (uint64_t)(o.dm & 1) << 2;
        dst->data = o.vector | (uint32_t)(o.dlm & 7) << 8 |
                    (uint32_t)1 << 14 | (uint32_t)(o.tm & 1) << 15;
        return 0;
    default:
        return -EINVAL;
    }
}

/* ------------------------------------------------------------------ */
/* Register window                                                     */
/* ------------------------------------------------------------------ */

static uint64_t vx_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VtdemuState *s = opaque;
    uint64_t val = 0;
    int r = vtd_mmio_read(s->unit, addr, size, &val);

    if (vx_tracing(s)) {
        vx_trace_mmio(s, false, addr, size, val, r);
    }
    vx_flush();
    return val;
}

static void vx_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    VtdemuState *s = opaque;
    int r = vtd_mmio_write(s->unit, addr, size, val);

    if (vx_tracing(s)) {
        vx_trace_mmio(s, true, addr, size, val, r);
    }
    vx_flush();
}

static const MemoryRegionOps vx_mmio_ops = {
    .read = vx_mmio_read,
    .write = vx_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Every size reaches the library, which ignores and logs the ones the
     * spec does not allow (VT-d 10.2: 32- and 64-bit accesses). */
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* ------------------------------------------------------------------ */
/* trace=FILE: the run as a replayable vtdtrace (traces/FORMAT.md)      */
/* ------------------------------------------------------------------ */

/*
 * Every library call the guest causes is written as one action line with
 * its outcome as the expectation (mmio write, mmio read expect=, dma
 * expect=, msi expect=).  The guest memory the unit read during the call
 * (VTD_EV_MEM_READ) is collected on the calling thread and written as
 * `mem write` lines before the action, unless the replay's memory already
 * holds those bytes: a shadow of the replay's memory follows both those
 * lines and the unit's own writes (status writes, A/D bits), which the
 * replay repeats.  So the replay's unit reads what the live unit read, in
 * the same order of requests, and must reach the same outcomes.
 */

typedef struct VxShadow {
    uint8_t b[8];
    uint8_t valid;          /* bit i: b[i] known */
} VxShadow;

typedef struct VxMemRec {
    bool write;             /* the unit wrote (else read) */
    uint64_t addr;
    uint32_t len;
    uint32_t off;           /* into vx_tdata */
} VxMemRec;

static __thread GArray *vx_trecs;   /* VxMemRec of the current call */
static __thread GByteArray *vx_tdata;

static bool vx_tracing(VtdemuState *s)
{
    return qatomic_read(&s->trace) != NULL;
}

static void vx_trace_mem(bool write, uint64_t addr, const void *data,
                         size_t len)
{
    VxMemRec r = { .write = write, .addr = addr, .len = (uint32_t)len };

    if (!vx_trecs) {
        vx_trecs = g_array_new(false, false, sizeof(VxMemRec));
        vx_tdata = g_byte_array_new();
    }
    r.off = vx_tdata->len;
    g_byte_array_append(vx_tdata, data, len);
    g_array_append_val(vx_trecs, r);
}

/* Compare [addr, addr + len) with the shadow; update it.  True when the
 * replay's memory did not already hold these bytes. */
static bool vx_shadow_update(VtdemuState *s, uint64_t addr,
                             const uint8_t *data, size_t len)
{
    bool differs = false;

    for (size_t i = 0; i < len; i++) {
        uint64_t a = addr + i;
        uint64_t key = a & ~7ULL;
        VxShadow *sh = g_hash_table_lookup(s->shadow, (gpointer)(uintptr_t)
                                           (key | 1));
        unsigned k = a & 7;
        if (!sh) {
            sh = g_new0(VxShadow, 1);
            g_hash_table_insert(s->shadow, (gpointer)(uintptr_t)(key | 1), sh);
        }
        if (!(sh->valid & (1u << k)) || sh->b[k] != data[i]) {
            differs = true;
        }
        sh->b[k] = data[i];
        sh->valid |= 1u << k;
    }
    return differs;
}

static void vx_hex(GString *g, const void *data, size_t len)
{
    const uint8_t *b = data;

    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(g, "%02x", b[i]);
    }
}

static const char *vx_sidstr(char *buf, uint16_t sid)
{
    snprintf(buf, 16, "%02x:%02x.%x", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
    return buf;
}

/* Write the memory lines of this thread's call and then `action`. */
static void vx_trace_emit(VtdemuState *s, const char *action)
{
    g_autoptr(GString) out = g_string_new("");

    qemu_mutex_lock(&s->trace_lock);
    if (!s->trace) {
        qemu_mutex_unlock(&s->trace_lock);
        goto done;
    }
    for (guint i = 0; vx_trecs && i < vx_trecs->len; i++) {
        VxMemRec *r = &g_array_index(vx_trecs, VxMemRec, i);
        const uint8_t *d = vx_tdata->data + r->off;
        if (vx_shadow_update(s, r->addr, d, r->len) && !r->write) {
            g_string_append_printf(out, "mem write 0x%" PRIx64 " ", r->addr);
            vx_hex(out, d, r->len);
            g_string_append_c(out, '\n');
        }
    }
    if (action) {
        g_string_append(out, action);
        g_string_append_c(out, '\n');
    }
    fputs(out->str, s->trace);
    s->trace_lines++;
    qemu_mutex_unlock(&s->trace_lock);
done:
    if (vx_trecs) {
        g_array_set_size(vx_trecs, 0);
        g_byte_array_set_size(vx_tdata, 0);
    }
}

static void vx_trace_dma(VtdemuState *s, const struct vtd_dma_req *req,
                         const struct vtd_xlate *x, int r)
{
    char sid[16];
    g_autofree char *line = NULL;

    if (r < 0) {
        line = g_strdup_printf("# dma %s 0x%" PRIx64 " rejected by the "
                               "library (%d)", vx_sidstr(sid, req->sid),
                               req->iova, r);
    } else if (!x->fault) {
        line = g_strdup_printf("dma %s %s 0x%" PRIx64 " len=1 expect=ok "
                               "gpa=0x%" PRIx64, vx_sidstr(sid, req->sid),
                               req->access & VTD_ACC_WRITE ? "write" : "read",
                               req->iova, x->addr);
    } else {
        line = g_strdup_printf("dma %s %s 0x%" PRIx64 " len=1 expect=fault "
                               "reason=0x%x recorded=%s",
                               vx_sidstr(sid, req->sid),
                               req->access & VTD_ACC_WRITE ? "write" : "read",
                               req->iova, x->fault,
                               x->recorded ? "yes" : "no");
    }
    vx_trace_emit(s, line);
}

static void vx_trace_msi(VtdemuState *s, const struct vtd_msi_req *req,
                         const struct vtd_irq *o, int r)
{
    char sid[16];
    g_autofree char *line = NULL;
    g_autofree char *head = g_strdup_printf("msi %s 0x%" PRIx64 " 0x%x",
        req->sid_valid ? vx_sidstr(sid, req->sid) : "-", req->addr,
        req->data);

    if (r < 0) {
        line = g_strdup_printf("# %s rejected by the library (%d)", head, r);
    } else {
        switch (o->outcome) {
        case VTD_IRQ_PASSTHROUGH:
            line = g_strdup_printf("%s expect=passthrough", head);
            break;
        case VTD_IRQ_REMAPPED:
            line = g_strdup_printf("%s expect=remapped dest=0x%x vector=0x%x "
                                   "dm=%u tm=%u dlm=0x%x rh=%u", head,
                                   o->dest, o->vector, o->dm, o->tm, o->dlm,
                                   o->rh);
            break;
        case VTD_IRQ_POSTED:
            line = g_strdup_printf("%s expect=posted notify=%s", head,
                                   o->notify ? "yes" : "no");
            break;
        default:
            line = g_strdup_printf("%s expect=blocked reason=0x%x", head,
                                   o->fault);
            break;
        }
    }
    vx_trace_emit(s, line);
}

static void vx_trace_mmio(VtdemuState *s, bool write, hwaddr off,
                          unsigned size, uint64_t val, int r)
{
    g_autofree char *line = NULL;
    uint64_t addr = s->base + off;

    if (size != 4 && size != 8) {
        line = g_strdup_printf("# mmio %s 0x%" PRIx64 " size %u ignored by "
                               "the unit", write ? "write" : "read", addr,
                               size);
    } else if (write) {
        line = g_strdup_printf("mmio write 0x%" PRIx64 " %u 0x%" PRIx64,
                               addr, size, val);
    } else if (r == 0) {
        line = g_strdup_printf("mmio read 0x%" PRIx64 " %u expect=0x%" PRIx64,
                               addr, size, val);
    } else {
        line = g_strdup_printf("mmio read 0x%" PRIx64 " %u", addr, size);
    }
    vx_trace_emit(s, line);
}

static void vx_host_trace(void *opaque, const struct vtd_event *ev)
{
    if (ev->kind == VTD_EV_MEM_READ && ev->data && ev->size) {
        vx_trace_mem(false, ev->addr, ev->data, ev->size);
    }
}

static bool vx_trace_open(VtdemuState *s, uint64_t cap, uint64_t ecap,
                          Error **errp)
{
    X86MachineState *x86ms = X86_MACHINE(qdev_get_machine());
    FILE *f = fopen(s->trace_path, "w");

    if (!f) {
        error_setg_errno(errp, errno, "vtdemu-iommu: cannot open trace file "
                         "%s", s->trace_path);
        return false;
    }
    qemu_mutex_init(&s->trace_lock);
    s->shadow = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                      g_free);
    fprintf(f, "vtdtrace 2\n"
            "# A guest's run on QEMU 7.2 with -device vtdemu-iommu,"
            "trace=...: every\n"
            "# register access, DMA and interrupt request with its outcome, "
            "and the\n# guest memory the unit read (traces/FORMAT.md).\n");
    fprintf(f, "ram 0x%" PRIx64 "\n", (uint64_t)x86ms->below_4g_mem_size);
    if (x86ms->above_4g_mem_size) {
        fprintf(f, "ram 0x%" PRIx64 " base=0x100000000\n",
                (uint64_t)x86ms->above_4g_mem_size);
    }
    fprintf(f, "iommu base=0x%" PRIx64 " cap=0x%" PRIx64 " ecap=0x%" PRIx64
            "\n", s->base, cap, ecap);
    qatomic_set(&s->trace, f);
    return true;
}

static void vx_trace_close(VtdemuState *s, const char *why)
{
    if (!s->trace_path || !s->shadow) {
        return;
    }
    qemu_mutex_lock(&s->trace_lock);
    if (s->trace) {
        if (why) {
            fprintf(s->trace, "# %s\n", why);
        }
        fclose(s->trace);
        qatomic_set(&s->trace, NULL);
    }
    qemu_mutex_unlock(&s->trace_lock);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

static void vx_write_stats(VtdemuState *s)
{
    struct vtd_stats st;
    FILE *f;

    if (!s->stats_path || !s->unit) {
        return;
    }
    f = fopen(s->stats_path, "w");
    if (!f) {
        error_report("vtdemu-iommu: cannot write stats to %s: %s",
                     s->stats_path, strerror(errno));
        return;
    }
    vtd_get_stats(s->unit, &st);
    fprintf(f, "translations %" PRIu64 "\n", qatomic_read(&s->n_translations));
    fprintf(f, "translation_faults %" PRIu64 "\n",
            qatomic_read(&s->n_translation_faults));
    fprintf(f, "iotlb_hits %" PRIu64 "\n", st.iotlb_hits);
    fprintf(f, "iotlb_misses %" PRIu64 "\n", st.iotlb_misses);
    fprintf(f, "invalidations %" PRIu64 "\n", st.invalidations);
    fprintf(f, "interrupts_passthrough %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_PASSTHROUGH]));
    fprintf(f, "interrupts_remapped %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_REMAPPED]));
    fprintf(f, "interrupts_posted %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_POSTED]));
    fprintf(f, "interrupts_blocked %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_BLOCKED]));
    fprintf(f, "interrupts_undeliverable %" PRIu64 "\n",
            qatomic_read(&s->n_irq_undeliverable));
    fprintf(f, "faults_detected %" PRIu64 "\n", st.faults_detected);
    fprintf(f, "faults_recorded %" PRIu64 "\n", st.faults_recorded);
    fprintf(f, "faults_suppressed %" PRIu64 "\n", st.faults_suppressed);
    fprintf(f, "faults_collapsed %" PRIu64 "\n", st.faults_collapsed);
    fprintf(f, "faults_overflow %" PRIu64 "\n", st.faults_overflow);
    fprintf(f, "map_events %" PRIu64 "\n", qatomic_read(&s->n_map_events));
    fprintf(f, "unmap_events %" PRIu64 "\n",
            qatomic_read(&s->n_unmap_events));
    fclose(f);
}

static void vx_exit(Notifier *n, void *data)
{
    VtdemuState *s = container_of(n, VtdemuState, exit_notifier);

    vx_write_stats(s);
    vx_trace_close(s, NULL);
}

/*
 * CAP/ECAP: the profile, then the options as bits to set and clear, then
 * caching mode (VT-d 11.4.2, 11.4.3); the library composes them and refuses
 * a combination the spec forbids, naming the field (vtd.h, vtd_config).
 */
static bool vx_caps(VtdemuState *s, struct vtd_config *cfg, Error **errp)
{
    X86IOMMUState *x = X86_IOMMU_DEVICE(s);
    uint64_t cap, ecap;

    cfg->profile = s->profile ? s->profile : "qemu-7.2";
    if (vtd_profile_lookup(cfg->profile, &cap, &ecap) < 0) {
        const char *const *names = vtd_profile_names();
        g_autoptr(GString) known = g_string_new("");
        for (; names && *names; names++) {
            g_string_append_printf(known, "%s%s", known->len ? ", " : "",
                                   *names);
        }
        error_setg(errp, "vtdemu-iommu: unknown profile '%s' (known: %s)",
                   cfg->profile, known->str);
        return false;
    }
    if (s->caching_mode == ON_OFF_AUTO_ON) {
        cfg->caching_mode = VTD_CM_ON;
    } else if (s->caching_mode == ON_OFF_AUTO_OFF) {
        cfg->caching_mode = VTD_CM_OFF;
    }
    if (s->aw_bits) {
        uint64_t sagaw, val;
        switch (s->aw_bits) {
        case 39:
            sagaw = 0x2;
            break;
        case 48:
            sagaw = 0x6;
            break;
        case 57:
            sagaw = 0xe;
            break;
        default:
            error_setg(errp, "vtdemu-iommu: aw-bits=%u is not supported "
                       "(39, 48 or 57)", s->aw_bits);
            return false;
        }
        /* SAGAW: every level count up to aw-bits; MGAW = aw-bits - 1. */
        val = sagaw << VX_CAP_SAGAW_SHIFT |
              (uint64_t)(s->aw_bits - 1) << VX_CAP_MGAW_SHIFT;
        cfg->cap_set |= val;
        cfg->cap_clear |= (VX_CAP_SAGAW_MASK | VX_CAP_MGAW_MASK) & ~val;
    }
    if (s->scalable == ON_OFF_AUTO_ON) {
        /* As QEMU 7.2's x-scalable-mode: scalable-mode translation with
         * second-stage tables and supervisor requests. */
        cfg->ecap_set |= VX_ECAP_SMTS | VX_ECAP_SSTS | VX_ECAP_SRS;
    } else if (s->scalable == ON_OFF_AUTO_OFF) {
        cfg->ecap_clear |= (VX_ECAP_SMTS | VX_ECAP_PASID | VX_ECAP_PSS_MASK |
                            VX_ECAP_FSTS | VX_ECAP_SSTS | VX_ECAP_NEST |
                            VX_ECAP_SSADS | VX_ECAP_SMPWCS | VX_ECAP_RPS |
                            VX_ECAP_SRS) & ecap;
    }
    /* The common x86-iommu options. */
    if (!x86_iommu_ir_supported(x)) {
        /* Posted interrupts need interrupt remapping (CAP.PI, 11.4.2). */
        cfg->ecap_clear |= (VX_ECAP_IR | VX_ECAP_EIM) & ecap;
        cfg->cap_clear |= VX_CAP_PI & cap;
    }
    if (!x->pt_supported) {
        cfg->ecap_clear |= VX_ECAP_PT & ecap;
    }
    if (x->dt_supported) {
        cfg->ecap_set |= VX_ECAP_DT;
    }
    return true;
}

static void vx_realize(DeviceState *dev, Error **errp)
{
    VtdemuState *s = VTDEMU_IOMMU(dev);
    MachineState *ms = MACHINE(qdev_get_machine());
    PCMachineState *pcms = PC_MACHINE(ms);
    X86MachineState *x86ms = X86_MACHINE(ms);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION };
    struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION,
        .read = vx_host_read,
        .write = vx_host_write,
        .cmpxchg64 = vx_host_cmpxchg64,
        .msi_send = vx_host_msi_send,
        .log = vx_host_log,
        .map = vx_host_map,
    };
    char err[256] = "";
    int r;

    if (s->base & 0xfff) {
        error_setg(errp, "vtdemu-iommu: base 0x%" PRIx64 " is not 4 KiB "
                   "aligned", s->base);
        return;
    }
    if (!vx_caps(s, &cfg, errp)) {
        return;
    }
    if (s->trace_path) {
        ops.trace = vx_host_trace;
    }
    r = vtd_iommu_new(&cfg, &ops, s, &s->unit, err, sizeof(err));
    if (r < 0) {
        error_setg(errp, "vtdemu-iommu: %s", err[0] ? err : strerror(-r));
        return;
    }
    if (s->trace_path &&
        !vx_trace_open(s, vtd_iommu_cap(s->unit), vtd_iommu_ecap(s->unit),
                       errp)) {
        vtd_iommu_free(s->unit);
        s->unit = NULL;
        return;
    }

    memory_region_init_io(&s->mmio, OBJECT(s), &vx_mmio_ops, s,
                          "vtdemu-iommu", vtd_iommu_mmio_size(s->unit));
    sysbus_init_mmio(SYS_BUS_DEVICE(s), &s->mmio);
    sysbus_mmio_map(SYS_BUS_DEVICE(s), 0, s->base);

    s->spaces = g_hash_table_new(g_direct_hash, g_direct_equal);
    pci_setup_iommu(pcms->bus, vx_find_as, s);
    s->ioapic_space = vx_new_as(s, NULL, 0);
    x86ms->ioapic_as = &s->ioapic_space->as;

    s->exit_notifier.notify = vx_exit;
    qemu_add_exit_notifier(&s->exit_notifier);
}

static void vx_reset(DeviceState *dev)
{
    VtdemuState *s = VTDEMU_IOMMU(dev);

    if (s->unit) {
        /* The trace format has no reset: a capture covers one boot. */
        if (s->resets++ && vx_tracing(s)) {
            vx_trace_close(s, "machine reset: capture ends here");
        }
        vtd_iommu_reset(s->unit);
        vx_flush();
    }
}

static Property vx_properties[] = {
    DEFINE_PROP_STRING("profile", VtdemuState, profile),
    DEFINE_PROP_ON_OFF_AUTO("caching-mode", VtdemuState, caching_mode,
                            ON_OFF_AUTO_AUTO),
    DEFINE_PROP_UINT8("aw-bits", VtdemuState, aw_bits, 0),
    DEFINE_PROP_ON_OFF_AUTO("scalable", VtdemuState, scalable,
                            ON_OFF_AUTO_AUTO),
    DEFINE_PROP_STRING("trace", VtdemuState, trace_path),
    DEFINE_PROP_STRING("stats", VtdemuState, stats_path),
    DEFINE_PROP_UINT64("base", VtdemuState, base, 0xfed90000ULL),
    DEFINE_PROP_UINT16("ioapic-sid", VtdemuState, ioapic_sid, 0xff00),
    DEFINE_PROP_END_OF_LIST(),
};

/* The unit's state lives in the library, which has no migration format. */
static const VMStateDescription vx_vmstate = {
    .name = TYPE_VTDEMU_IOMMU,
    .unmigratable = 1,
};

static void vx_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    X86IOMMUClass *xc = X86_IOMMU_DEVICE_CLASS(klass);

    dc->reset = vx_reset;
    dc->vmsd = &vx_vmstate;
    device_class_set_props(dc, vx_properties);
    dc->hotpluggable = false;
    dc->user_creatable = true;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    dc->desc = "Intel VT-d remapping unit emulated by libvtdemu";
    xc->realize = vx_realize;
    xc->int_remap = vx_int_remap;
}

static void vx_mr_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = vx_translate;
    imrc->notify_flag_changed = vx_notify_flag_changed;
    imrc->replay = vx_replay;
}

static const TypeInfo vx_info = {
    .name = TYPE_VTDEMU_IOMMU,
    .parent = TYPE_X86_IOMMU_DEVICE,
    .instance_size = sizeof(VtdemuState),
    .class_init = vx_class_init,
};

static const TypeInfo vx_mr_info = {
    .name = TYPE_VTDEMU_IOMMU_MR,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .class_init = vx_mr_class_init,
};

static void vx_register_types(void)
{
    type_register_static(&vx_info);
    type_register_static(&vx_mr_info);
}

type_init(vx_register_types)
