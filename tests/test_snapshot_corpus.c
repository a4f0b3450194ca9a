/* SPDX-License-Identifier: MIT */
/*
 * tests/test_snapshot_corpus.c: migrate every unit in the middle of every
 * trace and check that nothing changes (issue 13 item 6).
 *
 *   test_snapshot_corpus [--random SEED] ITEM...
 *
 * An ITEM is a trace, a folder (searched for *.vtdt), or FOLDER=MACHINE.dtb
 * for traces without set-up lines that run on a machine (`vtdemu run`).  A
 * missing ITEM is skipped with a note (the oracle may be absent).
 *
 * Each trace is replayed twice with the replay engine: once uninterrupted
 * (the reference), once migrated after every command (or, with --random,
 * after commands chosen at random with probability 1/4 from SEED).  A
 * migration, done through the replay's state hook, is for each unit:
 *   1. s = vtd_save(unit);
 *   2. a fresh unit F, created from the configuration the stream's CONF
 *      section gives (which also checks that section's documented
 *      layout), vtd_load(F, s);
 *   3. vtd_save(F) must give s again, byte for byte (nothing lost or
 *      invented by a load and save);
 *   4. the replay's unit is reset (vtd_iommu_reset: every register,
 *      latched pointer, index and cache back to reset) and loaded from F's
 *      stream, then the replay continues with it.
 * Every expectation's verdict, expected and actual text must then equal the
 * reference run's, and so must the replay's own result.
 * Exit status 0 when every trace agrees, 1 otherwise, 77 (skip) when no
 * trace was found.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/vtd.h>

#include "trace/replay.h"
#include "trace/trace.h"

struct run {
    GPtrArray *verdicts;   /* "line pass expected | actual" strings */
    bool migrate;
    GRand *rng;            /* NULL: migrate after every command */
    unsigned long migrations;
    char fail[512];        /* first migration failure */
};

static void on_result(void *ctx, const struct replay_result *r)
{
    struct run *run = ctx;
    g_ptr_array_add(run->verdicts,
                    g_strdup_printf("%u %s %s | %s", r->line,
                                    r->pass ? "pass" : "FAIL",
                                    r->expected ? r->expected : "",
                                    r->actual ? r->actual : ""));
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int no_read(void *o, uint64_t gpa, void *buf, size_t len)
{
    (void)o; (void)gpa; (void)buf; (void)len;
    return -EIO;
}

static int no_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
    (void)o; (void)gpa; (void)buf; (void)len;
    return -EIO;
}

/* A fresh unit configured as the stream's CONF section says
 * (docs/snapshot.md: CONF first, at byte 24: tag, length 28, CAP, ECAP,
 * VER, HAW, flags). */
static int fresh_unit(const uint8_t *s, size_t n, struct vtd_iommu **out,
                      char *err, size_t errlen)
{
    if (n < 60 || memcmp(s + 24, "CONF", 4) != 0 || le(s + 28, 4) != 28) {
        snprintf(err, errlen, "stream does not start with a CONF section");
        return -EPROTO;
    }
    uint32_t flags = (uint32_t)le(s + 56, 4);
    struct vtd_config cfg = {
        .version = VTD_CONFIG_VERSION,
        .cap = le(s + 32, 8),
        .ecap = le(s + 40, 8),
        .ver = (uint32_t)le(s + 48, 4),
        .haw = (uint32_t)le(s + 52, 4),
        .no_fault_collapse = flags & 1,
        .cache = (flags & 2) ? VTD_CACHE_NONE
                 : (flags & 8) ? VTD_CACHE_PSC     /* paging-structure caches */
                               : VTD_CACHE_NO_PSC,
        .lint = (flags & 4) != 0,
    };
    static const struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION, .read = no_read, .write = no_write,
    };
    return vtd_iommu_new(&cfg, &ops, NULL, out, err, errlen);
}

static uint8_t *save(struct vtd_iommu *u, size_t *n)
{
    if (vtd_save(u, NULL, 0, n) < 0)
        return NULL;
    uint8_t *b = g_malloc(*n);
    if (vtd_save(u, b, *n, NULL) < 0) {
        g_free(b);
        return NULL;
    }
    return b;
}

static bool migrate_unit(struct run *run, unsigned line, size_t idx,
                         struct vtd_iommu *u)
{
    char err[300] = "";
    size_t n = 0, m = 0;
    struct vtd_iommu *f = NULL;
    uint8_t *s = save(u, &n), *t = NULL;
    int rc = s ? fresh_unit(s, n, &f, err, sizeof(err)) : -ENOMEM;
    if (rc == 0)
        rc = vtd_load(f, s, n, err, sizeof(err));
    if (rc == 0 && !(t = save(f, &m)))
        rc = -ENOMEM;
    if (rc == 0 && (m != n || memcmp(s, t, n) != 0)) {
        snprintf(err, sizeof(err), "save after load differs (%zu vs %zu "
                 "bytes)", m, n);
        rc = -EPROTO;
    }
    if (rc == 0) {
        vtd_iommu_reset(u);
        rc = vtd_load(u, t, m, err, sizeof(err));
    }
    if (rc < 0 && !run->fail[0])
        snprintf(run->fail, sizeof(run->fail),
                 "line %u unit %zu: migration failed (%d): %s", line, idx,
                 rc, err);
    vtd_iommu_free(f);
    g_free(s);
    g_free(t);
    run->migrations += rc == 0;
    return rc == 0;
}

static bool on_state(void *ctx, unsigned line, struct vtd_iommu *const *units,
                     const uint64_t *bases, size_t nunits,
                     struct guestmem *mem)
{
    struct run *run = ctx;
    (void)bases;
    (void)mem;
    if (!run->migrate)
        return true;
    if (run->rng && g_rand_int_range(run->rng, 0, 4) != 0)
        return true;
    for (size_t i = 0; i < nunits; i++)
        if (!migrate_unit(run, line, i, units[i]))
            return false;
    return true;
}

static int replay_one(const struct trace *t, struct run *run, char *err,
                      size_t errlen)
{
    struct replay_hooks hooks = { .ctx = run, .result = on_result,
                                  .state = on_state };
    struct replay_opts opts = { 0 };
    struct replay_summary sum = { 0 };
    return replay_trace(t, &opts, &hooks, &sum, err, errlen);
}

/* 0: same verdicts; 1: differs (printed). */
static int check_trace(const char *path, const char *machine, guint32 seed,
                       bool random, unsigned long *migrations,
                       unsigned long *verdicts)
{
    char err[512];
    struct trace *t = NULL;
    int rc = machine ? trace_load_on_machine(path, machine, &t, err,
                                             sizeof(err))
                     : trace_load(path, &t, err, sizeof(err));
    if (rc < 0) {
        printf("not ok %s: cannot load: %s\n", path, err);
        return 1;
    }
    struct run ref = { .verdicts = g_ptr_array_new_with_free_func(g_free) };
    struct run mig = { .verdicts = g_ptr_array_new_with_free_func(g_free),
                       .migrate = true,
                       .rng = random ? g_rand_new_with_seed(seed) : NULL };
    char err_ref[512] = "", err_mig[512] = "";
    int rc_ref = replay_one(t, &ref, err_ref, sizeof(err_ref));
    int rc_mig = replay_one(t, &mig, err_mig, sizeof(err_mig));
    int bad = 0;
    if (mig.fail[0]) {
        printf("not ok %s: %s\n", path, mig.fail);
        bad = 1;
    } else if (rc_ref != rc_mig || strcmp(err_ref, err_mig) != 0) {
        printf("not ok %s: replay result %d \"%s\", with migrations %d "
               "\"%s\"\n", path, rc_ref, err_ref, rc_mig, err_mig);
        bad = 1;
    } else if (ref.verdicts->len != mig.verdicts->len) {
        printf("not ok %s: %u expectations, with migrations %u\n", path,
               ref.verdicts->len, mig.verdicts->len);
        bad = 1;
    } else {
        for (guint i = 0; i < ref.verdicts->len; i++) {
            const char *a = g_ptr_array_index(ref.verdicts, i);
            const char *b = g_ptr_array_index(mig.verdicts, i);
            if (strcmp(a, b) != 0) {
                printf("not ok %s: uninterrupted \"%s\", migrated \"%s\"\n",
                       path, a, b);
                bad = 1;
                break;
            }
        }
    }
    *migrations += mig.migrations;
    *verdicts += ref.verdicts->len;
    g_ptr_array_free(ref.verdicts, TRUE);
    g_ptr_array_free(mig.verdicts, TRUE);
    if (mig.rng)
        g_rand_free(mig.rng);
    trace_free(t);
    return bad;
}

int main(int argc, char **argv)
{
    bool random = false;
    guint32 seed = 0;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--random") == 0) {
        random = true;
        seed = (guint32)strtoul(argv[2], NULL, 0);
        first = 3;
    }
    unsigned long ntraces = 0, nbad = 0, migrations = 0, verdicts = 0;
    for (int a = first; a < argc; a++) {
        char *dir = g_strdup(argv[a]);
        char *machine = strchr(dir, '=');
        if (machine)
            *machine++ = '\0';
        if (!g_file_test(dir, G_FILE_TEST_EXISTS)) {
            fprintf(stderr, "skipped (not there): %s\n", dir);
            g_free(dir);
            continue;
        }
        char err[512];
        char *args[1] = { dir };
        char **files = replay_collect_files(args, 1, err, sizeof(err));
        if (!files) {
            printf("not ok %s: %s\n", dir, err);
            nbad++;
            g_free(dir);
            continue;
        }
        for (char **f = files; *f; f++) {
            ntraces++;
            nbad += (unsigned long)check_trace(*f, machine,
                                               seed + (guint32)ntraces,
                                               random, &migrations,
                                               &verdicts);
        }
        g_strfreev(files);
        g_free(dir);
    }
    printf("%lu traces, %lu expectations, %lu unit migrations, %lu "
           "differing\n", ntraces, verdicts, migrations, nbad);
    if (ntraces == 0)
        return 77;
    return nbad ? 1 : 0;
}
