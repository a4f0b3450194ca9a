/* SPDX-License-Identifier: MIT */
/* vtd/cache.h: context cache, PASID cache, IOTLB (VT-d chapter 6). */
#ifndef VTD_CACHE_H
#define VTD_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct vtd_iommu;

/* One front-cache slot (see "Front cache" below); read without a lock.
 * One cache line each (64 bytes, the array is 64-byte aligned), so that a
 * hit touches one line and the index scales by a shift. */
struct vtd_fast_slot {
    _Atomic uint32_t seq;     /* odd while a fill writes the slot */
    _Atomic uint64_t key;     /* PASID << 16 | SID (vtd_fast_key_()) */
    _Atomic uint64_t pfn;     /* iova >> 12 */
    _Atomic uint64_t w;       /* generation of the fill; 0 = empty */
    _Atomic uint64_t page;    /* output address of the 4 KiB page */
    _Atomic uint64_t size;    /* page size of the mapping */
    _Atomic uint64_t pd;      /* perm | DID << 32 (struct vtd_xlate) */
    uint64_t pad_;
};

#define VTD_FAST_ENTRIES 4096u

struct vtd_cache_state {
    /* Read by every IOTLB hit, written only at creation and by
     * invalidations that empty the front cache: a line of its own. */
    _Alignas(64) struct vtd_fast_slot *fast; /* VTD_FAST_ENTRIES slots */
    /* Front-cache epoch (cache.h "Front cache"): a slot is valid while it
     * carries the current epoch.  Bumped after gen by every invalidation
     * that empties the front cache; a page-selective IOTLB invalidation
     * does not bump it but drops the slots it covers.  Here rather than
     * in impl so that the hit path reads it without a pointer. */
    _Atomic uint64_t epoch;
    void *impl;                   /* owned by cache.c */
    bool fast_ok;                 /* cache on, no lint, no trace hook */
    /* Fill generation: bumped by every invalidation (several times by a
     * page-selective one), checked by every fill (context, PASID, IOTLB,
     * front cache; "Threading" below).  Not on the hit path's line: a
     * thread invalidating pages would otherwise take that line from
     * every translating thread at each invalidation. */
    _Alignas(64) _Atomic uint64_t gen;
    char pad_[56];
};

enum vtd_inv_gran {
    VTD_INV_GLOBAL = 1,
    VTD_INV_DOMAIN = 2,
    VTD_INV_DEVICE = 3,   /* context cache */
    VTD_INV_PAGE = 3,     /* IOTLB */
    VTD_INV_PASID = 4,    /* PASID-selective (PASID cache / P_IOTLB) */
};

int vtd_cache_init_(struct vtd_iommu *u);
void vtd_cache_free_(struct vtd_iommu *u);
void vtd_cache_flush_all_(struct vtd_iommu *u);

/* Invalidations; each returns nothing and never fails.  All may be called
 * with u->lock held.  Caching-mode subscribers are told what changed. */
void vtd_cache_inv_context_(struct vtd_iommu *u, unsigned gran,
                            uint16_t did, uint16_t sid, unsigned fm);
void vtd_cache_inv_iotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                          uint64_t addr, unsigned am, bool ih);
void vtd_cache_inv_pasid_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                          uint32_t pasid);
void vtd_cache_inv_piotlb_(struct vtd_iommu *u, unsigned gran,
                           uint16_t did, uint32_t pasid, uint64_t addr,
                           unsigned am, bool ih);

/*
 * Lookups and fills used by the translation pipeline (translate.c).
 *
 * Structure (VT-d 6.2): three set-associative tables of SETS x 4 ways,
 * each set guarded by a sequence lock.
 *  - context cache: tag SID; holds the raw context entry (legacy or
 *    scalable) and, for legacy entries, the DID;
 *  - PASID cache: tag (SID, PASID); holds the raw PASID-table entry, the
 *    cumulative FPD of the directory and table entries, and the DID;
 *  - IOTLB: tag (DID, PASID, stage, page number, page size 4K/2M/1G);
 *    holds the output page address and the permissions the walk granted.
 * Only valid, present entries that passed every check are filled into
 * the context and PASID caches.  The IOTLB also keeps not-present
 * translations (a walk that stopped at an SS R=W=0 or FS P=0 entry) when
 * CAP.CM=1, as VT-d 6.1 allows, so a driver that maps a page without the
 * invalidation caching mode requires keeps seeing the fault.
 *
 * Threading: lookups take no lock and allocate nothing: a reader copies
 * the set's slots between two reads of the set's sequence number and
 * retries (bounded; a busy set counts as a miss).  Writers (fills and
 * invalidations) make the sequence odd with a compare-exchange, so
 * invalidations from the register/QI thread and fills from any number of
 * translating threads are safe together.  A fill carries the invalidation
 * generation read before its walk (vtd_cache_gen_()) and is dropped when
 * an invalidation happened since, so a walk that raced with an
 * invalidation never re-inserts what the invalidation removed.
 * Replacement is round-robin per set; a full cache never flushes.
 */
struct vtd_ctx;
struct vtd_pasid_ent;

struct vtd_iotlb_hit {
    uint64_t page;       /* output address of the page */
    uint64_t page_size;
    uint32_t perm;       /* enum vtd_perm */
};

/*
 * Front cache (a hardware-like "last level" in front of the caches
 * above): direct-mapped, tagged by (SID, requested PASID, 4 KiB page),
 * holding the final result of an untranslated request without
 * execute/privilege flags, with the DID and the size of the mapping it
 * came from.  It never keeps anything the caches above would have
 * dropped; it only saves the context/PASID/IOTLB lookups on a hit.  Same
 * lock-free read protocol (a per-slot sequence number).
 *
 * Invalidation: every invalidation bumps the fill generation (gen), so no
 * fill that walked before it is stored.  Then
 *  - page-selective IOTLB invalidation (IOTLB register or descriptor,
 *    PSI; PASID-based IOTLB, page-selective-within-PASID) drops only the
 *    slots whose DID matches and whose mapping (the whole large page)
 *    overlaps the range, under each slot's sequence lock: the slots of a
 *    page are found from the SIDs that filled entries of the domain
 *    (one word per DID: the SID, or "several", and whether large pages
 *    or first-stage translations were filled).  When the domain has
 *    entries of several SIDs, more than 64 4 KiB pages would have to be
 *    probed, or (IOTLB PSI in scalable mode, VT-d 6.5.2.3 Table 23) the
 *    domain has first-stage or nested entries, which a PSI drops
 *    whatever their address, it empties the front cache instead;
 *  - every other invalidation (and SRTP, TE, the PMR latch) empties it in
 *    O(1): the epoch is bumped, and a slot is valid only while it carries
 *    the current epoch.
 * A fill reads gen, then the epoch, before its walk; it registers its
 * SID and DID (sequentially consistent), then checks gen under the slot
 * lock and stores the epoch it read.  So a fill that raced with an
 * invalidation is either refused (gen moved), stamped with an epoch the
 * invalidation made stale, or registered before the invalidation read
 * the registration (and its slot is then probed after it was written).
 */
struct vtd_fast_hit {
    uint64_t page;       /* output address of the 4 KiB page */
    uint64_t page_size;  /* size of the mapping (reported to the caller) */
    /* perm | did << 32: the effective enum vtd_perm for this requester
     * and the DID, laid out as struct vtd_xlate's perm and did fields
     * (translate.c stores it as one word). */
    uint64_t pd;
    bool first_stage;    /* a first-stage or nested translation */
};
static inline uint64_t vtd_fast_pd_(uint32_t perm, uint16_t did)
{
    return perm | (uint64_t)did << 32;
}
/* The last word of a front-cache result: fault = 0, recorded = false,
 * cached = true (translate.c checks struct vtd_xlate's layout). */
#define VTD_FAST_TAIL (1ULL << 40)
/* gen and epoch: vtd_cache_gen_() and vtd_cache_epoch_() read (in that
 * order) before the request read any register or structure; dgen:
 * vtd_cache_dgen_() of the result's DID, read before the IOTLB lookup,
 * or VTD_DGEN_NONE for a result that no page-selective invalidation
 * changes (pass-through: no IOTLB lookup, no walk). */
void vtd_cache_fast_fill_(struct vtd_iommu *u, uint64_t key, uint64_t iova,
                          const struct vtd_fast_hit *e, uint64_t gen,
                          uint64_t epoch, uint64_t dgen);

/* Front-cache key: the requested PASID (VTD_NO_PASID = 0xffffffff for
 * none) << 16, SID.  Every 32-bit PASID value has its own key, so a
 * request with an out-of-range PASID can never match a filled slot (fills
 * happen only after the request was checked), and the hit path need not
 * check the PASID range.  The key has no TTM and the hit path tests
 * neither TE nor the protected-memory regions: every change of the latched
 * root (SRTP), of TE and of the PMR latch empties the front cache instead
 * (vtd_cache_fast_drop_()), and no fill happens while TE=0 or a PMR is on
 * (translate.c reads the generation before those, so a fill that raced
 * with such a change is refused). */
static inline uint64_t vtd_fast_key_(uint16_t sid, uint32_t pasid)
{
    return (uint64_t)pasid << 16 | sid;
}

/* Direct-mapped index: the page number XOR the key's low 12 bits (SID bits
 * 11:0), no multiply, no division, no chain.  Requests of one SID with
 * different PASIDs share slots (conflict misses only). */
static inline struct vtd_fast_slot *
vtd_fast_slot_(const struct vtd_cache_state *cs, uint64_t key, uint64_t pfn)
{
    return &cs->fast[(pfn ^ key) & (VTD_FAST_ENTRIES - 1)];
}

/* Empty the front cache in O(1) (a generation and epoch bump); for
 * changes of state the hit path does not test (above). */
void vtd_cache_fast_drop_(struct vtd_iommu *u);

/* Front-cache lookup: inline, no lock, no allocation.  True when (key,
 * page of iova) is cached and valid (w is the epoch of the fill: the
 * unit's starts at 1, so an empty or dropped slot (w = 0) never matches) and
 * its rights cover the request's read/write bits (VT-d 3.6.1;
 * VTD_ACC_READ/WRITE are the same bits as VTD_PERM_R/W); then *out holds
 * the result (struct vtd_xlate: addr, page_size, perm, did, fault = 0,
 * recorded = false, cached = true).  The tag, page and generation are
 * checked as they are read and the result is stored as soon as it is read,
 * before the final sequence check, so few values are live at once: when
 * it returns false *out may have been written (the caller's slow path
 * rewrites all of it).  A torn read can only make a false miss. */
static inline bool vtd_cache_fast_xlate_(const struct vtd_cache_state *cs,
                                         uint64_t key, uint64_t iova,
                                         uint32_t access, void *out)
{
    uint64_t pfn = iova >> 12;
    struct vtd_fast_slot *f = vtd_fast_slot_(cs, key, pfn);
    uint32_t s1 = atomic_load_explicit(&f->seq, memory_order_acquire);
    if (atomic_load_explicit(&f->key, memory_order_relaxed) != key ||
        atomic_load_explicit(&f->pfn, memory_order_relaxed) != pfn ||
        atomic_load_explicit(&f->w, memory_order_relaxed) !=
            atomic_load_explicit(&cs->epoch, memory_order_relaxed))
        return false;
    uint64_t pd = atomic_load_explicit(&f->pd, memory_order_relaxed);
    if (access & ~(uint32_t)pd & 3)
        return false;
    uint64_t w0 = atomic_load_explicit(&f->page, memory_order_relaxed) |
                  (iova & 0xfff);
    uint64_t w1 = atomic_load_explicit(&f->size, memory_order_relaxed);
    const uint64_t w3 = VTD_FAST_TAIL;
    memcpy((char *)out, &w0, 8);
    memcpy((char *)out + 8, &w1, 8);
    memcpy((char *)out + 16, &pd, 8);
    memcpy((char *)out + 24, &w3, 8);
    atomic_thread_fence(memory_order_acquire);
    uint32_t s2 = atomic_load_explicit(&f->seq, memory_order_relaxed);
    return ((s1 & 1) | (s1 ^ s2)) == 0;
}
uint64_t vtd_cache_gen_(struct vtd_iommu *u);
uint64_t vtd_cache_epoch_(struct vtd_iommu *u);
/*
 * Domain fill generations.  A page-selective IOTLB invalidation
 * (register, descriptor, or PASID-based page-selective) changes only
 * what fills of its domain may store (IOTLB and front-cache entries of
 * the DID; the paging-structure caches have their own generation), so it
 * does not bump the unit's fill generation (gen), which every fill of
 * every domain checks and every translating thread reads, but the
 * domain's: one counter per DID modulo 64, a cache line each.  A request
 * reads it (vtd_cache_dgen_()) once it knows the DID, before the IOTLB
 * lookup, the paging-structure caches and the walk; its IOTLB and front-
 * cache fills check it as they check gen (under the set or slot lock).
 * The invalidation bumps it where it bumped gen: before the
 * paging-structure caches, before the IOTLB drop and before the
 * front-cache drop, so the argument of "Threading" above holds domain by
 * domain.  Every other invalidation still bumps gen, and the fills check
 * both.  So a thread invalidating pages of one domain no longer writes a
 * line that translating threads of every domain read three times per
 * request, nor refuses their fills.
 */
#define VTD_DGEN_NONE UINT64_MAX
uint64_t vtd_cache_dgen_(struct vtd_iommu *u, uint16_t did);
bool vtd_cache_ctx_lookup_(struct vtd_iommu *u, uint16_t sid,
                           struct vtd_ctx *out);
void vtd_cache_ctx_fill_(struct vtd_iommu *u, uint16_t sid,
                         const struct vtd_ctx *c, uint64_t gen);
bool vtd_cache_pasid_lookup_(struct vtd_iommu *u, uint16_t sid,
                             uint32_t pasid, struct vtd_pasid_ent *out);
void vtd_cache_pasid_fill_(struct vtd_iommu *u, uint16_t sid,
                           uint32_t pasid, const struct vtd_pasid_ent *pe,
                           uint64_t gen);
/* fs: the entry caches a first-stage or nested translation (PGTT=001b or
 * 011b), a tag of its own (VT-d 6.5.2.3 Table 23 drops those of a domain
 * on a page-selective IOTLB invalidation whatever their address). */
bool vtd_cache_iotlb_lookup_(struct vtd_iommu *u, uint16_t did,
                             uint32_t pasid, bool fs, uint64_t iova,
                             struct vtd_iotlb_hit *out);
void vtd_cache_iotlb_fill_(struct vtd_iommu *u, uint16_t did,
                           uint32_t pasid, bool fs, uint64_t iova,
                           const struct vtd_iotlb_hit *e, uint64_t gen,
                           uint64_t dgen);

/*
 * Snapshot support (snapshot.c).  The caller guarantees that nothing else
 * runs on the unit (the vtd_save()/vtd_load() contract).  Slots are
 * carried raw: e[0..5] = k0, k1, v[0..3] of a set-associative table,
 * f[0..3] = key, page number, value word (page | perm (bits 3:0) | log2
 * of the page size (bits 11:6)), DID of a front-cache slot.  VTD_CACHE_SNAP_LAYOUT names these encodings and
 * must change whenever cache.c changes them (a stream with another layout
 * or geometry has its caches dropped).
 */
#define VTD_CACHE_SNAP_LAYOUT 4u   /* 4: IOTLB tag with the stage */
enum { VTD_CT_CTX = 0, VTD_CT_PASID = 1, VTD_CT_IOTLB = 2, VTD_CT_N = 3 };
struct vtd_cache_geom {
    uint32_t layout, ways, sets[VTD_CT_N], fast;
};
void vtd_cache_geom_(struct vtd_cache_geom *g);
/* True when the slot holds a valid entry (e filled either way). */
bool vtd_cache_slot_get_(struct vtd_iommu *u, unsigned t, unsigned set,
                         unsigned way, uint64_t e[6]);
uint32_t vtd_cache_set_next_(struct vtd_iommu *u, unsigned t, unsigned set);
/* True when e is a well-formed valid entry whose tag belongs in set. */
bool vtd_cache_slot_ok_(struct vtd_iommu *u, unsigned t, unsigned set,
                        const uint64_t e[6]);
/* True when front-cache slot i holds an entry of the current generation. */
bool vtd_cache_fast_get_(struct vtd_iommu *u, unsigned i, uint64_t f[4]);
bool vtd_cache_fast_ok_(struct vtd_iommu *u, unsigned i,
                        const uint64_t f[4]);
/* Empty every table (slots, round-robin counters, front cache), then
 * install entries checked with the _ok_ functions. */
void vtd_cache_load_begin_(struct vtd_iommu *u);
void vtd_cache_slot_put_(struct vtd_iommu *u, unsigned t, unsigned set,
                         unsigned way, const uint64_t e[6]);
void vtd_cache_set_next_put_(struct vtd_iommu *u, unsigned t, unsigned set,
                             uint32_t next);
void vtd_cache_fast_put_(struct vtd_iommu *u, unsigned i,
                         const uint64_t f[4]);

#endif
