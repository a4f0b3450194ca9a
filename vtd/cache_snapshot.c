/* SPDX-License-Identifier: MIT */
/*
 * vtd/cache_snapshot.c: reading and writing the raw slots of the caches
 * (cache_impl.h) for snapshots (snapshot.c, snapshot_load.c).
 */
#include "cache_impl.h"
#include "internal.h"

/* ------------------------------------------------------------------ */
/* Snapshot support (snapshot.c)                                       */
/* ------------------------------------------------------------------ */

/* The raw slot encodings above (k0/k1/v of each table, the front-cache
 * words) are what a snapshot carries; VTD_CACHE_SNAP_LAYOUT names them
 * and must change whenever they do. */

static struct ctable *table_of(struct cache_impl *c, unsigned t)
{
    switch (t) {
    case VTD_CT_CTX:
        return &c->ctx;
    case VTD_CT_PASID:
        return &c->pasid;
    case VTD_CT_IOTLB:
        return &c->iotlb;
    }
    return NULL;
}

void vtd_cache_geom_(struct vtd_cache_geom *g)
{
    g->layout = VTD_CACHE_SNAP_LAYOUT;
    g->ways = WAYS;
    g->sets[VTD_CT_CTX] = CTX_SETS;
    g->sets[VTD_CT_PASID] = PASID_SETS;
    g->sets[VTD_CT_IOTLB] = IOTLB_SETS;
    g->fast = VTD_FAST_ENTRIES;
}

bool vtd_cache_slot_get_(struct vtd_iommu *u, unsigned t, unsigned set,
                         unsigned way, uint64_t e[6])
{
    struct ctable *tb = table_of(impl(u), t);
    if (!tb || set >= tb->nsets || way >= WAYS)
        return false;
    struct slot *sl = &tb->sets[set].s[way];
    e[0] = atomic_load(&sl->k0);
    e[1] = atomic_load(&sl->k1);
    for (unsigned i = 0; i < 4; i++)
        e[2 + i] = atomic_load(&sl->v[i]);
    if (t == VTD_CT_IOTLB) {
        /* The generations are this unit's, not the stream's: a stale
         * entry is empty, a current one carries 0 (stamped again by
         * vtd_cache_slot_put_()). */
        bool cur = iotlb_gens_current(impl(u), e[0], e + 2);
        e[4] = e[5] = 0;
        if (!cur)
            e[0] &= ~K_VALID;
    }
    return (e[0] & K_VALID) != 0;
}

uint32_t vtd_cache_set_next_(struct vtd_iommu *u, unsigned t, unsigned set)
{
    struct ctable *tb = table_of(impl(u), t);
    if (!tb || set >= tb->nsets)
        return 0;
    return atomic_load(&tb->sets[set].next);
}

bool vtd_cache_slot_ok_(struct vtd_iommu *u, unsigned t, unsigned set,
                        const uint64_t e[6])
{
    struct cache_impl *c = impl(u);
    struct ctable *tb = table_of(c, t);
    uint64_t k0 = e[0], k1 = e[1];
    if (!tb || set >= tb->nsets || !(k0 & K_VALID))
        return false;
    switch (t) {
    case VTD_CT_CTX:
        /* k0 = VALID | sid; k1 = DID or NO_DID */
        if ((k0 & ~(K_VALID | 0xffffULL)) || k1 > NO_DID)
            return false;
        return set_of(&c->ctx, k0 & 0xffff) == &tb->sets[set];
    case VTD_CT_PASID:
        /* k0 = VALID | sid << 20 | pasid; k1 = DID */
        if ((k0 & ~(K_VALID | 0xfffffffffULL)) || k1 > 0xffff)
            return false;
        return set_of(&c->pasid, k0) == &tb->sets[set];
    case VTD_CT_IOTLB: {
        /* k0 = VALID | FS | szc << 36 | did << 20 | pasid; k1 = page
         * number */
        unsigned szc = (unsigned)(k0 >> 36) & 3;
        if ((k0 & ~(K_VALID | K_FS | 0x3fffffffffULL)) || szc > 2 ||
            k1 > (~0ULL >> size_shift[szc]))
            return false;
        return iotlb_set(c, szc, (uint16_t)(k0 >> 20), k1) ==
               &tb->sets[set];
    }
    }
    return false;
}

bool vtd_cache_fast_get_(struct vtd_iommu *u, unsigned i, uint64_t f[4])
{
    struct cache_impl *c = impl(u);
    if (i >= VTD_FAST_ENTRIES)
        return false;
    struct vtd_fast_slot *s = &c->fast[i];
    uint64_t w = atomic_load(&s->w);
    if ((atomic_load(&s->seq) & 1) || w != atomic_load(c->epoch))
        return false;
    uint64_t size = atomic_load(&s->size), pd = atomic_load(&s->pd);
    unsigned lg = size >= VTD_PAGE_1G ? 30
                  : size >= VTD_PAGE_2M ? 21 : VTD_PAGE_SHIFT;
    f[0] = atomic_load(&s->key);
    f[1] = atomic_load(&s->pfn);
    f[2] = atomic_load(&s->page) | (pd & 0xf) | (uint64_t)lg << 6;
    f[3] = (pd >> 32) & 0xffff;
    return true;
}

bool vtd_cache_fast_ok_(struct vtd_iommu *u, unsigned i,
                        const uint64_t f[4])
{
    if (i >= VTD_FAST_ENTRIES || (f[0] >> 48) || f[3] > 0xffff ||
        f[1] > (~0ULL >> VTD_PAGE_SHIFT))
        return false;
    /* The value word: page | perm (3:0) | log2 size (11:6) in 12/21/30. */
    unsigned lg = (unsigned)(f[2] >> 6) & 63;
    if ((f[2] & 0x30) || (lg != 12 && lg != 21 && lg != 30))
        return false;
    return vtd_fast_slot_(&u->cache, f[0], f[1]) == &u->cache.fast[i];
}

void vtd_cache_load_begin_(struct vtd_iommu *u)
{
    struct cache_impl *c = impl(u);
    front_drop(c);
    for (unsigned i = 0; i < DID_GENS; i++)
        atomic_store(&c->did_front[i], 0);
    for (unsigned t = 0; t < VTD_CT_N; t++) {
        struct ctable *tb = table_of(c, t);
        for (unsigned i = 0; i < tb->nsets; i++) {
            for (unsigned w = 0; w < WAYS; w++) {
                struct slot *sl = &tb->sets[i].s[w];
                atomic_store(&sl->k0, 0);
                atomic_store(&sl->k1, 0);
                for (unsigned k = 0; k < 4; k++)
                    atomic_store(&sl->v[k], 0);
            }
            atomic_store(&tb->sets[i].next, 0);
        }
    }
    for (unsigned i = 0; i < VTD_FAST_ENTRIES; i++) {
        atomic_store(&c->fast[i].key, 0);
        atomic_store(&c->fast[i].w, 0);
    }
    atomic_store(&c->sizes, 0);
    /* Not carried by snapshots: the paging-structure caches start empty,
     * which 6.2.5.5 allows ("may invalidate entries ... at any time"). */
    vtd_psc_flush_all_(u);
}

void vtd_cache_slot_put_(struct vtd_iommu *u, unsigned t, unsigned set,
                         unsigned way, const uint64_t e[6])
{
    struct cache_impl *c = impl(u);
    struct ctable *tb = table_of(c, t);
    if (!tb || set >= tb->nsets || way >= WAYS)
        return;
    struct slot *sl = &tb->sets[set].s[way];
    uint64_t v[4] = { e[2], e[3], e[4], e[5] };
    if (t == VTD_CT_IOTLB) {
        if (e[0] & K_FS)
            atomic_store(&c->fs_filled, true);
        v[2] = atomic_load(&c->iotlb_gen);
        v[3] = iotlb_did_gen(c, (uint16_t)(e[0] >> 20),
                             (e[0] & K_FS) != 0);
    }
    atomic_store(&sl->k1, e[1]);
    for (unsigned i = 0; i < 4; i++)
        atomic_store(&sl->v[i], v[i]);
    atomic_store(&sl->k0, e[0]);
    if (t == VTD_CT_IOTLB)
        atomic_fetch_or(&c->sizes, 1u << ((e[0] >> 36) & 3));
}

void vtd_cache_set_next_put_(struct vtd_iommu *u, unsigned t, unsigned set,
                             uint32_t next)
{
    struct ctable *tb = table_of(impl(u), t);
    if (tb && set < tb->nsets)
        atomic_store(&tb->sets[set].next, next);
}

void vtd_cache_fast_put_(struct vtd_iommu *u, unsigned i,
                         const uint64_t f[4])
{
    struct cache_impl *c = impl(u);
    /* The hit path does not test fast_ok: only fills may put entries. */
    if (i >= VTD_FAST_ENTRIES || !u->cache.fast_ok)
        return;
    struct vtd_fast_slot *s = &c->fast[i];
    unsigned lg = (unsigned)(f[2] >> 6) & 63;
    /* A snapshot does not say which entries came from a first-stage
     * walk: in scalable mode any may have (front_inv_range()). */
    bool sm = field_get(atomic_load(&u->root_latched), RTADDR, TTM) ==
              VTD_TTM_SCALABLE;
    front_owner_add(c, (uint16_t)f[3], (uint16_t)f[0],
                    (lg == 30 ? FO_1G : lg == 21 ? FO_2M : 0) |
                    (sm ? FO_FS : 0));
    atomic_store(&s->key, f[0]);
    atomic_store(&s->pfn, f[1]);
    atomic_store(&s->page, f[2] & VTD_PAGE_MASK);
    atomic_store(&s->size, 1ULL << lg);
    atomic_store(&s->pd, vtd_fast_pd_((uint32_t)(f[2] & 0xf),
                                      (uint16_t)f[3]));
    atomic_store(&s->w, atomic_load(c->epoch));
}
