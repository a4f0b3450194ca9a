/* SPDX-License-Identifier: MIT */
/*
 * Caching-mode map/unmap notifications (included by <vtd/vtd.h>).
 *
 * With CAP.CM=1 a guest must invalidate after every change to its tables,
 * including not-present to present (VT-d 6.1).  An emulator that shadows
 * a device's guest mappings into a host IOMMU (device assignment behind a
 * vIOMMU) subscribes to the device's address space and receives MAP and
 * UNMAP events.  The unit keeps a copy of what each subscriber was told
 * and sends only what changed, UNMAPs before MAPs.
 *
 * The contract.  After every event the unit sends (and after
 * vtd_notifier_replay()), the subscriber's view -- the mappings it was
 * told about and not told to unmap -- equals what vtd_translate() would
 * give now for that requester, page by page: the output address and the
 * R/W rights of every address it translates, and nothing where it faults.
 * The only difference allowed is the spec's own staleness: between a
 * change to the guest's tables and the invalidation that covers it, the
 * view may be the old or the new tables (VT-d 6.1, 6.5: the unit itself
 * may use a stale cached entry there).  So the view is brought up to date
 *  - after each invalidation (register or queued) that covers the address
 *    space, over the range it names (VT-d 6.5 granularities);
 *  - after GCMD.TE is set or cleared, after GCMD.SRTP (a new root table
 *    or translation table mode), after vtd_iommu_reset(): over the whole
 *    address space, since these change the translation with no
 *    invalidation in between.
 *
 * What the view holds:
 *  - translation disabled (GSTS.TES=0): one identity mapping of the host
 *    address width, R/W (vtd_translate passes every request through);
 *  - second-stage translation (legacy TT=00b/01b, scalable PGTT=010b): its
 *    leaf mappings with their cumulative R/W rights, exactly as the
 *    unit's own walk checks them (reserved bits, widths, page sizes);
 *  - pass-through (TT=10b, PGTT=100b): the identity up to the host
 *    address width;
 *  - in both of the last two, output addresses 0xFEE00000-0xFEEFFFFF are
 *    left out (the unit faults DMA there, LGN.4 / SGN.8): a mapping
 *    across that range comes as naturally aligned pieces around it;
 *  - nothing where the root, context or PASID entry faults;
 *  - first-stage and nested address spaces are guest-virtual: no
 *    mappings (the contract does not cover them).
 * Event sizes are powers of two with iova and gpa aligned to them; size 0
 * stands for 2^64.
 *
 * Host read failures.  When the host's read callback fails while the
 * unit reads the tables for a subscriber, that says nothing about the
 * guest's mappings: the affected part of the view (one paging entry's
 * span, or the whole view when a root/context/PASID entry cannot be read)
 * is left as it was and a warning is logged; the next covering
 * invalidation after the host recovers brings it up to date.  A resync
 * that would visit more than 2^22 table entries stops, logs, and fails
 * closed: the part of the view it did not reach is unmapped (UNMAP
 * events), so a subscriber never keeps a mapping the unit may no longer
 * translate; a device that uses such an address then faults in the
 * subscriber's host IOMMU until a smaller invalidation maps it again.
 *
 * Threading: callbacks run on the thread that made the register write
 * (an invalidation, GCMD) or called vtd_iommu_reset() or
 * vtd_notifier_replay(), with the unit's internal lock held: they must not
 * call back into the unit.
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
 * late, or right after vtd_notifier_add(): a new subscriber's view starts
 * empty), forgetting what was sent before.  Returns the number of MAP
 * events sent, -EINVAL (NULL argument), or -EIO when the root, context or
 * PASID entry could not be read (nothing is sent or forgotten then).
 */
VTD_API int vtd_notifier_replay(struct vtd_iommu *unit,
                                struct vtd_notifier *n);

#ifdef __cplusplus
}
#endif

#endif
