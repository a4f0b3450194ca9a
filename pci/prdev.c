/* SPDX-License-Identifier: MIT */
/* pci/prdev.c: a PCI function with ATS and PRI (see prdev.h). */
#include "pci/prdev.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include <vtd/layout.h>

struct pci_prdev {
    uint16_t rid;
    struct pci_prdev_ops ops;
    void *opaque;
    enum pci_prdev_state state;
    uint16_t prgi;          /* group of the outstanding request */
    uint16_t next_prgi;
    uint32_t pasid;         /* of the outstanding request */
    uint64_t page;
    int last_rc;
    unsigned requests;
    bool retried;           /* translated again after a success */
};

struct pci_prdev *pci_prdev_new(uint16_t rid, const struct pci_prdev_ops *ops,
                                void *opaque)
{
    if (!ops || !ops->translate || !ops->page_request || !ops->dma)
        return NULL;
    struct pci_prdev *d = g_try_new0(struct pci_prdev, 1);
    if (!d)
        return NULL;
    d->rid = rid;
    d->ops = *ops;
    d->opaque = opaque;
    d->last_rc = -1;
    return d;
}

void pci_prdev_free(struct pci_prdev *d)
{
    g_free(d);
}

enum pci_prdev_state pci_prdev_state(const struct pci_prdev *d)
{
    return d ? d->state : PCI_PRDEV_IDLE;
}

unsigned pci_prdev_requests(const struct pci_prdev *d)
{
    return d ? d->requests : 0;
}

int pci_prdev_last_rc(const struct pci_prdev *d)
{
    return d ? d->last_rc : -1;
}

void pci_prdev_page_response(struct pci_prdev *d,
                             const struct vtd_page_resp *r)
{
    if (!d || !r || r->rid != d->rid)
        return;
    /* PCIe PRG response: matched by the PRG index (and PASID when the
     * request carried one); anything else is discarded. */
    if (d->state != PCI_PRDEV_WAITING || r->prgi != d->prgi ||
        (d->pasid != VTD_NO_PASID && r->pasid != VTD_NO_PASID &&
         r->pasid != d->pasid))
        return;
    d->last_rc = r->rc;
    d->state = r->rc == VTD_PRG_RC_RESPONSE_FAILURE ? PCI_PRDEV_PRI_OFF
                                                    : PCI_PRDEV_RESPONDED;
}

int pci_prdev_dma(struct pci_prdev *d, uint32_t pasid, uint64_t addr,
                  void *buf, size_t len, bool write)
{
    if (!d || !buf || !len || (addr & 0xfff) + len > 0x1000)
        return -EINVAL;
    uint64_t page = addr & ~0xfffULL;
    switch (d->state) {
    case PCI_PRDEV_PRI_OFF:
        d->retried = false;
        break;
    case PCI_PRDEV_WAITING:
        return -EAGAIN;
    case PCI_PRDEV_RESPONDED:
        d->state = PCI_PRDEV_IDLE;
        if (d->last_rc != VTD_PRG_RC_SUCCESS)
            return -EFAULT;               /* Invalid Request */
        d->retried = d->page == page && d->pasid == pasid;
        break;
    case PCI_PRDEV_IDLE:
        d->retried = false;
        break;
    }
    /* VT-d 4.1.1: a translation request for the page, NW for a read. */
    struct vtd_ats_req tr = {
        .version = VTD_ATS_REQ_VERSION, .sid = d->rid, .pasid = pasid,
        .iova = page, .nw = !write,
    };
    struct vtd_ats_cpl cpl;
    memset(&cpl, 0, sizeof(cpl));
    int rc = d->ops.translate(d->opaque, &tr, &cpl);
    if (rc < 0)
        return rc;
    /* 4.1.2: UR or CA, a completion without data: the translation failed
     * (nothing a page request could fix). */
    if (cpl.status != VTD_ATS_SUCCESS)
        return -EFAULT;
    /* 4.1.2 U: the range may be accessed with untranslated requests only;
     * the unit decides those. */
    if (cpl.u)
        return d->ops.dma(d->opaque, d->rid, pasid, addr, buf, len, write,
                          false);
    if (write ? cpl.w : cpl.r)
        return d->ops.dma(d->opaque, d->rid, VTD_NO_PASID,
                          cpl.out_base + (addr - cpl.base), buf, len, write,
                          true);
    /* A recoverable fault.  After a Success response the same page still
     * not granted: the request cannot be serviced (no new page request
     * loop). */
    if (d->retried)
        return -EFAULT;
    /* PCIe: after Response Failure the function issues no page request
     * (PRI stays disabled until software re-enables it). */
    if (d->state == PCI_PRDEV_PRI_OFF)
        return -EIO;
    struct vtd_page_req req = {
        .sid = d->rid, .pasid = pasid, .addr = page,
        .access = write ? VTD_ACC_WRITE : VTD_ACC_READ,
        .prgi = d->next_prgi, .lpig = true,
    };
    d->prgi = d->next_prgi;
    d->next_prgi = (uint16_t)((d->next_prgi + 1) & 0x1ff);
    d->pasid = pasid;
    d->page = page;
    d->state = PCI_PRDEV_WAITING;
    d->requests++;
    rc = d->ops.page_request(d->opaque, &req);
    if (rc < 0) {
        d->state = PCI_PRDEV_IDLE;
        return rc;
    }
    /* The response may have arrived during the request (an automatic
     * response, VT-d 7.4.1 Table 31). */
    return -EAGAIN;
}
