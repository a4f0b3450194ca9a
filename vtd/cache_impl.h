/* SPDX-License-Identifier: MIT */
/*
 * vtd/cache_impl.h: the representation of the caches of cache.c, shared
 * with cache_snapshot.c (the snapshot side).  Private to those two files;
 * the contract for everyone else is cache.h.
 */
#ifndef VTD_CACHE_IMPL_H
#define VTD_CACHE_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

#define WAYS 4
#define CTX_SETS 256
#define PASID_SETS 256
#define IOTLB_SETS 1024
#define READ_TRIES 8

#define K_VALID (1ULL << 63)
/* The context cache's k1 for a scalable-mode entry (it carries no DID). */
#define NO_DID 0x10000ULL

static const unsigned size_shift[4] = { 12, 21, 30, 12 };

struct slot {
    _Atomic uint64_t k0, k1;
    _Atomic uint64_t v[4];
};

struct cset {
    _Atomic uint32_t seq;
    _Atomic uint32_t next;    /* round-robin victim */
    struct slot s[WAYS];
};

struct ctable {
    unsigned nsets;           /* power of two */
    struct cset *sets;
};

/* Domain fill generations ("Domain fill generations" in cache.h), one
 * cache line each. */
#define DGEN_STRIPES 64u
struct dgen_line {
    _Alignas(64) _Atomic uint64_t v;
    char pad_[56];
};

struct cache_impl {
    struct vtd_fast_slot *fast;
    struct dgen_line *dgen;   /* DGEN_STRIPES lines (aligned_alloc) */
    struct ctable ctx, pasid, iotlb;
    _Atomic uint64_t *gen;    /* &u->cache.gen */
    _Atomic uint64_t *epoch;  /* &u->cache.epoch */
    _Atomic uint32_t sizes;   /* bit n: an IOTLB entry of size code n */
    /* O(1) global and domain-selective IOTLB invalidation ("IOTLB
     * generations" below): the unit's IOTLB generation and one per DID. */
    _Atomic uint64_t iotlb_gen;
    _Atomic uint64_t *did_gen;   /* DID_GENS entries */
    /* Per DID, bumped by a page-selective IOTLB invalidation: first-stage
     * and nested entries carry did_gen + did_fs_gen (Table 23). */
    _Atomic uint64_t *did_fs_gen;   /* DID_GENS entries */
    /* Per DID, who filled front-cache entries (front_owner_*, "Front
     * cache" in cache.h): 0 = nobody. */
    _Atomic uint32_t *did_front;    /* DID_GENS entries */
    /* Set by the first global or domain-selective IOTLB invalidation:
     * until then no IOTLB entry can be stale and fills skip the test. */
    _Atomic bool gens_used;
    /* Set by the first first-stage or nested IOTLB fill: until then a
     * page-selective invalidation has no such entry to drop and leaves
     * did_fs_gen (and gens_used) alone. */
    _Atomic bool fs_filled;
};

#define DID_GENS 65536u

static inline struct cache_impl *impl(struct vtd_iommu *u)
{
    return u->cache.impl;
}


static inline uint32_t hash32(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)x;
}


static inline struct cset *set_of(struct ctable *t, uint64_t key)
{
    return &t->sets[hash32(key) & (t->nsets - 1)];
}


/* Bump the generation before dropping: fills that walked before this
 * point are refused (see cache.h). */
static inline void gen_bump(struct cache_impl *c)
{
    atomic_fetch_add(c->gen, 1);
}

/* The domain fill generation of did (a stripe shared by the DIDs equal
 * modulo DGEN_STRIPES: a bump for one refuses fills of the others too,
 * which is safe). */
static inline _Atomic uint64_t *dgen_of(struct cache_impl *c, uint16_t did)
{
    return &c->dgen[did & (DGEN_STRIPES - 1)].v;
}

/* Bump did's domain fill generation before dropping entries of the
 * domain: fills of the domain that read it before are refused. */
static inline void dgen_bump(struct cache_impl *c, uint16_t did)
{
    atomic_fetch_add(dgen_of(c, did), 1);
}

/* Empty the front cache: the fill generation, then the epoch (cache.h
 * "Front cache": a fill reads them in the same order before its walk). */
static inline void front_drop(struct cache_impl *c)
{
    gen_bump(c);
    atomic_fetch_add(c->epoch, 1);
}


/* The owner word of a DID (did_front): which SID filled front-cache
 * entries of the domain, and what kinds.  Bits are only ever added, except
 * by a domain-selective invalidation of the DID, which first clears the
 * word and then empties the front cache. */
#define FO_SID      0xffffu      /* the SID, when FO_ONE */
#define FO_ONE      (1u << 16)   /* entries of one SID */
#define FO_SEVERAL  (1u << 17)   /* entries of more than one SID */
#define FO_2M       (1u << 18)   /* an entry of a 2 MiB mapping */
#define FO_1G       (1u << 19)   /* an entry of a 1 GiB mapping */
#define FO_FS       (1u << 20)   /* a first-stage or nested entry */


/* Record that sid fills an entry of did with these kind bits (FO_2M,
 * FO_1G, FO_FS).  Sequentially consistent, before the fill checks gen:
 * see "Front cache" in cache.h. */
static inline void front_owner_add(struct cache_impl *c, uint16_t did,
                            uint16_t sid, uint32_t kinds)
{
    _Atomic uint32_t *w = &c->did_front[did];
    uint32_t cur = atomic_load(w);
    for (;;) {
        uint32_t nv = cur | kinds;
        if (!(cur & (FO_ONE | FO_SEVERAL)))
            nv |= FO_ONE | sid;
        else if ((cur & FO_ONE) && (cur & FO_SID) != sid)
            nv = (nv & ~(FO_ONE | FO_SID)) | FO_SEVERAL;
        if (nv == cur || atomic_compare_exchange_weak(w, &cur, nv))
            return;
    }
}


/* The stage tag: a first-stage or nested translation. */
#define K_FS (1ULL << 38)


static inline struct cset *iotlb_set(struct cache_impl *c, unsigned szc,
                              uint16_t did, uint64_t pfn)
{
    return set_of(&c->iotlb, pfn * 4 + szc + ((uint64_t)did << 44));
}


/*
 * IOTLB generations (VT-d 6.5.1.2, 6.5.2.4: global and domain-selective
 * invalidation in O(1), no scan).  An IOTLB entry carries in v[2] and v[3]
 * the unit's IOTLB generation and its domain's generation read when it
 * was filled, and is valid only while both are current: a global
 * invalidation bumps the unit's, a domain-selective one (IOTLB or
 * PASID-based IOTLB, which drop every PASID of the domain) the DID's.
 * A first-stage or nested entry (K_FS) carries in v[3] the sum of its
 * domain's generation and its domain's first-stage generation, which a
 * page-selective IOTLB invalidation bumps (VT-d 6.5.2.3 Table 23: it
 * drops every first-stage and nested entry of the domain); both only
 * grow, so the sum changes when either does.
 * Ordering: an invalidation bumps the fill generation (gen_bump()) first,
 * then these; a fill reads these first, then checks the fill generation
 * under the set lock (set_fill()).  So a fill that read a generation
 * after its bump sees the fill generation changed and is refused, and a
 * fill that read it before the bump is stamped with the old value, which
 * no lookup after the invalidation accepts.  Entries made stale this way
 * stay in their slots until replaced (round-robin), as a dropped entry
 * would; the snapshot functions below report them as empty.
 */
static inline uint64_t iotlb_did_gen(struct cache_impl *c, uint16_t did, bool fs)
{
    uint64_t g = atomic_load_explicit(&c->did_gen[did], memory_order_acquire);
    if (fs)
        g += atomic_load_explicit(&c->did_fs_gen[did], memory_order_acquire);
    return g;
}

static inline bool iotlb_gens_current(struct cache_impl *c, uint64_t k0,
                               const uint64_t *v)
{
    return v[2] == atomic_load_explicit(&c->iotlb_gen, memory_order_acquire) &&
           v[3] == iotlb_did_gen(c, (uint16_t)(k0 >> 20), (k0 & K_FS) != 0);
}

#endif
