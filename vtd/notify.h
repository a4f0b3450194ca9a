/* SPDX-License-Identifier: MIT */
/* vtd/notify.h: caching-mode map/unmap subscribers (owned by notify.c). */
#ifndef VTD_NOTIFY_H
#define VTD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

struct vtd_notify_state {
    void *impl;
    /* Number of subscribers; invalidation paths skip the notify work when
     * it is zero (read without the lock). */
    _Atomic unsigned count;
};

int vtd_notify_init_(struct vtd_iommu *u);
void vtd_notify_free_(struct vtd_iommu *u);

/* What an invalidation covered. */
enum vtd_notify_scope {
    VTD_NOTIFY_ALL = 1,      /* global context/IOTLB/PASID invalidation */
    VTD_NOTIFY_DOMAIN,       /* did */
    VTD_NOTIFY_DEVICE,       /* sid with function mask fm (context cache) */
    VTD_NOTIFY_PAGES,        /* did, [addr, addr + (4 KiB << am)) */
    VTD_NOTIFY_PASID,        /* did, pasid */
    VTD_NOTIFY_PASID_PAGES,  /* did, pasid, addr, am */
};

struct vtd_notify_inv {
    enum vtd_notify_scope scope;
    uint16_t did;
    uint16_t sid;
    unsigned fm;
    uint32_t pasid;
    uint64_t addr;
    unsigned am;
};

/* Called by the cache invalidation entry points after they dropped the
 * cache entries: resynchronise the affected subscribers.  May be called
 * with u->lock held. */
void vtd_notify_inv_(struct vtd_iommu *u, const struct vtd_notify_inv *inv);

/* Called with u->lock held after the unit's translation may have changed
 * as a whole without an invalidation: GCMD.TE set or cleared, GCMD.SRTP
 * (new root table or TTM), reset, state restored.  Brings every
 * subscriber's whole shadow to what the unit translates now. */
void vtd_notify_resync_locked_(struct vtd_iommu *u);

/* translate.c: how the unit translates req now from the tables alone
 * (root is RTADDR as latched; TE is the caller's business): the same
 * structure checks, walk and output checks as vtd_translate(), without
 * caches, A/D updates, fault recording or events. */
struct vtd_dma_req;
struct vtd_xlate;
void vtd_translate_tables_(struct vtd_iommu *u, uint64_t root,
                           const struct vtd_dma_req *req,
                           struct vtd_xlate *out);

/* core.c: host reads (read callback or map) that failed on this thread,
 * counted so the notifier can tell an unreadable entry from a guest's
 * own fault. */
extern _Thread_local unsigned vtd_tls_read_errors_;

#endif
