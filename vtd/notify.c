/* SPDX-License-Identifier: MIT */
/*
 * vtd/notify.c: caching-mode map/unmap subscribers (include/vtd/notify.h).
 *
 * Each subscriber keeps a shadow: the mappings it was last told about,
 * keyed by IOVA.  The contract (notify.h): after every event the
 * subscriber's view equals what the unit would translate now for that
 * requester.  So the shadow is brought up to date whenever the unit's
 * translation may have changed:
 *  - after an invalidation that covers the subscriber's address space
 *    (VT-d 6.5: the granularity decides which), over the range it names;
 *  - after GCMD.TE set or clear, GCMD.SRTP (a new root table or TTM) and
 *    a reset, over the whole address space (vtd_notify_resync_locked_).
 * The affected IOVA range is enumerated afresh from the guest's tables;
 * every leaf found is then translated by the unit's own pipeline
 * (vtd_translate_tables_: the same structure checks, walk, reserved-bit,
 * width and interrupt-range checks as vtd_translate, without caches or
 * side effects), so the shadow holds exactly what the unit translates.
 * Mappings that vanished or changed are unmapped, mappings that appeared
 * or changed are mapped, UNMAPs first.
 *
 * A host read that fails (vtd_host_ops.read) says nothing about the
 * guest's tables: the entries it covers keep their shadow as it was, and
 * the failure is logged.  Work per resync is bounded
 * (VTD_NOTIFY_MAX_VISITS table entries); a walk cut short is logged and
 * the part it did not reach is unmapped (fail closed), since keeping it
 * could keep a mapping the unit no longer translates.
 */
#include "internal.h"
#include "reentry.h"
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

/* Failed host reads on this thread (core.c counts them): the notifier
 * compares the count before and after a resolve, walk or probe. */
static unsigned read_errors(void)
{
    return vtd_tls_read_errors_;
}

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
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract */
    struct vtd_notifier *s = g_try_new0(struct vtd_notifier, 1);
    if (!s)
        return -ENOMEM;
    s->sid = sid;
    s->pasid = pasid;
    s->fn = fn;
    s->opaque = opaque;
    s->shadow = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
    pthread_mutex_lock(&u->lock);
    struct notify_impl *n = u->notify.impl;
    g_ptr_array_add(n->subs, s);
    atomic_store(&u->notify.count, n->subs->len);
    pthread_mutex_unlock(&u->lock);
    *out = s;
    return 0;
}

void vtd_notifier_remove(struct vtd_iommu *u, struct vtd_notifier *s)
{
    if (!u || !s)
        return;
    if (vtd_in_callback_(u))
        return; /* vtd.h threading contract: ignored */
    pthread_mutex_lock(&u->lock);
    struct notify_impl *n = u->notify.impl;
    if (g_ptr_array_remove(n->subs, s))
        notifier_free(s);
    atomic_store(&u->notify.count, n->subs->len);
    pthread_mutex_unlock(&u->lock);
}

/* ------------------------------------------------------------------ */
/* The current address space of a subscriber                           */
/* ------------------------------------------------------------------ */

enum space_kind {
    SPACE_NONE,     /* nothing translates (a structure fault) */
    SPACE_OFF,      /* translation disabled: identity, whole width */
    SPACE_SS,       /* second-stage tables */
    SPACE_PT,       /* pass-through */
    SPACE_OTHER,    /* first stage or nested: not shadowed */
    SPACE_UNKNOWN,  /* a host read failed: keep the shadow as it is */
};

struct space {
    enum space_kind kind;
    uint16_t did;
    uint64_t root_reg;   /* RTADDR as latched */
    uint64_t root;       /* second-stage table */
    unsigned levels;
    unsigned width;      /* input address bits */
};

/* Resolve (sid, pasid) through the tables as they are now.  Structure
 * faults leave the space empty (nothing is mapped); the checks that
 * decide faults are those of the translation itself (probe() below), this
 * only finds where the tables are. */
static void resolve_space(struct vtd_iommu *u, const struct vtd_notifier *s,
                          struct space *sp)
{
    unsigned errs = read_errors();
    memset(sp, 0, sizeof(*sp));
    sp->kind = SPACE_NONE;
    if (!atomic_load(&u->te)) {
        /* VT-d 11.4.4.1 / 11.4.4.2: with TES clear DMA is not remapped;
         * vtd_translate passes every address through. */
        sp->kind = SPACE_OFF;
        sp->width = u->haw;
        return;
    }
    uint64_t root = atomic_load(&u->root_latched);
    sp->root_reg = root;
    unsigned ttm = (unsigned)field_get(root, RTADDR, TTM);
    uint64_t rta = VTD_GET_ADDR_(root, RTADDR, RTA);
    struct vtd_ctx ctx;
    unsigned fault = 0;
    bool fpd = false;
    if (ttm == VTD_TTM_LEGACY) {
        if (s->pasid != VTD_NO_PASID)
            return;
        vtd_ctx_fetch_(u, rta, false, s->sid, false, &ctx, &fault, &fpd);
        if (fault)
            goto out;
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
        sp->root = VTD_GET_ADDR_(ctx.q[0], CE_LO, SSPTPTR);
        sp->levels = vtd_aw_levels_(aw);
        sp->width = MIN(vtd_aw_bits_(aw), u->mgaw);
        return;
    }
    if (ttm != VTD_TTM_SCALABLE || !field_get(u->ecap, ECAP, SMTS))
        return;
    vtd_ctx_fetch_(u, rta, true, s->sid, false, &ctx, &fault, &fpd);
    if (fault)
        goto out;
    uint32_t pasid = s->pasid;
    if (pasid == VTD_NO_PASID)
        pasid = (uint32_t)field_get(ctx.q[1], SCE1, RID_PASID);
    if (pasid > vtd_ctx_max_pasid_(&ctx))
        return;
    struct vtd_pasid_ent pe;
    vtd_pasid_fetch_(u, &ctx, s->sid, pasid, false, &pe, &fault, &fpd);
    if (fault)
        goto out;
    sp->did = (uint16_t)field_get(pe.q[1], PTE1, DID);
    unsigned pgtt = (unsigned)field_get(pe.q[0], PTE0, PGTT);
    unsigned aw = (unsigned)field_get(pe.q[0], PTE0, AW);
    switch (pgtt) {
    case VTD_PGTT_SS:
        sp->kind = SPACE_SS;
        sp->root = VTD_GET_ADDR_(pe.q[0], PTE0, SSPTPTR);
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
    return;
out:
    if (read_errors() != errs)
        sp->kind = SPACE_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Enumerating the mappings over a range                               */
/* ------------------------------------------------------------------ */

struct range {
    uint64_t lo, hi;     /* inclusive */
};

struct enum_ctx {
    struct vtd_iommu *u;
    const struct vtd_notifier *s;
    const struct space *sp;
    GArray *out;         /* struct shadow_map, ascending iova */
    GArray *unknown;     /* struct range, ascending: unreadable */
    unsigned visits;
    bool truncated;
};

static void add_unknown(struct enum_ctx *e, uint64_t lo, uint64_t hi)
{
    struct range r = { lo, hi };
    if (e->unknown->len) {
        struct range *last = &g_array_index(e->unknown, struct range,
                                            e->unknown->len - 1);
        if (last->hi != ~0ULL && last->hi + 1 >= lo) {
            last->hi = MAX(last->hi, hi);
            return;
        }
    }
    g_array_append_val(e->unknown, r);
}

/* Append [iova, iova + size) -> gpa, leaving out the part whose output
 * lies in the interrupt range when the unit faults it there (split into
 * naturally aligned halves; at most two pieces per halving).  size 0
 * stands for 2^64. */
static void add_map(GArray *out, uint64_t iova, uint64_t size, uint64_t gpa,
                    uint32_t perm, bool irq_hole)
{
    uint64_t last = gpa + (size ? size : 0) - 1;
    /* VT-d 3.15 / 5.1: output in the interrupt address range is an
     * interrupt request, never translated memory (the unit faults it,
     * LGN.4 / SGN.8.x, when translation is on). */
    if (irq_hole && gpa <= VTD_INTR_ADDR_HI && last >= VTD_INTR_ADDR_LO) {
        if (gpa >= VTD_INTR_ADDR_LO && last <= VTD_INTR_ADDR_HI)
            return; /* wholly interrupt range: not translated */
        uint64_t half = size ? size / 2 : 1ULL << 63;
        add_map(out, iova, half, gpa, perm, irq_hole);
        add_map(out, iova + half, half, gpa + half, perm, irq_hole);
        return;
    }
    struct shadow_map m = { .iova = iova, .size = size, .gpa = gpa,
                            .perm = perm };
    g_array_append_val(out, m);
}

/* How the unit translates iova for the subscriber now, from the tables
 * alone (translate.c).  Returns false when a host read failed. */
static bool probe(struct enum_ctx *e, uint64_t iova, struct vtd_xlate *x)
{
    struct vtd_dma_req req = {
        .sid = e->s->sid, .pasid = e->s->pasid, .iova = iova, .size = 1,
        .access = 0, .at = VTD_AT_UNTRANSLATED,
    };
    unsigned errs = read_errors();
    vtd_translate_tables_(e->u, e->sp->root_reg, &req, x);
    return read_errors() == errs;
}

static bool intr_fault(unsigned f)
{
    return f == VTD_FR_INTR_ADDR || f == VTD_FR_SGN_INTR_ADDR;
}

/* A leaf [va, va + span) found in the tables: keep what the unit
 * translates of it.  The unit faults only the pages whose output lies in
 * the interrupt range; a leaf larger than that range has its first or
 * its last page outside it, so one of the two probes shows the leaf. */
static void leaf(struct enum_ctx *e, uint64_t va, uint64_t span)
{
    struct vtd_xlate x;
    uint64_t at = va;
    if (!probe(e, at, &x)) {
        add_unknown(e, va, va + span - 1);
        return;
    }
    if (intr_fault(x.fault) && span > 4096) {
        at = va + span - 4096;
        if (!probe(e, at, &x)) {
            add_unknown(e, va, va + span - 1);
            return;
        }
    }
    uint32_t perm = x.perm & (VTD_PERM_R | VTD_PERM_W);
    if (x.fault || !perm || x.page_size != span)
        return;
    add_map(e->out, va, span, x.addr - (at - va), perm, true);
}

/* Leaf sizes allowed at a level by CAP.SLLPS (VT-d 9.8): level 2 = 2 MiB,
 * level 3 = 1 GiB. */
static bool ps_allowed(const struct vtd_iommu *u, unsigned level)
{
    unsigned sllps = (unsigned)field_get(u->cap, CAP, SLLPS);
    return (level == 2 && (sllps & VTD_SLLPS_2M)) ||
           (level == 3 && (sllps & VTD_SLLPS_1G));
}

static void enum_level(struct enum_ctx *e, uint64_t table, unsigned level,
                       uint64_t base, uint64_t lo, uint64_t hi)
{
    unsigned shift = 12 + 9 * (level - 1);
    uint64_t span = 1ULL << shift;
    unsigned first = (unsigned)((lo > base ? lo - base : 0) >> shift);
    uint64_t top = hi - base;
    unsigned last = (unsigned)MIN(511, top >> shift);
    for (unsigned i = first; i <= last && !e->truncated; i++) {
        uint64_t va = base + (uint64_t)i * span;
        if (++e->visits > VTD_NOTIFY_MAX_VISITS) {
            /* Fail closed: what the walk did not reach counts as not
             * mapped, so the subscriber drops its old view there (for
             * example the TE-clear identity map) rather than keeping a
             * mapping the unit may no longer translate.  Unlike an
             * unreadable entry, a cut-short walk is the guest's doing
             * (its tables are that large), and a device that loses a
             * mapping faults where it would otherwise have reached
             * memory the guest took away. */
            e->truncated = true;
            return;
        }
        uint64_t pte;
        if (vtd_mem_ldq_(e->u, table + 8ULL * i, &pte) < 0 &&
            vtd_mem_ldq_(e->u, table + 8ULL * i, &pte) < 0) {
            /* Unreadable twice: the read says nothing about the guest's
             * mappings, so the shadow of this span stays as it is (it is
             * logged; notify.h).  Not "nothing mapped": a probe of one
             * address cannot speak for the span, and a failure that
             * lasted one call (issue 18 sweep) unmapped live pages. */
            add_unknown(e, va, va + span - 1);
            continue;
        }
        if (!(pte & (VTD_SSE_R_MASK | VTD_SSE_W_MASK)))
            continue; /* not present (R=W=0) */
        bool ps = field_get(pte, SSE, PS);
        if (level == 1 || (ps && ps_allowed(e->u, level))) {
            leaf(e, va, span);
            e->visits += e->sp->levels; /* the probe's walk */
        } else if (!ps) {
            uint64_t next = VTD_GET_ADDR_(pte, SSE, ADDR) &
                            vtd_haw_mask_(e->u);
            enum_level(e, next, level - 1, va, lo, hi);
        }
        /* PS where not supported: reserved, nothing mapped (9.8). */
    }
}

/* Current mappings intersecting [lo, hi] (inclusive) and the ranges that
 * could not be read. */
static void enumerate(struct vtd_iommu *u, const struct vtd_notifier *s,
                      const struct space *sp, uint64_t lo, uint64_t hi,
                      struct enum_ctx *e)
{
    *e = (struct enum_ctx){ .u = u, .s = s, .sp = sp };
    e->out = g_array_new(FALSE, FALSE, sizeof(struct shadow_map));
    e->unknown = g_array_new(FALSE, FALSE, sizeof(struct range));
    uint64_t limit = sp->width >= 64 ? ~0ULL : (1ULL << sp->width) - 1;
    if (lo > limit)
        return;
    hi = MIN(hi, limit);
    uint64_t size = sp->width >= 64 ? 0 : limit + 1; /* 0: 2^64 */
    switch (sp->kind) {
    case SPACE_OFF:
        /* Every address passes through untranslated. */
        add_map(e->out, 0, size, 0, VTD_PERM_R | VTD_PERM_W, false);
        break;
    case SPACE_PT: {
        /* Identity up to the host address width, if the unit translates
         * the space at all (the structure checks of the probe), except
         * the interrupt range. */
        struct vtd_xlate x;
        if (!probe(e, 0, &x))
            add_unknown(e, 0, limit);
        else if (!x.fault && x.addr == 0)
            add_map(e->out, 0, size, 0,
                    x.perm & (VTD_PERM_R | VTD_PERM_W), true);
        break;
    }
    case SPACE_SS:
        if (sp->levels >= 3 && sp->levels <= 5)
            enum_level(e, sp->root, sp->levels, 0, lo, hi);
        break;
    default:
        break;
    }
}

static void enum_free(struct enum_ctx *e)
{
    g_array_free(e->out, TRUE);
    g_array_free(e->unknown, TRUE);
}

/* ------------------------------------------------------------------ */
/* Synchronising a shadow                                              */
/* ------------------------------------------------------------------ */

static void send(struct vtd_iommu *u, struct vtd_notifier *s, enum vtd_map_kind kind,
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
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    s->fn(s->opaque, &ev);
    vtd_cb_exit_(&f);
}

static uint64_t map_last(const struct shadow_map *m)
{
    return m->size ? m->iova + m->size - 1 : ~0ULL;
}

static bool same(const struct shadow_map *a, const struct shadow_map *b)
{
    return a->iova == b->iova && a->size == b->size && a->gpa == b->gpa &&
           a->perm == b->perm;
}

/* Shadow entries overlapping [lo, hi], ascending (entries are disjoint,
 * so only the one before the first at or above lo can reach into it). */
#if GLIB_CHECK_VERSION(2, 68, 0)
static GPtrArray *overlapping(GTree *t, uint64_t lo, uint64_t hi)
{
    GPtrArray *hits = g_ptr_array_new();
    GTreeNode *n = g_tree_lower_bound(t, &lo);
    GTreeNode *prev = n ? g_tree_node_previous(n) : g_tree_node_last(t);
    if (prev && map_last(g_tree_node_value(prev)) >= lo)
        g_ptr_array_add(hits, g_tree_node_value(prev));
    for (; n; n = g_tree_node_next(n)) {
        struct shadow_map *m = g_tree_node_value(n);
        if (m->iova > hi)
            break;
        g_ptr_array_add(hits, m);
    }
    return hits;
}
#else
struct collect {
    uint64_t lo, hi;
    GPtrArray *hits;
};

static gboolean collect_overlap(gpointer key, gpointer value, gpointer data)
{
    struct collect *c = data;
    struct shadow_map *m = value;
    (void)key;
    if (m->iova > c->hi)
        return TRUE; /* ordered by iova: nothing further overlaps */
    if (map_last(m) >= c->lo)
        g_ptr_array_add(c->hits, m);
    return FALSE;
}

static GPtrArray *overlapping(GTree *t, uint64_t lo, uint64_t hi)
{
    struct collect c = { .lo = lo, .hi = hi, .hits = g_ptr_array_new() };
    g_tree_foreach(t, collect_overlap, &c);
    return c.hits;
}
#endif

/* Whether [lo, hi] overlaps one of the ascending, disjoint ranges r from
 * index *j on; callers ask in ascending order of lo, so *j only grows. */
static bool overlaps_ranges(const GArray *r, guint *j, uint64_t lo,
                            uint64_t hi)
{
    while (*j < r->len && g_array_index(r, struct range, *j).hi < lo)
        (*j)++;
    return *j < r->len && g_array_index(r, struct range, *j).lo <= hi;
}

/* Bring the shadow of s to what the unit translates over [lo, hi];
 * returns the number of MAP events sent. */
static int sync_range(struct vtd_iommu *u, struct vtd_notifier *s,
                      const struct space *sp, uint64_t lo, uint64_t hi)
{
    if (sp->kind == SPACE_UNKNOWN) {
        vtd_log_(u, VTD_LOG_WARN,
                 "notify: reading the root/context/PASID entry of "
                 VTD_SID_FMT " failed; its shadow is left as it was",
                 VTD_SID_BDF(s->sid));
        return 0;
    }
    struct enum_ctx e;
    enumerate(u, s, sp, lo, hi, &e);
    if (e.truncated)
        vtd_log_(u, VTD_LOG_WARN,
                 "notify: walk of " VTD_SID_FMT " over 0x%llx-0x%llx stopped "
                 "after %u entries; the rest of its shadow is unmapped",
                 VTD_SID_BDF(s->sid),
                 (unsigned long long)lo, (unsigned long long)hi,
                 VTD_NOTIFY_MAX_VISITS);
    else if (e.unknown->len)
        vtd_log_(u, VTD_LOG_WARN,
                 "notify: %u range(s) of " VTD_SID_FMT " from 0x%llx could "
                 "not be read; their shadow is left as it was",
                 e.unknown->len, VTD_SID_BDF(s->sid),
                 (unsigned long long)g_array_index(e.unknown, struct range,
                                                   0).lo);
    GArray *cur = e.out;
    /* A current mapping may reach beyond [lo, hi] (a large leaf, the
     * pass-through identity): shadow entries it covers there are out of
     * date too.  Look at the union. */
    uint64_t slo = lo, shi = hi;
    if (cur->len) {
        slo = MIN(slo, g_array_index(cur, struct shadow_map, 0).iova);
        shi = MAX(shi, map_last(&g_array_index(cur, struct shadow_map,
                                               cur->len - 1)));
    }
    /* Which current mappings the subscriber already has. */
    bool *known = g_new0(bool, cur->len + 1);
    GArray *kept = g_array_new(FALSE, FALSE, sizeof(struct range));
    GPtrArray *hits = overlapping(s->shadow, slo, shi);
    guint k = 0, j = 0, kc = 0;
    for (guint i = 0; i < hits->len; i++) {
        struct shadow_map *m = g_ptr_array_index(hits, i);
        uint64_t mlast = map_last(m);
        while (k < cur->len &&
               g_array_index(cur, struct shadow_map, k).iova < m->iova)
            k++;
        if (k < cur->len &&
            same(m, &g_array_index(cur, struct shadow_map, k))) {
            known[k] = true;
            continue;
        }
        if (mlast < lo || m->iova > hi) {
            /* Outside the range: stale only where a current mapping
             * covers it. */
            while (kc < cur->len &&
                   map_last(&g_array_index(cur, struct shadow_map, kc)) <
                       m->iova)
                kc++;
            if (kc >= cur->len ||
                g_array_index(cur, struct shadow_map, kc).iova > mlast)
                continue;
        } else if (overlaps_ranges(e.unknown, &j, m->iova, mlast)) {
            /* Unreadable (or not reached): as it was. */
            struct range r = { m->iova, mlast };
            g_array_append_val(kept, r);
            continue;
        }
        struct shadow_map copy = *m;
        g_tree_remove(s->shadow, &m->iova); /* frees m */
        send(u, s, VTD_UNMAP_EVENT, &copy);
    }
    g_ptr_array_free(hits, TRUE);
    /* Map what is new or changed, except where a kept entry still sits. */
    int maps = 0;
    j = 0;
    for (k = 0; k < cur->len; k++) {
        if (known[k])
            continue;
        struct shadow_map *n = &g_array_index(cur, struct shadow_map, k);
        if (overlaps_ranges(kept, &j, n->iova, map_last(n)))
            continue;
        struct shadow_map *ins = g_new(struct shadow_map, 1);
        *ins = *n;
        g_tree_insert(s->shadow, &ins->iova, ins);
        send(u, s, VTD_MAP_EVENT, ins);
        maps++;
    }
    g_free(known);
    g_array_free(kept, TRUE);
    enum_free(&e);
    return maps;
}

static bool covers(const struct vtd_notifier *s, const struct space *sp,
                   const struct vtd_notify_inv *inv)
{
    bool did_match = (sp->kind != SPACE_NONE && sp->did == inv->did) ||
                     (s->have_did && s->last_did == inv->did) ||
                     sp->kind == SPACE_UNKNOWN;
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

static void sync_sub(struct vtd_iommu *u, struct vtd_notifier *s,
                     const struct space *sp, uint64_t lo, uint64_t hi)
{
    sync_range(u, s, sp, lo, hi);
    if (sp->kind == SPACE_UNKNOWN)
        return;
    s->have_did = sp->kind != SPACE_NONE && sp->kind != SPACE_OFF;
    s->last_did = sp->did;
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
        sync_sub(u, s, &sp, lo, hi);
    }
}

void vtd_notify_resync_locked_(struct vtd_iommu *u)
{
    struct notify_impl *n = u->notify.impl;
    if (!n || atomic_load(&u->notify.count) == 0)
        return;
    for (guint i = 0; i < n->subs->len; i++) {
        struct vtd_notifier *s = g_ptr_array_index(n->subs, i);
        struct space sp;
        resolve_space(u, s, &sp);
        sync_sub(u, s, &sp, 0, ~0ULL);
    }
}

int vtd_notifier_replay(struct vtd_iommu *u, struct vtd_notifier *s)
{
    if (!u || !s)
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract */
    pthread_mutex_lock(&u->lock);
    struct space sp;
    resolve_space(u, s, &sp);
    int maps = -EIO;
    if (sp.kind != SPACE_UNKNOWN) {
        g_tree_destroy(s->shadow);
        s->shadow = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
        maps = sync_range(u, s, &sp, 0, ~0ULL);
        s->have_did = sp.kind != SPACE_NONE && sp.kind != SPACE_OFF;
        s->last_did = sp.did;
    } else {
        vtd_log_(u, VTD_LOG_WARN,
                 "notify: replay of " VTD_SID_FMT ": reading its root/context/"
                 "PASID entry failed", VTD_SID_BDF(s->sid));
    }
    pthread_mutex_unlock(&u->lock);
    return maps;
}
