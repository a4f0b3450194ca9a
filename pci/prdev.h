/* SPDX-License-Identifier: MIT */
/*
 * pci/prdev.h: a PCI function with ATS and the Page Request Interface
 * (PCIe ATS; VT-d 7.4 recoverable faults): its DMA asks for a translation
 * first; when the translation completion grants less than the access
 * needs (a fault the device may recover from, e.g. Table 30 "Success with
 * R=W=U=S=0"), it issues a page request (last in its group) and waits;
 * when the page group response says Success it asks again and completes
 * the DMA with translated requests.  Invalid Request makes the DMA fail;
 * Response Failure also disables the function's PRI (PCIe: the function
 * stops issuing page requests).
 *
 * The platform supplies the three upstream transactions (normally: the
 * VT-d unit covering the function, machine/board.c or a test) and routes
 * page group responses addressed to the function to
 * pci_prdev_page_response().  Not locked: one thread at a time per
 * device.  Errors are negative errno values; nothing is printed.
 */
#ifndef PCI_PRDEV_H
#define PCI_PRDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

struct pci_prdev_ops {
    /* ATS translation request for the page holding addr (write: the
     * device wants to write; the request itself is a read, VT-d 4.2.1):
     * 0 with the completion's output address (of addr) and permissions
     * (enum vtd_perm: R, W), or a negative errno when the request failed
     * (unsupported request / completer abort). */
    int (*translate)(void *opaque, uint16_t rid, uint32_t pasid,
                     uint64_t addr, bool write, uint64_t *out,
                     uint32_t *perm);
    /* A page request message (VT-d 7.4.1): 0, or a negative errno when it
     * could not be sent. */
    int (*page_request)(void *opaque, const struct vtd_page_req *req);
    /* A translated DMA request (ATS translated, addr already output). */
    int (*dma)(void *opaque, uint16_t rid, uint64_t addr, void *buf,
               size_t len, bool write);
};

enum pci_prdev_state {
    PCI_PRDEV_IDLE = 0,     /* no page request outstanding */
    PCI_PRDEV_WAITING,      /* page request sent, no response yet */
    PCI_PRDEV_RESPONDED,    /* a response arrived, not yet acted on */
    PCI_PRDEV_PRI_OFF,      /* Response Failure: PRI disabled */
};

struct pci_prdev;

/* A device with requester id rid.  NULL without memory or ops. */
struct pci_prdev *pci_prdev_new(uint16_t rid,
                                const struct pci_prdev_ops *ops,
                                void *opaque);
void pci_prdev_free(struct pci_prdev *d);

/*
 * One DMA of len bytes (not crossing 4 KiB) at addr, with PASID pasid
 * (VTD_NO_PASID for none).  Returns 0 when done, -EAGAIN when the device
 * issued a page request (or still waits for its response): call again
 * after the response arrived; -EFAULT when the page request was answered
 * Invalid Request or could not be serviced (the page still not granted
 * after a Success response), -EIO when a page request is needed but PRI
 * is disabled (after a Response Failure), or the host's negative errno.
 */
int pci_prdev_dma(struct pci_prdev *d, uint32_t pasid, uint64_t addr,
                  void *buf, size_t len, bool write);

/* A page group response reached the device (the platform routes
 * responses whose RID is the device's).  Responses whose PRGI matches no
 * outstanding request are discarded (VT-d 7.9: without side effects). */
void pci_prdev_page_response(struct pci_prdev *d,
                             const struct vtd_page_resp *r);

enum pci_prdev_state pci_prdev_state(const struct pci_prdev *d);
/* Page requests issued so far, and the last response code (-1: none). */
unsigned pci_prdev_requests(const struct pci_prdev *d);
int pci_prdev_last_rc(const struct pci_prdev *d);

#endif /* PCI_PRDEV_H */
