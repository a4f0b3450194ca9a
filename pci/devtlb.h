/* SPDX-License-Identifier: MIT */
/*
 * pci/devtlb.h: the device-TLB of an ATS-capable PCI function (VT-d
 * chapter 4, PCIe Address Translation Services): the ATS capability it
 * presents, the translation completions it caches, its DMA through them
 * as translated requests, and the invalidation requests it receives.
 *
 * It talks to a unit through the public API only (vtd_ats_translate(),
 * vtd_translate() with VTD_AT_TRANSLATED, vtd_ats_inval_complete()).
 * Not thread-safe: one owner (the board or an embedder's device model).
 */
#ifndef PCI_DEVTLB_H
#define PCI_DEVTLB_H

#include <stdbool.h>
#include <stdint.h>

#include <vtd/vtd.h>

/* The ATS Extended Capability of the function (PCIe ATS; VT-d 4.4 lists
 * it among the registers an ATS device hosts). */
struct devtlb_cap {
    unsigned stu;        /* Smallest Translation Unit: 2^(12+stu) bytes;
                            translation requests are aligned to it */
    unsigned qdepth;     /* Invalidate Queue Depth: requests the function
                            takes at once (0 means 32) */
    bool enabled;        /* ATS Control.E (VT-d 4.5.1 step 3) */
};

/* One cached translation completion. */
struct devtlb_entry {
    bool valid;
    uint32_t pasid;      /* VTD_NO_PASID for a request without PASID */
    bool priv;           /* cached for a privileged (PR=1) request */
    uint64_t base;       /* untranslated range [base, base + size) */
    uint64_t size;
    uint64_t out;        /* translated address of base */
    bool r, w, u, n;
};

struct devtlb;

/* entries: capacity (1-4096).  Returns NULL for bad arguments. */
struct devtlb *devtlb_new(uint16_t sid, const struct devtlb_cap *cap,
                          unsigned entries);
void devtlb_free(struct devtlb *d);

uint16_t devtlb_sid(const struct devtlb *d);
const struct devtlb_cap *devtlb_cap(const struct devtlb *d);

/* The valid entries, in slot order: fn for each. */
void devtlb_foreach(const struct devtlb *d,
                    void (*fn)(void *ctx, const struct devtlb_entry *e),
                    void *ctx);
unsigned devtlb_count(const struct devtlb *d);

/* The entry that translates iova for (pasid, priv), or NULL. */
const struct devtlb_entry *devtlb_lookup(const struct devtlb *d,
                                         uint32_t pasid, bool priv,
                                         uint64_t iova);

/* Outcome of one DMA of the function through its device-TLB. */
struct devtlb_dma {
    bool hit;                 /* served from a cached translation */
    bool translated;          /* a translation request was sent */
    struct vtd_ats_cpl cpl;   /* its completion (when translated) */
    bool untranslated;        /* sent as an untranslated request: ATS
                                 disabled, or the completion said U=1 */
    struct vtd_xlate x;       /* the memory request's result */
    bool denied;              /* the device-TLB found no permission: no
                                 memory request was sent (a recoverable
                                 fault at the device, VT-d 7.1.2) */
};

/*
 * A DMA of len bytes at iova (not crossing 4 KiB) for a read or a write:
 * with ATS enabled, look the device-TLB up; on a miss send a translation
 * request (NW for reads) and cache a successful completion with R or W;
 * then issue a translated request (AT=10b) to the output address when
 * the permissions allow, else report denied.  U=1 sends the access as
 * an untranslated request.  With ATS disabled: an untranslated request.
 * Returns 0 or the negative errno of the unit call.
 */
int devtlb_dma(struct devtlb *d, struct vtd_iommu *u, uint32_t pasid,
               bool priv, uint64_t iova, uint32_t len, bool write,
               struct devtlb_dma *out);

/* An ATS Invalidate Request (what the unit's devtlb_inval host op
 * delivers): drop every entry it covers (PASID-less requests drop
 * PASID-less entries; with PASID, that PASID's or, with GI, all PASIDs').
 * Returns the number of entries dropped. */
unsigned devtlb_invalidate(struct devtlb *d, const struct vtd_devtlb_inv *inv);

#endif /* PCI_DEVTLB_H */
