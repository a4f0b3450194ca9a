/* SPDX-License-Identifier: MIT */
/*
 * tools/bench.c: `vtdemu bench CASE`.  Builds legacy-mode tables in sparse
 * guest memory and programs the unit through the public API only
 * (vtd_mmio_write of RTADDR, GCMD.SRTP, GCMD.TE), then times
 * vtd_translate().  See docs/bench.md for what each case measures.
 */
#include "bench.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem/guestmem.h"
#include <vtd/layout.h>
#include <vtd/vtd.h>

/* Guest layout (all in a 1 GiB sparse RAM): 4-level second-stage tables
 * (48-bit AGAW) so that a miss walks four levels. */
#define B_ROOT 0x100000ULL      /* root table (VT-d 9.1) */
#define B_CTX 0x101000ULL       /* context table for bus 0 (9.3) */
#define B_SL4 0x102000ULL       /* second-stage level 4 (9.8) */
#define B_SL3 0x103000ULL       /* level 3 */
#define B_SL2 0x104000ULL       /* level 2 */
#define B_SL1 0x200000ULL       /* level-1 tables, B_NL1 of them */
#define B_NL1 32u               /* 32 * 512 pages = 64 MiB mapped */
#define B_PAGES (B_NL1 * 512u)
#define B_HOT 16u               /* hit: pages per thread */
#define B_OUT 0x10000000ULL     /* IOVA i*4K -> B_OUT + i*4K */
#define B_SID 0x0008u           /* 00:01.0 */
#define B_DID 1u
#define B_SID2 0x0010u          /* 00:02.0: the same tables, domain 2 */
#define B_DID2 2u

/* CAP: QEMU 7.2's (11.4.2: ND=6, FRO=0x22, SLLPS 2M and 1G, PSI,
 * MAMV=18, DWD, DRD) with SAGAW=0110b (39- and 48-bit), MGAW=47, CM=0. */
static uint64_t bench_cap(void)
{
    uint64_t c = 0;
    bool ok = VTD_FIELD_SET(&c, CAP, ND, 6) &&
              VTD_FIELD_SET(&c, CAP, SAGAW, VTD_SAGAW_39 | VTD_SAGAW_48) &&
              VTD_FIELD_SET(&c, CAP, MGAW, 47) &&
              VTD_FIELD_SET(&c, CAP, FRO, 0x22) &&
              VTD_FIELD_SET(&c, CAP, SLLPS, VTD_SLLPS_2M | VTD_SLLPS_1G) &&
              VTD_FIELD_SET(&c, CAP, PSI, 1) &&
              VTD_FIELD_SET(&c, CAP, MAMV, 18) &&
              VTD_FIELD_SET(&c, CAP, DWD, 1) &&
              VTD_FIELD_SET(&c, CAP, DRD, 1);
    return ok ? c : 0;
}

/* ECAP: QEMU 7.2's (11.4.3: QI, IR, PT, IRO=0xf, MHMV=0xf). */
static uint64_t bench_ecap(void)
{
    uint64_t e = 0;
    bool ok = VTD_FIELD_SET(&e, ECAP, QI, 1) &&
              VTD_FIELD_SET(&e, ECAP, IR, 1) &&
              VTD_FIELD_SET(&e, ECAP, PT, 1) &&
              VTD_FIELD_SET(&e, ECAP, IRO, 0xf) &&
              VTD_FIELD_SET(&e, ECAP, MHMV, 0xf);
    return ok ? e : 0;
}

/* The IOTLB register command (VT-d 11.4.6.3): IVT, IIRG, DID. */
static uint64_t iotlb_cmd(unsigned iirg, uint16_t did)
{
    uint64_t v = 0;
    bool ok = VTD_FIELD_SET(&v, IOTLB, IVT, 1) &&
              VTD_FIELD_SET(&v, IOTLB, IIRG, iirg) &&
              VTD_FIELD_SET(&v, IOTLB, DID, did);
    return ok ? v : 0;
}

/* Register offsets (VT-d 11.4) and bits. */
#define R_GCMD VTD_REG_GCMD
#define R_GSTS VTD_REG_GSTS
#define R_RTADDR VTD_REG_RTADDR
#define GCMD_SRTP VTD_GCMD_SRTP
#define GCMD_TE VTD_GCMD_TE

/* Interrupt remapping and posting (VT-d 5.1, 5.2, 9.10, 9.11): a
 * 256-entry interrupt remapping table, 16 handles per thread; for post,
 * one posted-interrupt descriptor per thread, 4 KiB apart. */
#define B_IRT 0x300000ULL
#define B_IRT_S 7u              /* IRTA.S: 2^(S+1) = 256 entries */
#define B_IRT_N 256u
#define B_PID 0x400000ULL
#define B_NV 0xf2u
#define B_IR_SID 0x0020u        /* 00:04.0 */
#define R_IRTA VTD_REG_IRTA
#define GCMD_SIRTP VTD_GCMD_SIRTP
#define GCMD_IRE VTD_GCMD_IRE

static void w64(struct guestmem *m, uint64_t gpa, uint64_t v)
{
    uint8_t b[8];
    vtd_stq_le(b, v);
    if (guestmem_write(m, gpa, b, 8) < 0)
        abort(); /* our own constant layout: cannot be outside RAM */
}

/* Encoders of <vtd/entries.h> refuse values that do not fit; ours are
 * constants, so a refusal is a bug here. */
static void must(bool ok)
{
    if (!ok)
        abort();
}

static void w128(struct guestmem *m, uint64_t gpa, const uint64_t q[2])
{
    w64(m, gpa, q[0]);
    w64(m, gpa + 8, q[1]);
}

/* A legacy context entry (VT-d 9.3) for device sid: present, TT=00b
 * (untranslated requests only), the 4-level table (AW=010b), domain
 * did. */
static void put_context(struct guestmem *m, uint16_t sid, uint16_t did)
{
    struct vtd_context_entry ce = { .present = true, .tt = VTD_TT_SS,
                                    .ssptptr = B_SL4, .aw = 2, .did = did };
    uint64_t q[2];
    must(vtd_context_entry_encode(q, &ce));
    w128(m, B_CTX + VTD_FIELD_GET(sid, SID, DEVFN) * VTD_CE_SIZE, q);
}

/* A non-leaf or 4 KiB leaf second-stage entry (VT-d 9.8), read/write. */
static void put_sse(struct guestmem *m, uint64_t gpa, uint64_t addr)
{
    struct vtd_ss_entry e = { .r = true, .w = true, .addr = addr };
    uint64_t q;
    must(vtd_ss_entry_encode(&q, &e));
    w64(m, gpa, q);
}

static void build_tables(struct guestmem *m)
{
    /* VT-d 9.1: the root entry of bus 0 points at the context table. */
    struct vtd_root_entry re = { .present = true, .ctp = B_CTX };
    uint64_t q[2];
    must(vtd_root_entry_encode(q, &re));
    w128(m, B_ROOT, q);
    put_context(m, B_SID, B_DID);
    put_context(m, B_SID2, B_DID2);
    put_sse(m, B_SL4, B_SL3);
    put_sse(m, B_SL3, B_SL2);
    for (unsigned t = 0; t < B_NL1; t++) {
        uint64_t l1 = B_SL1 + (uint64_t)t * 0x1000;
        put_sse(m, B_SL2 + t * 8, l1);
        for (unsigned i = 0; i < 512; i++) {
            uint64_t page = (uint64_t)t * 512 + i;
            put_sse(m, l1 + i * 8, B_OUT + page * 0x1000);
        }
    }
}

/* IRTEs (VT-d 9.10): remap: present, fixed, physical, vector
 * 0x40 + i % 0x80, xAPIC destination i % 8 (bits 15:8 of the destination
 * id field), SVT=00b (no source check); post: present, posted (IM=1), the
 * same vector, the descriptor of the handle's thread (i / 16 % threads). */
static void build_irt(struct guestmem *m, bool post, unsigned threads)
{
    for (unsigned i = 0; i < B_IRT_N; i++) {
        uint8_t vec = (uint8_t)(0x40 + i % 0x80);
        uint64_t q[2];
        if (post) {
            struct vtd_irte_posted e = {
                .present = true, .vector = vec,
                .pid = B_PID + (uint64_t)(i / 16 % threads) * 0x1000 };
            must(vtd_irte_posted_encode(q, &e));
        } else {
            struct vtd_irte_remapped e = { .present = true, .vector = vec,
                                           .dst = (i % 8) << 8 };
            must(vtd_irte_remapped_encode(q, &e));
        }
        w128(m, B_IRT + (uint64_t)i * VTD_IRTE_SIZE, q);
    }
    /* VT-d 9.11: PID with NV and NDST = 0 (xAPIC id 0); PIR, ON and SN
     * clear. */
    for (unsigned t = 0; post && t < threads; t++) {
        struct vtd_pid d = { .nv = B_NV };
        uint64_t pq[8];
        must(vtd_pid_encode(pq, &d));
        for (unsigned k = 0; k < 8; k++)
            w64(m, B_PID + (uint64_t)t * 0x1000 + k * 8, pq[k]);
    }
}

/* VT-d 6.6, 11.4.10, 11.4.4.1: IRTA, GCMD.SIRTP, then GCMD.IRE. */
static int program_ir(struct vtd_iommu *u)
{
    uint64_t irta = B_IRT;
    if (!VTD_FIELD_SET(&irta, IRTA, S, B_IRT_S) ||
        vtd_mmio_write(u, R_IRTA, 8, irta) < 0)
        return -EIO;
    uint64_t gsts = 0;
    vtd_mmio_read(u, R_GSTS, 4, &gsts);
    if (vtd_mmio_write(u, R_GCMD, 4, (uint32_t)(gsts & ~VTD_GCMD_ONESHOT_MASK) |
                       GCMD_SIRTP) < 0)
        return -EIO;
    vtd_mmio_read(u, R_GSTS, 4, &gsts);
    if (vtd_mmio_write(u, R_GCMD, 4, (uint32_t)(gsts & ~VTD_GCMD_ONESHOT_MASK) |
                       GCMD_IRE) < 0)
        return -EIO;
    return 0;
}

/* Reads of the interrupt remapping table: the unit reads an IRTE only on
 * an interrupt entry cache miss, so hits = requests - IRTE reads. */
static atomic_ulong irt_reads;

static int bench_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    if (gpa >= B_IRT && gpa < B_IRT + B_IRT_N * 16)
        atomic_fetch_add_explicit(&irt_reads, 1, memory_order_relaxed);
    return guestmem_read(opaque, gpa, buf, len);
}

/* The direct-access fast path (vtd_host_ops.map) is counted the same way:
 * a NULL answer is followed by a read(), so only non-NULL ones count. */
static const void *(*host_map)(void *opaque, uint64_t gpa, size_t len);

static const void *bench_map(void *opaque, uint64_t gpa, size_t len)
{
    const void *p = host_map ? host_map(opaque, gpa, len) : NULL;
    if (p && gpa >= B_IRT && gpa < B_IRT + B_IRT_N * 16)
        atomic_fetch_add_explicit(&irt_reads, 1, memory_order_relaxed);
    return p;
}

static int program_unit(struct vtd_iommu *u)
{
    /* VT-d 6.6, 11.4.4.1, 11.4.5: set the root table pointer, then enable
     * translation; each GCMD write keeps the bits already set. */
    if (vtd_mmio_write(u, R_RTADDR, 8, B_ROOT) < 0)
        return -EIO;
    uint64_t gsts = 0;
    vtd_mmio_read(u, R_GSTS, 4, &gsts);
    if (vtd_mmio_write(u, R_GCMD, 4, (uint32_t)(gsts & ~VTD_GCMD_ONESHOT_MASK) |
                       GCMD_SRTP) < 0)
        return -EIO;
    vtd_mmio_read(u, R_GSTS, 4, &gsts);
    if (vtd_mmio_write(u, R_GCMD, 4, (uint32_t)(gsts & ~VTD_GCMD_ONESHOT_MASK) |
                       GCMD_TE) < 0)
        return -EIO;
    return 0;
}

enum bench_case { B_HIT, B_MISS, B_WALK, B_INVAL, B_INVAL_DOMAIN,
                  B_INVAL_GLOBAL, B_REMAP, B_POST, B_PSC, B_INVAL_LOAD };

struct bench {
    enum bench_case kind;
    struct vtd_iommu *u;
    uint64_t iters;
    unsigned threads;
    uint64_t iotlb_off;      /* IOTLB register (ECAP.IRO * 16 + 8) */
    /* Start gate: workers sleep on the condition variable until the main
     * thread has seen all of them ready and opened it; nobody spins, so
     * whole-process instruction counts and two-thread runs measure the
     * operations only. */
    GMutex lock;
    GCond cond;
    unsigned ready;
    bool go;
    atomic_ulong errors;
    /* inval-load: set by the invalidating thread when it is done; the
     * translating threads test it every 64 operations.  A line of its
     * own, so that the test costs nothing while it does not change. */
    _Alignas(64) atomic_bool stop;
    char pad_[63];
};

struct lat;

struct worker {
    struct bench *b;
    unsigned index;
    uint64_t t0, t1;         /* its own loop: after the gate, at the end */
    /* inval-load */
    uint64_t ops;            /* translations done */
    uint64_t limit;          /* translations to do; 0: until b->stop */
    struct lat *lat;         /* the invalidating thread's latencies */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The start gate, worker side: ready, then sleep until it opens. */
static void gate_wait(struct bench *b)
{
    g_mutex_lock(&b->lock);
    b->ready++;
    g_cond_broadcast(&b->cond);
    while (!b->go)
        g_cond_wait(&b->cond, &b->lock);
    g_mutex_unlock(&b->lock);
}

/* Start n threads, the first running first(&w[0]), the others
 * rest(&w[i]), open the gate once all are ready, and wait for them. */
static void run_threads(struct bench *b, unsigned n, GThreadFunc first,
                        GThreadFunc rest, struct worker *w)
{
    GThread **th = g_new0(GThread *, n);
    b->ready = 0;
    b->go = false;
    atomic_store(&b->stop, false);
    for (unsigned i = 0; i < n; i++)
        th[i] = g_thread_new("bench", i ? rest : first, &w[i]);
    g_mutex_lock(&b->lock);
    while (b->ready < n)
        g_cond_wait(&b->cond, &b->lock);
    b->go = true;
    g_cond_broadcast(&b->cond);
    g_mutex_unlock(&b->lock);
    for (unsigned i = 0; i < n; i++)
        g_thread_join(th[i]);
    g_free(th);
}

static gpointer worker_run(gpointer p)
{
    struct worker *w = p;
    struct bench *b = w->b;
    struct vtd_dma_req req = { .sid = B_SID, .pasid = VTD_NO_PASID,
                               .size = 8, .access = VTD_ACC_READ };
    struct vtd_xlate out;
    unsigned long errors = 0;
    gate_wait(b);
    w->t0 = now_ns();
    /* Each thread has its own pages: hit cycles over B_HOT of them, miss,
     * walk and inval over B_PAGES / threads.  For walk that working set
     * (16384 pages on one thread) is four times the IOTLB (4096 entries)
     * and the front cache (4096), so with the cyclic order each page has
     * been evicted before it comes back, while the single context entry
     * stays in the context cache: a warm 4-level miss. */
    uint64_t span = b->kind == B_HIT ? B_HOT : B_PAGES / b->threads;
    uint64_t first = b->kind == B_HIT ? (uint64_t)w->index * B_HOT % B_PAGES
                                      : (uint64_t)w->index * span;
    uint64_t page = 0;
    if (b->kind == B_REMAP || b->kind == B_POST) {
        /* This thread's 16 handles (VT-d 5.1.2.2: address 19:5 handle,
         * bit 4 remappable format, SHV=0). */
        struct vtd_msi_req m = { .sid = B_IR_SID, .sid_valid = true };
        struct vtd_irq irq;
        enum vtd_irq_outcome want = b->kind == B_POST ? VTD_IRQ_POSTED
                                                      : VTD_IRQ_REMAPPED;
        uint64_t first_h = (uint64_t)w->index * 16 % B_IRT_N;
        for (uint64_t i = 0; i < b->iters; i++) {
            uint64_t h = first_h + (i & 15);
            m.addr = VTD_MSI_ADDR_BASE | h << VTD_MSI_ADDR_HANDLE_LO_SHIFT |
                     VTD_MSI_ADDR_IF_MASK;
            if (vtd_interrupt(b->u, &m, &irq) < 0 || irq.outcome != want)
                errors++;
        }
        w->t1 = now_ns();
        atomic_fetch_add(&b->errors, errors);
        return NULL;
    }
    for (uint64_t i = 0; i < b->iters; i++) {
        page = page + 1 == span ? 0 : page + 1;
        uint64_t iova = (first + page) * 0x1000;
        if (b->kind == B_INVAL) {
            /* VT-d 11.4.6.3/11.4.6.4: page-selective-within-domain
             * invalidation (IIRG=11b, DID) of this page (IVA, AM=0). */
            vtd_mmio_write(b->u, b->iotlb_off - 8, 8, iova);
            vtd_mmio_write(b->u, b->iotlb_off, 8,
                           iotlb_cmd(VTD_GRAN_PAGE, B_DID));
        } else if (b->kind == B_INVAL_DOMAIN) {
            /* VT-d 11.4.6.3: domain-selective (IIRG=10b, DID). */
            vtd_mmio_write(b->u, b->iotlb_off, 8,
                           iotlb_cmd(VTD_GRAN_DOMAIN, B_DID));
        } else if (b->kind == B_INVAL_GLOBAL) {
            /* VT-d 11.4.6.3: global (IIRG=01b). */
            vtd_mmio_write(b->u, b->iotlb_off, 8,
                           iotlb_cmd(VTD_GRAN_GLOBAL, 0));
        }
        req.iova = iova + (i & 0x1f) * 8;
        if (vtd_translate(b->u, &req, &out) < 0 || out.fault)
            errors++;
    }
    w->t1 = now_ns();
    atomic_fetch_add(&b->errors, errors);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* inval-load: one-page invalidation while other threads translate      */
/* ------------------------------------------------------------------ */

/* Latencies: 1 ns buckets up to LAT_MAX_NS, above it one overflow count
 * (and the maximum).  No allocation in the timed loop. */
#define LAT_MAX_NS 100000u
struct lat {
    uint32_t *h;             /* LAT_MAX_NS buckets */
    uint64_t n, sum, max, over;
    uint64_t refill_sum;     /* the translation after each invalidation */
};

static void lat_add(struct lat *l, uint64_t ns, uint64_t refill_ns)
{
    l->n++;
    l->sum += ns;
    l->refill_sum += refill_ns;
    if (ns > l->max)
        l->max = ns;
    if (ns < LAT_MAX_NS)
        l->h[ns]++;
    else
        l->over++;
}

/* The q-quantile (0 < q < 1) in ns: the smallest bucket with at least
 * ceil(q * n) latencies at or below it; the maximum when it is in the
 * overflow. */
static uint64_t lat_quantile(const struct lat *l, double q)
{
    uint64_t want = (uint64_t)((double)l->n * q + 0.999999);
    uint64_t acc = 0;
    if (want == 0)
        want = 1;
    for (uint64_t i = 0; i < LAT_MAX_NS; i++) {
        acc += l->h[i];
        if (acc >= want)
            return i;
    }
    return l->max;
}

/* Invalidating pages: 64 pages of domain 1 in the upper half of the
 * mapping (IOVA 0x2800000 on), so that each was refilled 64 operations
 * before its invalidation and is normally still cached: the invalidation
 * drops an IOTLB entry and a front-cache slot, and the refill walks.
 * Their front-cache slots (page XOR SID, modulo 4096) are not those of
 * the translating threads' hit pages (below 0x400000). */
#define IL_FIRST (B_PAGES / 2 + 2048)
#define IL_SPAN 64u
/* Translating threads: their hit pages are the first 16 x threads of the
 * lower half (in domain 1 through 00:01.0, the invalidated device, and in
 * domain 2 through 00:02.0); their miss pages cycle over the rest of the
 * lower half, in both domains (14,336 IOTLB tags for 4,096 entries). */
#define IL_MISS_FIRST 1024u
#define IL_MISS_PAGES (B_PAGES / 2 - IL_MISS_FIRST)

/* The invalidating thread: as a driver (Linux's register-based IOTLB
 * flush): IVA, then the IOTLB register with IVT (page-selective within
 * domain 1, AM=0, IH=0; VT-d 11.4.6.3-4, 6.5.1.2), then it reads the
 * IOTLB register until IVT reads 0 (the invalidation completed), then the
 * device's next request refills the page. */
static gpointer inval_run(gpointer p)
{
    struct worker *w = p;
    struct bench *b = w->b;
    struct vtd_dma_req req = { .sid = B_SID, .pasid = VTD_NO_PASID,
                               .size = 8, .access = VTD_ACC_READ };
    struct vtd_xlate out;
    unsigned long errors = 0;
    uint64_t cmd = iotlb_cmd(VTD_GRAN_PAGE, B_DID);
    gate_wait(b);
    w->t0 = now_ns();
    for (uint64_t i = 0; i < b->iters; i++) {
        uint64_t iova = (IL_FIRST + i % IL_SPAN) * 0x1000;
        uint64_t t0 = now_ns();
        vtd_mmio_write(b->u, b->iotlb_off - 8, 8, iova);
        vtd_mmio_write(b->u, b->iotlb_off, 8, cmd);
        uint64_t v = 0;
        unsigned polls = 0;
        do {
            vtd_mmio_read(b->u, b->iotlb_off, 8, &v);
        } while (VTD_FIELD_GET(v, IOTLB, IVT) && ++polls < 1000);
        /* IAIG: the page granularity was performed (11.4.6.3). */
        if (VTD_FIELD_GET(v, IOTLB, IVT) ||
            VTD_FIELD_GET(v, IOTLB, IAIG) != VTD_GRAN_PAGE)
            errors++;
        uint64_t t1 = now_ns();
        req.iova = iova;
        if (vtd_translate(b->u, &req, &out) < 0 || out.fault)
            errors++;
        lat_add(w->lat, t1 - t0, now_ns() - t1);
    }
    w->t1 = now_ns();
    atomic_store_explicit(&b->stop, true, memory_order_release);
    atomic_fetch_add(&b->errors, errors);
    return NULL;
}

/* A translating thread: in every 8 requests, 3 hits in domain 1, 3 in
 * domain 2 (16 pages each, its own), a miss in each domain.  Runs
 * w->limit requests, or until the invalidating thread is done. */
static gpointer xlate_run(gpointer p)
{
    struct worker *w = p;
    struct bench *b = w->b;
    unsigned k = w->index - 1, nx = b->threads - 1;
    struct vtd_dma_req req = { .pasid = VTD_NO_PASID, .size = 8,
                               .access = VTD_ACC_READ };
    struct vtd_xlate out;
    unsigned long errors = 0;
    uint64_t hot = (uint64_t)k * B_HOT % IL_MISS_FIRST;
    uint64_t span = IL_MISS_PAGES / nx, miss = 0;
    uint64_t n = 0;
    gate_wait(b);
    w->t0 = now_ns();
    for (;;) {
        if (w->limit ? n >= w->limit
                     : atomic_load_explicit(&b->stop, memory_order_relaxed))
            break;
        for (unsigned j = 0; j < 64; j++, n++) {
            unsigned r = (unsigned)(n & 7);
            uint64_t page;
            if (r < 6) {
                page = hot + (n >> 3) % B_HOT;
            } else {
                page = IL_MISS_FIRST + (uint64_t)k * span + miss;
                if (r == 7)
                    miss = miss + 1 == span ? 0 : miss + 1;
            }
            req.sid = (r < 3 || r == 6) ? B_SID : B_SID2;
            req.iova = page * 0x1000 + (n & 0x1f) * 8;
            if (vtd_translate(b->u, &req, &out) < 0 || out.fault)
                errors++;
        }
    }
    w->t1 = now_ns();
    w->ops = n;
    atomic_fetch_add(&b->errors, errors);
    return NULL;
}

/* Mops/s of the translating threads w[1..n-1]: each one's operations over
 * its own time, summed. */
static double xlate_mops(const struct worker *w, unsigned n)
{
    double m = 0;
    for (unsigned i = 1; i < n; i++) {
        uint64_t dt = w[i].t1 > w[i].t0 ? w[i].t1 - w[i].t0 : 1;
        m += (double)w[i].ops / ((double)dt / 1e9) / 1e6;
    }
    return m;
}

/* Cost of one now_ns() pair (included in every latency). */
static uint64_t timer_ns(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = now_ns(), c = now_ns();
        if (c - a < best)
            best = c - a;
    }
    return best;
}

struct il_result {
    struct lat alone, loaded;
    double mops_alone, mops_loaded;
    uint64_t timer;
};

/* Three runs: the invalidating thread alone (--iterations
 * invalidations); then with threads - 1 translating threads, which run
 * until it is done; then the translating threads alone, each doing as
 * many requests as in the run before. */
static void inval_load(struct bench *b, struct il_result *r)
{
    unsigned n = b->threads;
    struct worker *w = g_new0(struct worker, n);
    r->alone.h = g_new0(uint32_t, LAT_MAX_NS);
    r->loaded.h = g_new0(uint32_t, LAT_MAX_NS);
    r->timer = timer_ns();
    for (unsigned i = 0; i < n; i++) {
        w[i].b = b;
        w[i].index = i;
    }
    /* The pages are in the IOTLB before the first invalidation. */
    struct vtd_dma_req req = { .sid = B_SID, .pasid = VTD_NO_PASID,
                               .size = 8, .access = VTD_ACC_READ };
    struct vtd_xlate out;
    for (uint64_t i = 0; i < IL_SPAN; i++) {
        req.iova = (IL_FIRST + i) * 0x1000;
        if (vtd_translate(b->u, &req, &out) < 0 || out.fault)
            atomic_fetch_add(&b->errors, 1);
    }
    w[0].lat = &r->alone;
    run_threads(b, 1, inval_run, NULL, w);
    if (n > 1) {
        w[0].lat = &r->loaded;
        run_threads(b, n, inval_run, xlate_run, w);
        r->mops_loaded = xlate_mops(w, n);
        for (unsigned i = 1; i < n; i++) {
            w[i].limit = w[i].ops ? w[i].ops : 64;
            w[i].ops = 0;
        }
        run_threads(b, n - 1, xlate_run, xlate_run, w + 1);
        r->mops_alone = xlate_mops(w, n);
    }
    g_free(w);
}

static void lat_print(const char *what, const struct lat *l)
{
    printf("  %s: mean %.1f ns, p50 %" PRIu64 " ns, p99 %" PRIu64
           " ns, p99.9 %" PRIu64 " ns, max %" PRIu64 " ns; refill mean "
           "%.1f ns\n", what, (double)l->sum / (double)(l->n ? l->n : 1),
           lat_quantile(l, 0.5), lat_quantile(l, 0.99),
           lat_quantile(l, 0.999), l->max,
           (double)l->refill_sum / (double)(l->n ? l->n : 1));
}

static void lat_json(const char *key, const struct lat *l)
{
    if (!l->n) {
        printf(", \"%s\": null", key);
        return;
    }
    printf(", \"%s\": {\"n\": %" PRIu64 ", \"mean_ns\": %.1f, \"p50_ns\": %"
           PRIu64 ", \"p99_ns\": %" PRIu64 ", \"p999_ns\": %" PRIu64
           ", \"max_ns\": %" PRIu64 ", \"refill_mean_ns\": %.1f}", key,
           l->n, (double)l->sum / (double)l->n, lat_quantile(l, 0.5),
           lat_quantile(l, 0.99), lat_quantile(l, 0.999), l->max,
           (double)l->refill_sum / (double)l->n);
}

static const char *const bench_summary =
    "Cases:\n"
    "  hit    IOTLB hits: each thread cycles over its own 16 pages\n"
    "  miss   4-level walks: the unit runs with cache=none; each thread\n"
    "         cycles over its share of 16384 mapped 4 KiB pages\n"
    "  walk   warm 4-level misses: normal caches, the context entry\n"
    "         cached; each thread cycles over its share of the 16384\n"
    "         pages, 4x the IOTLB, so every page was evicted since its\n"
    "         last use (the walk and the IOTLB fill are timed)\n"
    "  psc    walk with paging-structure caches (VT-d 6.2.5): each miss\n"
    "         starts below the cached PDE and reads one entry\n"
    "  inval  with the IOTLB filled with all 16384 pages, each operation\n"
    "         is a page-selective invalidation (IVA + IOTLB registers) of\n"
    "         one page and the translation that refills it\n"
    "  inval-domain, inval-global  the same with a domain-selective or\n"
    "         global IOTLB invalidation (IOTLB register) per operation\n"
    "  inval-load  thread 1 does one-page invalidations (IVA, IOTLB,\n"
    "         poll IVT) and refills, timing each; the other threads\n"
    "         translate (hits and misses, domain 1 and 2); prints the\n"
    "         invalidation latency alone and with them, and their\n"
    "         throughput alone and with the invalidations\n"
    "  remap  remapped interrupts: each thread cycles over its own 16\n"
    "         IRTEs, which stay in the interrupt entry cache\n"
    "  post   posted interrupts: each thread's 16 IRTEs post into its own\n"
    "         descriptor (PIR update; ON stays set after the first)\n"
    "\n"
    "Prints one line: CASE: X ns/op, Y Mops/s, T threads\n"
    "(ns/op = wall time x threads / operations; Mops/s = operations per\n"
    "second over all threads).  See docs/bench.md.";

int bench_main(int argc, char **argv)
{
    gint64 iterations = 1000000;
    gint threads = 1;
    gboolean stats = FALSE;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "iterations", 'n', 0, G_OPTION_ARG_INT64, &iterations,
          "Translations per thread (default 1000000; 0 = set-up only)",
          "N" },
        { "threads", 't', 0, G_OPTION_ARG_INT, &threads,
          "Threads translating concurrently on the one unit (default 1)",
          "T" },
        { "stats", 's', 0, G_OPTION_ARG_NONE, &stats,
          "Also print the unit's counters (vtd_get_stats) on stderr", NULL },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
          "Print the result as one JSON object on stdout (with --stats, "
          "the counters too)", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *oc = g_option_context_new("CASE - time the translation "
                                              "path");
    g_option_context_set_summary(oc, bench_summary);
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *err = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &err)) {
        fprintf(stderr, "vtdemu bench: %s\n", err->message);
        g_error_free(err);
        g_option_context_free(oc);
        return 2;
    }
    g_option_context_free(oc);
    if (argc != 2) {
        fprintf(stderr, "vtdemu bench: give one CASE (see --help)\n");
        return 2;
    }
    if (iterations < 0 || threads < 1 || threads > 1024) {
        fprintf(stderr, "vtdemu bench: --iterations must be >= 0 and "
                "--threads 1..1024\n");
        return 2;
    }
    const char *name = argv[1];
    struct bench b;
    memset(&b, 0, sizeof(b));
    g_mutex_init(&b.lock);
    g_cond_init(&b.cond);
    if (strcmp(name, "hit") == 0)
        b.kind = B_HIT;
    else if (strcmp(name, "miss") == 0)
        b.kind = B_MISS;
    else if (strcmp(name, "walk") == 0)
        b.kind = B_WALK;
    else if (strcmp(name, "psc") == 0)
        b.kind = B_PSC;
    else if (strcmp(name, "inval") == 0)
        b.kind = B_INVAL;
    else if (strcmp(name, "inval-domain") == 0)
        b.kind = B_INVAL_DOMAIN;
    else if (strcmp(name, "inval-global") == 0)
        b.kind = B_INVAL_GLOBAL;
    else if (strcmp(name, "inval-load") == 0)
        b.kind = B_INVAL_LOAD;
    else if (strcmp(name, "remap") == 0)
        b.kind = B_REMAP;
    else if (strcmp(name, "post") == 0)
        b.kind = B_POST;
    else {
        fprintf(stderr, "vtdemu bench: unknown case '%s' (hit, miss, "
                "walk, psc, inval, inval-domain, inval-global, inval-load, "
                "remap, post)\n", name);
        return 2;
    }

    bool ir = b.kind == B_REMAP || b.kind == B_POST;
    struct guestmem *mem = guestmem_new_ram(1ULL << 30);
    build_tables(mem);
    if (ir)
        build_irt(mem, b.kind == B_POST, (unsigned)threads);
    struct vtd_host_ops ops;
    memset(&ops, 0, sizeof(ops));
    guestmem_host_ops(&ops);
    /* The counting wrappers only for --stats of the interrupt cases
     * (IRTE reads); otherwise guest memory's own callbacks, so that
     * callgrind counts the unit and the host, not the benchmark. */
    if (ir && stats) {
        ops.read = bench_read;
        host_map = ops.map;
        if (ops.map)
            ops.map = bench_map;
    }
    /* Posting needs CAP.PI (VT-d 11.4.2): the "full" profile has it. */
    struct vtd_config cfg = {
        .version = VTD_CONFIG_VERSION, .cap = ir ? 0 : bench_cap(),
        .ecap = ir ? 0 : bench_ecap(), .profile = ir ? "full" : NULL,
        .cache = b.kind == B_MISS  ? VTD_CACHE_NONE
                 : b.kind == B_PSC ? VTD_CACHE_PSC
                                   : VTD_CACHE_HARDWARE,
    };
    char why[256] = "";
    if (vtd_iommu_new(&cfg, &ops, mem, &b.u, why, sizeof(why)) < 0) {
        fprintf(stderr, "vtdemu bench: unit: %s\n", why);
        guestmem_free(mem);
        return 1;
    }
    /* VT-d 11.4.3: ECAP.IRO x 16 is IVA; IOTLB at +8. */
    b.iotlb_off = VTD_FIELD_GET(vtd_iommu_ecap(b.u), ECAP, IRO) * 16 + 8;
    int status = 0;
    if (program_unit(b.u) < 0) {
        fprintf(stderr, "vtdemu bench: programming the unit failed\n");
        status = 1;
    }
    if (status == 0 && ir && program_ir(b.u) < 0) {
        fprintf(stderr, "vtdemu bench: enabling interrupt remapping "
                "failed\n");
        status = 1;
    }
    /* Check the interrupt set-up: handle 3 remaps to vector 0x43, APIC 3
     * (VT-d 9.10), or posts with a notification to NV (5.2.3). */
    if (status == 0 && ir) {
        struct vtd_msi_req m = { .sid = B_IR_SID, .sid_valid = true,
                                 .addr = VTD_MSI_ADDR_BASE |
                                         3u << VTD_MSI_ADDR_HANDLE_LO_SHIFT |
                                         VTD_MSI_ADDR_IF_MASK };
        struct vtd_irq irq;
        memset(&irq, 0, sizeof(irq));
        bool good = vtd_interrupt(b.u, &m, &irq) == 0 &&
                    (b.kind == B_POST
                         ? irq.outcome == VTD_IRQ_POSTED && irq.notify &&
                               irq.nv == B_NV
                         : irq.outcome == VTD_IRQ_REMAPPED &&
                               irq.vector == 0x43 && irq.dest == 3);
        if (!good) {
            fprintf(stderr, "vtdemu bench: set-up check failed: handle 3 "
                    "gave outcome %d (fault 0x%x)\n", (int)irq.outcome,
                    irq.fault);
            status = 1;
        }
    }
    /* Check the set-up: IOVA 0x5000 must reach B_OUT + 0x5000. */
    struct vtd_dma_req req = { .sid = B_SID, .pasid = VTD_NO_PASID,
                               .iova = 0x5000, .size = 8,
                               .access = VTD_ACC_READ };
    struct vtd_xlate out;
    memset(&out, 0, sizeof(out));
    if (status == 0 && !ir &&
        (vtd_translate(b.u, &req, &out) < 0 || out.fault ||
                        out.addr != B_OUT + 0x5000)) {
        fprintf(stderr, "vtdemu bench: set-up check failed: IOVA 0x5000 "
                "gave %s 0x%" PRIx64 " (fault 0x%x), expected 0x%" PRIx64
                "\n", out.fault ? "fault" : "address", out.addr, out.fault,
                (uint64_t)(B_OUT + 0x5000));
        status = 1;
    }
    /* inval: start with every page cached. */
    bool inval = b.kind == B_INVAL || b.kind == B_INVAL_DOMAIN ||
                 b.kind == B_INVAL_GLOBAL;
    for (uint64_t p = 0; status == 0 && inval && p < B_PAGES; p++) {
        req.iova = p * 0x1000;
        if (vtd_translate(b.u, &req, &out) < 0 || out.fault) {
            fprintf(stderr, "vtdemu bench: filling the IOTLB faulted at "
                    "IOVA 0x%" PRIx64 "\n", req.iova);
            status = 1;
        }
    }
    /* inval-load: domain 2 (00:02.0) reaches the same pages. */
    req.sid = B_SID2;
    req.iova = 0x5000;
    if (status == 0 && b.kind == B_INVAL_LOAD &&
        (vtd_translate(b.u, &req, &out) < 0 || out.fault ||
         out.addr != B_OUT + 0x5000 || out.did != B_DID2)) {
        fprintf(stderr, "vtdemu bench: set-up check failed: IOVA 0x5000 "
                "of 00:02.0 gave %s 0x%" PRIx64 " (fault 0x%x, DID %u)\n",
                out.fault ? "fault" : "address", out.addr, out.fault,
                (unsigned)out.did);
        status = 1;
    }
    atomic_store(&irt_reads, 0);
    double ns_op = 0, mops = 0;
    uint64_t elapsed = 0;
    struct il_result il;
    memset(&il, 0, sizeof(il));
    if (status == 0 && iterations > 0 && b.kind == B_INVAL_LOAD) {
        b.iters = (uint64_t)iterations;
        b.threads = (unsigned)threads;
        inval_load(&b, &il);
        if (!json) {
            printf("inval-load: %u threads (1 invalidating, %u "
                   "translating), %" PRIu64 " invalidations per run\n",
                   b.threads, b.threads - 1, b.iters);
            lat_print("one-page invalidation, alone", &il.alone);
            if (b.threads > 1) {
                lat_print("one-page invalidation, translating threads "
                          "running", &il.loaded);
                printf("  translating threads: %.2f Mops/s alone, %.2f "
                       "Mops/s with the invalidating thread (%.2fx)\n",
                       il.mops_alone, il.mops_loaded,
                       il.mops_alone > 0 ? il.mops_loaded / il.mops_alone
                                         : 0);
            }
            printf("  (latencies include one clock read pair, %" PRIu64
                   " ns)\n", il.timer);
        }
        if (atomic_load(&b.errors)) {
            fprintf(stderr, "vtdemu bench: %lu translations faulted or "
                    "invalidations did not complete\n",
                    (unsigned long)atomic_load(&b.errors));
            status = 1;
        }
    } else if (status == 0 && iterations > 0) {
        b.iters = (uint64_t)iterations;
        b.threads = (unsigned)threads;
        struct worker *w = g_new0(struct worker, b.threads);
        for (unsigned i = 0; i < b.threads; i++) {
            w[i].b = &b;
            w[i].index = i;
        }
        run_threads(&b, b.threads, worker_run, worker_run, w);
        /* From the first worker's start to the last one's end: the
         * wake-up from the gate is not timed. */
        uint64_t t0 = UINT64_MAX, t1 = 0;
        for (unsigned i = 0; i < b.threads; i++) {
            t0 = MIN(t0, w[i].t0);
            t1 = MAX(t1, w[i].t1);
        }
        uint64_t dt = t1 > t0 ? t1 - t0 : 1;
        g_free(w);
        double ops_total = (double)b.iters * b.threads;
        ns_op = (double)dt * b.threads / ops_total;
        mops = ops_total / ((double)dt / 1e9) / 1e6;
        elapsed = dt;
        if (!json)
            printf("%s: %.1f ns/op, %.2f Mops/s, %u threads\n", name, ns_op,
                   mops, b.threads);
        if (atomic_load(&b.errors)) {
            fprintf(stderr, "vtdemu bench: %lu %s\n",
                    (unsigned long)atomic_load(&b.errors),
                    ir ? "interrupt requests had another outcome"
                       : "translations faulted");
            status = 1;
        }
    } else if (status == 0 && !json) {
        printf("%s: set-up only (0 iterations), %d threads\n", name,
               threads);
    }
    struct vtd_stats st;
    memset(&st, 0, sizeof(st));
    vtd_get_stats(b.u, &st);
    uint64_t reqs = (uint64_t)iterations * (uint64_t)threads;
    uint64_t reads = atomic_load(&irt_reads);
    if (stats && !json) {
        fprintf(stderr, "iotlb hits %" PRIu64 ", misses %" PRIu64
                ", invalidations %" PRIu64 ", faults %" PRIu64 "\n",
                st.iotlb_hits, st.iotlb_misses, st.invalidations,
                st.faults_detected);
        if (ir)
            fprintf(stderr, "irte cache hits %" PRIu64 " of %" PRIu64
                    " requests (%" PRIu64 " IRTE reads)\n",
                    reqs > reads ? reqs - reads : 0, reqs, reads);
    }
    if (json) {
        /* One object; ns_per_op and mops are null without operations. */
        printf("{\"case\": \"%s\", \"threads\": %d, \"iterations\": %"
               PRId64 ", \"ok\": %s", name, threads, (int64_t)iterations,
               status == 0 ? "true" : "false");
        if (b.kind == B_INVAL_LOAD) {
            lat_json("inval_alone", &il.alone);
            lat_json("inval_loaded", &il.loaded);
            if (il.loaded.n)
                printf(", \"xlate_alone_mops\": %.3f, "
                       "\"xlate_loaded_mops\": %.3f, \"timer_ns\": %"
                       PRIu64, il.mops_alone, il.mops_loaded, il.timer);
            else
                printf(", \"xlate_alone_mops\": null, "
                       "\"xlate_loaded_mops\": null, \"timer_ns\": %"
                       PRIu64, il.timer);
        } else if (elapsed)
            printf(", \"elapsed_ns\": %" PRIu64 ", \"ns_per_op\": %.2f, "
                   "\"mops\": %.3f", elapsed, ns_op, mops);
        else
            printf(", \"elapsed_ns\": null, \"ns_per_op\": null, "
                   "\"mops\": null");
        printf(", \"errors\": %lu", (unsigned long)atomic_load(&b.errors));
        if (stats) {
            printf(", \"stats\": {\"iotlb_hits\": %" PRIu64
                   ", \"iotlb_misses\": %" PRIu64 ", \"invalidations\": %"
                   PRIu64 ", \"faults\": %" PRIu64, st.iotlb_hits,
                   st.iotlb_misses, st.invalidations, st.faults_detected);
            if (ir)
                printf(", \"irte_cache_hits\": %" PRIu64
                       ", \"irte_reads\": %" PRIu64,
                       reqs > reads ? reqs - reads : 0, reads);
            printf("}");
        }
        printf("}\n");
    }
    g_free(il.alone.h);
    g_free(il.loaded.h);
    vtd_iommu_free(b.u);
    guestmem_free(mem);
    g_cond_clear(&b.cond);
    g_mutex_clear(&b.lock);
    return status;
}
