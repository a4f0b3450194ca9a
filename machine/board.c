/* SPDX-License-Identifier: MIT */
/* machine/board.c: the chipset around the units (see board.h). */
#include "machine/board.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include <vtd/layout.h>

#include "apic/apic.h"
#include "mem/guestmem.h"
#include "pci/devtlb.h"
#include "pci/pci.h"
#include "pci/prdev.h"

struct board_unit {
    struct board *b;
    unsigned idx;
    struct vtd_iommu *u;
    uint64_t base, size;
    bool scope_all;
    struct board_scope *scope;
    size_t nscope;
};

/* An ATS endpoint of the device list (board.h). */
struct board_atsdev {
    struct board *b;
    uint16_t sid;
    struct devtlb *tlb;     /* NULL: no device-TLB */
    bool auto_respond;
    GArray *held;           /* struct held_inv: requests not answered */
    struct pci_prdev *pr;   /* NULL: no PRI device (yet) */
};

struct held_inv {
    unsigned unit;
    struct vtd_devtlb_inv inv;
};

struct board_ioapic {
    struct board *b;
    uint64_t base;
    struct ioapic *io;
};

struct board {
    struct board_observer obs;
    struct guestmem *mem;
    GPtrArray *units;       /* struct board_unit *, stable addresses */
    GArray *routes;         /* struct board_unit_desc per unit, for
                             * board_route(); scope owned by the unit */
    GPtrArray *ioapics;     /* struct board_ioapic * */
    struct apic_sys *apics; /* NULL without CPUs */
    GPtrArray *atsdevs;     /* struct board_atsdev *: the device list */
    bool ats_policy;        /* board_set_ats_policy() was called */
    GArray *ats_ranges;     /* struct board_ats_range */
};

/* IOAPIC register window (82093AA: IOREGSEL, IOWIN and reserved). */
#define IOAPIC_WINDOW 0x100u

static void le64(uint8_t b[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void wrote(struct board *b, uint64_t gpa, const void *buf, size_t len)
{
    if (b->obs.mem_wrote)
        b->obs.mem_wrote(b->obs.ctx, gpa, buf, len);
}

/* ------------------------------------------------------------------ */
/* Host operations given to every unit                                 */
/* ------------------------------------------------------------------ */

/* Host-failure injection (board.h): the injector of this thread. */
static _Thread_local board_inject_fn inject_fn;
static _Thread_local void *inject_ctx;

void board_set_inject(board_inject_fn fn, void *ctx)
{
    inject_fn = fn;
    inject_ctx = ctx;
}

static bool inject_sid(const struct board_unit *bu, enum board_host_op op,
                       uint16_t sid)
{
    return inject_fn && inject_fn(inject_ctx, bu->idx, op, sid);
}

static bool inject(const struct board_unit *bu, enum board_host_op op)
{
    return inject_sid(bu, op, 0);
}

static int unit_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct board_unit *bu = opaque;
    if (inject(bu, BOARD_OP_READ))
        return -EIO;
    return guestmem_read(bu->b->mem, gpa, buf, len);
}

static int unit_write(void *opaque, uint64_t gpa, const void *buf,
                      size_t len)
{
    struct board_unit *bu = opaque;
    if (inject(bu, BOARD_OP_WRITE))
        return -EIO;
    int rc = guestmem_write(bu->b->mem, gpa, buf, len);
    if (rc == 0)
        wrote(bu->b, gpa, buf, len);
    return rc;
}

static int unit_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
                          uint64_t desired)
{
    struct board_unit *bu = opaque;
    if (inject(bu, BOARD_OP_CMPXCHG))
        return -EIO;
    int rc = guestmem_cmpxchg64(bu->b->mem, gpa, expected, desired);
    if (rc == 0) {
        uint8_t v[8];
        le64(v, desired);
        wrote(bu->b, gpa, v, 8);
    }
    return rc;
}

static void unit_trace(void *opaque, const struct vtd_event *ev)
{
    struct board_unit *bu = opaque;
    if (bu->b->obs.event)
        bu->b->obs.event(bu->b->obs.ctx, bu->idx, ev);
}

/* The unit's own interrupts (fault and invalidation events, VT-d 7.3,
 * 6.5.2.10) are compatibility-format MSIs: they reach the CPUs directly,
 * not through remapping. */
static struct board_atsdev *atsdev_find(const struct board *b, uint16_t sid)
{
    for (guint i = 0; i < b->atsdevs->len; i++) {
        struct board_atsdev *d = g_ptr_array_index(b->atsdevs, i);
        if (d->sid == sid)
            return d;
    }
    return NULL;
}

/* VT-d 4.3: the Invalidate Request travels to the endpoint, which holds
 * it until it answers (called with the unit's lock held: record only). */
static int unit_devtlb_inval(void *opaque, const struct vtd_devtlb_inv *inv)
{
    struct board_unit *bu = opaque;
    /* An injected failure: the request is lost on the way (vtd.h: any
     * error but -ENODEV means no answer will come; the unit reports the
     * time-out, VT-d 6.5.2.11). */
    if (inject_sid(bu, BOARD_OP_DEVTLB, inv->sid))
        return -EIO;
    struct board_atsdev *d = atsdev_find(bu->b, inv->sid);
    if (!d || !d->tlb)
        return -ENODEV;   /* no device-TLB behind this SID */
    struct held_inv h = { .unit = bu->idx, .inv = *inv };
    g_array_append_val(d->held, h);
    return 0;
}

static void unit_msi(void *opaque, uint64_t addr, uint32_t data)
{
    struct board_unit *bu = opaque;
    struct board *b = bu->b;
    if (inject(bu, BOARD_OP_MSI))
        return; /* the host lost the message */
    if (b->apics) {
        struct apic_msg m;
        apic_msg_from_msi(&m, addr, data);
        (void)apic_deliver(b->apics, &m);
    }
    if (b->obs.unit_msi)
        b->obs.unit_msi(b->obs.ctx, addr, data);
}

/* Page group responses (VT-d 7.6.1) travel to the device: the observer
 * (replay, a device model) takes them. */
static void unit_page_resp(void *opaque, const struct vtd_page_resp *r)
{
    struct board_unit *bu = opaque;
    /* An injected failure: the message is lost on the way; neither the
     * device nor the observer sees it (the unit cannot tell: the call
     * has no result, and the spec gives the unit no completion for a
     * posted message, 7.6.1, 7.8). */
    if (inject_sid(bu, BOARD_OP_PAGE_RESP, r->rid))
        return;
    struct board_atsdev *d = atsdev_find(bu->b, r->rid);
    if (d && d->pr)
        pci_prdev_page_response(d->pr, r);   /* records only */
    if (bu->b->obs.page_response)
        bu->b->obs.page_response(bu->b->obs.ctx, bu->idx, r);
}

/* ------------------------------------------------------------------ */
/* Memory for the CPUs' posted-interrupt processing                    */
/* ------------------------------------------------------------------ */

/* PIR harvest and ON clear: the observer sees what the CPU read and
 * wrote (a recorder describes the reads and learns the writes). */
static int cpu_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct board *b = opaque;
    int rc = guestmem_read(b->mem, gpa, buf, len);
    if (rc == 0 && b->obs.cpu_read)
        b->obs.cpu_read(b->obs.ctx, gpa, buf, len);
    return rc;
}

static int cpu_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    struct board *b = opaque;
    int rc = guestmem_write(b->mem, gpa, buf, len);
    if (rc == 0)
        wrote(b, gpa, buf, len);
    return rc;
}

static int cpu_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
                         uint64_t desired)
{
    struct board *b = opaque;
    uint64_t was = *expected;
    int rc = guestmem_cmpxchg64(b->mem, gpa, expected, desired);
    if (rc == 0) {
        /* What the CPU read, then (when it matched) what it wrote. */
        uint8_t v[8];
        le64(v, *expected);
        if (b->obs.cpu_read)
            b->obs.cpu_read(b->obs.ctx, gpa, v, 8);
        if (*expected == was) {
            le64(v, desired);
            wrote(b, gpa, v, 8);
        }
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Life                                                                */
/* ------------------------------------------------------------------ */

static void unit_free(gpointer p)
{
    struct board_unit *bu = p;
    vtd_iommu_free(bu->u);
    g_free(bu->scope);
    g_free(bu);
}

static void atsdev_free(gpointer p)
{
    struct board_atsdev *d = p;
    devtlb_free(d->tlb);
    pci_prdev_free(d->pr);
    g_array_free(d->held, TRUE);
    g_free(d);
}

static void ioapic_rt_free(gpointer p)
{
    struct board_ioapic *bi = p;
    ioapic_free(bi->io);
    g_free(bi);
}

struct board *board_new(const struct board_observer *obs)
{
    struct board *b = g_new0(struct board, 1);
    if (obs)
        b->obs = *obs;
    b->mem = guestmem_new();
    b->units = g_ptr_array_new_with_free_func(unit_free);
    b->routes = g_array_new(FALSE, FALSE, sizeof(struct board_unit_desc));
    b->ioapics = g_ptr_array_new_with_free_func(ioapic_rt_free);
    b->ats_ranges = g_array_new(FALSE, FALSE, sizeof(struct board_ats_range));
    b->atsdevs = g_ptr_array_new_with_free_func(atsdev_free);
    return b;
}

void board_free(struct board *b)
{
    if (!b)
        return;
    /* IOAPICs and CPUs first (as the replay engine always did), then the
     * units, then memory. */
    g_ptr_array_free(b->ioapics, TRUE);
    apic_sys_free(b->apics);
    g_ptr_array_free(b->atsdevs, TRUE);
    g_ptr_array_free(b->units, TRUE);
    g_array_free(b->routes, TRUE);
    g_array_free(b->ats_ranges, TRUE);
    guestmem_free(b->mem);
    g_free(b);
}

struct guestmem *board_mem(struct board *b)
{
    return b->mem;
}

int board_add_ram(struct board *b, uint64_t base, uint64_t size)
{
    return guestmem_add_ram(b->mem, base, size) < 0 ? -EINVAL : 0;
}

int board_add_unit(struct board *b, const struct board_unit_desc *d,
                   const struct vtd_config *cfg, bool events, char *why,
                   size_t whylen, size_t *clash)
{
    if (!d || !cfg || (d->nscope && !d->scope))
        return -EINVAL;
    struct board_unit *bu = g_new0(struct board_unit, 1);
    bu->b = b;
    bu->idx = b->units->len;
    bu->base = d->base;
    bu->scope_all = d->scope_all;
    bu->nscope = d->nscope;
    if (d->nscope) {
        bu->scope = g_new(struct board_scope, d->nscope);
        memcpy(bu->scope, d->scope, d->nscope * sizeof(*d->scope));
    }
    struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = unit_read,
        .write = unit_write, .cmpxchg64 = unit_cmpxchg64,
        .msi_send = unit_msi, .trace = events ? unit_trace : NULL,
        .devtlb_inval = unit_devtlb_inval,
        .page_response = unit_page_resp,
    };
    int rc = vtd_iommu_new(cfg, &ops, bu, &bu->u, why, whylen);
    if (rc < 0) {
        g_free(bu->scope);
        g_free(bu);
        return rc;
    }
    bu->size = vtd_iommu_mmio_size(bu->u);
    g_ptr_array_add(b->units, bu);
    struct board_unit_desc route = { .base = bu->base,
                                     .scope_all = bu->scope_all,
                                     .scope = bu->scope,
                                     .nscope = bu->nscope };
    g_array_append_val(b->routes, route);
    for (unsigned k = 0; k < bu->idx; k++) {
        const struct board_unit *o = g_ptr_array_index(b->units, k);
        if (bu->base < o->base + o->size && o->base < bu->base + bu->size) {
            if (clash)
                *clash = k;
            return -EEXIST;
        }
    }
    return (int)bu->idx;
}

size_t board_nunits(const struct board *b)
{
    return b->units->len;
}

static struct board_unit *unit_at(const struct board *b, size_t i)
{
    return i < b->units->len ? g_ptr_array_index(b->units, i) : NULL;
}

struct vtd_iommu *board_unit(const struct board *b, size_t i)
{
    struct board_unit *bu = unit_at(b, i);
    return bu ? bu->u : NULL;
}

uint64_t board_unit_size(const struct board *b, size_t i)
{
    struct board_unit *bu = unit_at(b, i);
    return bu ? bu->size : 0;
}

/* EOI broadcast (SDM 11.8.5): every IOAPIC sees a level-triggered EOI. */
static void eoi_broadcast(void *opaque, uint8_t vector)
{
    struct board *b = opaque;
    for (size_t i = 0; i < b->ioapics->len; i++)
        ioapic_eoi(((struct board_ioapic *)
                    g_ptr_array_index(b->ioapics, i))->io, vector);
}

int board_add_cpus(struct board *b, const struct board_cpu_desc *cpus,
                   size_t n)
{
    if (b->apics || !n || !cpus)
        return -EINVAL;
    struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = cpu_read,
        .write = cpu_write, .cmpxchg64 = cpu_cmpxchg64,
    };
    b->apics = apic_sys_new((unsigned)n, &ops, b);
    if (!b->apics)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct board_cpu_desc *c = &cpus[i];
        (void)apic_set_id(b->apics, (unsigned)i, c->apic_id);
        (void)apic_set_x2apic(b->apics, (unsigned)i, c->x2apic);
        (void)apic_set_tpr(b->apics, (unsigned)i, c->tpr);
        if (!c->x2apic)
            (void)apic_set_logical(b->apics, (unsigned)i, c->ldr,
                                   c->cluster);
    }
    apic_set_eoi_hook(b->apics, eoi_broadcast, b);
    return 0;
}

struct apic_sys *board_apics(struct board *b)
{
    return b->apics;
}

/* ------------------------------------------------------------------ */
/* Routing and delivery                                                */
/* ------------------------------------------------------------------ */

int board_unit_by_addr(const struct board *b, uint64_t addr, uint64_t *off)
{
    for (size_t i = 0; i < b->units->len; i++) {
        const struct board_unit *bu = g_ptr_array_index(b->units, i);
        if (addr >= bu->base && addr - bu->base < bu->size) {
            *off = addr - bu->base;
            return (int)i;
        }
    }
    return -1;
}

struct ioapic *board_ioapic_by_addr(const struct board *b, uint64_t addr,
                                    uint64_t *off)
{
    for (size_t i = 0; i < b->ioapics->len; i++) {
        const struct board_ioapic *bi = g_ptr_array_index(b->ioapics, i);
        if (addr >= bi->base && addr - bi->base < IOAPIC_WINDOW) {
            *off = addr - bi->base;
            return bi->io;
        }
    }
    return NULL;
}

/* VT-d 8.3 (board_route in board.h). */
int board_unit_by_sid(const struct board *b, bool sid_valid, uint16_t sid)
{
    return board_route((const struct board_unit_desc *)(void *)b->routes->data,
                       b->routes->len, sid_valid, sid);
}

int board_deliver(struct board *b, const struct vtd_irq *out)
{
    if (!b->apics)
        return 0;
    int n = apic_deliver_vtd(b->apics, out);
    if (b->obs.delivered)
        b->obs.delivered(b->obs.ctx, out, n);
    return n < 0 ? 0 : n;
}

/* A DWORD write to 0xFEExxxxx from sid: remapped by the unit whose scope
 * holds sid (VT-d 5.1.5.1), or a compatibility MSI straight to the CPUs
 * when no unit covers it. */
static void message(struct board *b, uint16_t sid, uint64_t addr,
                    uint32_t data)
{
    int ui = board_unit_by_sid(b, true, sid);
    if (ui < 0) {
        if (b->apics) {
            struct apic_msg m;
            apic_msg_from_msi(&m, addr, data);
            (void)apic_deliver(b->apics, &m);
        }
        return;
    }
    struct vtd_msi_req req = { .sid = sid, .sid_valid = true, .addr = addr,
                               .data = data };
    struct vtd_irq out;
    memset(&out, 0, sizeof(out));
    if (vtd_interrupt(board_unit(b, (size_t)ui), &req, &out) == 0)
        (void)board_deliver(b, &out);
}

static void ioapic_send(void *opaque, uint16_t sid, uint64_t addr,
                        uint32_t data)
{
    struct board_ioapic *bi = opaque;
    message(bi->b, sid, addr, data);
}

int board_add_ioapic(struct board *b, uint64_t base, uint8_t id,
                     uint16_t sid)
{
    struct board_ioapic *bi = g_new0(struct board_ioapic, 1);
    bi->b = b;
    bi->base = base;
    bi->io = ioapic_new(id, sid, ioapic_send, bi);
    if (!bi->io) {
        g_free(bi);
        return -ENOMEM;
    }
    g_ptr_array_add(b->ioapics, bi);
    return (int)b->ioapics->len - 1;
}

size_t board_nioapics(const struct board *b)
{
    return b->ioapics->len;
}

struct ioapic *board_ioapic(const struct board *b, size_t i)
{
    return i < b->ioapics->len
               ? ((struct board_ioapic *)g_ptr_array_index(b->ioapics, i))->io
               : NULL;
}

/* ------------------------------------------------------------------ */
/* PCI functions                                                       */
/* ------------------------------------------------------------------ */

/* VT-d 3.15 "Handling Requests to Interrupt Address Range": a request
 * without PASID to FEEx_xxxxh is not DMA.  "Single-DWORD length write
 * requests without PASID to this range are treated as interrupt requests
 * and are not subjected to DMA remapping (even if translation structures
 * specify a mapping for this range)": it goes to message() (interrupt
 * remapping, 5.1).  "Zero-length-read requests without PASID to this
 * range bypass remapping hardware and complete successfully."  Reads that
 * are not ZLR, atomics and non-DWORD writes "are illegal requests.  They
 * are blocked and reported as DMA Remapping faults": blocked here
 * (-EFAULT, no memory touched).  Table 30 has no row (no fault reason) for
 * an input address in the range, and the board cannot record a fault in
 * a unit, so no fault record is written for them (docs/spec-notes.md).
 * Without a covering unit the platform still decodes FEEx_xxxxh as the
 * interrupt range (compatibility-format MSI, 5.1.2.1; message() sends it
 * to the CPUs), and the other requests there find no memory: blocked the
 * same way.  Requests with PASID are translated normally (3.15), so the
 * callers ask only for requests without PASID.
 * Returns 1 when the request was such a request (*rc is its result), 0
 * when it is ordinary DMA. */
static int intr_range_req(struct board *b, uint16_t rid, uint64_t addr,
                          const void *buf, size_t len, bool write, int *rc)
{
    if (!vtd_intr_addr(addr))
        return 0;
    *rc = 0;
    if (len == 0)
        return 1;                                   /* ZLR: completes */
    if (write && len == 4 && (addr & 3) == 0) {
        const uint8_t *v = buf;
        message(b, rid, addr, (uint32_t)v[0] | (uint32_t)v[1] << 8 |
                              (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24);
        return 1;
    }
    *rc = -EFAULT;
    return 1;
}

/* Untranslated DMA without PASID with the requester id at the root
 * complex, page by page (a request must not cross 4 KiB, VT-d 3.13):
 * through the covering unit, or straight to RAM when no unit covers it;
 * each page-sized request to the interrupt range as 3.15 says
 * (intr_range_req). */
static int pci_dma(void *opaque, uint16_t rid, uint64_t addr, void *buf,
                   size_t len, bool write)
{
    struct board *b = opaque;
    int ui = board_unit_by_sid(b, true, rid);
    uint8_t *p = buf;
    int irc = 0;
    while (len) {
        size_t n = (size_t)(VTD_PAGE_4K - (addr & ~VTD_PAGE_MASK));
        if (n > len)
            n = len;
        if (intr_range_req(b, rid, addr, p, n, write, &irc)) {
            if (irc < 0)
                return irc;
            addr += n;
            p += n;
            len -= n;
            continue;
        }
        uint64_t gpa = addr;
        if (ui >= 0) {
            struct vtd_dma_req req = {
                .sid = rid, .pasid = VTD_NO_PASID, .iova = addr,
                .size = (uint32_t)n,
                .access = write ? VTD_ACC_WRITE : VTD_ACC_READ,
                .at = VTD_AT_UNTRANSLATED,
            };
            struct vtd_xlate x;
            int rc = vtd_translate(board_unit(b, (size_t)ui), &req, &x);
            if (rc < 0)
                return rc;
            if (x.fault)
                return -EFAULT;
            gpa = x.addr;
        }
        int rc = write ? guestmem_write(b->mem, gpa, p, n)
                       : guestmem_read(b->mem, gpa, p, n);
        if (rc < 0)
            return -EFAULT;
        if (write)
            wrote(b, gpa, p, n);
        addr += n;
        p += n;
        len -= n;
    }
    return 0;
}

static void pci_msi(void *opaque, uint16_t rid, uint64_t addr, uint32_t data)
{
    message(opaque, rid, addr, data);
}

static const struct pci_host_ops board_pci_ops = {
    .dma = pci_dma,
    .msi = pci_msi,
};

void board_attach_pci(struct board *b, struct pci_func *f)
{
    pci_func_set_host(f, &board_pci_ops, b);
}

/* ------------------------------------------------------------------ */
/* ATS permission (VT-d 8.5)                                           */
/* ------------------------------------------------------------------ */

int board_set_ats_policy(struct board *b, const struct board_ats_range *r,
                         size_t n)
{
    if (!b || (n && !r))
        return -EINVAL;
    g_array_set_size(b->ats_ranges, 0);
    if (n)
        g_array_append_vals(b->ats_ranges, r, (guint)n);
    b->ats_policy = true;
    return 0;
}

int board_ats_allowed(const struct board *b, uint16_t sid, int32_t *port)
{
    if (port)
        *port = -1;
    if (!b->ats_policy)
        return 1;
    for (guint i = 0; i < b->ats_ranges->len; i++) {
        const struct board_ats_range *r =
            &g_array_index(b->ats_ranges, struct board_ats_range, i);
        if (sid >= r->first && sid <= r->last) {
            if (port)
                *port = r->port;
            return r->allowed ? 1 : 0;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* ATS endpoints: the device list                                      */
/* ------------------------------------------------------------------ */

static struct board_atsdev *atsdev_get(struct board *b, uint16_t sid)
{
    struct board_atsdev *d = atsdev_find(b, sid);
    if (d)
        return d;
    if (b->atsdevs->len >= BOARD_MAX_ATSDEVS)
        return NULL;
    d = g_new0(struct board_atsdev, 1);
    d->b = b;
    d->sid = sid;
    d->held = g_array_new(FALSE, FALSE, sizeof(struct held_inv));
    g_ptr_array_add(b->atsdevs, d);
    return d;
}

int board_add_devtlb(struct board *b, uint16_t sid,
                     const struct devtlb_cap *cap, unsigned entries,
                     bool auto_respond)
{
    if (!b || !cap)
        return -EINVAL;
    struct devtlb *t = devtlb_new(sid, cap, entries);
    if (!t)
        return -EINVAL;
    struct board_atsdev *d = atsdev_get(b, sid);
    if (!d) {
        devtlb_free(t);
        return -ENOSPC;
    }
    devtlb_free(d->tlb);
    d->tlb = t;
    d->auto_respond = auto_respond;
    return 0;
}

struct devtlb *board_devtlb(const struct board *b, uint16_t sid)
{
    struct board_atsdev *d = atsdev_find(b, sid);
    return d ? d->tlb : NULL;
}

unsigned board_devtlb_held(const struct board *b, uint16_t sid)
{
    struct board_atsdev *d = atsdev_find(b, sid);
    return d ? d->held->len : 0;
}

unsigned board_devtlb_take(struct board *b, uint16_t sid, uint32_t itags)
{
    struct board_atsdev *d = atsdev_find(b, sid);
    unsigned n = 0;
    for (guint i = 0; d && i < d->held->len;) {
        struct held_inv *h = &g_array_index(d->held, struct held_inv, i);
        if (h->inv.itag < 32 && (itags & (1u << h->inv.itag))) {
            if (d->tlb)
                devtlb_invalidate(d->tlb, &h->inv);
            g_array_remove_index(d->held, i);
            n++;
        } else {
            i++;
        }
    }
    return n;
}

int board_ats_pump(struct board *b)
{
    for (unsigned rounds = 0; rounds < 1000000; rounds++) {
        bool any = false;
        for (guint i = 0; i < b->atsdevs->len; i++) {
            struct board_atsdev *d = g_ptr_array_index(b->atsdevs, i);
            if (!d->auto_respond || d->held->len == 0)
                continue;
            struct held_inv h = g_array_index(d->held, struct held_inv, 0);
            g_array_remove_index(d->held, 0);
            if (d->tlb)
                devtlb_invalidate(d->tlb, &h.inv);
            struct vtd_iommu *u = board_unit(b, h.unit);
            int rc = u ? vtd_ats_inval_complete(u, d->sid, 1u << h.inv.itag,
                                                1, NULL)
                       : 0;
            if (rc < 0)
                return rc;
            any = true;
        }
        if (!any)
            return 0;
    }
    return -ELOOP;
}

/* The PRI device's upstream transactions (pci/prdev.h ops). */
static struct vtd_iommu *prdev_unit(struct board *b, uint16_t rid)
{
    int ui = board_unit_by_sid(b, true, rid);
    return ui < 0 ? NULL : board_unit(b, (size_t)ui);
}

static int prdev_translate(void *o, const struct vtd_ats_req *req,
                           struct vtd_ats_cpl *cpl)
{
    struct board_atsdev *d = o;
    struct vtd_iommu *u = prdev_unit(d->b, req->sid);
    if (!u)
        return -ENODEV;
    /* VT-d 8.5 (board_ats_allowed): refused at the root complex. */
    if (board_ats_allowed(d->b, req->sid, NULL) == 0) {
        memset(cpl, 0, sizeof(*cpl));
        cpl->status = VTD_ATS_UR;
        return 0;
    }
    return vtd_ats_translate(u, req, cpl);
}

static int prdev_page_request(void *o, const struct vtd_page_req *req)
{
    struct board_atsdev *d = o;
    struct vtd_iommu *u = prdev_unit(d->b, req->sid);
    if (!u)
        return -ENODEV;
    struct vtd_page_req_result res;
    return vtd_page_request(u, req, &res);
}

static int prdev_dma(void *o, uint16_t rid, uint32_t pasid, uint64_t addr,
                     void *buf, size_t len, bool write, bool translated)
{
    struct board_atsdev *d = o;
    struct board *b = d->b;
    struct vtd_iommu *u = prdev_unit(b, rid);
    if (!u)
        return -ENODEV;
    /* An untranslated request without PASID to FEEx_xxxxh (a DWORD write
     * after a U=1 completion, Table 30 S.1) is not DMA (VT-d 3.15,
     * 5.1.5.1): intr_range_req. */
    int irc = 0;
    if (!translated && pasid == VTD_NO_PASID &&
        intr_range_req(b, rid, addr, buf, len, write, &irc))
        return irc;
    struct vtd_dma_req r = {
        .sid = rid, .pasid = pasid, .iova = addr, .size = (uint32_t)len,
        .at = translated ? VTD_AT_TRANSLATED : VTD_AT_UNTRANSLATED,
        .access = write ? VTD_ACC_WRITE : VTD_ACC_READ,
    };
    struct vtd_xlate x;
    int rc = vtd_translate(u, &r, &x);
    if (rc < 0)
        return rc;
    if (x.fault)
        return -EFAULT;
    if (write) {
        if (guestmem_write(b->mem, x.addr, buf, len) < 0)
            return -EFAULT;
        wrote(b, x.addr, buf, len);
        return 0;
    }
    if (guestmem_read(b->mem, x.addr, buf, len) < 0)
        return -EFAULT;
    if (b->obs.dma_read)
        b->obs.dma_read(b->obs.ctx, x.addr, buf, len);
    return 0;
}

static const struct pci_prdev_ops board_prdev_ops = {
    .translate = prdev_translate, .page_request = prdev_page_request,
    .dma = prdev_dma,
};

struct pci_prdev *board_prdev(struct board *b, uint16_t sid)
{
    if (board_unit_by_sid(b, true, sid) < 0)
        return NULL;
    struct board_atsdev *d = atsdev_get(b, sid);
    if (!d)
        return NULL;
    if (!d->pr)
        d->pr = pci_prdev_new(sid, &board_prdev_ops, d);
    return d->pr;
}
