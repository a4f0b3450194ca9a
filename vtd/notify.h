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

#endif
