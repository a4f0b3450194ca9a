/* SPDX-License-Identifier: MIT */
/*
 * tests/test_shadow.c: the caching-mode subscriber contract as a property
 * (include/vtd/notify.h, issue 13 item 4).
 *
 * A random guest program drives a CM=1 unit through its registers only:
 * it writes root, context and second-stage entries (present, not present,
 * 4 KiB / 2 MiB / 1 GiB leaves, table pointers, entries with stray and
 * reserved bits, leaves whose output lies in the interrupt range),
 * toggles GCMD.TE, latches other root tables and TTMs with SRTP, turns
 * queued invalidation on and off, resets the unit, and issues every kind
 * of invalidation (context cache global / domain / device with every
 * function mask, IOTLB global / domain / page with every AM, through the
 * registers or the invalidation queue).  Every table change is followed by
 * an invalidation that covers it, as VT-d 6.1 requires of software with
 * CM=1 (6.5, 6.6 for which); extra invalidations come at random.
 *
 * A shadow per requester is fed only by the MAP/UNMAP events.  After
 * every step it is compared page by page with vtd_translate() on every
 * IOVA the program can map (the same 48 addresses per requester, spread
 * over the 4 levels): the output address and R/W rights must match, and
 * where the unit faults the shadow must hold nothing.  Zero differences.
 *
 * Two runs: cache policy NONE (the unit walks every time, so the view
 * must be exact after every step, whatever the order), and HARDWARE (the
 * unit caches like hardware, including not-present entries in caching
 * mode; the program then also issues the IOTLB invalidation the spec asks
 * after a context-cache invalidation and after SRTP, 6.5.1.1, 6.6).
 *
 * SHADOW_STEPS (default 100000 for the first run, half that for the
 * second) and SHADOW_SEED override the defaults; SHADOW_DEBUG=1 prints
 * every step and event.  Encodings are written out from VT-d chapters 6, 9 and 11
 * here, independently of the library's own definitions.
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "unit_util.h"
#include "fakemem.h"
#include <vtd/layout.h>
#include <vtd/vtd.h>

#define RAM (16ULL << 20)
#define RT_A 0x10000ULL
#define CT_A 0x11000ULL
#define RT_B 0x12000ULL
#define CT_B 0x13000ULL
#define IQ_BASE 0x20000ULL        /* 256 descriptors of 16 bytes */
#define JUNK 0x30000ULL           /* 4 pages of stray entries, constant */
#define POOL 0x100000ULL          /* page tables */
#define POOL_N 1024u
#define NSID 2
#define NTOP 4                    /* top tables 0,1: 3-level; 2,3: 4-level */
#define NIOVA 48

/* "full" profile offsets: ECAP.IRO = 0x50 (IVA at 0x500, IOTLB at 0x508) */
#define IVA_REG 0x500
#define IOTLB_REG 0x508
#define GCMD_TE (1u << 31)        /* 11.4.4.1 */
#define GCMD_SRTP (1u << 30)
#define GCMD_QIE (1u << 26)
#define CAP_CM (1ULL << 7)        /* 11.4.2 */

static const uint16_t sids[NSID] = { 0x18, 0x20 }; /* 00:03.0, 00:04.0 */

/* Register and memory helpers without check's per-assertion bookkeeping
 * (the loop makes millions of these calls). */
static void mw64(struct vtd_iommu *u, uint64_t off, uint64_t v)
{
    if (vtd_mmio_write(u, off, 8, v) != 0)
        ck_abort_msg("8-byte write at 0x%llx refused",
                     (unsigned long long)off);
}

static void mw32(struct vtd_iommu *u, uint64_t off, uint32_t v)
{
    if (vtd_mmio_write(u, off, 4, v) != 0)
        ck_abort_msg("4-byte write at 0x%llx refused",
                     (unsigned long long)off);
}

static uint64_t mr64(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    if (vtd_mmio_read(u, off, 8, &v) != 0)
        ck_abort_msg("8-byte read at 0x%llx refused",
                     (unsigned long long)off);
    return v;
}

static uint32_t fsts(struct vtd_iommu *u)
{
    uint64_t v = 0;
    vtd_mmio_read(u, VTD_REG_FSTS, 4, &v);
    return (uint32_t)v;
}

static void gwq(struct fake_host *h, uint64_t gpa, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        h->ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t grq(struct fake_host *h, uint64_t gpa)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | h->ram[gpa + i];
    return v;
}

/* ------------------------------------------------------------------ */
/* The shadow an embedder keeps, fed by events only                    */
/* ------------------------------------------------------------------ */

struct smap {
    uint64_t iova, size, gpa;
    uint32_t perm;
};

struct shadow {
    uint16_t sid;
    GArray *m;            /* struct smap, sorted by iova, disjoint */
    unsigned long events;
    char err[160];        /* first contract violation seen in an event */
};

static uint64_t last_of(const struct smap *m)
{
    return m->size ? m->iova + m->size - 1 : ~0ULL;
}

/* Index of the first entry with iova >= a. */
static guint lower(const GArray *a, uint64_t iova)
{
    guint lo = 0, hi = a->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (g_array_index(a, struct smap, mid).iova < iova)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void on_event(void *opaque, const struct vtd_map_event *ev)
{
    struct shadow *s = opaque;
    s->events++;
    if (getenv("SHADOW_DEBUG"))
        fprintf(stderr, "  ev %x %s 0x%llx+0x%llx -> 0x%llx %u\n", ev->sid,
                ev->kind == VTD_MAP_EVENT ? "MAP" : "UNMAP",
                (unsigned long long)ev->iova, (unsigned long long)ev->size,
                (unsigned long long)ev->gpa, ev->perm);
    if (s->err[0])
        return;
    if (ev->sid != s->sid || ev->pasid != VTD_NO_PASID) {
        snprintf(s->err, sizeof(s->err), "event for %x/%x", ev->sid,
                 ev->pasid);
        return;
    }
    uint64_t sz = ev->size;
    if ((sz & (sz - 1)) || (sz && ((ev->iova | ev->gpa) & (sz - 1)))) {
        snprintf(s->err, sizeof(s->err), "bad size 0x%llx at 0x%llx",
                 (unsigned long long)sz, (unsigned long long)ev->iova);
        return;
    }
    guint i = lower(s->m, ev->iova);
    if (ev->kind == VTD_UNMAP_EVENT) {
        if (i >= s->m->len ||
            g_array_index(s->m, struct smap, i).iova != ev->iova ||
            g_array_index(s->m, struct smap, i).size != sz) {
            snprintf(s->err, sizeof(s->err),
                     "UNMAP 0x%llx+0x%llx of nothing mapped so",
                     (unsigned long long)ev->iova, (unsigned long long)sz);
            return;
        }
        g_array_remove_index(s->m, i);
        return;
    }
    struct smap n = { ev->iova, sz, ev->gpa, ev->perm };
    bool clash = (i < s->m->len &&
                  g_array_index(s->m, struct smap, i).iova <= last_of(&n)) ||
                 (i > 0 &&
                  last_of(&g_array_index(s->m, struct smap, i - 1)) >=
                      n.iova);
    if (clash || !(ev->perm & (VTD_PERM_R | VTD_PERM_W)) ||
        (ev->perm & ~(uint32_t)(VTD_PERM_R | VTD_PERM_W))) {
        snprintf(s->err, sizeof(s->err),
                 "MAP 0x%llx+0x%llx perm %x over a mapping or empty",
                 (unsigned long long)ev->iova, (unsigned long long)sz,
                 ev->perm);
        return;
    }
    g_array_insert_val(s->m, i, n);
}

static bool shadow_lookup(const struct shadow *s, uint64_t iova,
                          uint64_t *gpa, uint32_t *perm)
{
    guint i = lower(s->m, iova + 1);
    if (i == 0)
        return false;
    const struct smap *m = &g_array_index(s->m, struct smap, i - 1);
    if (last_of(m) < iova)
        return false;
    *gpa = m->gpa + (iova - m->iova);
    *perm = m->perm;
    return true;
}

/* ------------------------------------------------------------------ */
/* The guest                                                           */
/* ------------------------------------------------------------------ */

struct ctxm {
    bool p;
    unsigned tt, aw, top;
    uint16_t did;
};

struct guest {
    struct fake_host *h;
    struct vtd_iommu *u;
    GRand *r;
    bool hw_cache;
    bool te, qie;
    bool legacy;              /* the latched TTM is 00b */
    uint32_t iq_tail;
    uint64_t top[NTOP];
    unsigned top_levels[NTOP];
    uint32_t free_pages[POOL_N];
    unsigned nfree;
    bool tree[POOL_N];        /* page is a table reachable from a top */
    struct ctxm ctx[2][NSID]; /* [CT_A/CT_B][sid] */
    struct shadow sh[NSID];
    uint64_t iova[NIOVA];
    unsigned long steps, checks, compared;
    const char *hist[4];      /* the last steps, for failure messages */
};

static uint32_t rnd(struct guest *g, uint32_t n)
{
    return (uint32_t)g_rand_int_range(g->r, 0, (gint32)n);
}

static bool chance(struct guest *g, unsigned pct)
{
    return rnd(g, 100) < pct;
}

static uint64_t alloc_table(struct guest *g)
{
    if (g->nfree == 0)
        return 0;
    uint32_t k = g->free_pages[--g->nfree];
    uint64_t pa = POOL + 4096ULL * k;
    memset(g->h->ram + pa, 0, 4096);
    g->tree[k] = true;
    return pa;
}

static bool in_pool(uint64_t pa)
{
    return pa >= POOL && pa < POOL + 4096ULL * POOL_N;
}

/* Return the tables below an entry being overwritten to the pool. */
static void free_below(struct guest *g, uint64_t e, unsigned level)
{
    if (level <= 1 || !(e & 3) || (e & 0x80))
        return;
    uint64_t pa = e & 0x000ffffffffff000ULL;
    if (!in_pool(pa) || !g->tree[(pa - POOL) / 4096])
        return;
    for (unsigned i = 0; i < 512; i++)
        free_below(g, grq(g->h, pa + 8 * i), level - 1);
    g->tree[(pa - POOL) / 4096] = false;
    g->free_pages[g->nfree++] = (uint32_t)((pa - POOL) / 4096);
}

/* GCMD with the persistent enables kept (11.4.4.1). */
static void gcmd(struct guest *g, uint32_t cmd)
{
    mw32(g->u, VTD_REG_GCMD,
         (g->te ? GCMD_TE : 0) | (g->qie ? GCMD_QIE : 0) | cmd);
}

/* One descriptor into the invalidation queue (6.5.2), processed at once. */
static void qi_submit(struct guest *g, uint64_t lo, uint64_t hi)
{
    uint64_t at = IQ_BASE + 16ULL * g->iq_tail;
    gwq(g->h, at, lo);
    gwq(g->h, at + 8, hi);
    g->iq_tail = (g->iq_tail + 1) % 256;
    mw64(g->u, VTD_REG_IQT, (uint64_t)g->iq_tail << 4);
    if (mr64(g->u, VTD_REG_IQH) != (uint64_t)g->iq_tail << 4)
        ck_abort_msg(
                  "step %lu: descriptor 0x%llx 0x%llx stopped the queue "
                  "(FSTS 0x%x IQERCD 0x%llx)", g->steps,
                  (unsigned long long)lo, (unsigned long long)hi,
                  fsts(g->u),
                  (unsigned long long)mr64(g->u, VTD_REG_IQERCD));
}

enum { G_GLOBAL = 1, G_DOMAIN = 2, G_DEVICE = 3, G_PAGE = 3 };

/* Context-cache invalidation: 11.4.6.1 CCMD (ICC 63, CIRG 62:61, FM
 * 33:32, SID 31:16, DID 15:0) or 6.5.2.1 cc_inv_dsc (type 1, G 5:4,
 * DID 31:16, SID 47:32, FM 49:48). */
static void inv_cc(struct guest *g, unsigned gran, uint16_t did,
                   uint16_t sid, unsigned fm)
{
    if (g->qie)
        qi_submit(g, 1 | (uint64_t)gran << 4 | (uint64_t)did << 16 |
                         (uint64_t)sid << 32 | (uint64_t)fm << 48, 0);
    else
        mw64(g->u, VTD_REG_CCMD, 1ULL << 63 | (uint64_t)gran << 61 |
                                     (uint64_t)fm << 32 |
                                     (uint64_t)sid << 16 | did);
}

/* IOTLB invalidation: 11.4.8.1 IOTLB_REG (IVT 63, IIRG 61:60, DR 49,
 * DW 48, DID 47:32) with IVA (ADDR 63:12, IH 6, AM 5:0), or 6.5.2.3
 * iotlb_inv_dsc (type 2, G 5:4, DR 7, DW 6, DID 31:16; ADDR, IH, AM). */
static void inv_iotlb(struct guest *g, unsigned gran, uint16_t did,
                      uint64_t addr, unsigned am)
{
    uint64_t iva = (addr & ~0xfffULL) | (chance(g, 20) ? 1u << 6 : 0) | am;
    if (g->qie) {
        qi_submit(g, 2 | (uint64_t)gran << 4 | 3u << 6 | (uint64_t)did << 16,
                  gran == G_PAGE ? iva : 0);
        return;
    }
    if (gran == G_PAGE)
        mw64(g->u, IVA_REG, iva);
    mw64(g->u, IOTLB_REG, 1ULL << 63 | (uint64_t)gran << 60 | 3ULL << 48 |
                              (uint64_t)did << 32);
}

/* Invalidate after a change to an entry of top table t covering
 * [addr, addr + span of level): every domain whose context entry (in
 * either context table) points at t, globally, domain-selectively, or
 * page-selectively with an AM that covers the span (6.5.1.2). */
static void inv_domains_of_top(struct guest *g, unsigned t, uint64_t addr,
                               unsigned level)
{
    unsigned need = 9 * (level - 1);
    int gran = rnd(g, 10);
    if (gran == 0) {
        inv_iotlb(g, G_GLOBAL, 0, 0, 0);
        return;
    }
    bool page = gran >= 4 && need <= 18; /* CAP.MAMV = 18 */
    uint32_t done = 0; /* DIDs below 32 already invalidated */
    for (unsigned c = 0; c < 2; c++) {
        for (unsigned s = 0; s < NSID; s++) {
            const struct ctxm *m = &g->ctx[c][s];
            if (m->top != t || (done & (1u << m->did)))
                continue;
            done |= 1u << m->did;
            if (page)
                inv_iotlb(g, G_PAGE, m->did, addr,
                          need + rnd(g, 19 - need));
            else
                inv_iotlb(g, G_DOMAIN, m->did, 0, 0);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */
/* ------------------------------------------------------------------ */

static const uint64_t out4k[] = {
    0x800000, 0x801000, 0x802000, 0x9ff000, 0xfee00000, 0xfee01000,
    0xfeeff000, 0xfef00000, 0xfedff000, 0x123456000,
};
static const uint64_t out2m[] = {
    0xa00000, 0xc00000, 0xfee00000, 0xfec00000, 0x40000000,
};
static const uint64_t out1g[] = { 0x40000000, 0x80000000, 0xc0000000 };

/* Stray bits: 9.8 ignored (8-11 A/D/SNP..., 52-61) and reserved ones. */
static uint64_t stray(struct guest *g)
{
    static const uint64_t bits[] = {
        1ULL << 8, 1ULL << 9, 1ULL << 10, 1ULL << 11, 1ULL << 52,
        1ULL << 55, 1ULL << 58, 1ULL << 61, 1ULL << 62, 1ULL << 63,
        1ULL << 2, 1ULL << 5, 1ULL << 6,
    };
    return chance(g, 15) ? bits[rnd(g, G_N_ELEMENTS(bits))] : 0;
}

static uint64_t perm(struct guest *g)
{
    return 1 + rnd(g, 3); /* R, W or RW */
}

static uint64_t pt_entry(struct guest *g, unsigned level)
{
    unsigned k = rnd(g, 100);
    if (k < 15)
        return chance(g, 50) ? 0 : (stray(g) & ~3ULL) | 0x100; /* R=W=0 */
    if (k < 22 && level <= 2)
        return (JUNK + 4096ULL * rnd(g, 4)) | perm(g); /* stray tables */
    if (level == 1)
        return out4k[rnd(g, G_N_ELEMENTS(out4k))] | perm(g) | stray(g);
    if (k < 60 || level == 4) {
        uint64_t t = alloc_table(g);
        if (t)
            return t | perm(g) | (chance(g, 5) ? stray(g) : 0);
    }
    uint64_t o = level == 2 ? out2m[rnd(g, G_N_ELEMENTS(out2m))]
                            : out1g[rnd(g, G_N_ELEMENTS(out1g))];
    if (chance(g, 5))
        o += 0x1000; /* misaligned large page: reserved bits (9.8) */
    return o | 0x80 | perm(g) | stray(g);
}

/* Write one second-stage entry on the path of a random IOVA, then the
 * invalidation that covers it. */
static void step_pt(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "pt";
    unsigned t = rnd(g, NTOP);
    uint64_t iova = g->iova[rnd(g, NIOVA)];
    unsigned level = g->top_levels[t];
    uint64_t table = g->top[t];
    iova &= (1ULL << (12 + 9 * level)) - 1; /* the tables' input width */
    for (;;) {
        uint64_t ea = table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511);
        uint64_t e = grq(g->h, ea);
        uint64_t next = e & 0x000ffffffffff000ULL;
        bool down = level > 1 && (e & 3) && !(e & 0x80) && in_pool(next) &&
                    g->tree[(next - POOL) / 4096] && chance(g, 75);
        if (down) {
            table = next;
            level--;
            continue;
        }
        uint64_t v = pt_entry(g, level);
        free_below(g, e, level);
        gwq(g->h, ea, v);
        uint64_t span = 1ULL << (12 + 9 * (level - 1));
        inv_domains_of_top(g, t, iova & ~(span - 1), level);
        return;
    }
}

static uint64_t ct_of(unsigned c)
{
    return c ? CT_B : CT_A;
}

/* 9.3 context entry: lo P 0, FPD 1, TT 3:2, SSPTPTR 63:12; hi AW 2:0,
 * DID 23:8. */
static void write_ctx(struct guest *g, unsigned c, unsigned s)
{
    struct ctxm *m = &g->ctx[c][s];
    uint64_t lo = 0, hi = 0;
    unsigned k = rnd(g, 100);
    m->p = k >= 10;
    m->top = rnd(g, NTOP);
    m->tt = k < 70 ? 0 : k < 80 ? 1 : k < 95 ? 2 : 3;
    m->aw = g->top_levels[m->top] - 2;
    if (chance(g, 3))
        m->aw = chance(g, 50) ? 0 : 4; /* reserved AW: LCT.4 */
    m->did = (uint16_t)(m->top + 1);
    if (!g->hw_cache && chance(g, 5))
        m->did = (uint16_t)rnd(g, 8); /* domain ids mixed up */
    lo = (m->p ? 1 : 0) | (chance(g, 20) ? 2 : 0) | (uint64_t)m->tt << 2 |
         g->top[m->top];
    if (chance(g, 2))
        lo |= 1ULL << (4 + rnd(g, 8)); /* reserved 11:4: LCT.3 */
    hi = m->aw | (uint64_t)m->did << 8 | (chance(g, 2) ? 1ULL << 40 : 0);
    uint64_t at = ct_of(c) + 16ULL * (sids[s] & 0xff);
    gwq(g->h, at, lo);
    gwq(g->h, at + 8, hi);
}

/* Change a context entry; invalidate the context cache (global, domain
 * of the old entry, or device with a function mask covering it), then
 * the IOTLB for the old and new domains (6.5.1.1: required after a
 * context-cache invalidation). */
static void step_ctx(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "ctx";
    unsigned c = rnd(g, 2), s = rnd(g, NSID);
    uint16_t old_did = g->ctx[c][s].did;
    write_ctx(g, c, s);
    switch (rnd(g, 3)) {
    case 0:
        inv_cc(g, G_GLOBAL, 0, 0, 0);
        break;
    case 1:
        inv_cc(g, G_DOMAIN, old_did, 0, 0);
        inv_cc(g, G_DOMAIN, g->ctx[c][s].did, 0, 0);
        break;
    default:
        inv_cc(g, G_DEVICE, old_did, (uint16_t)(sids[s] | rnd(g, 8)),
               3); /* FM=11b: all functions of the device */
        if (chance(g, 50))
            inv_cc(g, G_DEVICE, old_did, sids[s], rnd(g, 4));
        break;
    }
    if (g->hw_cache || chance(g, 50)) {
        if (chance(g, 30)) {
            inv_iotlb(g, G_GLOBAL, 0, 0, 0);
        } else {
            inv_iotlb(g, G_DOMAIN, old_did, 0, 0);
            inv_iotlb(g, G_DOMAIN, g->ctx[c][s].did, 0, 0);
        }
    }
}

/* 9.1 root entry for bus 0: P 0, CTP 63:12; then global invalidations. */
static void step_root(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "root";
    uint64_t rt = rnd(g, 2) ? RT_B : RT_A;
    uint64_t v = chance(g, 15) ? 0 : (ct_of(rnd(g, 2)) | 1);
    if (chance(g, 3))
        v |= 1ULL << (1 + rnd(g, 11)); /* reserved: LRT.3 */
    gwq(g->h, rt, v);
    inv_cc(g, G_GLOBAL, 0, 0, 0);
    if (g->hw_cache || chance(g, 50))
        inv_iotlb(g, G_GLOBAL, 0, 0, 0);
}

/* SRTP with a root table and TTM (11.4.5: 00b legacy, 10b reserved,
 * 11b abort-DMA), then (6.6) global invalidations when caching. */
static void step_srtp(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "srtp";
    uint64_t rt = rnd(g, 2) ? RT_B : RT_A;
    unsigned k = rnd(g, 100);
    uint64_t ttm = k < 85 ? 0 : k < 93 ? 2 : 3;
    if (g->qie)
        ttm = 0; /* 11.4.9.9: an invalid TTM stops the queue (IQEI 7) */
    g->legacy = ttm == 0;
    mw64(g->u, VTD_REG_RTADDR, rt | ttm << 10);
    gcmd(g, GCMD_SRTP);
    if (g->hw_cache) {
        inv_cc(g, G_GLOBAL, 0, 0, 0);
        inv_iotlb(g, G_GLOBAL, 0, 0, 0);
    }
}

static void step_te(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "te";
    g->te = !g->te;
    gcmd(g, 0);
}

/* 6.5.2: the queue must be empty (IQH = IQT) when QIE changes. */
static void step_qie(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "qie";
    if (!g->qie && !g->legacy)
        return;
    g->qie = !g->qie;
    if (g->qie) {
        g->iq_tail = 0;
        mw64(g->u, VTD_REG_IQT, 0);
        mw64(g->u, VTD_REG_IQA, IQ_BASE); /* QS=0: 256 entries */
    }
    gcmd(g, 0);
}

static void step_reset(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "reset";
    vtd_iommu_reset(g->u);
    g->te = g->qie = false;
    g->legacy = true;
}

/* An invalidation of any kind with no change before it. */
static void step_extra_inv(struct guest *g)
{
    memmove(g->hist + 1, g->hist, sizeof(g->hist) - sizeof(g->hist[0]));
    g->hist[0] = "extra_inv";
    unsigned s = rnd(g, NSID);
    uint16_t did = (uint16_t)rnd(g, 6);
    switch (rnd(g, 6)) {
    case 0:
        inv_cc(g, 1 + rnd(g, 3), did, (uint16_t)(sids[s] | rnd(g, 8)),
               rnd(g, 4));
        break;
    case 1:
        inv_iotlb(g, G_GLOBAL, 0, 0, 0);
        break;
    case 2:
        inv_iotlb(g, G_DOMAIN, did, 0, 0);
        break;
    default:
        inv_iotlb(g, G_PAGE, did, g->iova[rnd(g, NIOVA)], rnd(g, 19));
        break;
    }
}

/* ------------------------------------------------------------------ */
/* The property                                                        */
/* ------------------------------------------------------------------ */

static void dump_path(struct guest *g, uint16_t sid, uint64_t iova)
{
    uint64_t root = 0;
    vtd_mmio_read(g->u, VTD_REG_RTADDR, 8, &root);
    root &= ~0xfffULL;
    uint64_t re = grq(g->h, root);
    uint64_t ct = re & ~0xfffULL;
    uint64_t lo = grq(g->h, ct + 16 * (sid & 0xff));
    uint64_t hi = grq(g->h, ct + 16 * (sid & 0xff) + 8);
    fprintf(stderr, "root %llx re %llx ctx %llx %llx\n",
            (unsigned long long)root, (unsigned long long)re,
            (unsigned long long)lo, (unsigned long long)hi);
    unsigned levels = (hi & 7) + 2;
    uint64_t t = lo & ~0xfffULL;
    for (unsigned l = levels; l >= 1 && l <= 5; l--) {
        uint64_t ea = t + 8 * ((iova >> (12 + 9 * (l - 1))) & 511);
        uint64_t e = grq(g->h, ea);
        fprintf(stderr, "  L%u @%llx = %llx\n", l, (unsigned long long)ea,
                (unsigned long long)e);
        if (!(e & 3) || (e & 0x80))
            break;
        t = e & 0x000ffffffffff000ULL;
    }
}

static void check_all(struct guest *g)
{
    for (unsigned s = 0; s < NSID; s++) {
        struct shadow *sh = &g->sh[s];
        if (sh->err[0])
            ck_abort_msg("step %lu: %s", g->steps, sh->err);
        for (unsigned i = 0; i < NIOVA; i++) {
            struct vtd_dma_req rq = { .sid = sids[s], .pasid = VTD_NO_PASID,
                                      .iova = g->iova[i], .size = 4,
                                      .access = VTD_ACC_READ };
            struct vtd_xlate x;
            int rc = vtd_translate(g->u, &rq, &x);
            unsigned rfault = x.fault;
            if (rc == 0 && x.fault) {
                rq.access = VTD_ACC_WRITE;
                rc = vtd_translate(g->u, &rq, &x);
            }
            if (rc != 0)
                ck_abort_msg("vtd_translate: %d", rc);
            uint64_t gpa = 0;
            uint32_t p = 0;
            bool have = shadow_lookup(sh, g->iova[i], &gpa, &p);
            uint32_t up = x.fault ? 0 : x.perm & (VTD_PERM_R | VTD_PERM_W);
            g->compared++;
            if (!x.fault && have && gpa == x.addr && p == up)
                continue;
            if (x.fault && !have)
                continue;
            dump_path(g, sids[s], g->iova[i]);
            ck_abort_msg("step %lu (%s cache), sid %x, iova 0x%llx: unit "
                         "%s 0x%llx perm %u fault 0x%x; shadow %s 0x%llx "
                         "perm %u (read fault 0x%x); last steps %s %s %s %s, te %d",
                         g->steps, g->hw_cache ? "hardware" : "no",
                         sids[s], (unsigned long long)g->iova[i],
                         x.fault ? "faults" : "gives",
                         (unsigned long long)x.addr, up, x.fault,
                         have ? "maps" : "has nothing",
                         (unsigned long long)gpa, p, rfault, g->hist[0],
                         g->hist[1], g->hist[2], g->hist[3], g->te);
        }
    }
    g->checks++;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 0) : def;
}

static void run(bool hw_cache, uint32_t seed, unsigned long steps)
{
    struct guest g = { .hw_cache = hw_cache };
    g.h = fake_host_new(RAM);
    g.r = g_rand_new_with_seed(seed);
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    struct vtd_config cfg = {
        .version = VTD_CONFIG_VERSION, .cap = cap | CAP_CM, .ecap = ecap,
        .cache = hw_cache ? VTD_CACHE_HARDWARE : VTD_CACHE_NONE,
    };
    g.u = unit_new_cfg(&cfg, fake_host_ops(), g.h);
    for (unsigned k = 0; k < POOL_N; k++)
        g.free_pages[g.nfree++] = POOL_N - 1 - k;
    for (unsigned t = 0; t < NTOP; t++) {
        g.top[t] = alloc_table(&g);
        g.top_levels[t] = t < 2 ? 3 : 4;
    }
    /* Stray tables: a few entries with random flags pointing into them
     * (constant from here on, so they never change under a shadow; used
     * only at levels 2 and 1 so that a walk through them stays small). */
    for (uint64_t a = JUNK; a < JUNK + 4 * 4096; a += 8)
        if (chance(&g, 4))
            gwq(g.h, a, (JUNK + 4096ULL * rnd(&g, 4)) |
                                g_rand_int(g.r) % 0x1000 |
                                (chance(&g, 10) ? 1ULL << 62 : 0));
    /* 48 IOVAs over the levels: 4-level index {0, 1}, 3-level {0, 3},
     * 2-level {0, 1, 0x1f7}, 1-level {0, 1, 7, 511}; 0xFEE00000 among
     * them (pass-through leaves the interrupt range out). */
    static const unsigned i4[] = { 0, 1 }, i3[] = { 0, 3 },
                          i2[] = { 0, 1, 0x1f7 }, i1[] = { 0, 1, 7, 511 };
    unsigned n = 0;
    for (unsigned a = 0; a < 2; a++)
        for (unsigned b = 0; b < 2; b++)
            for (unsigned c = 0; c < 3; c++)
                for (unsigned d = 0; d < 4; d++)
                    g.iova[n++] = (uint64_t)i4[a] << 39 |
                                  (uint64_t)i3[b] << 30 |
                                  (uint64_t)i2[c] << 21 |
                                  (uint64_t)i1[d] << 12;
    for (unsigned s = 0; s < NSID; s++) {
        g.sh[s].sid = sids[s];
        g.sh[s].m = g_array_new(FALSE, FALSE, sizeof(struct smap));
        struct vtd_notifier *nt;
        ck_assert_int_eq(vtd_notifier_add(g.u, sids[s], VTD_NO_PASID,
                                          on_event, &g.sh[s], &nt), 0);
        ck_assert_int_ge(vtd_notifier_replay(g.u, nt), 0);
    }
    /* A sensible start: both roots present, contexts set, TE on. */
    gwq(g.h, RT_A, CT_A | 1);
    gwq(g.h, RT_B, CT_B | 1);
    for (unsigned c = 0; c < 2; c++)
        for (unsigned s = 0; s < NSID; s++)
            write_ctx(&g, c, s);
    mw64(g.u, VTD_REG_RTADDR, RT_A);
    gcmd(&g, GCMD_SRTP);
    g.legacy = true;
    g.te = true;
    gcmd(&g, 0);
    check_all(&g);

    for (g.steps = 1; g.steps <= steps; g.steps++) {
        unsigned k = rnd(&g, 1000);
        if (k < 600)
            step_pt(&g);
        else if (k < 760)
            step_ctx(&g);
        else if (k < 800)
            step_root(&g);
        else if (k < 840)
            step_srtp(&g);
        else if (k < 890)
            step_te(&g);
        else if (k < 910)
            step_qie(&g);
        else if (k < 915)
            step_reset(&g);
        else
            step_extra_inv(&g);
        if (getenv("SHADOW_DEBUG"))
            fprintf(stderr, "step %lu %s\n", g.steps, g.hist[0]);
        check_all(&g);
    }
    unsigned long events = g.sh[0].events + g.sh[1].events;
    printf("shadow (%s cache, seed %u): %lu steps, %lu page comparisons, "
           "%lu events, zero differences\n",
           hw_cache ? "hardware" : "no", seed, g.steps - 1, g.compared,
           events);
    ck_assert_uint_gt(events, steps / 10); /* the program did something */
    vtd_iommu_free(g.u);
    for (unsigned s = 0; s < NSID; s++)
        g_array_free(g.sh[s].m, TRUE);
    g_rand_free(g.r);
    fake_host_free(g.h);
}

START_TEST(test_shadow_equals_translation_no_cache)
{
    run(false, (uint32_t)env_ulong("SHADOW_SEED", 13),
        env_ulong("SHADOW_STEPS", 100000));
}
END_TEST

START_TEST(test_shadow_equals_translation_hardware_cache)
{
    run(true, (uint32_t)env_ulong("SHADOW_SEED", 13) + 1,
        env_ulong("SHADOW_STEPS", 100000) / 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shadow");
    TCase *tc = tcase_create("shadow");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_shadow_equals_translation_no_cache);
    tcase_add_test(tc, test_shadow_equals_translation_hardware_cache);
    suite_add_tcase(s, tc);
    return check_run(s);
}
