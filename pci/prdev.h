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
    /* An ATS translation request (VT-d 4.1.1; normally
     * vtd_ats_translate() of the unit covering the function): 0 with the
     * translation completion in *cpl (4.1.2), or a negative errno when
     * the request could not be sent. */
    int (*translate)(void *opaque, const struct vtd_ats_req *req,
                     struct vtd_ats_cpl *cpl);
    /* A page request message (VT-d 7.4.1): 0, or a negative errno when it
     * could not be sent. */
    int (*page_request)(void *opaque, const struct vtd_page_req *req);
    /* A memory request: translated (AT=10b, addr the output address, no
     * PASID: 4.2.5) or, for a completion with U=1, untranslated (AT=00b,
     * addr the input address, with pasid).  0, or a negative errno
     * (-EFAULT: the unit blocked it). */
    int (*dma)(void *opaque, uint16_t rid, uint32_t pasid, uint64_t addr,
               void *buf, size_t len, bool write, bool translated);
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
 * (VTD_NO_PASID for none).  The translation request carries NW for a
 * read (4.1.1).  A Success completion granting the access: translated
 * requests to out_base + (addr - base); with U=1 an untranslated request
 * (4.1.2: untranslated access only).  Success without the permission
 * (R=W=0 included, 7.1.2) is a recoverable fault: a page request.
 * Returns 0 when done, -EAGAIN when the device issued a page request (or
 * still waits for its response): call again after the response arrived;
 * -EFAULT when the translation completion was UR or CA (4.1.2: not
 * recoverable, no page request), the page request was answered Invalid
 * Request or could not be serviced (the page still not granted after a
 * Success response), or the memory request was blocked; -EIO when a page
 * request is needed but PRI is disabled (after a Response Failure), or
 * the host's negative errno.
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
