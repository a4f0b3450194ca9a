/* SPDX-License-Identifier: MIT */
/*
 * vtd/notify.c: caching-mode map/unmap subscribers (include/vtd/notify.h).
 *
 * Each subscriber keeps a shadow: the mappings it was last told about,
 * keyed by IOVA.  After an invalidation that covers the subscriber's
 * address space (VT-d 6.5: the granularity decides which), the affected
 * IOVA range is enumerated afresh from the guest's tables and compared
 * with the shadow: mappings that vanished or changed are unmapped,
 * mappings that appeared or changed are mapped.  Work per invalidation is
 * bounded (VTD_NOTIFY_MAX_VISITS table entries); a walk cut short is
 * logged and leaves the rest of the shadow as it was.
 */
#include "internal.h"
#include "pasid.h"
#include "rootctx.h"
#include "walk.h"

#define VTD_NOTIFY_MAX_VISITS (1u << 22)

struct shadow_map {
    uint64_t iova, size, gpa;
    uint32_t perm;
};

struct vtd_notifier {
    uint16_t sid;
    uint32_t pasid;
    vtd_map_notify_fn fn;
    void *opaque;
    GTree *shadow;       /* iova (uint64_t *) -> struct shadow_map * */
    bool have_did;
    uint16_t last_did;   /* domain of the address space at the last sync */
};

struct notify_impl {
    GPtrArray *subs;     /* struct vtd_notifier *, protected by u->lock */
};

static gint cmp_u64(gconstpointer a, gconstpointer b, gpointer unused)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    (void)unused;
    return x < y ? -1 : x > y;
}

int vtd_notify_init_(struct vtd_iommu *u)
{
    struct notify_impl *n = g_try_new0(struct notify_impl, 1);
    if (!n)
        return -ENOMEM;
    n->subs = g_ptr_array_new();
    u->notify.impl = n;
    atomic_store(&u->notify.count, 0);
    return 0;
}

static void notifier_free(struct vtd_notifier *s)
{
    g_tree_destroy(s->shadow);
    g_free(s);
}

void vtd_notify_free_(struct vtd_iommu *u)
{
    struct notify_impl *n = u->notify.impl;
    if (!n)
        return;
    for (guint i = 0; i < n->subs->len; i++)
        notifier_free(g_ptr_array_index(n->subs, i));
    g_ptr_array_free(n->subs, TRUE);
    g_free(n);
    u->notify.impl = NULL;
}

int vtd_notifier_add(struct vtd_iommu *u, uint16_t sid, uint32_t pasid,
                     vtd_map_notify_fn fn, void *opaque,
                     struct vtd_notifier **out)
{
    if (!u || !fn || !out)
        return -EINVAL;
    struct vtd_notifier *s = g_try_new0(struct vtd_notifier, 1);
    if (!s)
        return -ENOMEM;
    s->sid = sid;
    s->pasid = pasid;
    s->fn = fn;
    s->opaque = opaque;
    s->shadow = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
    g_mutex_lock(&u->lock);
    struct notify_impl *n = u->notify.impl;
    g_ptr_array_add(n->subs, s);
    atomic_store(&u->notify.count, n->subs->len);
    g_mutex_unlock(&u->lock);
    *out = s;
    return 0;
}

void vtd_notifier_remove(struct vtd_iommu *u, struct vtd_notifier *s)
{
    if (!u || !s)
        return;
    g_mutex_lock(&u->lock);
    struct notify_impl *n = u->notify.impl;
    if (g_ptr_array_remove(n->subs, s))
        notifier_free(s);
    atomic_store(&u->notify.count, n->subs->len);
    g_mutex_unlock(&u->lock);
}

/* ------------------------------------------------------------------ */
/* The current address space of a subscriber                           */
/* ------------------------------------------------------------------ */

enum space_kind { SPACE_NONE, SPACE_SS, SPACE_PT, SPACE_OTHER };

struct space {
    enum space_kind kind;
    uint16_t did;
    uint64_t root;       /* second-stage table */
    unsigned levels;
    unsigned width;      /* input address bits */
};

/* Resolve (sid, pasid) through the tables as they are now.  Structure
 * faults leave the space empty (nothing is mapped). */
static void resolve_space(struct vtd_iommu *u, const struct vtd_notifier *s,
                          struct space *sp)
{
    memset(sp, 0, sizeof(*sp));
    sp->kind = SPACE_NONE;
    if (!atomic_load(&u->te)) {
        /* Translation off: untranslated requests pass through (3.1). */
        sp->kind = SPACE_PT;
        sp->width = u->haw;
        return;
    }
    uint64_t root = atomic_load(&u->root_latched);
    unsigned ttm = (unsigned)field_get(root, RTADDR, TTM);
    uint64_t rta = root & ~0xfffULL;
    struct vtd_ctx ctx;
    unsigned fault = 0;
    bool fpd = false;
    if (ttm == VTD_TTM_LEGACY) {
        if (s->pasid != VTD_NO_PASID)
            return;
        vtd_ctx_fetch_(u, rta, false, s->sid, false, &ctx, &fault, &fpd);
        if (fault)
            return;
        sp->did = (uint16_t)field_get(ctx.q[1], CE_HI, DID);
        unsigned tt = (unsigned)field_get(ctx.q[0], CE_LO, TT);
        unsigned aw = (unsigned)field_get(ctx.q[1], CE_HI, AW);
        if (tt == VTD_TT_PT) {
            sp->kind = SPACE_PT;
            /* 9.3 AW: pass-through stops at 2^AGAW (translate.c). */
            sp->width = u->sagaw ? MIN(u->haw, vtd_aw_bits_(aw)) : u->haw;
            return;
        }
        sp->kind = SPACE_SS;
        sp->root = field_get(ctx.q[0], CE_LO, SSPTPTR) << 12;
        sp->levels = vtd_aw_levels_(aw);
        sp->width = MIN(vtd_aw_bits_(aw), u->mgaw);
        return;
    }
    if (ttm != VTD_TTM_SCALABLE)
        return;
    vtd_ctx_fetch_(u, rta, true, s->sid, false, &ctx, &fault, &fpd);
    if (fault)
        return;
    uint32_t pasid = s->pasid;
    if (pasid == VTD_NO_PASID)
        pasid = (uint32_t)field_get(ctx.q[1], SCE1, RID_PASID);
    if (pasid > vtd_ctx_max_pasid_(&ctx))
        return;
    struct vtd_pasid_ent pe;
    vtd_pasid_fetch_(u, &ctx, s->sid, pasid, false, &pe, &fault, &fpd);
    if (fault)
        return;
    sp->did = (uint16_t)field_get(pe.q[1], PTE1, DID);
    unsigned pgtt = (unsigned)field_get(pe.q[0], PTE0, PGTT);
    unsigned aw = (unsigned)field_get(pe.q[0], PTE0, AW);
    switch (pgtt) {
    case VTD_PGTT_SS:
        sp->kind = SPACE_SS;
        sp->root = field_get(pe.q[0], PTE0, SSPTPTR) << 12;
        sp->levels = vtd_aw_levels_(aw);
        sp->width = MIN(vtd_aw_bits_(aw), u->mgaw);
        break;
    case VTD_PGTT_PT:
        sp->kind = SPACE_PT;
        sp->width = u->haw;
        break;
    default:
        sp->kind = SPACE_OTHER; /* first stage / nested: not shadowed */
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Enumerating second-stage leaves over a range                        */
/* ------------------------------------------------------------------ */

struct enum_ctx {
    struct vtd_iommu *u;
    GArray *out;         /* struct shadow_map */
    unsigned visits;
    bool truncated;
};

/* Leaf sizes allowed at a level by CAP.SLLPS (VT-d 9.8): level 2 = 2 MiB
 * (SLLPS bit 0), level 3 = 1 GiB (bit 1). */
static bool ps_allowed(const struct vtd_iommu *u, unsigned level)
{
    unsigned sllps = (unsigned)field_get(u->cap, CAP, SLLPS);
    return (level == 2 && (sllps & 1)) || (level == 3 && (sllps & 2));
}

static void enum_level(struct enum_ctx *e, uint64_t table, unsigned level,
                       uint64_t base, uint64_t lo, uint64_t hi,
                       uint32_t perm)
{
    unsigned shift = 12 + 9 * (level - 1);
    uint64_t span = 1ULL << shift;
    unsigned first = (unsigned)((lo > base ? lo - base : 0) >> shift);
    uint64_t top = hi - base;
    unsigned last = (unsigned)MIN(511, top >> shift);
    for (unsigned i = first; i <= last && !e->truncated; i++) {
        if (++e->visits > VTD_NOTIFY_MAX_VISITS) {
            e->truncated = true;
            return;
        }
        uint64_t pte;
        if (vtd_mem_ldq_(e->u, table + 8ULL * i, &pte) < 0)
            continue; /* unreadable: nothing mapped there */
        uint32_t p = perm & (uint32_t)((field_get(pte, SSE, R) ? VTD_PERM_R
                                                               : 0) |
                                       (field_get(pte, SSE, W) ? VTD_PERM_W
                                                               : 0));
        if (!(pte & 3))
            continue; /* not present (R=W=0) */
        uint64_t va = base + (uint64_t)i * span;
        uint64_t addr = pte & 0x000ffffffffff000ULL & vtd_haw_mask_(e->u);
        bool leaf = level == 1 || (field_get(pte, SSE, PS) &&
                                   ps_allowed(e->u, level));
        if (!leaf && field_get(pte, SSE, PS))
            continue; /* PS where not supported: reserved, not mapped */
        if (leaf) {
            if (!p)
                continue; /* cumulative permissions deny everything */
            struct shadow_map m = { .iova = va, .size = span,
                                    .gpa = addr & ~(span - 1), .perm = p };
            g_array_append_val(e->out, m);
        } else {
            enum_level(e, addr, level - 1, va, lo, hi, p);
        }
    }
}

/* Current mappings intersecting [lo, hi] (inclusive). */
static GArray *enumerate(struct vtd_iommu *u, const struct space *sp,
                         uint64_t lo, uint64_t hi, bool *truncated)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(struct shadow_map));
    *truncated = false;
    uint64_t limit = sp->width >= 64 ? ~0ULL : (1ULL << sp->width) - 1;
    if (lo > limit)
        return a;
    hi = MIN(hi, limit);
    if (sp->kind == SPACE_PT) {
        /* One identity mapping of the whole width, if it intersects. */
        struct shadow_map m = { .iova = 0, .size = limit + 1, .gpa = 0,
                                .perm = VTD_PERM_R | VTD_PERM_W };
        if (sp->width >= 64)
            m.size = 0; /* 2^64: represented as 0 */
        g_array_append_val(a, m);
        return a;
    }
    if (sp->kind != SPACE_SS || sp->levels < 3 || sp->levels > 5)
        return a;
    struct enum_ctx e = { .u = u, .out = a };
    enum_level(&e, sp->root, sp->levels, 0, lo, hi,
               VTD_PERM_R | VTD_PERM_W);
    *truncated = e.truncated;
    return a;
}

/* ------------------------------------------------------------------ */
/* Synchronising a shadow                                              */
/* ------------------------------------------------------------------ */

static void send(struct vtd_notifier *s, enum vtd_map_kind kind,
                 const struct shadow_map *m)
{
    struct vtd_map_event ev = { .kind = kind, .sid = s->sid,
                                .pasid = s->pasid, .iova = m->iova,
                                .size = m->size, .gpa = m->gpa,
                                .perm = m->perm };
    if (kind == VTD_UNMAP_EVENT) {
        ev.gpa = 0;
        ev.perm = 0;
    }
    s->fn(s->opaque, &ev);
}

struct collect {
    uint64_t lo, hi;
    GPtrArray *hits;
};

static gboolean collect_overlap(gpointer key, gpointer value, gpointer data)
{
    struct collect *c = data;
    struct shadow_map *m = value;
    uint64_t end = m->size ? m->iova + m->size - 1 : ~0ULL;
    (void)key;
    if (m->iova > c->hi)
        return TRUE; /* ordered by iova: nothing further overlaps */
    if (end >= c->lo)
        g_ptr_array_add(c->hits, m);
    return FALSE;
}

static bool same(const struct shadow_map *a, const struct shadow_map *b)
{
    return a->iova == b->iova && a->size == b->size && a->gpa == b->gpa &&
           a->perm == b->perm;
}

/* Bring the shadow of s to the tables over [lo, hi]; returns the number
 * of MAP events sent. */
static int sync_range(struct vtd_iommu *u, struct vtd_notifier *s,
                      const struct space *sp, uint64_t lo, uint64_t hi)
{
    bool truncated;
    GArray *cur = enumerate(u, sp, lo, hi, &truncated);
    if (truncated)
        vtd_log_(u, VTD_LOG_WARN,
                 "notify: walk of %02x:%02x.%x over 0x%llx-0x%llx stopped "
                 "after %u entries; shadow left partly stale",
                 s->sid >> 8, (s->sid >> 3) & 0x1f, s->sid & 7,
                 (unsigned long long)lo, (unsigned long long)hi,
                 VTD_NOTIFY_MAX_VISITS);
    /* Shadow entries overlapping the range (a big leaf may start below
     * lo: search from the start; the traversal stops past hi). */
    struct collect c = { .lo = lo, .hi = hi, .hits = g_ptr_array_new() };
    g_tree_foreach(s->shadow, collect_overlap, &c);
    /* Unmap what is gone or changed. */
    for (guint i = 0; i < c.hits->len; i++) {
        struct shadow_map *m = g_ptr_array_index(c.hits, i);
        bool keep = false;
        for (guint k = 0; k < cur->len && !keep; k++)
            keep = same(m, &g_array_index(cur, struct shadow_map, k));
        if (keep || truncated)
            continue;
        struct shadow_map copy = *m;
        g_tree_remove(s->shadow, &m->iova); /* frees m */
        send(s, VTD_UNMAP_EVENT, &copy);
    }
    g_ptr_array_free(c.hits, TRUE);
    /* Map what is new or changed. */
    int maps = 0;
    for (guint k = 0; k < cur->len; k++) {
        struct shadow_map *n = &g_array_index(cur, struct shadow_map, k);
        struct shadow_map *old = g_tree_lookup(s->shadow, &n->iova);
        if (old && same(old, n))
            continue;
        if (old) { /* same start, different leaf: replace it */
            struct shadow_map copy = *old;
            g_tree_remove(s->shadow, &old->iova);
            send(s, VTD_UNMAP_EVENT, &copy);
        }
        struct shadow_map *ins = g_new(struct shadow_map, 1);
        *ins = *n;
        g_tree_insert(s->shadow, &ins->iova, ins);
        send(s, VTD_MAP_EVENT, ins);
        maps++;
    }
    g_array_free(cur, TRUE);
    return maps;
}

static bool covers(const struct vtd_notifier *s, const struct space *sp,
                   const struct vtd_notify_inv *inv)
{
    bool did_match = (sp->kind != SPACE_NONE && sp->did == inv->did) ||
                     (s->have_did && s->last_did == inv->did);
    switch (inv->scope) {
    case VTD_NOTIFY_ALL:
        return true;
    case VTD_NOTIFY_DOMAIN:
    case VTD_NOTIFY_PAGES:
        return did_match;
    case VTD_NOTIFY_DEVICE: {
        /* VT-d 11.4.6.1 FM: 01b masks SID bit 2, 10b bits 2:1, 11b
         * bits 2:0 (the function number, from its top bit down). */
        unsigned fm = MIN(inv->fm, 3u);
        uint16_t mask = (uint16_t)~(((1u << fm) - 1) << (3 - fm));
        return (s->sid & mask) == (inv->sid & mask);
    }
    case VTD_NOTIFY_PASID:
    case VTD_NOTIFY_PASID_PAGES: {
        if (!did_match)
            return false;
        return inv->pasid == s->pasid || s->pasid == VTD_NO_PASID;
    }
    }
    return false;
}

void vtd_notify_inv_(struct vtd_iommu *u, const struct vtd_notify_inv *inv)
{
    struct notify_impl *n = u->notify.impl;
    if (!n || atomic_load(&u->notify.count) == 0)
        return;
    for (guint i = 0; i < n->subs->len; i++) {
        struct vtd_notifier *s = g_ptr_array_index(n->subs, i);
        struct space sp;
        resolve_space(u, s, &sp);
        if (!covers(s, &sp, inv))
            continue;
        uint64_t lo = 0, hi = ~0ULL;
        if ((inv->scope == VTD_NOTIFY_PAGES ||
             inv->scope == VTD_NOTIFY_PASID_PAGES) && inv->am < 52) {
            uint64_t size = 4096ULL << inv->am;
            lo = inv->addr & ~(size - 1);
            hi = lo + size - 1;
        }
        sync_range(u, s, &sp, lo, hi);
        s->have_did = sp.kind != SPACE_NONE;
        s->last_did = sp.did;
    }
}

int vtd_notifier_replay(struct vtd_iommu *u, struct vtd_notifier *s)
{
    if (!u || !s)
        return -EINVAL;
    g_mutex_lock(&u->lock);
    g_tree_destroy(s->shadow);
    s->shadow = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
    struct space sp;
    resolve_space(u, s, &sp);
    int maps = sync_range(u, s, &sp, 0, ~0ULL);
    s->have_did = sp.kind != SPACE_NONE;
    s->last_did = sp.did;
    g_mutex_unlock(&u->lock);
    return maps;
}
