/* SPDX-License-Identifier: MIT */
/*
 * vtd/pscache.h: paging-structure caches (VT-d 6.2.5).
 *
 * Entries cache paging-structure entries that reference other paging
 * structures (never leaves), so that an IOTLB miss walks from the deepest
 * cached level: the PML5-, PML4-, PDPE- and PDE-caches of 6.2.5.1-6.2.5.4,
 * one table for all of them.  An entry at level L (5 = PML5E ... 2 = PDE)
 * is tagged (6.2.5.5, 6.2.1) by
 *  - the stage: second stage, first stage, or first stage of a nested
 *    translation (whose entries hold guest-physical table addresses that
 *    the walk still translates through the second stage, which has its
 *    own second-stage entries: an implementation-specific form 6.2.5
 *    allows, "may use separate caches in implementation specific ways");
 *  - the domain-id of the context or scalable-mode PASID-table entry;
 *  - for first-stage and nested entries, the PASID (the request's, or
 *    RID_PASID);
 *  - the input-address bits above the level (bits MGAW:12+9(L-1) for the
 *    second stage, N:12+9(L-1) for the first),
 * and holds the address of the next table and the logical-AND of the
 * access rights of the entries down to it (R and W for the second stage;
 * R/W and U/S for the first).
 *
 * Only valid entries of walks that ended without a fault are cached, after
 * the walk has set their A (and EA) flags (6.2.5.1-6.2.5.4: "does not
 * create a ... entry unless ..."; 6.2.5.5: "host only valid mappings").
 * Faulted translations are not cached in them even with CAP.CM=1 (6.2.5.5
 * allows it for the second stage; vtdemu never does).
 *
 * Invalidation (6.5.1.2, 6.5.2.3 Table 23, 6.5.2.4 Table 24):
 *  - IOTLB global: everything; domain-selective: the domain's entries;
 *    page-selective: first-stage and nested entries of the domain, and
 *    second-stage entries of the domain whose region overlaps the range
 *    unless IH=1, when they are preserved;
 *  - PASID-based IOTLB, PASID-selective: first-stage and nested entries of
 *    (domain, PASID); page-selective: those whose region overlaps the range
 *    unless IH=1; second-stage entries are left alone.
 *  - Context-cache and PASID-cache invalidations drop nothing here: 6.5.2.1
 *    and 6.5.2.2 require software to follow them with an IOTLB
 *    invalidation, which does.  SRTP with CAP.ESRTPS invalidates the IOTLB
 *    globally (regs.c); reset empties the caches; a snapshot carries them
 *    (optional section, dropped by readers that do not know it, which
 *    6.2.5.5 allows: hardware "may invalidate entries ... at any time").
 *    TE changes nothing, as for the IOTLB.
 *
 * Enabled per unit (u->psc.on): profile "full" and VTD_CACHE_PSC turn them
 * on; profile "qemu-7.2" (QEMU 7.2 keeps none), a unit without a profile,
 * VTD_CACHE_NO_PSC and VTD_CACHE_NONE leave them off.
 *
 * Threading: the same protocol as cache.h: lock-free lookups under a
 * per-set sequence number, fills with a try-lock that are dropped when an
 * invalidation happened since the walk began (vtd_psc_gen_()).
 */
#ifndef VTD_PSCACHE_H
#define VTD_PSCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

struct vtd_psc_state {
    void *impl;     /* owned by pscache.c */
    bool on;        /* paging-structure caches in use */
};

enum vtd_psc_stage {
    VTD_PSC_SS = 0,       /* second stage (legacy, PGTT=010b, nested SS) */
    VTD_PSC_FS = 1,       /* first stage (PGTT=001b) */
    VTD_PSC_NESTED = 2,   /* first stage of a nested walk (PGTT=011b) */
};

struct vtd_psc_tag {
    unsigned stage;       /* enum vtd_psc_stage */
    uint16_t did;
    uint32_t pasid;       /* first-stage and nested only */
};

/* Cumulative rights in vtd_psc_ent.perm. */
#define VTD_PSC_R 1u      /* second stage: R */
#define VTD_PSC_W 2u      /* second stage: W; first stage: R/W */
#define VTD_PSC_US 4u     /* first stage: U/S */

struct vtd_psc_ent {
    uint64_t table;       /* address of the table the entry references */
    uint32_t perm;        /* VTD_PSC_* */
    bool ih_kept;         /* (lint) survived a page-selective invalidation
                             with IH=1 that covered it */
};

int vtd_psc_init_(struct vtd_iommu *u);
void vtd_psc_free_(struct vtd_iommu *u);

/* Invalidation generation; read before a walk, passed to the fills. */
uint64_t vtd_psc_gen_(struct vtd_iommu *u);

/* The entry at level (2..5) whose region holds iova, if cached. */
bool vtd_psc_lookup_(struct vtd_iommu *u, const struct vtd_psc_tag *t,
                     unsigned level, uint64_t iova, struct vtd_psc_ent *out);
void vtd_psc_fill_(struct vtd_iommu *u, const struct vtd_psc_tag *t,
                   unsigned level, uint64_t iova,
                   const struct vtd_psc_ent *e, uint64_t gen);

/* Invalidations (see above); never fail, callable with u->lock held.
 * gran: enum vtd_inv_gran (cache.h). */
void vtd_psc_flush_all_(struct vtd_iommu *u);
void vtd_psc_inv_iotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                        uint64_t addr, unsigned am, bool ih);
void vtd_psc_inv_piotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                         uint32_t pasid, uint64_t addr, unsigned am,
                         bool ih);

/*
 * Snapshot support (snapshot.c): live slots carried raw, e[0..2] = k0, k1,
 * v0 (pscache.c names the encodings; VTD_PSC_SNAP_LAYOUT must change when
 * they do, and a stream with another layout or geometry has them
 * dropped).  Same contract as the cache.h functions: nothing else runs on
 * the unit; vtd_cache_load_begin_() has emptied the caches first.
 */
#define VTD_PSC_SNAP_LAYOUT 1u
void vtd_psc_geom_(uint32_t *layout, uint32_t *sets, uint32_t *ways);
bool vtd_psc_slot_get_(struct vtd_iommu *u, unsigned set, unsigned way,
                       uint64_t e[3]);
bool vtd_psc_slot_ok_(struct vtd_iommu *u, unsigned set, const uint64_t e[3]);
void vtd_psc_slot_put_(struct vtd_iommu *u, unsigned set, unsigned way,
                       const uint64_t e[3]);

/* Number of valid entries (tests). */
unsigned vtd_psc_count_(struct vtd_iommu *u);

#endif
