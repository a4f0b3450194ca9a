/* SPDX-License-Identifier: MIT */
/*
 * pci/pci.c: PCI functions, requester-id rules through bridges (VT-d
 * 3.12), MSI and MSI-X capabilities producing interrupt messages.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "pci.h"

/* PCI Local Bus 3.0 6.8.2: up to 2048 MSI-X table entries. */
#define MSIX_MAX 2048u
/* Bridges nest at most this deep (256 buses). */
#define MAX_DEPTH 256u

struct msix_entry {
    uint64_t addr;
    uint32_t data;
    bool masked;
    bool pending;
};

struct pci_func {
    enum pci_kind kind;
    uint8_t bus, dev, fn, secondary;
    struct pci_func *parent;
    struct pci_host_ops ops;
    void *opaque;

    bool has_msi;
    bool msi_64, msi_pvm, msi_enabled;
    unsigned msi_mmc, msi_mme;
    uint64_t msi_addr;
    uint16_t msi_data;
    uint32_t msi_mask, msi_pending;

    unsigned msix_size;
    bool msix_enabled, msix_fmask;
    struct msix_entry *msix;
};

struct pci_func *pci_func_new(enum pci_kind kind, uint8_t bus, uint8_t dev,
                              uint8_t fn, uint8_t secondary)
{
    if (dev > 31 || fn > 7 || kind > PCI_KIND_PCI_TO_PCI)
        return NULL;
    struct pci_func *f = g_try_new0(struct pci_func, 1);
    if (!f)
        return NULL;
    f->kind = kind;
    f->bus = bus;
    f->dev = dev;
    f->fn = fn;
    f->secondary = secondary;
    return f;
}

void pci_func_free(struct pci_func *f)
{
    if (!f)
        return;
    g_free(f->msix);
    g_free(f);
}

int pci_func_set_parent(struct pci_func *f, struct pci_func *bridge)
{
    if (!f)
        return -EINVAL;
    if (bridge) {
        if (bridge->kind == PCI_KIND_ENDPOINT || bridge->secondary != f->bus)
            return -EINVAL;
        unsigned depth = 0;
        for (struct pci_func *b = bridge; b; b = b->parent)
            if (b == f || ++depth > MAX_DEPTH)
                return -EINVAL;
    }
    f->parent = bridge;
    return 0;
}

void pci_func_set_host(struct pci_func *f, const struct pci_host_ops *ops,
                       void *opaque)
{
    if (!f)
        return;
    if (ops)
        f->ops = *ops;
    else
        memset(&f->ops, 0, sizeof(f->ops));
    f->opaque = opaque;
}

uint16_t pci_func_sid(const struct pci_func *f)
{
    return f ? pci_bdf(f->bus, f->dev, f->fn) : 0;
}

uint16_t pci_requester_id(const struct pci_func *f)
{
    if (!f)
        return 0;
    uint16_t rid = pci_func_sid(f);
    unsigned depth = 0;
    /* Walk towards the root; the bridge closest to the root that rewrites
     * the id decides (Linux pci_for_each_dma_alias does the same). */
    for (const struct pci_func *b = f->parent; b && depth < MAX_DEPTH;
         b = b->parent, depth++) {
        if (b->kind == PCI_KIND_PCIE_TO_PCI)
            rid = pci_bdf(b->secondary, 0, 0);   /* VT-d 3.12.1 */
        else if (b->kind == PCI_KIND_PCI_TO_PCI)
            rid = pci_func_sid(b);               /* VT-d 3.12.2 */
    }
    return rid;
}

/* ------------------------------------------------------------------ */
/* MSI                                                                 */
/* ------------------------------------------------------------------ */

int pci_msi_init(struct pci_func *f, bool addr64, unsigned mmc, bool pvm)
{
    if (!f || mmc > 5)
        return -EINVAL;
    f->has_msi = true;
    f->msi_64 = addr64;
    f->msi_mmc = mmc;
    f->msi_pvm = pvm;
    f->msi_enabled = false;
    f->msi_mme = 0;
    f->msi_addr = 0;
    f->msi_data = 0;
    f->msi_mask = 0;
    f->msi_pending = 0;
    return 0;
}

int pci_msi_config(struct pci_func *f, uint64_t addr, uint16_t data,
                   unsigned mme, bool enable)
{
    if (!f || !f->has_msi || mme > f->msi_mmc || (addr & 3))
        return -EINVAL;
    if (!f->msi_64 && (addr >> 32))
        return -EINVAL; /* 32-bit capability has no upper address */
    f->msi_addr = addr;
    f->msi_data = data;
    f->msi_mme = mme;
    f->msi_enabled = enable;
    return 0;
}

static void send(struct pci_func *f, uint64_t addr, uint32_t data)
{
    if (f->ops.msi)
        f->ops.msi(f->opaque, pci_requester_id(f), addr, data);
}

int pci_msi_set_mask(struct pci_func *f, uint32_t mask)
{
    if (!f || !f->has_msi || !f->msi_pvm)
        return -EINVAL;
    f->msi_mask = mask;
    /* A pending vector that is now unmasked is sent (6.8.3.3). */
    uint32_t fire = f->msi_pending & ~mask;
    for (unsigned n = 0; n < 32 && f->msi_enabled; n++) {
        if (!(fire >> n & 1))
            continue;
        uint64_t a;
        uint32_t d;
        f->msi_pending &= ~(1u << n);
        if (pci_msi_message(f, n, &a, &d) == 0)
            send(f, a, d);
    }
    return 0;
}

uint32_t pci_msi_pending(const struct pci_func *f)
{
    return f ? f->msi_pending : 0;
}

int pci_msi_message(const struct pci_func *f, unsigned n, uint64_t *addr,
                    uint32_t *data)
{
    if (!f || !f->has_msi || !f->msi_enabled || n >= (1u << f->msi_mme))
        return -EINVAL;
    /* 6.8.1.6: with 2^MME vectors enabled the function modifies the low
     * MME bits of the message data; the upper 16 bits of the DWORD are
     * zero. */
    uint32_t low = (1u << f->msi_mme) - 1;
    *addr = f->msi_64 ? f->msi_addr : (f->msi_addr & 0xffffffffull);
    *data = (uint32_t)((f->msi_data & ~low) | n) & 0xffff;
    return 0;
}

/* ------------------------------------------------------------------ */
/* MSI-X                                                               */
/* ------------------------------------------------------------------ */

int pci_msix_init(struct pci_func *f, unsigned table_size)
{
    if (!f || table_size == 0 || table_size > MSIX_MAX)
        return -EINVAL;
    struct msix_entry *t = g_try_new0(struct msix_entry, table_size);
    if (!t)
        return -ENOMEM;
    for (unsigned i = 0; i < table_size; i++)
        t[i].masked = true; /* 6.8.2.9: vector control mask resets to 1 */
    g_free(f->msix);
    f->msix = t;
    f->msix_size = table_size;
    f->msix_enabled = false;
    f->msix_fmask = false;
    return 0;
}

static bool msix_masked(const struct pci_func *f, unsigned n)
{
    return f->msix_fmask || f->msix[n].masked;
}

static void msix_flush_pending(struct pci_func *f)
{
    if (!f->msix_enabled)
        return;
    for (unsigned n = 0; n < f->msix_size; n++) {
        if (f->msix[n].pending && !msix_masked(f, n)) {
            f->msix[n].pending = false;
            send(f, f->msix[n].addr, f->msix[n].data);
        }
    }
}

int pci_msix_set_entry(struct pci_func *f, unsigned n, uint64_t addr,
                       uint32_t data, bool masked)
{
    if (!f || n >= f->msix_size || (addr & 3))
        return -EINVAL;
    f->msix[n].addr = addr;
    f->msix[n].data = data;
    f->msix[n].masked = masked;
    msix_flush_pending(f);
    return 0;
}

int pci_msix_control(struct pci_func *f, bool enable, bool function_mask)
{
    if (!f || !f->msix_size)
        return -EINVAL;
    f->msix_enabled = enable;
    f->msix_fmask = function_mask;
    msix_flush_pending(f);
    return 0;
}

int pci_msix_message(const struct pci_func *f, unsigned n, uint64_t *addr,
                     uint32_t *data)
{
    if (!f || !f->msix_enabled || n >= f->msix_size)
        return -EINVAL;
    *addr = f->msix[n].addr;
    *data = f->msix[n].data;
    return 0;
}

bool pci_msix_pending(const struct pci_func *f, unsigned n)
{
    return f && n < f->msix_size && f->msix[n].pending;
}

/* ------------------------------------------------------------------ */
/* Interrupts and DMA                                                  */
/* ------------------------------------------------------------------ */

int pci_func_interrupt(struct pci_func *f, unsigned n)
{
    if (!f)
        return -EINVAL;
    uint64_t addr;
    uint32_t data;
    if (f->msix_size && f->msix_enabled) {
        if (n >= f->msix_size)
            return -EINVAL;
        if (msix_masked(f, n)) {
            f->msix[n].pending = true;
            return 0;
        }
        send(f, f->msix[n].addr, f->msix[n].data);
        return 1;
    }
    if (pci_msi_message(f, n, &addr, &data) < 0)
        return -EINVAL;
    if (f->msi_pvm && (f->msi_mask >> n & 1)) {
        f->msi_pending |= 1u << n;
        return 0;
    }
    send(f, addr, data);
    return 1;
}

int pci_func_dma(struct pci_func *f, uint64_t addr, void *buf, size_t len,
                 bool write)
{
    if (!f || (!buf && len))
        return -EINVAL;
    if (!f->ops.dma)
        return -ENODEV;
    return f->ops.dma(f->opaque, pci_requester_id(f), addr, buf, len, write);
}
