/* SPDX-License-Identifier: MIT */
/*
 * Caching-mode map/unmap notifications (included by <vtd/vtd.h>).
 *
 * With CAP.CM=1 a guest must invalidate after every change to its tables,
 * including not-present to present (VT-d 6.1).  An emulator that shadows
 * a device's guest mappings into a host IOMMU (device assignment behind a
 * vIOMMU) subscribes to the device's address space and receives MAP and
 * UNMAP events after each invalidation that covers it, so that its shadow
 * equals the guest's tables as of the last invalidation.  The unit keeps a
 * copy of what each subscriber was told and sends only what changed.
 *
 * What is shadowed: second-stage translation (legacy TT=00b/01b, scalable
 * PGTT=010b) as its leaf mappings; pass-through (TT=10b, PGTT=100b) as one
 * identity mapping of the host address width.  First-stage and nested
 * address spaces are guest-virtual and produce no events.
 *
 * Threading: callbacks run on the thread that made the invalidating
 * register write (or vtd_notifier_replay()), with the unit's internal lock
 * held: they must not call back into the unit.
 */
#ifndef VTD_NOTIFY_PUBLIC_H
#define VTD_NOTIFY_PUBLIC_H

#include <stdint.h>

#include <vtd/api.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vtd_iommu;
struct vtd_notifier;

enum vtd_map_kind {
    VTD_MAP_EVENT = 1,    /* [iova, iova + size) now maps to gpa */
    VTD_UNMAP_EVENT = 2,  /* [iova, iova + size) no longer maps */
};

struct vtd_map_event {
    enum vtd_map_kind kind;
    uint16_t sid;
    uint32_t pasid;       /* VTD_NO_PASID for the request-without-PASID
                             address space */
    uint64_t iova;
    uint64_t size;        /* a power of two: the page or range size */
    uint64_t gpa;         /* MAP only */
    uint32_t perm;        /* MAP only: enum vtd_perm (R, W) */
};

typedef void (*vtd_map_notify_fn)(void *opaque,
                                  const struct vtd_map_event *ev);

/*
 * Subscribe to the address space of (sid, pasid); pasid VTD_NO_PASID means
 * requests without PASID (RID_PASID in scalable mode).  *out is owned by
 * the unit until vtd_notifier_remove() or vtd_iommu_free().
 * Errors: -EINVAL (NULL unit, fn or out), -ENOMEM.
 */
VTD_API int vtd_notifier_add(struct vtd_iommu *unit, uint16_t sid,
                             uint32_t pasid, vtd_map_notify_fn fn,
                             void *opaque, struct vtd_notifier **out);
/* Unsubscribe; no events are sent. */
VTD_API void vtd_notifier_remove(struct vtd_iommu *unit,
                                 struct vtd_notifier *n);
/*
 * Send the whole current mapping set as MAP events (for a device attached
 * late), forgetting what was sent before.  Returns the number of MAP
 * events sent, or -EINVAL.
 */
VTD_API int vtd_notifier_replay(struct vtd_iommu *unit,
                                struct vtd_notifier *n);

#ifdef __cplusplus
}
#endif

#endif
