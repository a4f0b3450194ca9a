/* SPDX-License-Identifier: MIT */
/*
 * pci/pci.h: PCI functions as interrupt and DMA requesters.
 *
 * A function has a bus/device/function number (its source-id, VT-d
 * 3.4.1), optionally an upstream bridge, an MSI capability (32/64-bit,
 * multiple message, per-vector masking) and an MSI-X capability (table of
 * address/data/mask entries, function mask).  Requests leave the function
 * with the requester id the fabric gives them: behind a PCIe-to-PCI/PCI-X
 * bridge the bridge's alias (secondary bus, device 0, function 0; VT-d
 * 3.12.1), behind a conventional PCI bridge the bridge's own id (3.12.2).
 *
 * The platform gives each function a struct pci_host_ops through which
 * DMA and MSI writes go (normally: the VT-d unit that covers the
 * requester).  Functions are not locked: a function is configured and
 * used by one thread at a time; distinct functions are independent.
 * Errors are negative errno values; the library never prints.
 */
#ifndef PCI_PCI_H
#define PCI_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/layout.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Requester id / source-id: bus 15:8, device 7:3, function 2:0. */
static inline uint16_t pci_bdf(uint8_t bus, uint8_t dev, uint8_t fn)
{
    return vtd_sid_make(bus, dev, fn);
}

enum pci_kind {
    PCI_KIND_ENDPOINT = 0,
    PCI_KIND_PCIE_PORT,      /* root port / switch port: transparent */
    PCI_KIND_PCIE_TO_PCI,    /* PCIe-to-PCI/PCI-X bridge: takes ownership */
    PCI_KIND_PCI_TO_PCI,     /* conventional PCI bridge */
};

struct pci_host_ops {
    /* DMA by requester rid; 0 or negative errno (a blocked DMA is the
     * host's to report, e.g. -EFAULT). */
    int (*dma)(void *opaque, uint16_t rid, uint64_t addr, void *buf,
               size_t len, bool write);
    /* A DWORD memory write of data to addr by rid (an MSI). */
    void (*msi)(void *opaque, uint16_t rid, uint64_t addr, uint32_t data);
};

struct pci_func;

/* Create a function (bus, device 0-31, function 0-7).  kind bridges take
 * secondary (the bus number behind them).  NULL on bad arguments or no
 * memory. */
struct pci_func *pci_func_new(enum pci_kind kind, uint8_t bus, uint8_t dev,
                              uint8_t fn, uint8_t secondary);
void pci_func_free(struct pci_func *f);
/* Place f behind bridge (which must be a bridge whose secondary bus is
 * f's bus).  -EINVAL otherwise or when it would make a loop. */
int pci_func_set_parent(struct pci_func *f, struct pci_func *bridge);
void pci_func_set_host(struct pci_func *f, const struct pci_host_ops *ops,
                       void *opaque);

uint16_t pci_func_sid(const struct pci_func *f);
/* The requester id f's upstream requests carry at the root complex. */
uint16_t pci_requester_id(const struct pci_func *f);

/* ---- MSI capability (PCI Local Bus 3.0 6.8.1) ---- */
/* Give f an MSI capability: 64-bit address or 32-bit, log2 of the number
 * of vectors it may request (MMC, 0-5), per-vector masking. */
int pci_msi_init(struct pci_func *f, bool addr64, unsigned mmc, bool pvm);
/* Program it as a driver does: address, data, log2 enabled vectors
 * (MME, <= MMC), enable.  A 32-bit capability rejects an address above
 * 4 GiB with -EINVAL. */
int pci_msi_config(struct pci_func *f, uint64_t addr, uint16_t data,
                   unsigned mme, bool enable);
int pci_msi_set_mask(struct pci_func *f, uint32_t mask);
uint32_t pci_msi_pending(const struct pci_func *f);
/* The message for vector n (< 2^MME): the device owns the low MME bits
 * of the data.  -EINVAL: no capability, not enabled or n out of range. */
int pci_msi_message(const struct pci_func *f, unsigned n, uint64_t *addr,
                    uint32_t *data);

/* ---- MSI-X capability (PCI Local Bus 3.0 6.8.2) ---- */
int pci_msix_init(struct pci_func *f, unsigned table_size);
int pci_msix_set_entry(struct pci_func *f, unsigned n, uint64_t addr,
                       uint32_t data, bool masked);
int pci_msix_control(struct pci_func *f, bool enable, bool function_mask);
int pci_msix_message(const struct pci_func *f, unsigned n, uint64_t *addr,
                     uint32_t *data);
bool pci_msix_pending(const struct pci_func *f, unsigned n);

/* Raise interrupt vector n: through MSI-X when enabled, else MSI.  A
 * masked vector sets its pending bit and sends nothing (returns 0); the
 * message is sent when unmasked.  Returns 1 when a message was sent, 0
 * when it is pending, -EINVAL when no interrupt is configured. */
int pci_func_interrupt(struct pci_func *f, unsigned n);

/* DMA through the host with f's requester id. */
int pci_func_dma(struct pci_func *f, uint64_t addr, void *buf, size_t len,
                 bool write);

#ifdef __cplusplus
}
#endif
#endif /* PCI_PCI_H */
