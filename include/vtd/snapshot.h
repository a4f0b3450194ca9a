/* SPDX-License-Identifier: MIT */
/*
 * Snapshot and restore of one unit, for live migration (included by
 * <vtd/vtd.h>; also compiles on its own).
 *
 * vtd_save() writes the unit's whole state as a byte stream; vtd_load()
 * puts a stream back into a unit created with the same configuration
 * (typically a fresh unit on the destination host, created with the same
 * struct vtd_config).  The stream is versioned and defined byte by byte,
 * little-endian, independent of the host (docs/snapshot.md has the format
 * table and the versioning rules):
 *
 *   header   "VTDSNAP\0", u32 version, u32 flags (0), u64 total length
 *   sections u32 tag (four ASCII characters), u32 payload length, payload
 *            CONF  CAP, ECAP, VER, host address width, fault-collapse
 *                  choice: a load into a unit created differently is
 *                  refused (-ENOTSUP, the message names the field)
 *            REGS  every register: (offset, size, value), fault recording
 *                  registers included
 *            UNIT  state latched by commands and internal indices: RTADDR
 *                  as latched by SRTP (RTA and TTM), IRTA as latched by
 *                  SIRTP (EIME included), TES, IRES, CFIS, QIES, the fault
 *                  recording index (VT-d 7.2.1), the protected memory
 *                  regions as latched by PMEN (11.4.8)
 *            cach  (optional) the contents of the context cache, PASID
 *                  cache, IOTLB and interrupt entry cache
 *            stat  (optional) the vtd_get_stats() counters
 *   trailer  u32 CRC-32 (IEEE 802.3) of every byte before it
 *
 * Caches are carried, so a restored unit keeps using stale entries until
 * the guest invalidates them, exactly as the saved unit would have: the
 * spec lets hardware keep an entry after software changed the tables
 * (VT-d 6.2.4.1: "may retain a IOTLB entry unmodified even if software
 * subsequently modifies the relevant paging-structure entries") and also
 * lets it drop any entry at any time (6.2.4: "may evict or invalidate any
 * IOTLB entry at any time"), so both choices are legal; carrying keeps a
 * migrated guest bit-for-bit on the path it was on.  When the destination
 * library's cache layout or geometry differs, or its unit was created with
 * VTD_CACHE_NONE, the cache section is dropped (entries are evicted).
 *
 * A load delivers no interrupt: a fault or invalidation event held in
 * FECTL.IP / IECTL.IP stays held, as saved.  Caching-mode subscribers
 * (<vtd/notify.h>) belong to the host and are not in the stream: those
 * registered on the unit when it loads receive the UNMAP/MAP events that
 * bring their view to what the loaded unit translates (read from guest
 * memory: put guest RAM in place before the load), as after GCMD.SRTP or
 * reset; a subscriber added after the load starts with an empty view, so
 * call vtd_notifier_replay() for it, as after any vtd_notifier_add().
 *
 * Threading: vtd_save() and vtd_load() must not run concurrently with any
 * other call on the same unit (pause the vCPUs and devices first, as for
 * any device migration).  vtd_save() calls no host callback; vtd_load()
 * calls only, when the unit has subscribers, the memory callbacks (read,
 * map), the notifier callbacks and the log/trace hooks, with the unit's
 * internal lock held, on the calling thread.
 */
#ifndef VTD_SNAPSHOT_H
#define VTD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include <vtd/api.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vtd_iommu;

/* The stream version this library writes; it reads versions 1 to this. */
#define VTD_SNAPSHOT_VERSION 1

/*
 * Save the unit's state into buf[0, len).  *needed (when needed is not
 * NULL) receives the stream's size in bytes.  The buffer is the caller's.
 * Returns 0 when the stream was written (its size is *needed), or when buf
 * is NULL and len 0 (a size query: only *needed is set); otherwise:
 *  -ENOSPC  len is smaller than the stream (nothing written; *needed set);
 *  -EINVAL  unit is NULL, or buf is NULL with len non-zero;
 *  -ENOMEM  out of memory.
 */
VTD_API int vtd_save(struct vtd_iommu *unit, void *buf, size_t len,
                     size_t *needed);

/*
 * Replace the unit's state with the stream buf[0, len).  On success every
 * register, latched pointer, fault record and index, the invalidation
 * queue state and (when carried) the caches are those of the saved unit.
 * On error the unit is unchanged and, when errbuf is not NULL, a one-line
 * reason is written to it.  Errors:
 *  -EINVAL           unit or buf NULL, or the stream does not start with
 *                    the magic "VTDSNAP\0" (not a snapshot);
 *  -EMSGSIZE         truncated: len is smaller than the header or than
 *                    the length the header declares, or larger (trailing
 *                    bytes);
 *  -EBADMSG          the CRC-32 does not match (corrupted);
 *  -EPROTONOSUPPORT  the stream's version is newer than
 *                    VTD_SNAPSHOT_VERSION (or 0);
 *  -EPROTO           malformed contents: reserved flags set, a section
 *                    overrunning the stream or of the wrong size, an
 *                    unknown required section (tag starting with an
 *                    upper-case letter), a duplicate or missing section, a
 *                    register list that does not match the unit's, or a
 *                    value the unit cannot hold (for example a fault
 *                    recording index beyond CAP.NFR, or statistics
 *                    whose fault counts do not add up);
 *  -ENOTSUP          the stream comes from a unit with a different
 *                    configuration (CAP, ECAP, VER, host address width or
 *                    fault collapsing); the message names the field and
 *                    both values;
 *  -ENOMEM           out of memory.
 */
VTD_API int vtd_load(struct vtd_iommu *unit, const void *buf, size_t len,
                     char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* VTD_SNAPSHOT_H */
