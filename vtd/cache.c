/* SPDX-License-Identifier: MIT */
/*
 * vtd/cache.c: context cache, PASID cache and IOTLB (VT-d chapter 6).
 * The structure and the threading contract are described in cache.h.
 *
 * Invalidation granularities (VT-d 6.5.1, 6.5.2):
 *  - context: GLOBAL drops every context and PASID-cache entry; DOMAIN
 *    drops legacy context entries with that DID, every scalable-mode
 *    context entry (they carry no DID) and PASID-cache entries with that
 *    DID; DEVICE drops the entries of the SIDs that match sid under the
 *    function mask fm (VT-d 6.5.1.1: FM 1/2/3 mask SID bit 2, bits 2:1,
 *    bits 2:0) and their PASID-cache entries.  The IOTLB is left alone:
 *    software must invalidate it too (VT-d 6.5.3.1).
 *  - IOTLB: GLOBAL all and DOMAIN by DID, both in O(1) (generations,
 *    see "IOTLB generations"); PAGE by DID and the 2^am pages at
 *    addr (aligned down), every PASID, every page size overlapping, and
 *    every first-stage or nested entry of the DID (Table 23; O(1), the
 *    DID's first-stage generation).
 *  - PASID cache: GLOBAL all; DOMAIN by DID; PASID by DID and PASID.
 *  - PASID-based IOTLB: GLOBAL all; DOMAIN by DID; PASID by DID and
 *    PASID; PAGE by DID, PASID and range.
 * Invalidating more than asked is allowed by the spec (hardware may
 * evict at any time) and happens only where noted above.
 */
#include <stdlib.h>
#include <string.h>

#include "cache_impl.h"
#include "internal.h"
#include "pasid.h"
#include "rootctx.h"

/* ------------------------------------------------------------------ */
/* Sequence-locked sets                                                */
/* ------------------------------------------------------------------ */

static bool set_trylock(struct cset *s)
{
    uint32_t v = atomic_load_explicit(&s->seq, memory_order_relaxed);
    if (v & 1)
        return false;
    if (!atomic_compare_exchange_strong_explicit(&s->seq, &v, v + 1,
                                                 memory_order_acquire,
                                                 memory_order_relaxed))
        return false;
    atomic_thread_fence(memory_order_release);
    return true;
}

static void set_lock(struct cset *s)
{
    /* Writers hold a set for a few stores; spin. */
    while (!set_trylock(s))
        ;
}

static void set_unlock(struct cset *s)
{
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

static void slot_clear(struct slot *sl)
{
    atomic_store_explicit(&sl->k0, 0, memory_order_relaxed);
}

/* Find the slot tagged (k0, k1) and copy its values.  No lock. */
static bool set_read(struct cset *s, uint64_t k0, uint64_t k1,
                     uint64_t *v, unsigned nv)
{
    for (unsigned t = 0; t < READ_TRIES; t++) {
        uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (s1 & 1)
            continue;
        bool found = false;
        for (unsigned w = 0; w < WAYS && !found; w++) {
            struct slot *sl = &s->s[w];
            if (atomic_load_explicit(&sl->k0, memory_order_relaxed) != k0 ||
                atomic_load_explicit(&sl->k1, memory_order_relaxed) != k1)
                continue;
            for (unsigned i = 0; i < nv; i++)
                v[i] = atomic_load_explicit(&sl->v[i], memory_order_relaxed);
            found = true;
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1)
            return found;
    }
    return false;
}

/* Whether an IOTLB slot (set locked) holds a valid entry whose
 * generations are out of date, i.e. a dropped entry (see "IOTLB
 * generations"). */
static bool iotlb_slot_stale(struct cache_impl *c, struct slot *sl,
                             uint64_t sk0)
{
    uint64_t v[4] = { 0, 0,
                      atomic_load_explicit(&sl->v[2], memory_order_relaxed),
                      atomic_load_explicit(&sl->v[3], memory_order_relaxed) };
    return !iotlb_gens_current(c, sk0, v);
}

/* Insert or replace (k0, k1) -> v, unless an invalidation happened since
 * gen or, with dg, since the domain generation *dg was dgen.  Best
 * effort: a busy set skips the fill.  An empty slot is taken before a
 * round-robin victim; in the IOTLB (iotlb) a stale one counts as empty. */
static void set_fill(struct cache_impl *c, struct cset *s, uint64_t gen,
                     _Atomic uint64_t *dg, uint64_t dgen,
                     uint64_t k0, uint64_t k1, bool k0_only,
                     const uint64_t *v, unsigned nv, bool iotlb)
{
    if (!set_trylock(s))
        return;
    if (atomic_load(c->gen) != gen || (dg && atomic_load(dg) != dgen)) {
        set_unlock(s);
        return;
    }
    iotlb = iotlb && atomic_load_explicit(&c->gens_used, memory_order_relaxed);
    struct slot *victim = NULL;
    for (unsigned w = 0; w < WAYS; w++) {
        struct slot *sl = &s->s[w];
        uint64_t sk0 = atomic_load_explicit(&sl->k0, memory_order_relaxed);
        if (sk0 == k0 && (k0_only ||
                          atomic_load_explicit(&sl->k1,
                                               memory_order_relaxed) == k1)) {
            victim = sl;
            break;
        }
        if (!victim && (!(sk0 & K_VALID) ||
                        (iotlb && iotlb_slot_stale(c, sl, sk0))))
            victim = sl;
    }
    if (!victim) {
        uint32_t n = atomic_fetch_add_explicit(&s->next, 1,
                                               memory_order_relaxed);
        victim = &s->s[n % WAYS];
    }
    atomic_store_explicit(&victim->k0, 0, memory_order_relaxed);
    atomic_store_explicit(&victim->k1, k1, memory_order_relaxed);
    for (unsigned i = 0; i < nv; i++)
        atomic_store_explicit(&victim->v[i], v[i], memory_order_relaxed);
    atomic_store_explicit(&victim->k0, k0, memory_order_relaxed);
    set_unlock(s);
}

typedef bool (*match_fn)(uint64_t k0, uint64_t k1, const uint64_t *v,
                         const void *arg);

/* Drop the matching slots of one set (under its lock). */
static void set_drop(struct cset *s, match_fn m, const void *arg)
{
    set_lock(s);
    for (unsigned w = 0; w < WAYS; w++) {
        struct slot *sl = &s->s[w];
        uint64_t k0 = atomic_load_explicit(&sl->k0, memory_order_relaxed);
        if (!(k0 & K_VALID))
            continue;
        uint64_t v[4];
        for (unsigned i = 0; i < 4; i++)
            v[i] = atomic_load_explicit(&sl->v[i], memory_order_relaxed);
        if (m(k0, atomic_load_explicit(&sl->k1, memory_order_relaxed), v,
              arg))
            slot_clear(sl);
    }
    set_unlock(s);
}

static void table_drop(struct ctable *t, match_fn m, const void *arg)
{
    for (unsigned i = 0; i < t->nsets; i++)
        set_drop(&t->sets[i], m, arg);
}

static bool match_all(uint64_t k0, uint64_t k1, const uint64_t *v,
                      const void *arg)
{
    (void)k0; (void)k1; (void)v; (void)arg;
    return true;
}




/* ------------------------------------------------------------------ */
/* Lifetime                                                            */
/* ------------------------------------------------------------------ */

static int table_init(struct ctable *t, unsigned nsets)
{
    t->nsets = nsets;
    t->sets = g_try_new0(struct cset, nsets);
    return t->sets ? 0 : -ENOMEM;
}

int vtd_cache_init_(struct vtd_iommu *u)
{
    struct cache_impl *c = g_try_new0(struct cache_impl, 1);
    if (!c)
        return -ENOMEM;
    /* C11 aligned_alloc: one slot per cache line (cache.h). */
    c->fast = aligned_alloc(64, sizeof(struct vtd_fast_slot) *
                                    VTD_FAST_ENTRIES);
    if (c->fast)
        memset(c->fast, 0, sizeof(struct vtd_fast_slot) * VTD_FAST_ENTRIES);
    c->dgen = aligned_alloc(64, sizeof(struct dgen_line) * DGEN_STRIPES);
    if (c->dgen)
        memset(c->dgen, 0, sizeof(struct dgen_line) * DGEN_STRIPES);
    if (!c->fast || !c->dgen || table_init(&c->ctx, CTX_SETS) < 0 ||
        table_init(&c->pasid, PASID_SETS) < 0 ||
        table_init(&c->iotlb, IOTLB_SETS) < 0 ||
        !(c->did_gen = g_try_new0(_Atomic uint64_t, DID_GENS)) ||
        !(c->did_fs_gen = g_try_new0(_Atomic uint64_t, DID_GENS)) ||
        !(c->did_front = g_try_new0(_Atomic uint32_t, DID_GENS))) {
        free(c->fast);
        free(c->dgen);
        g_free(c->did_gen);
        g_free(c->did_fs_gen);
        g_free(c->did_front);
        g_free(c->ctx.sets);
        g_free(c->pasid.sets);
        g_free(c->iotlb.sets);
        g_free(c);
        return -ENOMEM;
    }
    u->cache.impl = c;
    u->cache.fast = c->fast;
    c->gen = &u->cache.gen;
    c->epoch = &u->cache.epoch;
    atomic_store(c->gen, 1);
    atomic_store(c->epoch, 1); /* an empty slot (w = 0) never matches */
    u->cache.fast_ok = u->cfg.cache != VTD_CACHE_NONE && !u->cfg.lint &&
                       !u->ops.trace;
    return 0;
}

void vtd_cache_free_(struct vtd_iommu *u)
{
    struct cache_impl *c = impl(u);
    if (!c)
        return;
    free(c->fast);
    free(c->dgen);
    g_free(c->ctx.sets);
    g_free(c->pasid.sets);
    g_free(c->iotlb.sets);
    g_free(c->did_gen);
    g_free(c->did_fs_gen);
    g_free(c->did_front);
    g_free(c);
    memset(&u->cache, 0, sizeof(u->cache));
}

void vtd_cache_flush_all_(struct vtd_iommu *u)
{
    struct cache_impl *c = impl(u);
    if (!c)
        return;
    gen_bump(c);
    vtd_psc_flush_all_(u);
    table_drop(&c->ctx, match_all, NULL);
    gen_bump(c);
    table_drop(&c->pasid, match_all, NULL);
    gen_bump(c);
    table_drop(&c->iotlb, match_all, NULL);
    front_drop(c);   /* after the caches it is filled from (iotlb_inv()) */
}

uint64_t vtd_cache_gen_(struct vtd_iommu *u)
{
    return atomic_load(&u->cache.gen);
}

uint64_t vtd_cache_dgen_(struct vtd_iommu *u, uint16_t did)
{
    return atomic_load(dgen_of(impl(u), did));
}

uint64_t vtd_cache_epoch_(struct vtd_iommu *u)
{
    return atomic_load(&u->cache.epoch);
}

void vtd_cache_fast_drop_(struct vtd_iommu *u)
{
    if (impl(u))
        front_drop(impl(u));
}

/* ------------------------------------------------------------------ */
/* Front cache                                                         */
/* ------------------------------------------------------------------ */

/* Page-selective invalidation probes at most this many 4 KiB pages of the
 * front cache; above it, it empties it. */
#define FRONT_PROBES 64u


static void front_lock(struct vtd_fast_slot *f)
{
    for (;;) {
        uint32_t s = atomic_load_explicit(&f->seq, memory_order_relaxed);
        if (!(s & 1) &&
            atomic_compare_exchange_weak_explicit(&f->seq, &s, s + 1,
                                                  memory_order_acquire,
                                                  memory_order_relaxed))
            break;
    }
    atomic_thread_fence(memory_order_release);
}

static void front_unlock(struct vtd_fast_slot *f)
{
    atomic_fetch_add_explicit(&f->seq, 1, memory_order_release);
}

/* The range [lo, hi] of a page-selective invalidation (VT-d 6.5.1.2,
 * 6.5.2.3: AM = log2 of the number of 4 KiB pages, addr aligned down to
 * that size). */
static void psi_range(uint64_t addr, unsigned am, uint64_t *lo,
                      uint64_t *hi)
{
    if (am > 52)
        am = 52;
    uint64_t span = 1ULL << (12 + am);
    *lo = addr & ~(span - 1);
    *hi = *lo + span - 1;
}

/* Page-selective invalidation of the front cache: drop the slots of DID
 * did whose mapping overlaps [lo, hi]; with fs_all, also every first-stage
 * or nested slot of the DID (Table 23).  The caller has bumped gen. */
static void front_inv_range(struct cache_impl *c, uint16_t did, uint64_t lo,
                            uint64_t hi, bool fs_all)
{
    uint32_t own = atomic_load(&c->did_front[did]);
    if (!own)
        return;                 /* no entry of the domain was filled */
    if ((own & FO_SEVERAL) || (fs_all && (own & FO_FS))) {
        front_drop(c);
        return;
    }
    /* A slot holds one 4 KiB page of a mapping of up to this size: the
     * pages of every mapping overlapping the range. */
    uint64_t big = (own & FO_1G) ? VTD_PAGE_1G
                 : (own & FO_2M) ? VTD_PAGE_2M : VTD_PAGE_4K;
    uint64_t first = (lo & ~(big - 1)) >> 12, last = (hi | (big - 1)) >> 12;
    if (last - first >= FRONT_PROBES) {
        front_drop(c);
        return;
    }
    uint16_t sid = (uint16_t)(own & FO_SID);
    for (uint64_t pfn = first; pfn <= last; pfn++) {
        /* vtd_fast_slot_(): the index does not depend on the PASID. */
        struct vtd_fast_slot *f =
            &c->fast[(pfn ^ sid) & (VTD_FAST_ENTRIES - 1)];
        front_lock(f);
        uint64_t fpfn = atomic_load_explicit(&f->pfn, memory_order_relaxed);
        uint64_t size = atomic_load_explicit(&f->size, memory_order_relaxed);
        uint64_t pd = atomic_load_explicit(&f->pd, memory_order_relaxed);
        uint64_t mlo = (fpfn << VTD_PAGE_SHIFT) & ~(size - 1);
        uint64_t mhi = mlo + size - 1;
        if (atomic_load_explicit(&f->w, memory_order_relaxed) &&
            (uint16_t)(pd >> 32) == did && mlo <= hi && mhi >= lo)
            atomic_store_explicit(&f->w, 0, memory_order_relaxed);
        front_unlock(f);
    }
}

void vtd_cache_fast_fill_(struct vtd_iommu *u, uint64_t key, uint64_t iova,
                          const struct vtd_fast_hit *e, uint64_t gen,
                          uint64_t epoch, uint64_t dgen)
{
    struct cache_impl *c = impl(u);
    /* log2 of the page size, kept in bits 11:6 of the value word. */
    unsigned lg = e->page_size >= VTD_PAGE_1G ? 30
                  : e->page_size >= VTD_PAGE_2M ? 21 : 12;
    uint64_t pfn = iova >> 12;
    struct vtd_fast_slot *f = vtd_fast_slot_(&u->cache, key, pfn);
    front_owner_add(c, (uint16_t)(e->pd >> 32), (uint16_t)key,
                    (lg == 30 ? FO_1G : lg == 21 ? FO_2M : 0) |
                    (e->first_stage ? FO_FS : 0));
    uint32_t s = atomic_load_explicit(&f->seq, memory_order_relaxed);
    if ((s & 1) ||
        !atomic_compare_exchange_strong_explicit(&f->seq, &s, s + 1,
                                                 memory_order_acquire,
                                                 memory_order_relaxed))
        return;
    atomic_thread_fence(memory_order_release);
    if (atomic_load(c->gen) == gen &&
        (dgen == VTD_DGEN_NONE ||
         atomic_load(dgen_of(c, (uint16_t)(e->pd >> 32))) == dgen)) {
        atomic_store_explicit(&f->key, key, memory_order_relaxed);
        atomic_store_explicit(&f->pfn, pfn, memory_order_relaxed);
        atomic_store_explicit(&f->w, epoch, memory_order_relaxed);
        atomic_store_explicit(&f->page, e->page & ~0xfffULL,
                              memory_order_relaxed);
        atomic_store_explicit(&f->size, 1ULL << lg, memory_order_relaxed);
        atomic_store_explicit(&f->pd, e->pd & 0xffff0000000fULL,
                              memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&f->seq, 1, memory_order_release);
}

/* ------------------------------------------------------------------ */
/* Context cache: k0 = VALID | sid; k1 = DID (legacy) or NO_DID         */
/* ------------------------------------------------------------------ */

bool vtd_cache_ctx_lookup_(struct vtd_iommu *u, uint16_t sid,
                           struct vtd_ctx *out)
{
    struct cache_impl *c = impl(u);
    struct cset *s = set_of(&c->ctx, sid);
    uint64_t k0 = K_VALID | sid;
    /* The DID is part of the tag but unknown to the reader: probe the
     * set by SID only. */
    for (unsigned t = 0; t < READ_TRIES; t++) {
        uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (s1 & 1)
            continue;
        bool found = false;
        uint64_t k1 = 0;
        for (unsigned w = 0; w < WAYS && !found; w++) {
            struct slot *sl = &s->s[w];
            if (atomic_load_explicit(&sl->k0, memory_order_relaxed) != k0)
                continue;
            k1 = atomic_load_explicit(&sl->k1, memory_order_relaxed);
            for (unsigned i = 0; i < 4; i++)
                out->q[i] = atomic_load_explicit(&sl->v[i],
                                                 memory_order_relaxed);
            found = true;
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1) {
            if (found)
                out->scalable = k1 == NO_DID;
            return found;
        }
    }
    return false;
}

void vtd_cache_ctx_fill_(struct vtd_iommu *u, uint16_t sid,
                         const struct vtd_ctx *ctx, uint64_t gen)
{
    if (u->cfg.cache == VTD_CACHE_NONE)
        return;
    struct cache_impl *c = impl(u);
    uint64_t k1 = ctx->scalable ? NO_DID : field_get(ctx->q[1], CE_HI, DID);
    /* Tagged by SID alone for lookups: replace any entry of the SID. */
    set_fill(c, set_of(&c->ctx, sid), gen, NULL, 0, K_VALID | sid, k1, true,
             ctx->q, 4, false);
}

/* ------------------------------------------------------------------ */
/* PASID cache: k0 = VALID | sid << 20 | pasid; k1 = DID                */
/* ------------------------------------------------------------------ */

static uint64_t pasid_k0(uint16_t sid, uint32_t pasid)
{
    return K_VALID | (uint64_t)sid << 20 | (pasid & VTD_PASID_MAX);
}

bool vtd_cache_pasid_lookup_(struct vtd_iommu *u, uint16_t sid,
                             uint32_t pasid, struct vtd_pasid_ent *out)
{
    struct cache_impl *c = impl(u);
    uint64_t k0 = pasid_k0(sid, pasid);
    struct cset *s = set_of(&c->pasid, k0);
    for (unsigned t = 0; t < READ_TRIES; t++) {
        uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (s1 & 1)
            continue;
        bool found = false;
        uint64_t v[4] = { 0 };
        for (unsigned w = 0; w < WAYS && !found; w++) {
            struct slot *sl = &s->s[w];
            if (atomic_load_explicit(&sl->k0, memory_order_relaxed) != k0)
                continue;
            for (unsigned i = 0; i < 4; i++)
                v[i] = atomic_load_explicit(&sl->v[i], memory_order_relaxed);
            found = true;
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1) {
            if (found) {
                out->q[0] = v[0];
                out->q[1] = v[1];
                out->q[2] = v[2];
                out->fpd = v[3] != 0;
            }
            return found;
        }
    }
    return false;
}

void vtd_cache_pasid_fill_(struct vtd_iommu *u, uint16_t sid,
                           uint32_t pasid, const struct vtd_pasid_ent *pe,
                           uint64_t gen)
{
    if (u->cfg.cache == VTD_CACHE_NONE)
        return;
    struct cache_impl *c = impl(u);
    uint64_t k0 = pasid_k0(sid, pasid);
    uint64_t v[4] = { pe->q[0], pe->q[1], pe->q[2], pe->fpd };
    set_fill(c, set_of(&c->pasid, k0), gen, NULL, 0, k0,
             field_get(pe->q[1], PTE1, DID), true, v, 4, false);
}

/* ------------------------------------------------------------------ */
/* IOTLB: k0 = VALID | FS | szc << 36 | did << 20 | pasid;             */
/* k1 = iova >> shift                                                   */
/* The set is chosen by (did, page number, size) only, so that a        */
/* page-selective invalidation can probe it for every PASID.            */
/* ------------------------------------------------------------------ */


static uint64_t iotlb_k0(unsigned szc, uint16_t did, uint32_t pasid,
                         bool fs)
{
    return K_VALID | (fs ? K_FS : 0) | (uint64_t)szc << 36 |
           (uint64_t)did << 20 | (pasid & VTD_PASID_MAX);
}



bool vtd_cache_iotlb_lookup_(struct vtd_iommu *u, uint16_t did,
                             uint32_t pasid, bool fs, uint64_t iova,
                             struct vtd_iotlb_hit *out)
{
    struct cache_impl *c = impl(u);
    uint32_t sizes = atomic_load_explicit(&c->sizes, memory_order_relaxed);
    for (unsigned szc = 0; szc < 3; szc++) {
        if (!(sizes & (1u << szc)))
            continue;
        uint64_t pfn = iova >> size_shift[szc];
        uint64_t v[4];
        uint64_t k0 = iotlb_k0(szc, did, pasid, fs);
        if (set_read(iotlb_set(c, szc, did, pfn), k0, pfn, v, 4) &&
            iotlb_gens_current(c, k0, v)) {
            out->page = v[0];
            out->perm = (uint32_t)v[1];
            out->page_size = 1ULL << size_shift[szc];
            return true;
        }
    }
    return false;
}

void vtd_cache_iotlb_fill_(struct vtd_iommu *u, uint16_t did,
                           uint32_t pasid, bool fs, uint64_t iova,
                           const struct vtd_iotlb_hit *e, uint64_t gen,
                           uint64_t dgen)
{
    if (u->cfg.cache == VTD_CACHE_NONE)
        return;
    struct cache_impl *c = impl(u);
    unsigned szc;
    if (e->page_size == VTD_PAGE_4K)
        szc = 0;
    else if (e->page_size == VTD_PAGE_2M)
        szc = 1;
    else if (e->page_size == VTD_PAGE_1G)
        szc = 2;
    else
        return;
    /* Before the gen check, so an invalidation either sees the size or
     * the fill sees its generation; bits are never cleared, so a set bit
     * needs no locked write (one per fill on the warm-miss path). */
    if (!(atomic_load(&c->sizes) & (1u << szc)))
        atomic_fetch_or(&c->sizes, 1u << szc);
    uint64_t pfn = iova >> size_shift[szc];
    if (fs && !atomic_load(&c->fs_filled))
        atomic_store(&c->fs_filled, true);   /* before gen is checked */
    /* The generations before set_fill() checks gen (see above). */
    uint64_t v[4] = { e->page & ~(e->page_size - 1), e->perm,
                      atomic_load(&c->iotlb_gen),
                      iotlb_did_gen(c, did, fs) };
    set_fill(c, iotlb_set(c, szc, did, pfn), gen,
             dgen == VTD_DGEN_NONE ? NULL : dgen_of(c, did), dgen,
             iotlb_k0(szc, did, pasid, fs), pfn, false, v, 4, true);
}

/* ------------------------------------------------------------------ */
/* Invalidation                                                        */
/* ------------------------------------------------------------------ */

struct inv_arg {
    uint16_t did;
    uint32_t pasid;
    bool by_pasid;
    uint16_t sid, sid_mask;   /* context: SIDs with (s & mask) == sid */
    uint64_t lo, hi;          /* IOTLB: iova range [lo, hi] */
    bool by_range;
};

static bool ctx_match(uint64_t k0, uint64_t k1, const uint64_t *v,
                      const void *arg)
{
    const struct inv_arg *a = arg;
    (void)v;
    if (a->sid_mask)
        return ((k0 & 0xffff) & a->sid_mask) == a->sid;
    return k1 == NO_DID || k1 == a->did;
}

static bool pasidc_match(uint64_t k0, uint64_t k1, const uint64_t *v,
                         const void *arg)
{
    const struct inv_arg *a = arg;
    (void)v;
    if (a->sid_mask)
        return (((k0 >> 20) & 0xffff) & a->sid_mask) == a->sid;
    if (k1 != a->did)
        return false;
    return !a->by_pasid || (k0 & VTD_PASID_MAX) == a->pasid;
}

static bool iotlb_match(uint64_t k0, uint64_t k1, const uint64_t *v,
                        const void *arg)
{
    const struct inv_arg *a = arg;
    (void)v;
    if (((k0 >> 20) & 0xffff) != a->did)
        return false;
    if (a->by_pasid && (k0 & VTD_PASID_MAX) != a->pasid)
        return false;
    if (!a->by_range)
        return true;
    unsigned shift = size_shift[(k0 >> 36) & 3];
    uint64_t lo = k1 << shift, hi = lo + (1ULL << shift) - 1;
    return lo <= a->hi && hi >= a->lo;
}

/* Caching mode (VT-d 6.1): tell map/unmap subscribers what the
 * invalidation covered, after the cache entries are gone. */
static void notify(struct vtd_iommu *u, enum vtd_notify_scope scope,
                   uint16_t did, uint16_t sid, unsigned fm, uint32_t pasid,
                   uint64_t addr, unsigned am)
{
    if (!atomic_load_explicit(&u->notify.count, memory_order_relaxed))
        return;
    struct vtd_notify_inv n = { .scope = scope, .did = did, .sid = sid,
                                .fm = fm, .pasid = pasid, .addr = addr,
                                .am = am };
    vtd_notify_inv_(u, &n);
}

void vtd_cache_inv_context_(struct vtd_iommu *u, unsigned gran,
                            uint16_t did, uint16_t sid, unsigned fm)
{
    struct cache_impl *c = impl(u);
    if (!c)
        return;
    gen_bump(c);
    if (gran == VTD_INV_GLOBAL) {
        table_drop(&c->ctx, match_all, NULL);
        gen_bump(c);   /* PASID entries are fetched through the context */
        table_drop(&c->pasid, match_all, NULL);
        front_drop(c);   /* after the caches it is filled from */
        notify(u, VTD_NOTIFY_ALL, 0, 0, 0, 0, 0, 0);
        return;
    }
    struct inv_arg a = { .did = did };
    if (gran == VTD_INV_DEVICE) {
        /* VT-d 6.5.1.1 / 11.4.8.1: FM masks the low function bits. */
        uint16_t fmask = fm ? (uint16_t)(((1u << (fm & 3)) - 1)
                                         << (3 - (fm & 3))) : 0;
        a.sid_mask = (uint16_t)~fmask;
        a.sid = sid & a.sid_mask;
        for (unsigned f = 0; f <= fmask; f++) {
            if (f & ~(unsigned)fmask)
                continue;
            set_drop(set_of(&c->ctx, (uint16_t)(a.sid | f)), ctx_match, &a);
        }
        /* PASID-cache entries of those SIDs: sets are hashed by PASID
         * too, so scan. */
        gen_bump(c);
        table_drop(&c->pasid, pasidc_match, &a);
        front_drop(c);   /* after the caches it is filled from */
        notify(u, VTD_NOTIFY_DEVICE, did, sid, fm, 0, 0, 0);
        return;
    }
    table_drop(&c->ctx, ctx_match, &a);
    gen_bump(c);
    table_drop(&c->pasid, pasidc_match, &a);
    front_drop(c);
    notify(u, VTD_NOTIFY_DOMAIN, did, 0, 0, 0, 0, 0);
}

static void iotlb_inv_range(struct cache_impl *c, const struct inv_arg *a,
                            unsigned am);

/* IOTLB (by_pasid false) or PASID-based IOTLB (by_pasid true)
 * invalidation of the IOTLB and the front cache.
 *
 * Order: each cache is dropped after the caches it is filled from (the
 * paging-structure caches, by the caller, then the IOTLB, then the front
 * cache), with the fill generation bumped before each drop.  A fill reads
 * the generation before it reads anything, so one that may have used an
 * entry of a lower cache before that entry was dropped either checks the
 * generation after the next bump (refused) or is in its cache before
 * that cache is dropped (dropped with it).  A single bump before all the
 * drops would let a request that read the new generation hit a lower
 * cache's stale entry not yet dropped and fill it upwards. */
static void iotlb_inv(struct cache_impl *c, unsigned gran, uint16_t did,
                      bool by_pasid, uint32_t pasid, uint64_t addr,
                      unsigned am)
{
    /* Global and domain-selective: O(1) (IOTLB generations above), then
     * the front cache is emptied. */
    if (gran == VTD_INV_GLOBAL) {
        gen_bump(c);
        atomic_store_explicit(&c->gens_used, true, memory_order_relaxed);
        atomic_fetch_add(&c->iotlb_gen, 1);
        front_drop(c);
        return;
    }
    if (gran != VTD_INV_PAGE && !by_pasid) {
        /* The DID's front-cache owners are forgotten before the front
         * cache is emptied (see front_owner_add()). */
        atomic_store(&c->did_front[did], 0);
        gen_bump(c);
        atomic_store_explicit(&c->gens_used, true, memory_order_relaxed);
        atomic_fetch_add(&c->did_gen[did], 1);
        front_drop(c);
        return;
    }
    struct inv_arg a = { .did = did, .pasid = pasid, .by_pasid = by_pasid };
    if (gran != VTD_INV_PAGE) {
        gen_bump(c);
        table_drop(&c->iotlb, iotlb_match, &a);
        front_drop(c);
        return;
    }
    /* Page-selective: only fills of the domain can hold what is dropped,
     * so the domain's fill generation is bumped, not the unit's (cache.h
     * "Domain fill generations"). */
    dgen_bump(c, did);
    a.by_range = true;
    psi_range(addr, am, &a.lo, &a.hi);
    if (!by_pasid && atomic_load(&c->fs_filled)) {
        /* VT-d 6.5.2.3 Table 23: every first-stage and nested entry of
         * the domain, whatever its address (K_FS entries, O(1)).  A fill
         * that sets fs_filled after the load above checks the domain
         * generation after the bump before it, so it is refused
         * (vtd_cache_iotlb_fill_()). */
        atomic_store_explicit(&c->gens_used, true, memory_order_relaxed);
        atomic_fetch_add(&c->did_fs_gen[did], 1);
    }
    iotlb_inv_range(c, &a, am);
    dgen_bump(c, did);
    front_inv_range(c, did, a.lo, a.hi, !by_pasid);
}

/* The IOTLB part of a page-selective invalidation. */
static void iotlb_inv_range(struct cache_impl *c, const struct inv_arg *a,
                            unsigned am)
{
    if (am > 4) {
        table_drop(&c->iotlb, iotlb_match, a);
        return;
    }
    /* Small ranges: probe the sets that can hold an overlapping entry
     * of each size; cost independent of the cache size. */
    uint32_t sizes = atomic_load(&c->sizes);
    for (unsigned szc = 0; szc < 3; szc++) {
        if (!(sizes & (1u << szc)))
            continue;
        uint64_t first = a->lo >> size_shift[szc];
        uint64_t last = a->hi >> size_shift[szc];
        for (uint64_t pfn = first; pfn <= last; pfn++)
            set_drop(iotlb_set(c, szc, a->did, pfn), iotlb_match, a);
    }
}

void vtd_cache_inv_iotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                          uint64_t addr, unsigned am, bool ih)
{
    struct cache_impl *c = impl(u);
    /* VT-d 6.5.2.3 Table 23: a page-selective-within-domain IOTLB
     * invalidation drops the second-stage and pass-through entries (all
     * entries in legacy mode) of the domain and range, and every
     * first-stage and nested entry of the domain (iotlb_inv()). */
    /* Before the paging-structure caches (iotlb_inv()). */
    if (c && gran == VTD_INV_PAGE)
        dgen_bump(c, did);
    else if (c)
        gen_bump(c);
    vtd_psc_inv_iotlb_(u, gran, did, addr, am, ih);   /* pscache.h */
    if (c)
        iotlb_inv(c, gran, did, false, 0, addr, am);
    notify(u, gran == VTD_INV_GLOBAL ? VTD_NOTIFY_ALL
              : gran == VTD_INV_PAGE ? VTD_NOTIFY_PAGES : VTD_NOTIFY_DOMAIN,
           did, 0, 0, 0, addr, am);
}

void vtd_cache_inv_pasid_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                          uint32_t pasid)
{
    struct cache_impl *c = impl(u);
    if (!c)
        return;
    gen_bump(c);
    if (gran == VTD_INV_GLOBAL) {
        table_drop(&c->pasid, match_all, NULL);
        front_drop(c);   /* after the caches it is filled from */
        notify(u, VTD_NOTIFY_ALL, 0, 0, 0, 0, 0, 0);
        return;
    }
    struct inv_arg a = { .did = did, .pasid = pasid,
                         .by_pasid = gran == VTD_INV_PASID };
    table_drop(&c->pasid, pasidc_match, &a);
    front_drop(c);
    notify(u, gran == VTD_INV_PASID ? VTD_NOTIFY_PASID : VTD_NOTIFY_DOMAIN,
           did, 0, 0, pasid, 0, 0);
}

void vtd_cache_inv_piotlb_(struct vtd_iommu *u, unsigned gran,
                           uint16_t did, uint32_t pasid, uint64_t addr,
                           unsigned am, bool ih)
{
    struct cache_impl *c = impl(u);
    if (!c)
        return;
    /* Before the paging-structure caches (iotlb_inv()). */
    if (gran == VTD_INV_PAGE)
        dgen_bump(c, did);
    else
        gen_bump(c);
    vtd_psc_inv_piotlb_(u, gran, did, pasid, addr, am, ih);  /* pscache.h */
    if (gran == VTD_INV_GLOBAL || gran == VTD_INV_DOMAIN) {
        iotlb_inv(c, gran, did, false, 0, 0, 0);
        notify(u, gran == VTD_INV_GLOBAL ? VTD_NOTIFY_ALL
                                         : VTD_NOTIFY_DOMAIN,
               did, 0, 0, 0, 0, 0);
    } else {
        iotlb_inv(c, gran, did, true, pasid, addr, am);
        notify(u, gran == VTD_INV_PAGE ? VTD_NOTIFY_PASID_PAGES
                                       : VTD_NOTIFY_PASID,
               did, 0, 0, pasid, addr, am);
    }
}
