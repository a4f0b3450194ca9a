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
/* CAP: QEMU 7.2's with SAGAW=0110b (39- and 48-bit), MGAW=47, CM=0. */
#define B_CAP 0x00d2008c222f0606ULL
#define B_ECAP 0xf00f4aULL

/* Register offsets (VT-d 11.4) and bits. */
#define R_GCMD 0x18
#define R_GSTS 0x1c
#define R_RTADDR 0x20
#define GCMD_SRTP (1u << 30)
#define GCMD_TE (1u << 31)

static void w64(struct guestmem *m, uint64_t gpa, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    if (guestmem_write(m, gpa, b, 8) < 0)
        abort(); /* our own constant layout: cannot be outside RAM */
}

static void build_tables(struct guestmem *m)
{
    /* VT-d 9.1: root entry P=1 (bit 0), CTP bits 63:12. */
    w64(m, B_ROOT + 0 * 16, B_CTX | 1);
    /* VT-d 9.3: context lo P=1, TT=00b (untranslated requests only),
     * SLPTPTR; hi AW=010b (48-bit, 4-level), DID bits 23:8. */
    w64(m, B_CTX + (B_SID & 0xff) * 16, B_SL4 | 1);
    w64(m, B_CTX + (B_SID & 0xff) * 16 + 8, 2 | (B_DID << 8));
    /* VT-d 9.8: second-stage entries R=bit 0, W=bit 1, address 51:12. */
    w64(m, B_SL4, B_SL3 | 3);
    w64(m, B_SL3, B_SL2 | 3);
    for (unsigned t = 0; t < B_NL1; t++) {
        uint64_t l1 = B_SL1 + (uint64_t)t * 0x1000;
        w64(m, B_SL2 + t * 8, l1 | 3);
        for (unsigned i = 0; i < 512; i++) {
            uint64_t page = (uint64_t)t * 512 + i;
            w64(m, l1 + i * 8, (B_OUT + page * 0x1000) | 3);
        }
    }
}

static int program_unit(struct vtd_iommu *u)
{
    /* VT-d 6.6, 11.4.4.1, 11.4.5: set the root table pointer, then enable
     * translation; each GCMD write keeps the bits already set. */
    if (vtd_mmio_write(u, R_RTADDR, 8, B_ROOT) < 0)
        return -EIO;
    uint64_t gsts = 0;
    vtd_mmio_read(u, R_GSTS, 4, &gsts);
    if (vtd_mmio_write(u, R_GCMD, 4, (uint32_t)(gsts & 0x96ffffffu) |
                       GCMD_SRTP) < 0)
        return -EIO;
    vtd_mmio_read(u, R_GSTS, 4, &gsts);
    if (vtd_mmio_write(u, R_GCMD, 4, (uint32_t)(gsts & 0x96ffffffu) |
                       GCMD_TE) < 0)
        return -EIO;
    return 0;
}

enum bench_case { B_HIT, B_MISS, B_INVAL };

struct bench {
    enum bench_case kind;
    struct vtd_iommu *u;
    uint64_t iters;
    unsigned threads;
    uint64_t iotlb_off;      /* IOTLB register (ECAP.IRO * 16 + 8) */
    atomic_uint ready;
    atomic_bool go;
    atomic_ulong errors;
};

struct worker {
    struct bench *b;
    unsigned index;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static gpointer worker_run(gpointer p)
{
    struct worker *w = p;
    struct bench *b = w->b;
    struct vtd_dma_req req = { .sid = B_SID, .pasid = VTD_NO_PASID,
                               .size = 8, .access = VTD_ACC_READ };
    struct vtd_xlate out;
    unsigned long errors = 0;
    atomic_fetch_add(&b->ready, 1);
    while (!atomic_load(&b->go))
        ;
    /* Each thread has its own pages: hit cycles over B_HOT of them, miss
     * and inval over B_PAGES / threads. */
    uint64_t span = b->kind == B_HIT ? B_HOT : B_PAGES / b->threads;
    uint64_t first = b->kind == B_HIT ? (uint64_t)w->index * B_HOT % B_PAGES
                                      : (uint64_t)w->index * span;
    uint64_t page = 0;
    for (uint64_t i = 0; i < b->iters; i++) {
        page = page + 1 == span ? 0 : page + 1;
        uint64_t iova = (first + page) * 0x1000;
        if (b->kind == B_INVAL) {
            /* VT-d 11.4.6.3/11.4.6.4: page-selective-within-domain
             * invalidation (IIRG=11b, DID) of this page (IVA, AM=0). */
            vtd_mmio_write(b->u, b->iotlb_off - 8, 8, iova);
            vtd_mmio_write(b->u, b->iotlb_off, 8, (1ULL << 63) |
                           (3ULL << 60) | ((uint64_t)B_DID << 32));
        }
        req.iova = iova + (i & 0x1f) * 8;
        if (vtd_translate(b->u, &req, &out) < 0 || out.fault)
            errors++;
    }
    atomic_fetch_add(&b->errors, errors);
    return NULL;
}

static const char *const bench_summary =
    "Cases:\n"
    "  hit    IOTLB hits: each thread cycles over its own 16 pages\n"
    "  miss   4-level walks: the unit runs with cache=none; each thread\n"
    "         cycles over its share of 16384 mapped 4 KiB pages\n"
    "  inval  with the IOTLB filled with all 16384 pages, each operation\n"
    "         is a page-selective invalidation (IVA + IOTLB registers) of\n"
    "         one page and the translation that refills it\n"
    "  remap, post: interrupt remapping and posting (not yet available)\n"
    "\n"
    "Prints one line: CASE: X ns/op, Y Mops/s, T threads\n"
    "(ns/op = wall time x threads / operations; Mops/s = operations per\n"
    "second over all threads).  See docs/bench.md.";

int bench_main(int argc, char **argv)
{
    gint64 iterations = 1000000;
    gint threads = 1;
    gboolean stats = FALSE;
    GOptionEntry entries[] = {
        { "iterations", 'n', 0, G_OPTION_ARG_INT64, &iterations,
          "Translations per thread (default 1000000; 0 = set-up only)",
          "N" },
        { "threads", 't', 0, G_OPTION_ARG_INT, &threads,
          "Threads translating concurrently on the one unit (default 1)",
          "T" },
        { "stats", 's', 0, G_OPTION_ARG_NONE, &stats,
          "Also print the unit's counters (vtd_get_stats) on stderr", NULL },
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
    if (strcmp(name, "hit") == 0)
        b.kind = B_HIT;
    else if (strcmp(name, "miss") == 0)
        b.kind = B_MISS;
    else if (strcmp(name, "inval") == 0)
        b.kind = B_INVAL;
    else if (strcmp(name, "remap") == 0 || strcmp(name, "post") == 0) {
        fprintf(stderr, "vtdemu bench: case '%s' is not available yet\n",
                name);
        return 2;
    } else {
        fprintf(stderr, "vtdemu bench: unknown case '%s' (hit, miss, "
                "inval)\n", name);
        return 2;
    }

    struct guestmem *mem = guestmem_new_ram(1ULL << 30);
    build_tables(mem);
    struct vtd_host_ops ops;
    memset(&ops, 0, sizeof(ops));
    guestmem_host_ops(&ops);
    struct vtd_config cfg = {
        .version = VTD_CONFIG_VERSION, .cap = B_CAP, .ecap = B_ECAP,
        .cache = b.kind == B_MISS ? VTD_CACHE_NONE : VTD_CACHE_HARDWARE,
    };
    char why[256] = "";
    if (vtd_iommu_new(&cfg, &ops, mem, &b.u, why, sizeof(why)) < 0) {
        fprintf(stderr, "vtdemu bench: unit: %s\n", why);
        guestmem_free(mem);
        return 1;
    }
    /* VT-d 11.4.3: ECAP.IRO (bits 17:8) x 16 is IVA; IOTLB at +8. */
    b.iotlb_off = ((vtd_iommu_ecap(b.u) >> 8) & 0x3ff) * 16 + 8;
    int status = 0;
    if (program_unit(b.u) < 0) {
        fprintf(stderr, "vtdemu bench: programming the unit failed\n");
        status = 1;
    }
    /* Check the set-up: IOVA 0x5000 must reach B_OUT + 0x5000. */
    struct vtd_dma_req req = { .sid = B_SID, .pasid = VTD_NO_PASID,
                               .iova = 0x5000, .size = 8,
                               .access = VTD_ACC_READ };
    struct vtd_xlate out;
    memset(&out, 0, sizeof(out));
    if (status == 0 && (vtd_translate(b.u, &req, &out) < 0 || out.fault ||
                        out.addr != B_OUT + 0x5000)) {
        fprintf(stderr, "vtdemu bench: set-up check failed: IOVA 0x5000 "
                "gave %s 0x%" PRIx64 " (fault 0x%x), expected 0x%" PRIx64
                "\n", out.fault ? "fault" : "address", out.addr, out.fault,
                (uint64_t)(B_OUT + 0x5000));
        status = 1;
    }
    /* inval: start with every page cached. */
    for (uint64_t p = 0; status == 0 && b.kind == B_INVAL && p < B_PAGES;
         p++) {
        req.iova = p * 0x1000;
        if (vtd_translate(b.u, &req, &out) < 0 || out.fault) {
            fprintf(stderr, "vtdemu bench: filling the IOTLB faulted at "
                    "IOVA 0x%" PRIx64 "\n", req.iova);
            status = 1;
        }
    }
    if (status == 0 && iterations > 0) {
        b.iters = (uint64_t)iterations;
        b.threads = (unsigned)threads;
        GThread **th = g_new0(GThread *, b.threads);
        struct worker *w = g_new0(struct worker, b.threads);
        for (unsigned i = 0; i < b.threads; i++) {
            w[i].b = &b;
            w[i].index = i;
            th[i] = g_thread_new("bench", worker_run, &w[i]);
        }
        while (atomic_load(&b.ready) < b.threads)
            ;
        uint64_t t0 = now_ns();
        atomic_store(&b.go, true);
        for (unsigned i = 0; i < b.threads; i++)
            g_thread_join(th[i]);
        uint64_t dt = now_ns() - t0;
        g_free(th);
        g_free(w);
        double ops_total = (double)b.iters * b.threads;
        double ns_op = (double)dt * b.threads / ops_total;
        double mops = ops_total / ((double)dt / 1e9) / 1e6;
        printf("%s: %.1f ns/op, %.2f Mops/s, %u threads\n", name, ns_op,
               mops, b.threads);
        if (atomic_load(&b.errors)) {
            fprintf(stderr, "vtdemu bench: %lu translations faulted\n",
                    (unsigned long)atomic_load(&b.errors));
            status = 1;
        }
    } else if (status == 0) {
        printf("%s: set-up only (0 iterations), %d threads\n", name,
               threads);
    }
    if (stats) {
        struct vtd_stats st;
        vtd_get_stats(b.u, &st);
        fprintf(stderr, "iotlb hits %" PRIu64 ", misses %" PRIu64
                ", invalidations %" PRIu64 ", faults %" PRIu64 "\n",
                st.iotlb_hits, st.iotlb_misses, st.invalidations,
                st.faults_detected);
    }
    vtd_iommu_free(b.u);
    guestmem_free(mem);
    return status;
}
