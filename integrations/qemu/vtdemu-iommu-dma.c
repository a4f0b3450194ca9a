/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdemu-iommu: deferred delivery, host operations for the library, per-requester
 * address spaces, translation and IOMMU notifiers
 * (vtdemu-iommu.c has the overview).
 */

#include "qemu/osdep.h"
#include "vtdemu-iommu.h"

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

void vx_queue_msi(uint64_t addr, uint32_t data)
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

void vx_flush(void)
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
            if (!p->as && p->addr >> 32) {
                /* A destination id above 255 (x2APIC, VT-d 9.10 IRTE
                 * DST[31:8]) has no place in a 32-bit MSI address: bits
                 * 31:8 ride in address bits 63:40, as QEMU's own remapping
                 * units hand them to the APIC bus (x86_iommu_irq_to_msi_
                 * message), and go to it directly, under the BQL. */
                MSIMessage msg = { .address = p->addr, .data = p->data };
                bool locked = !qemu_mutex_iothread_locked();

                if (locked) {
                    qemu_mutex_lock_iothread();
                }
                apic_get_class()->send_msi(&msg);
                if (locked) {
                    qemu_mutex_unlock_iothread();
                }
            } else if (!p->as) {
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

int vx_host_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    if (!vx_is_ram(gpa, len, false)) {
        return -EIO;
    }
    return address_space_read(&address_space_memory, gpa,
                              MEMTXATTRS_UNSPECIFIED, buf, len) == MEMTX_OK
        ? 0 : -EIO;
}

int vx_host_write(void *opaque, uint64_t gpa, const void *buf,
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

int vx_host_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
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

const void *vx_host_map(void *opaque, uint64_t gpa, size_t len)
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

void vx_host_msi_send(void *opaque, uint64_t addr, uint32_t data)
{
    vx_queue_msi(addr, data);
}

void vx_host_log(void *opaque, enum vtd_log_level level,
                 const char *msg)
{
    if (level <= VTD_LOG_WARN) {
        qemu_log_mask(LOG_GUEST_ERROR, "vtdemu-iommu: %s\n", msg);
    }
}

/* ------------------------------------------------------------------ */
/* Requesters                                                          */
/* ------------------------------------------------------------------ */

uint16_t vx_sid(const VtdemuAS *a)
{
    if (!a->bus) {
        return a->s->ioapic_sid;
    }
    return PCI_BUILD_BDF(pci_bus_num(a->bus), a->devfn);
}

IOMMUTLBEntry vx_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
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

int vx_notify_flag_changed(IOMMUMemoryRegion *iommu,
                           IOMMUNotifierFlag old_flags,
                           IOMMUNotifierFlag new_flags, Error **errp)
{
    VtdemuAS *a = container_of(iommu, VtdemuAS, iommu);
    VtdemuState *s = a->s;

    /* Without caching mode a guest need not invalidate after making an
     * entry present (VT-d 6.1), so MAP events would be missed. */
    if ((new_flags & IOMMU_NOTIFIER_MAP) &&
        !(vtd_iommu_cap(s->unit) & VTD_CAP_CM_MASK)) {
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

void vx_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n)
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

VtdemuAS *vx_new_as(VtdemuState *s, PCIBus *bus, int devfn)
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
    memory_region_add_subregion_overlap(&a->root, VTD_INTR_ADDR_LO, &a->msi,
                                        1);
    address_space_init(&a->as, &a->root, name);
    return a;
}

AddressSpace *vx_find_as(PCIBus *bus, void *opaque, int devfn)
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
