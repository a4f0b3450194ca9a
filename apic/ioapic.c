/* SPDX-License-Identifier: MIT */
/*
 * apic/ioapic.c: an I/O APIC (82093AA register model, version 0x20 with
 * the EOI register) with 24 redirection entries in compatibility or
 * remappable format (VT-d 5.1.5.1), sending MSIs with its source-id.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "apic.h"
#include <vtd/layout.h>

struct ioapic {
    GMutex lock;
    uint8_t id;
    uint16_t sid;
    uint32_t regsel;
    uint64_t rte[IOAPIC_PINS];
    bool line[IOAPIC_PINS];
    ioapic_send_fn send;
    void *opaque;
};

/* Messages are collected under the lock and sent after dropping it. */
struct pending {
    unsigned n;
    uint64_t addr[IOAPIC_PINS];
    uint32_t data[IOAPIC_PINS];
};

void ioapic_rte_msi(uint64_t rte, uint64_t *addr, uint32_t *data)
{
    uint32_t vector = rte & IOAPIC_RTE_VECTOR;
    uint32_t dlm = (rte >> IOAPIC_RTE_DLM_SHIFT) & 7;
    bool level = rte & IOAPIC_RTE_LEVEL;
    /* Data: vector 7:0, delivery mode 10:8, level asserted (bit 14),
     * trigger mode bit 15. */
    *data = vector | dlm << VTD_MSI_DATA_DLM_SHIFT |
            (uint32_t)VTD_MSI_DATA_TML_MASK |
            (level ? (uint32_t)VTD_MSI_DATA_TM_MASK : 0);
    if (rte & IOAPIC_RTE_FORMAT) {
        /* VT-d 5.1.5.1: interrupt_index[14:0] in RTE 63:49 and [15] in
         * bit 11 become address 19:5 and bit 2; bit 4 = remappable
         * format; SHV (bit 3) stays clear. */
        uint64_t idx = (rte >> IOAPIC_RTE_INDEX_SHIFT) & 0x7fff;
        uint64_t idx15 = (rte >> 11) & 1;
        *addr = VTD_MSI_ADDR_BASE | idx << VTD_MSI_ADDR_HANDLE_LO_SHIFT |
                VTD_MSI_ADDR_IF_MASK | idx15 << VTD_MSI_ADDR_HANDLE_HI_SHIFT;
    } else {
        /* Compatibility: destination 63:56 -> address 19:12, destination
         * mode bit 11 -> address bit 2. */
        uint64_t dest = (rte >> IOAPIC_RTE_DEST_SHIFT) & 0xff;
        uint64_t dm = (rte >> 11) & 1;
        *addr = VTD_MSI_ADDR_BASE | dest << VTD_MSI_ADDR_DEST_SHIFT |
                dm << VTD_MSI_ADDR_DM_SHIFT;
    }
}

struct ioapic *ioapic_new(uint8_t id, uint16_t sid, ioapic_send_fn send,
                          void *opaque)
{
    struct ioapic *io = g_try_new0(struct ioapic, 1);
    if (!io)
        return NULL;
    g_mutex_init(&io->lock);
    io->id = id;
    io->sid = sid;
    io->send = send;
    io->opaque = opaque;
    ioapic_reset(io);
    return io;
}

void ioapic_free(struct ioapic *io)
{
    if (!io)
        return;
    g_mutex_clear(&io->lock);
    g_free(io);
}

void ioapic_reset(struct ioapic *io)
{
    if (!io)
        return;
    g_mutex_lock(&io->lock);
    io->regsel = 0;
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        io->rte[i] = IOAPIC_RTE_MASK;
        io->line[i] = false;
    }
    g_mutex_unlock(&io->lock);
}

static void flush(struct ioapic *io, struct pending *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (io->send)
            io->send(io->opaque, io->sid, p->addr[i], p->data[i]);
}

static void queue(struct ioapic *io, unsigned pin, struct pending *p)
{
    ioapic_rte_msi(io->rte[pin], &p->addr[p->n], &p->data[p->n]);
    p->n++;
}

/* Level-triggered service: an asserted, unmasked line without remote IRR
 * sends and sets remote IRR (cleared by the EOI broadcast). */
static void service_level(struct ioapic *io, unsigned pin, struct pending *p)
{
    uint64_t r = io->rte[pin];
    if (!(r & IOAPIC_RTE_LEVEL) || !io->line[pin] || (r & IOAPIC_RTE_MASK) ||
        (r & IOAPIC_RTE_REMOTE_IRR))
        return;
    io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
    queue(io, pin, p);
}

int ioapic_get_rte(struct ioapic *io, unsigned pin, uint64_t *rte)
{
    if (!io || pin >= IOAPIC_PINS || !rte)
        return -EINVAL;
    g_mutex_lock(&io->lock);
    *rte = io->rte[pin];
    g_mutex_unlock(&io->lock);
    return 0;
}

static void set_rte_locked(struct ioapic *io, unsigned pin, uint64_t rte,
                           struct pending *p)
{
    uint64_t ro = IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR;
    io->rte[pin] = (rte & ~ro) | (io->rte[pin] & ro);
    if (!(rte & IOAPIC_RTE_LEVEL))
        io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR; /* edge: no remote IRR */
    service_level(io, pin, p);
}

int ioapic_set_rte(struct ioapic *io, unsigned pin, uint64_t rte)
{
    if (!io || pin >= IOAPIC_PINS)
        return -EINVAL;
    struct pending p = { 0 };
    g_mutex_lock(&io->lock);
    set_rte_locked(io, pin, rte, &p);
    g_mutex_unlock(&io->lock);
    flush(io, &p);
    return 0;
}

int ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (!io || pin >= IOAPIC_PINS)
        return -EINVAL;
    struct pending p = { 0 };
    g_mutex_lock(&io->lock);
    bool prev = io->line[pin];
    io->line[pin] = level;
    uint64_t r = io->rte[pin];
    if (r & IOAPIC_RTE_LEVEL)
        service_level(io, pin, &p);
    else if (level && !prev && !(r & IOAPIC_RTE_MASK))
        queue(io, pin, &p); /* edge: rising edge while unmasked */
    g_mutex_unlock(&io->lock);
    flush(io, &p);
    return 0;
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    if (!io)
        return;
    struct pending p = { 0 };
    g_mutex_lock(&io->lock);
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        uint64_t r = io->rte[i];
        if ((r & IOAPIC_RTE_LEVEL) && (r & IOAPIC_RTE_REMOTE_IRR) &&
            (r & IOAPIC_RTE_VECTOR) == vector) {
            io->rte[i] &= ~IOAPIC_RTE_REMOTE_IRR;
            service_level(io, i, &p);
        }
    }
    g_mutex_unlock(&io->lock);
    flush(io, &p);
}

int ioapic_mmio_read(struct ioapic *io, uint64_t off, uint32_t *val)
{
    if (!io || !val)
        return -EINVAL;
    *val = 0;
    g_mutex_lock(&io->lock);
    int rc = 0;
    if (off == IOAPIC_IOREGSEL) {
        *val = io->regsel;
    } else if (off == IOAPIC_IOWIN) {
        uint32_t r = io->regsel & 0xff;
        if (r == IOAPIC_REG_ID)
            *val = (uint32_t)io->id << 24;
        else if (r == IOAPIC_REG_VER)
            *val = (uint32_t)(IOAPIC_PINS - 1) << 16 | 0x20;
        else if (r == IOAPIC_REG_ARB)
            *val = (uint32_t)io->id << 24;
        else if (r >= IOAPIC_REG_RTE0 && r < IOAPIC_REG_RTE0 + 2 * IOAPIC_PINS) {
            unsigned pin = (r - IOAPIC_REG_RTE0) / 2;
            *val = (uint32_t)(io->rte[pin] >> ((r & 1) ? 32 : 0));
        }
    } else {
        rc = -EINVAL;
    }
    g_mutex_unlock(&io->lock);
    return rc;
}

int ioapic_mmio_write(struct ioapic *io, uint64_t off, uint32_t val)
{
    if (!io)
        return -EINVAL;
    struct pending p = { 0 };
    int rc = 0;
    g_mutex_lock(&io->lock);
    if (off == IOAPIC_IOREGSEL) {
        io->regsel = val & 0xff;
    } else if (off == IOAPIC_IOWIN) {
        uint32_t r = io->regsel & 0xff;
        if (r == IOAPIC_REG_ID) {
            io->id = (uint8_t)((val >> 24) & 0xf);
        } else if (r >= IOAPIC_REG_RTE0 &&
                   r < IOAPIC_REG_RTE0 + 2 * IOAPIC_PINS) {
            unsigned pin = (r - IOAPIC_REG_RTE0) / 2;
            uint64_t v = io->rte[pin];
            if (r & 1)
                v = (v & 0xffffffffull) | (uint64_t)val << 32;
            else
                v = (v & ~0xffffffffull) | val;
            set_rte_locked(io, pin, v, &p);
        }
    } else if (off == IOAPIC_EOI) {
        /* Directed EOI register (version 0x20): acts for its vector. */
        g_mutex_unlock(&io->lock);
        ioapic_eoi(io, (uint8_t)val);
        return 0;
    } else {
        rc = -EINVAL;
    }
    g_mutex_unlock(&io->lock);
    flush(io, &p);
    return rc;
}
