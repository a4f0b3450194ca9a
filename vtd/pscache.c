/* SPDX-License-Identifier: MIT */
/*
 * vtd/pscache.c: paging-structure caches (VT-d 6.2.5).  What they hold,
 * how they are tagged and what each invalidation drops: pscache.h.
 *
 * One set-associative table (SETS x WAYS) of sequence-locked sets, the
 * set chosen by (domain-id, level, input-address bits above the level) so
 * that a page-selective invalidation can probe the few sets that may hold
 * an entry of its range.  Global and domain-selective invalidations are
 * O(1): every entry carries the epoch it was filled in (a unit-wide epoch
 * and one per domain bucket and stage class); bumping an epoch makes the
 * entries filled before it unusable.  A bucket holds the domain-ids equal
 * modulo DOM_BUCKETS, so a domain-selective invalidation may drop other
 * domains' entries too ("hardware may perform coarser invalidation",
 * 6.5.1.2, 6.5.2.3; "may invalidate entries in these caches at any time",
 * 6.2.5.5).
 */
#include "internal.h"

#define WAYS 4
#define SETS 256
#define READ_TRIES 8
#define DOM_BUCKETS 256
#define SCAN_KEYS 64        /* page-selective: above this, scan every set */

#define K_VALID (1ULL << 63)
#define V_PERM_MASK 7ULL
#define V_IH_KEPT (1ULL << 3)

struct pslot {
    _Atomic uint64_t k0, k1, v0;
    _Atomic uint64_t eg, ed;    /* unit and domain epochs at fill */
};

struct pset {
    _Atomic uint32_t seq;
    _Atomic uint32_t next;      /* round-robin victim */
    struct pslot s[WAYS];
};

struct psc_impl {
    struct pset *sets;
    _Atomic uint64_t gen;       /* bumped by every invalidation */
    _Atomic uint64_t epoch;     /* unit-wide (global invalidation) */
    /* per domain bucket: [0] second-stage entries, [1] first-stage and
     * nested entries */
    _Atomic uint64_t dom_epoch[2][DOM_BUCKETS];
};

static struct psc_impl *impl(struct vtd_iommu *u)
{
    return u->psc.impl;
}

static unsigned level_shift(unsigned level)
{
    return 12 + 9 * (level - 1);
}

/* k0 = VALID | stage << 56 | level << 52 | did << 20 | pasid */
static uint64_t make_k0(const struct vtd_psc_tag *t, unsigned level)
{
    uint32_t pasid = t->stage == VTD_PSC_SS ? 0 : (t->pasid & VTD_PASID_MAX);
    return K_VALID | (uint64_t)(t->stage & 3) << 56 |
           (uint64_t)(level & 7) << 52 | (uint64_t)t->did << 20 | pasid;
}

static unsigned k0_stage(uint64_t k0) { return (unsigned)(k0 >> 56) & 3; }
static unsigned k0_level(uint64_t k0) { return (unsigned)(k0 >> 52) & 7; }
static uint16_t k0_did(uint64_t k0) { return (uint16_t)(k0 >> 20); }
static uint32_t k0_pasid(uint64_t k0) { return (uint32_t)(k0 & VTD_PASID_MAX); }

static struct pset *set_of(struct psc_impl *c, uint16_t did, unsigned level,
                           uint64_t key)
{
    uint64_t x = key * 8 + level + ((uint64_t)did << 48);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return &c->sets[x & (SETS - 1)];
}

/* The epochs an entry of this stage class and domain must carry. */
static uint64_t dom_epoch(struct psc_impl *c, unsigned stage, uint16_t did)
{
    return atomic_load_explicit(
        &c->dom_epoch[stage != VTD_PSC_SS][did % DOM_BUCKETS],
        memory_order_acquire);
}

static uint64_t unit_epoch(struct psc_impl *c)
{
    return atomic_load_explicit(&c->epoch, memory_order_acquire);
}

static bool slot_live(struct psc_impl *c, struct pslot *sl, uint64_t k0)
{
    return (k0 & K_VALID) &&
           atomic_load_explicit(&sl->eg, memory_order_relaxed) ==
               unit_epoch(c) &&
           atomic_load_explicit(&sl->ed, memory_order_relaxed) ==
               dom_epoch(c, k0_stage(k0), k0_did(k0));
}

/* ------------------------------------------------------------------ */
/* Sets                                                                */
/* ------------------------------------------------------------------ */

static bool set_trylock(struct pset *s)
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

static void set_lock(struct pset *s)
{
    while (!set_trylock(s))
        ;
}

static void set_unlock(struct pset *s)
{
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

/* ------------------------------------------------------------------ */
/* Lifetime                                                            */
/* ------------------------------------------------------------------ */

int vtd_psc_init_(struct vtd_iommu *u)
{
    struct psc_impl *c = g_try_new0(struct psc_impl, 1);
    if (!c)
        return -ENOMEM;
    c->sets = g_try_new0(struct pset, SETS);
    if (!c->sets) {
        g_free(c);
        return -ENOMEM;
    }
    u->psc.impl = c;
    return 0;
}

void vtd_psc_free_(struct vtd_iommu *u)
{
    struct psc_impl *c = impl(u);
    if (!c)
        return;
    g_free(c->sets);
    g_free(c);
    u->psc.impl = NULL;
}

uint64_t vtd_psc_gen_(struct vtd_iommu *u)
{
    return atomic_load_explicit(&impl(u)->gen, memory_order_acquire);
}

/* ------------------------------------------------------------------ */
/* Lookup and fill                                                     */
/* ------------------------------------------------------------------ */

bool vtd_psc_lookup_(struct vtd_iommu *u, const struct vtd_psc_tag *t,
                     unsigned level, uint64_t iova, struct vtd_psc_ent *out)
{
    struct psc_impl *c = impl(u);
    uint64_t key = iova >> level_shift(level);
    uint64_t k0 = make_k0(t, level);
    uint64_t eg = unit_epoch(c), ed = dom_epoch(c, t->stage, t->did);
    struct pset *s = set_of(c, t->did, level, key);
    for (unsigned n = 0; n < READ_TRIES; n++) {
        uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (s1 & 1)
            continue;
        bool found = false;
        uint64_t v0 = 0;
        for (unsigned w = 0; w < WAYS && !found; w++) {
            struct pslot *sl = &s->s[w];
            if (atomic_load_explicit(&sl->k0, memory_order_relaxed) != k0 ||
                atomic_load_explicit(&sl->k1, memory_order_relaxed) != key ||
                atomic_load_explicit(&sl->eg, memory_order_relaxed) != eg ||
                atomic_load_explicit(&sl->ed, memory_order_relaxed) != ed)
                continue;
            v0 = atomic_load_explicit(&sl->v0, memory_order_relaxed);
            found = true;
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) != s1)
            continue;
        if (found) {
            out->table = v0 & ~0xfffULL;
            out->perm = (uint32_t)(v0 & V_PERM_MASK);
            out->ih_kept = (v0 & V_IH_KEPT) != 0;
        }
        return found;
    }
    return false;   /* a busy set is a miss */
}

void vtd_psc_fill_(struct vtd_iommu *u, const struct vtd_psc_tag *t,
                   unsigned level, uint64_t iova,
                   const struct vtd_psc_ent *e, uint64_t gen)
{
    struct psc_impl *c = impl(u);
    if (level < 2 || level > 5)
        return;
    uint64_t key = iova >> level_shift(level);
    uint64_t k0 = make_k0(t, level);
    struct pset *s = set_of(c, t->did, level, key);
    if (!set_trylock(s))
        return;     /* best effort, as cache.c */
    /* An invalidation since the walk began: the walk may have read
     * entries it dropped (cache.h). */
    if (atomic_load(&c->gen) != gen) {
        set_unlock(s);
        return;
    }
    struct pslot *victim = NULL;
    for (unsigned w = 0; w < WAYS; w++) {
        struct pslot *sl = &s->s[w];
        uint64_t sk0 = atomic_load_explicit(&sl->k0, memory_order_relaxed);
        bool live = slot_live(c, sl, sk0);
        if (sk0 == k0 &&
            atomic_load_explicit(&sl->k1, memory_order_relaxed) == key) {
            victim = sl;
            break;
        }
        if (!victim && !live)
            victim = sl;
    }
    if (!victim) {
        uint32_t n = atomic_fetch_add_explicit(&s->next, 1,
                                               memory_order_relaxed);
        victim = &s->s[n % WAYS];
    }
    atomic_store_explicit(&victim->k0, 0, memory_order_relaxed);
    atomic_store_explicit(&victim->k1, key, memory_order_relaxed);
    atomic_store_explicit(&victim->v0,
                          (e->table & ~0xfffULL) | (e->perm & V_PERM_MASK),
                          memory_order_relaxed);
    atomic_store_explicit(&victim->eg, unit_epoch(c), memory_order_relaxed);
    atomic_store_explicit(&victim->ed, dom_epoch(c, t->stage, t->did),
                          memory_order_relaxed);
    atomic_store_explicit(&victim->k0, k0, memory_order_relaxed);
    set_unlock(s);
}

/* ------------------------------------------------------------------ */
/* Invalidation                                                        */
/* ------------------------------------------------------------------ */

struct psc_inv {
    uint16_t did;
    bool fs_all;             /* drop every FS/nested entry of did */
    bool fs_pasid;           /* drop FS/nested entries of (did, pasid) */
    uint32_t pasid;
    bool ss_range, fs_range; /* entries of these stages overlapping */
    bool keep;               /* IH=1: the range's entries are kept */
    uint64_t lo, hi;
    bool mark;               /* lint: flag kept entries */
};

static bool overlaps(uint64_t k0, uint64_t k1, const struct psc_inv *a)
{
    unsigned shift = level_shift(k0_level(k0));
    uint64_t lo = k1 << shift;
    uint64_t hi = lo + ((1ULL << shift) - 1);
    return lo <= a->hi && hi >= a->lo;
}

/* What to do with one valid slot: 0 keep, 1 drop, 2 mark (IH=1). */
static int inv_action(uint64_t k0, uint64_t k1, const struct psc_inv *a)
{
    if (k0_did(k0) != a->did)
        return 0;
    bool fs = k0_stage(k0) != VTD_PSC_SS;
    if (fs && a->fs_all)
        return 1;
    if (fs && a->fs_pasid && k0_pasid(k0) != a->pasid)
        return 0;
    if (fs && a->fs_pasid && !a->fs_range)
        return 1;
    bool ranged = fs ? a->fs_range : a->ss_range;
    if (!ranged || !overlaps(k0, k1, a))
        return 0;
    if (!a->keep)
        return 1;
    return a->mark ? 2 : 0;
}

static void set_inv(struct pset *s, const struct psc_inv *a)
{
    set_lock(s);
    for (unsigned w = 0; w < WAYS; w++) {
        struct pslot *sl = &s->s[w];
        uint64_t k0 = atomic_load_explicit(&sl->k0, memory_order_relaxed);
        if (!(k0 & K_VALID))
            continue;
        int act = inv_action(k0, atomic_load_explicit(&sl->k1,
                                                      memory_order_relaxed),
                             a);
        if (act == 1)
            atomic_store_explicit(&sl->k0, 0, memory_order_relaxed);
        else if (act == 2)
            atomic_fetch_or_explicit(&sl->v0, V_IH_KEPT,
                                     memory_order_relaxed);
    }
    set_unlock(s);
}

static void scan_inv(struct psc_impl *c, const struct psc_inv *a)
{
    for (unsigned i = 0; i < SETS; i++)
        set_inv(&c->sets[i], a);
}

/* Probe the sets that can hold an entry of [a->lo, a->hi] at every level,
 * or scan when the range is large. */
static void range_inv(struct psc_impl *c, const struct psc_inv *a)
{
    if (((a->hi - a->lo) >> level_shift(2)) >= SCAN_KEYS) {
        scan_inv(c, a);
        return;
    }
    for (unsigned level = 2; level <= 5; level++) {
        unsigned sh = level_shift(level);
        for (uint64_t k = a->lo >> sh; k <= a->hi >> sh; k++)
            set_inv(set_of(c, a->did, level, k), a);
    }
}

static void bump_gen(struct psc_impl *c)
{
    atomic_fetch_add_explicit(&c->gen, 1, memory_order_acq_rel);
}

void vtd_psc_flush_all_(struct vtd_iommu *u)
{
    struct psc_impl *c = impl(u);
    if (!c)
        return;
    bump_gen(c);
    atomic_fetch_add_explicit(&c->epoch, 1, memory_order_acq_rel);
}

static void bump_domain(struct psc_impl *c, unsigned cls, uint16_t did)
{
    atomic_fetch_add_explicit(&c->dom_epoch[cls][did % DOM_BUCKETS], 1,
                              memory_order_acq_rel);
}

/* VT-d 6.5.1.2 / 6.5.2.3 (Table 23). */
void vtd_psc_inv_iotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                        uint64_t addr, unsigned am, bool ih)
{
    struct psc_impl *c = impl(u);
    if (!c)
        return;
    if (gran == VTD_INV_GLOBAL) {
        vtd_psc_flush_all_(u);
        return;
    }
    bump_gen(c);
    if (gran != VTD_INV_PAGE) {
        bump_domain(c, 0, did);
        bump_domain(c, 1, did);
        return;
    }
    /* Page-selective: FS-paging-structure cache "DID"; SS "If IH is 0,
     * DID, Address; otherwise NA". */
    bump_domain(c, 1, did);
    if (ih && !u->cfg.lint)
        return;
    if (am > 52)
        am = 52;
    uint64_t span = 1ULL << (12 + am);
    struct psc_inv a = { .did = did, .ss_range = true, .keep = ih,
                         .mark = ih, .lo = addr & ~(span - 1) };
    a.hi = a.lo + span - 1;
    range_inv(c, &a);
}

/* VT-d 6.5.2.4 (Table 24). */
void vtd_psc_inv_piotlb_(struct vtd_iommu *u, unsigned gran, uint16_t did,
                         uint32_t pasid, uint64_t addr, unsigned am,
                         bool ih)
{
    struct psc_impl *c = impl(u);
    if (!c)
        return;
    if (gran == VTD_INV_GLOBAL || gran == VTD_INV_DOMAIN) {
        /* Not P_IOTLB granularities (00b/01b are reserved); kept for
         * callers that map them here: as the IOTLB descriptor. */
        vtd_psc_inv_iotlb_(u, gran, did, 0, 0, false);
        return;
    }
    bump_gen(c);
    struct psc_inv a = { .did = did, .fs_pasid = true, .pasid = pasid };
    if (gran != VTD_INV_PAGE) {
        /* PASID-selective: FS-paging-structure cache "DID, PASID"; SS
         * "NA". */
        scan_inv(c, &a);
        return;
    }
    if (ih && !u->cfg.lint)
        return;
    if (am > 52)
        am = 52;
    uint64_t span = 1ULL << (12 + am);
    a.fs_range = true;
    a.keep = a.mark = ih;
    a.lo = addr & ~(span - 1);
    a.hi = a.lo + span - 1;
    range_inv(c, &a);
}

unsigned vtd_psc_count_(struct vtd_iommu *u)
{
    struct psc_impl *c = impl(u);
    unsigned n = 0;
    for (unsigned i = 0; i < SETS; i++)
        for (unsigned w = 0; w < WAYS; w++) {
            struct pslot *sl = &c->sets[i].s[w];
            if (slot_live(c, sl, atomic_load(&sl->k0)))
                n++;
        }
    return n;
}

/* ------------------------------------------------------------------ */
/* Snapshot support (snapshot.c, optional section "pscc")              */
/* ------------------------------------------------------------------ */

void vtd_psc_geom_(uint32_t *layout, uint32_t *sets, uint32_t *ways)
{
    *layout = VTD_PSC_SNAP_LAYOUT;
    *sets = SETS;
    *ways = WAYS;
}

bool vtd_psc_slot_get_(struct vtd_iommu *u, unsigned set, unsigned way,
                       uint64_t e[3])
{
    struct psc_impl *c = impl(u);
    if (!c || set >= SETS || way >= WAYS)
        return false;
    struct pslot *sl = &c->sets[set].s[way];
    e[0] = atomic_load(&sl->k0);
    e[1] = atomic_load(&sl->k1);
    e[2] = atomic_load(&sl->v0);
    return slot_live(c, sl, e[0]);
}

bool vtd_psc_slot_ok_(struct vtd_iommu *u, unsigned set, const uint64_t e[3])
{
    struct psc_impl *c = impl(u);
    uint64_t k0 = e[0];
    const uint64_t known = K_VALID | 3ULL << 56 | 7ULL << 52 |
                           0xffffULL << 20 | VTD_PASID_MAX;
    if (!c || set >= SETS || !(k0 & K_VALID) || (k0 & ~known))
        return false;
    unsigned stage = k0_stage(k0), level = k0_level(k0);
    if (stage > VTD_PSC_NESTED || level < 2 || level > 5 ||
        (stage == VTD_PSC_SS && k0_pasid(k0)) ||
        e[1] > (~0ULL >> level_shift(level)) ||
        (e[2] & 0xff0) || (e[2] & 7 & ~(stage == VTD_PSC_SS
                                         ? (VTD_PSC_R | VTD_PSC_W)
                                         : (VTD_PSC_W | VTD_PSC_US))))
        return false;
    return set_of(c, k0_did(k0), level, e[1]) == &c->sets[set];
}

void vtd_psc_slot_put_(struct vtd_iommu *u, unsigned set, unsigned way,
                       const uint64_t e[3])
{
    struct psc_impl *c = impl(u);
    if (!c || set >= SETS || way >= WAYS)
        return;
    struct pslot *sl = &c->sets[set].s[way];
    atomic_store(&sl->k1, e[1]);
    atomic_store(&sl->v0, e[2]);
    atomic_store(&sl->eg, unit_epoch(c));
    atomic_store(&sl->ed, dom_epoch(c, k0_stage(e[0]), k0_did(e[0])));
    atomic_store(&sl->k0, e[0]);
}
